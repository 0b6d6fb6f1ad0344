// Browser-test harness for the example site: a fresh MariaDB database with
// the schema applied, the built app (`node build`) on a free port, and
// Debian's Chromium driven by playwright-core. Everything it starts is torn
// down by close(), which tests register with node:test's after() so it runs
// even when a test fails.
//
// The URL the browser uses is E2E_BASE_URL (or options.baseURL): later tests
// put Caddy with caddy-mautic there, in front of the app.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { chromium } from 'playwright-core';
import { applySchema } from '../scripts/db-apply.mjs';
import { parseDatabaseURL } from '../src/lib/server/database-url.js';

/** Folder of the example app (holds build/ after `npm run build`). */
export const appDir = fileURLToPath(new URL('..', import.meta.url));

/** Debian's Chromium; npm's browser downloads do not work here. */
export const chromiumPath = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Flags for Chromium in a container without a GPU, sandbox or network.
 * Playwright adds a fresh temporary --user-data-dir itself (and refuses one
 * in args), and removes it when the browser closes.
 */
export const chromiumArgs = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync'
];

/** MariaDB server the databases are created on (no database name). */
export const mysqlServerURL = process.env.E2E_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Set by the root layout once Svelte has hydrated the page. */
export const HYDRATED = 'main[data-hydrated="true"]';

const HEALTH_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Child processes still running, killed if this process exits early. */
const liveChildren = new Set();
process.on('exit', () => {
	for (const child of liveChildren) child.kill('SIGKILL');
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
	process.once(signal, () => {
		for (const child of liveChildren) child.kill('SIGKILL');
		process.kill(process.pid, signal);
	});
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
			server.close(() => resolve(port));
		});
	});
}

/**
 * @typedef {object} TestDatabase
 * @property {string} name database name
 * @property {string} url DATABASE_URL for the app
 * @property {(sql: string, params?: any[]) => Promise<any[]>} query runs SQL in the database, returns rows
 * @property {(email: string) => Promise<any | undefined>} userByEmail the `user` row, or undefined
 * @property {() => Promise<void>} drop drops the database and closes the connection
 */

/**
 * Creates a uniquely named database on the test server and applies the
 * schema to it, the way `npm run db:apply` does.
 * @param {{ serverURL?: string }} [options]
 * @returns {Promise<TestDatabase>}
 */
export async function createDatabase({ serverURL = mysqlServerURL } = {}) {
	const name = `cm_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
	const url = `${serverURL.replace(/\/+$/, '')}/${name}`;
	await applySchema(url);
	let conn;
	try {
		conn = await mysql.createConnection({ ...parseDatabaseURL(url), timezone: 'Z' });
	} catch (err) {
		await dropDatabase(serverURL, name);
		throw err;
	}
	const connection = conn;
	return {
		name,
		url,
		async query(sql, params = []) {
			const [rows] = await connection.query(sql, params);
			return /** @type {any[]} */ (rows);
		},
		async userByEmail(email) {
			const [rows] = await connection.query('SELECT * FROM `user` WHERE email = ?', [email]);
			return /** @type {any[]} */ (rows)[0];
		},
		async drop() {
			await connection.end().catch(() => {});
			await dropDatabase(serverURL, name);
		}
	};
}

/** @param {string} serverURL @param {string} name */
async function dropDatabase(serverURL, name) {
	const { database: _ignored, ...server } = parseDatabaseURL(`${serverURL.replace(/\/+$/, '')}/${name}`);
	const conn = await mysql.createConnection(server);
	try {
		await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
	} finally {
		await conn.end();
	}
}

/**
 * @typedef {object} RunningProcess
 * @property {import('node:child_process').ChildProcess} process
 * @property {() => string} logs the last 64 kB it printed (stdout and stderr)
 * @property {Promise<{ code: number | null, signal: string | null }>} exited settles when it exits
 * @property {() => Promise<{ code: number | null, signal: string | null, graceful: boolean }>} stop
 *   SIGTERM, then SIGKILL after 10 s; graceful is false when SIGKILL was needed
 */

/**
 * Starts a child process that is killed if this process exits first, with
 * its output kept for error messages. Tests start Caddy and the Mautic
 * simulator with it; startApp starts the app with it.
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd?: string, env?: Record<string, string | undefined> }} [options]
 * @returns {RunningProcess}
 */
export function startProcess(command, args, { cwd, env } = {}) {
	const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
	liveChildren.add(child);
	let output = '';
	const append = (/** @type {Buffer} */ chunk) => {
		output = (output + chunk.toString()).slice(-64_000);
	};
	child.stdout?.on('data', append);
	child.stderr?.on('data', append);
	/** @type {Promise<{ code: number | null, signal: string | null }>} */
	const exited = new Promise((resolve) => {
		child.once('exit', (code, signal) => {
			liveChildren.delete(child);
			resolve({ code, signal });
		});
		// A command that cannot be started emits error, has no pid and
		// never exits.
		child.on('error', (err) => {
			output += `\nharness: ${command}: ${err.message}`;
			if (child.pid === undefined) {
				liveChildren.delete(child);
				resolve({ code: null, signal: null });
			}
		});
	});
	return {
		process: child,
		logs: () => output,
		exited,
		async stop() {
			if (child.exitCode !== null || child.signalCode !== null || !liveChildren.has(child)) {
				return { ...(await exited), graceful: true };
			}
			child.kill('SIGTERM');
			let killed = false;
			const timer = setTimeout(() => {
				killed = true;
				child.kill('SIGKILL');
			}, STOP_TIMEOUT_MS);
			const result = await exited;
			clearTimeout(timer);
			return { ...result, graceful: !killed };
		}
	};
}

/**
 * @typedef {object} RunningApp
 * @property {string} url where the app itself listens, e.g. http://127.0.0.1:41234
 * @property {string} publicURL BETTER_AUTH_URL / ORIGIN it was started with
 * @property {import('node:child_process').ChildProcess} process
 * @property {() => string} logs everything it printed so far
 * @property {() => Promise<{ code: number | null, signal: string | null, graceful: boolean }>} stop
 *   SIGTERM, then SIGKILL after 10 s; graceful is false when SIGKILL was needed
 */

/**
 * Starts the built app (`node build`) and waits until /api/health answers.
 * @param {{
 *   databaseURL: string,
 *   port?: number,
 *   publicURL?: string,
 *   env?: Record<string, string>
 * }} options publicURL defaults to the app's own URL
 * @returns {Promise<RunningApp>}
 */
export async function startApp({ databaseURL, port, publicURL, env = {} }) {
	if (!existsSync(new URL('../build/index.js', import.meta.url))) {
		throw new Error(`harness: ${appDir}build/index.js is missing: run "npm run build" in ${appDir} first`);
	}
	const appPort = port ?? (await freePort());
	const url = `http://127.0.0.1:${appPort}`;
	const origin = publicURL ?? url;
	const trusted = [...new Set([origin, url].map((u) => new URL(u).origin))];
	const running = startProcess(process.execPath, ['build'], {
		cwd: appDir,
		env: {
			...process.env,
			NODE_ENV: 'production',
			HOST: '127.0.0.1',
			PORT: String(appPort),
			ORIGIN: origin,
			DATABASE_URL: databaseURL,
			BETTER_AUTH_URL: origin,
			BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
			BETTER_AUTH_TRUSTED_ORIGINS: trusted.join(','),
			// Keep-alive sockets from the browser should not delay shutdown.
			SHUTDOWN_TIMEOUT: '5',
			...env
		}
	});
	const app = { url, publicURL: origin, process: running.process, logs: running.logs, stop: running.stop };

	try {
		await waitForHealth(url, { exited: running.exited });
	} catch (err) {
		await app.stop();
		throw new Error(`${/** @type {Error} */ (err).message}\n--- app output ---\n${running.logs()}`);
	}
	return app;
}

/**
 * Polls `${baseURL}/api/health` until it answers {"ok":true}.
 * @param {string} baseURL
 * @param {{ timeoutMs?: number, exited?: Promise<unknown> }} [options]
 *   exited: rejects at once when that promise settles (the process died)
 */
export async function waitForHealth(baseURL, { timeoutMs = HEALTH_TIMEOUT_MS, exited } = {}) {
	const deadline = Date.now() + timeoutMs;
	let died = false;
	exited?.then(() => {
		died = true;
	});
	let last = 'no answer';
	while (Date.now() < deadline) {
		if (died) throw new Error(`harness: the app exited before ${baseURL}/api/health answered`);
		try {
			const res = await fetch(`${baseURL}/api/health`, { signal: AbortSignal.timeout(2_000) });
			const body = await res.text();
			if (res.ok && body === '{"ok":true}') return;
			last = `HTTP ${res.status} ${body.slice(0, 200)}`;
		} catch (err) {
			last = /** @type {Error} */ (err).message;
		}
		await new Promise((resolve) => setTimeout(resolve, 200));
	}
	throw new Error(`harness: ${baseURL}/api/health did not answer {"ok":true} within ${timeoutMs} ms (last: ${last})`);
}

/** Launches Debian's Chromium headless with a fresh profile. */
export async function launchBrowser() {
	if (!existsSync(chromiumPath)) {
		throw new Error(`harness: ${chromiumPath} is missing: install it with "apt-get install -y chromium" or set E2E_CHROMIUM`);
	}
	return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs, timeout: 60_000 });
}

/**
 * @typedef {object} Harness
 * @property {string} baseURL the URL the browser uses (E2E_BASE_URL or the app's)
 * @property {string} appURL where the app itself listens
 * @property {TestDatabase} db
 * @property {RunningApp} app
 * @property {import('playwright-core').Browser} browser
 * @property {(path?: string) => string} url baseURL + path
 * @property {(options?: import('playwright-core').BrowserContextOptions) => Promise<import('playwright-core').Page>} newPage
 *   a page in its own browser context (own cookies), closed by close()
 * @property {(page: import('playwright-core').Page) => Promise<void>} ready
 *   waits until the page is hydrated (a no-op with JavaScript off): click
 *   JavaScript-driven controls only after it, or SvelteKit is not listening yet
 * @property {(page: import('playwright-core').Page, path: string) => Promise<void>} open
 *   page.goto(path), then ready(page)
 * @property {(cleanup: () => unknown) => void} defer runs cleanup at close(), last in first out
 * @property {() => Promise<{ appStop: { code: number | null, signal: string | null, graceful: boolean } | null }>} close
 *   tears everything down; safe to call twice
 */

/**
 * Starts a database, the app and Chromium. Register `after(() => h.close())`
 * right away: node:test runs after() hooks even when tests fail.
 *
 * To put something in front of the app (Caddy), pick its port first, pass
 * its URL as baseURL, and start it in beforeBrowser, which gets the harness
 * with appURL set; setup then waits for baseURL/api/health too.
 * @param {{
 *   baseURL?: string,
 *   appPort?: number,
 *   env?: Record<string, string>,
 *   beforeBrowser?: (h: Harness) => Promise<void>
 * }} [options]
 * @returns {Promise<Harness>}
 */
export async function setup(options = {}) {
	const baseURL = trimSlash(options.baseURL ?? process.env.E2E_BASE_URL ?? '');
	const appPort = options.appPort ?? (process.env.E2E_APP_PORT ? Number(process.env.E2E_APP_PORT) : undefined);
	/** @type {(() => unknown)[]} */
	const cleanups = [];
	/** Pages whose context has JavaScript off: they never hydrate. */
	const withoutScript = new WeakSet();
	/** @type {any} */
	const h = {
		baseURL,
		url: (/** @type {string} */ path = '/') => h.baseURL + path,
		defer: (/** @type {() => unknown} */ fn) => cleanups.push(fn),
		newPage: async (/** @type {any} */ contextOptions = {}) => {
			const context = await h.browser.newContext({ baseURL: h.baseURL, ...contextOptions });
			const page = await context.newPage();
			if (contextOptions.javaScriptEnabled === false) withoutScript.add(page);
			return page;
		},
		ready: async (/** @type {import('playwright-core').Page} */ page) => {
			if (!withoutScript.has(page)) await page.locator(HYDRATED).waitFor();
		},
		open: async (/** @type {import('playwright-core').Page} */ page, /** @type {string} */ path) => {
			await page.goto(path);
			await h.ready(page);
		}
	};
	let closed = false;
	let appStop = null;
	h.close = async () => {
		if (closed) return { appStop };
		closed = true;
		const errors = [];
		while (cleanups.length) {
			try {
				await cleanups.pop()?.();
			} catch (err) {
				errors.push(err);
			}
		}
		if (errors.length) throw new AggregateError(errors, 'harness: teardown failed');
		return { appStop };
	};

	try {
		h.db = await createDatabase();
		cleanups.push(() => h.db.drop());
		h.app = await startApp({ databaseURL: h.db.url, port: appPort, publicURL: baseURL || undefined, env: options.env });
		cleanups.push(async () => {
			appStop = await h.app.stop();
		});
		h.appURL = h.app.url;
		h.baseURL = baseURL || h.app.url;
		if (options.beforeBrowser) await options.beforeBrowser(h);
		if (h.baseURL !== h.appURL) await waitForHealth(h.baseURL);
		h.browser = await launchBrowser();
		cleanups.push(() => h.browser.close());
	} catch (err) {
		await h.close().catch(() => {});
		throw err;
	}
	return h;
}

/** @param {string} url */
function trimSlash(url) {
	return url.replace(/\/+$/, '');
}
