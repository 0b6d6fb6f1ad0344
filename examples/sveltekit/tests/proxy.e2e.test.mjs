// The harness with something in front of the app, the way later tests put
// Caddy there: the browser only talks to baseURL, the app gets
// BETTER_AUTH_URL/ORIGIN = baseURL. A tiny Node reverse proxy stands in for
// Caddy (same Host passing and X-Forwarded-* headers).
import assert from 'node:assert/strict';
import { createServer, request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, setup } from './harness.mjs';

/** @type {import('./harness.mjs').Harness} */
let h;
/** Paths the proxy forwarded, in order. */
const proxied = [];

/**
 * Starts a reverse proxy on 127.0.0.1:port to target; returns a stop function.
 * @param {number} port
 * @param {string} target
 */
async function startProxy(port, target) {
	const upstream = new URL(target);
	const server = createServer((req, res) => {
		proxied.push(req.url ?? '');
		const out = httpRequest(
			{
				host: upstream.hostname,
				port: upstream.port,
				method: req.method,
				path: req.url,
				headers: {
					...req.headers,
					'x-forwarded-for': req.socket.remoteAddress,
					'x-forwarded-proto': 'http',
					'x-forwarded-host': req.headers.host
				}
			},
			(upstreamRes) => {
				res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.rawHeaders);
				upstreamRes.pipe(res);
			}
		);
		out.on('error', () => {
			res.writeHead(502).end();
		});
		req.pipe(out);
	});
	await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
	return () =>
		new Promise((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve(undefined));
		});
}

before(async () => {
	const port = await freePort();
	h = await setup({
		baseURL: `http://127.0.0.1:${port}`,
		beforeBrowser: async (harness) => {
			const stop = await startProxy(port, harness.appURL);
			harness.defer(stop);
		}
	});
});

after(async () => {
	await h?.close();
});

test('sign-up, account and language switch work through a proxy on another port', { timeout: 60_000 }, async () => {
	assert.notEqual(h.baseURL, h.appURL);
	const page = await h.newPage();
	await h.open(page, '/signup');
	await page.locator('input[name=name]').fill('Proxied');
	await page.locator('input[name=email]').fill('proxied@example.com');
	await page.locator('input[name=password]').fill('correct horse battery');
	await page.getByTestId('signup-submit').click();
	await page.waitForURL(`${h.baseURL}/account`);
	assert.equal(await page.getByTestId('account-email').textContent(), 'proxied@example.com');

	await h.ready(page);
	const reloaded = page.waitForResponse((res) => res.request().resourceType() === 'document');
	await page.getByTestId('locale-de').click();
	await reloaded;
	await page.waitForLoadState('load');
	assert.equal(await page.locator('h1').textContent(), 'Dein Konto');
	assert.equal((await h.db.userByEmail('proxied@example.com')).locale, 'de');

	for (const path of ['/signup', '/account', '/api/auth/update-user']) {
		assert.ok(proxied.some((p) => p.startsWith(path)), `${path} did not go through the proxy: ${proxied.join(' ')}`);
	}
	// The session cookie belongs to the public origin the browser saw.
	const session = (await page.context().cookies(h.baseURL)).find((c) => c.name === 'better-auth.session_token');
	assert.ok(session, 'no session cookie for the proxy origin');
});
