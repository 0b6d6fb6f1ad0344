// The real caddy-mautic stack for browser tests: the Mautic simulator
// (bin/mautic-sim, built from this repository), and ./caddy (built by
// ./xcaddy.sh, or CADDY_BIN) running a Caddyfile made from
// Caddyfile.example with its ports and addresses replaced, in front of the
// app the harness starts. Only Mautic is simulated.
//
//	const stack = await caddyStack();         // builds, picks ports and secrets
//	const h = await setup(stack.harnessOptions());
//	after(() => h.close());                    // stops Caddy and the simulator too
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, startProcess } from './harness.mjs';

const run = promisify(execFile);

/** The repository's root. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The Caddyfile the tests run, as committed. */
export const exampleCaddyfile = join(repoRoot, 'Caddyfile.example');

const BUILD_TIMEOUT_MS = 10 * 60_000;
const READY_TIMEOUT_MS = 30_000;

/**
 * Polls check until it returns something other than undefined, null or
 * false, and returns that.
 * @template T
 * @param {() => Promise<T> | T} check
 * @param {{ what: string, timeoutMs?: number, intervalMs?: number }} options
 * @returns {Promise<NonNullable<T>>}
 */
export async function waitFor(check, { what, timeoutMs = 10_000, intervalMs = 200 }) {
	const deadline = Date.now() + timeoutMs;
	let last;
	for (;;) {
		try {
			const v = await check();
			if (v !== undefined && v !== null && v !== false) return /** @type {NonNullable<T>} */ (v);
			last = v;
		} catch (err) {
			last = /** @type {Error} */ (err).message;
		}
		if (Date.now() >= deadline) {
			throw new Error(`caddy-stack: ${what} not within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
		}
		await new Promise((resolve) => setTimeout(resolve, intervalMs));
	}
}

/**
 * Returns the path of a Caddy with caddy-mautic: CADDY_BIN when set, else
 * ./caddy, built first with ./xcaddy.sh when it is missing or older than a
 * Go source file, go.mod or go.sum.
 */
export async function ensureCaddy() {
	if (process.env.CADDY_BIN) return process.env.CADDY_BIN;
	const bin = join(repoRoot, 'caddy');
	if (!existsSync(bin) || (await newestSource(repoRoot)) > statSync(bin).mtimeMs) {
		await build('./xcaddy.sh', []);
	}
	return bin;
}

/** Builds bin/mautic-sim from the repository (go build caches the work). */
export async function ensureSimulator() {
	const bin = join(repoRoot, 'bin', 'mautic-sim');
	await build('go', ['build', '-o', bin, './mautic/mautictest/cmd/mautic-sim']);
	return bin;
}

/** @param {string} command @param {string[]} args */
async function build(command, args) {
	try {
		await run(command, args, { cwd: repoRoot, timeout: BUILD_TIMEOUT_MS, maxBuffer: 64 << 20 });
	} catch (err) {
		const e = /** @type {any} */ (err);
		throw new Error(`caddy-stack: ${command} ${args.join(' ')} failed in ${repoRoot}: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
	}
}

/** The newest mtime of the Go sources, go.mod and go.sum under dir. */
async function newestSource(/** @type {string} */ dir) {
	let newest = 0;
	for (const entry of await readdir(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) {
			if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
			newest = Math.max(newest, await newestSource(path));
		} else if (entry.name.endsWith('.go') || (dir === repoRoot && (entry.name === 'go.mod' || entry.name === 'go.sum'))) {
			newest = Math.max(newest, statSync(path).mtimeMs);
		}
	}
	return newest;
}

/**
 * Makes the tests' Caddyfile from Caddyfile.example: the site on sitePort
 * (bound to 127.0.0.1), the admin API on adminPort, the app at appAddr.
 * Every directive is kept; it throws when the example no longer has the
 * addresses it replaces, so the test never runs a config of its own.
 * @param {string} example the text of Caddyfile.example
 * With handover, the first_party directive gets its handover option.
 * @param {{ sitePort: number, adminPort: number, appAddr: string, handover?: boolean }} where
 */
export function caddyfileFrom(example, { sitePort, adminPort, appAddr, handover = false }) {
	/** @type {[RegExp, string][]} */
	const swaps = [
		[/^(\s*)http_port 8080$/m, `$1http_port ${sitePort}\n$1admin 127.0.0.1:${adminPort}\n$1default_bind 127.0.0.1`],
		[/^:8080 \{$/m, `:${sitePort} {`],
		[/127\.0\.0\.1:3000/g, appAddr]
	];
	if (handover) swaps.push([/^(\s*)first_party (\S+)$/m, '$1first_party $2 {\n$1\thandover\n$1}']);
	let out = example;
	for (const [re, repl] of swaps) {
		if (!out.match(re)) throw new Error(`caddy-stack: Caddyfile.example has no ${re}: update caddyfileFrom`);
		out = out.replace(re, repl);
	}
	const config = out
		.split('\n')
		.filter((l) => !l.trim().startsWith('#'))
		.join('\n');
	for (const stale of [':8080', ':3000']) {
		if (config.includes(stale)) throw new Error(`caddy-stack: the tests' Caddyfile still names ${stale}: update caddyfileFrom`);
	}
	return out;
}

/**
 * @typedef {object} SimContact the simulator's view of a contact (inspector JSON)
 * @property {number} ID
 * @property {Record<string, string>} Fields
 * @property {string[]} DeviceIDs
 * @property {number} Hits
 */

/**
 * @typedef {object} Stack
 * @property {string} baseURL Caddy's site, what the browser uses
 * @property {string} adminURL Caddy's admin API
 * @property {string} mauticURL the simulator (its API under /api)
 * @property {string} inspectorURL the simulator's contact store as JSON
 * @property {{ user: string, password: string }} mauticAuth
 * @property {string} betterAuthSecret shared by the app and Caddy
 * @property {() => import('./harness.mjs').RunningProcess | undefined} caddy
 * @property {() => import('./harness.mjs').RunningProcess | undefined} simulator
 * @property {() => Promise<SimContact[]>} contacts every contact in the simulator
 * @property {(id: number) => Promise<SimContact | undefined>} contact
 * @property {(email: string) => Promise<SimContact[]>} contactsByEmail by id, case-insensitive
 * @property {(id: number) => Promise<Response>} deleteContact DELETE /api/contacts/{id}/delete with Basic auth
 * @property {() => Promise<any>} health GET /mautic/health on the admin API (body; status in .status)
 * @property {() => Parameters<typeof import('./harness.mjs').setup>[0]} harnessOptions
 *   options for setup(): baseURL, the app's secret, and a beforeBrowser
 *   that starts the simulator and Caddy and defers their shutdown
 */

/**
 * Builds Caddy and the simulator, picks free ports and fresh secrets, and
 * returns what setup() needs to start the whole stack.
 *
 * With handover, first_party gets its handover option and the simulator's
 * email field is publicly updatable, as the module's docs require for it.
 * @param {{ handover?: boolean }} [options]
 * @returns {Promise<Stack>}
 */
export async function caddyStack({ handover = false } = {}) {
	const [caddyBin, simBin] = [await ensureCaddy(), await ensureSimulator()];
	const [sitePort, adminPort, simPort, inspectPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
	const baseURL = `http://127.0.0.1:${sitePort}`;
	const mauticURL = `http://127.0.0.1:${simPort}`;
	const inspectorURL = `http://127.0.0.1:${inspectPort}`;
	const adminURL = `http://127.0.0.1:${adminPort}`;
	const secret = () => randomBytes(32).toString('hex');
	const mauticAuth = { user: 'e2e', password: secret() };
	const webhookSecret = secret();
	const betterAuthSecret = secret();
	// Node's fetch sends Sec-Fetch-Mode, for which Caddy's admin API wants
	// an Origin it allows: its own.
	const adminHeaders = { origin: adminURL };
	/** @type {import('./harness.mjs').RunningProcess | undefined} */ let caddy;
	/** @type {import('./harness.mjs').RunningProcess | undefined} */ let simulator;

	const contacts = async () => {
		const res = await fetch(`${inspectorURL}/contacts`);
		if (!res.ok) throw new Error(`caddy-stack: inspector answered ${res.status}`);
		return /** @type {SimContact[]} */ ((await res.json()) ?? []);
	};

	/** @param {import('./harness.mjs').Harness} h */
	async function startSimulator(h) {
		simulator = startProcess(simBin, [
			'-addr', `127.0.0.1:${simPort}`,
			'-inspect', `127.0.0.1:${inspectPort}`,
			'-user', mauticAuth.user,
			'-webhook-url', `${baseURL}/api/webhooks/mautic`,
			...(handover ? ['-public-email'] : [])
		], { env: { ...process.env, MAUTIC_SIM_PASSWORD: mauticAuth.password, MAUTIC_SIM_WEBHOOK_SECRET: webhookSecret } });
		h.defer(() => simulator?.stop());
		await ready('the Mautic simulator', simulator, `${inspectorURL}/contacts`);
	}

	/** @param {import('./harness.mjs').Harness} h */
	async function startCaddy(h) {
		const dir = await mkdtemp(join(tmpdir(), 'cm-e2e-caddy-'));
		h.defer(() => rm(dir, { recursive: true, force: true }));
		const caddyfile = join(dir, 'Caddyfile');
		const appAddr = new URL(h.appURL).host;
		await writeFile(caddyfile, caddyfileFrom(await readFile(exampleCaddyfile, 'utf8'), { sitePort, adminPort, appAddr, handover }));
		caddy = startProcess(caddyBin, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
			cwd: dir,
			env: {
				...process.env,
				// Caddy's data folder holds the webhook spool: one per run.
				XDG_DATA_HOME: join(dir, 'data'),
				XDG_CONFIG_HOME: join(dir, 'config'),
				MAUTIC_BASEURL: mauticURL,
				MAUTIC_USERNAME: mauticAuth.user,
				MAUTIC_PASSWORD: mauticAuth.password,
				PUBLIC_MAUTIC_URL: mauticURL,
				BETTER_AUTH_SECRET: betterAuthSecret,
				DATABASE_URL: h.db.url,
				MAUTIC_WEBHOOK_SECRET: webhookSecret
			}
		});
		h.defer(async () => {
			const result = await caddy?.stop();
			if (result && !result.graceful) throw new Error(`caddy-stack: Caddy needed SIGKILL\n${caddy?.logs()}`);
		});
		await ready('Caddy', caddy, `${adminURL}/config/`, adminHeaders);
	}

	return {
		baseURL,
		adminURL,
		mauticURL,
		inspectorURL,
		mauticAuth,
		betterAuthSecret,
		caddy: () => caddy,
		simulator: () => simulator,
		contacts,
		contact: async (id) => (await contacts()).find((c) => c.ID === id),
		contactsByEmail: async (email) =>
			(await contacts()).filter((c) => (c.Fields.email ?? '').toLowerCase() === email.toLowerCase()).sort((a, b) => a.ID - b.ID),
		deleteContact: (id) =>
			fetch(`${mauticURL}/api/contacts/${id}/delete`, {
				method: 'DELETE',
				headers: { authorization: 'Basic ' + Buffer.from(`${mauticAuth.user}:${mauticAuth.password}`).toString('base64') }
			}),
		health: async () => {
			const res = await fetch(`${adminURL}/mautic/health`, { headers: adminHeaders });
			return { status: res.status, ...(await res.json()) };
		},
		harnessOptions: () => ({
			baseURL,
			env: { BETTER_AUTH_SECRET: betterAuthSecret },
			beforeBrowser: async (h) => {
				await startSimulator(h);
				await startCaddy(h);
			}
		})
	};
}

/**
 * Waits until url answers 2xx; fails at once, with the output, when the
 * process exits.
 * @param {string} what
 * @param {import('./harness.mjs').RunningProcess} proc
 * @param {string} url
 * @param {Record<string, string>} [headers]
 */
async function ready(what, proc, url, headers = {}) {
	/** @type {{ code: number | null, signal: string | null } | undefined} */
	let exited;
	proc.exited.then((how) => {
		exited = how;
	});
	const deadline = Date.now() + READY_TIMEOUT_MS;
	let last = 'no answer';
	while (!exited && Date.now() < deadline) {
		try {
			const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
			if (res.ok) return;
			last = `HTTP ${res.status}`;
		} catch (err) {
			last = /** @type {Error} */ (err).message;
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	const why = exited ? `exited (code ${exited.code}, signal ${exited.signal})` : `did not answer ${url} within ${READY_TIMEOUT_MS} ms (last: ${last})`;
	throw new Error(`caddy-stack: ${what} ${why}\n--- ${what} output ---\n${proc.logs()}`);
}
