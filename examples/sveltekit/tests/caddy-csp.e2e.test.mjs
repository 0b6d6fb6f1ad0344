// A Content-Security-Policy in a <meta> tag, as SvelteKit's kit.csp writes it
// into prerendered pages, judged by caddy-mautic and by real Chromium: the
// routes under /csp are prerendered pages without client-side JavaScript
// whose <svelte:head> carries the policy, served by the app through ./caddy
// (Caddyfile.example, placement before_head_end, first-party /mtc-proxy).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { caddyStack, waitFor } from './caddy-stack.mjs';
import { setup } from './harness.mjs';

const TEST_TIMEOUT = 60_000;
const LOADER_MARKER = 'MauticTrackingObject';

/** @type {import('./caddy-stack.mjs').Stack} */
let stack;
/** @type {import('./harness.mjs').Harness} */
let h;
/** Chromium's own User-Agent without "Headless": Mautic ignores bots. */
let userAgent = '';

before(
	async () => {
		stack = await caddyStack();
		h = await setup(stack.harnessOptions());
		userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${h.browser.version()} Safari/537.36`;
	},
	{ timeout: 15 * 60_000 }
);

after(async () => {
	await h?.close();
});

/**
 * A new browser profile, every URL it requests, and every CSP violation
 * Chromium reports on its console.
 */
async function newVisitor() {
	const page = await h.newPage({ userAgent });
	/** @type {URL[]} */
	const requests = [];
	/** @type {string[]} */
	const violations = [];
	page.context().on('request', (req) => requests.push(new URL(req.url())));
	page.on('console', (msg) => {
		if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
	});
	return { page, requests, violations };
}

/** caddy_mautic_injection_total for outcome, from Caddy's admin metrics. */
async function injections(/** @type {string} */ outcome) {
	const res = await fetch(`${stack.adminURL}/metrics`, { headers: { origin: stack.adminURL } });
	assert.equal(res.status, 200, 'admin /metrics');
	const text = await res.text();
	let sum = 0;
	for (const line of text.split('\n')) {
		if (line.startsWith('caddy_mautic_injection_total{') && line.includes(`outcome="${outcome}"`)) {
			sum += Number(line.slice(line.lastIndexOf(' ') + 1));
		}
	}
	return sum;
}

/** The inline loader's JavaScript, as Caddy injects it into the home page. */
async function loaderScript() {
	const html = await (await fetch(h.baseURL + '/', { headers: { 'user-agent': userAgent, accept: 'text/html' } })).text();
	const m = /<script[^>]*>([^<]*MauticTrackingObject[^<]*)<\/script>/.exec(html);
	assert.ok(m, 'no loader in the home page');
	return m[1];
}

describe('a Content-Security-Policy in a <meta> tag', () => {
	test('a meta nonce goes on the loader: Chromium runs it, loads mtc.js and Mautic sees the hit', { timeout: TEST_TIMEOUT }, async () => {
		const injected = await injections('injected');
		const { page, requests, violations } = await newVisitor();
		const res = await page.goto('/csp/allowed');
		const html = (await res?.text()) ?? '';
		assert.match(html, /<meta http-equiv="Content-Security-Policy" content="script-src 'self' 'nonce-e2eStaticNonce'"/, 'the prerendered page lost its meta CSP');
		assert.equal(html.split(LOADER_MARKER).length - 1, 1, 'loaders in the page source');
		assert.ok(html.includes('<script nonce="e2eStaticNonce">'), 'the loader lacks the meta policy\'s nonce');
		assert.ok(html.indexOf('http-equiv="Content-Security-Policy"') < html.indexOf(LOADER_MARKER), 'the loader precedes the meta');

		const mtcID = await waitFor(
			async () => Number((await page.context().cookies(h.baseURL)).find((c) => c.name === 'mtc_id')?.value ?? 0) || undefined,
			{ what: 'the mtc_id cookie mtc.js sets' }
		);
		await waitFor(async () => (await stack.contact(mtcID))?.Hits, { what: `contact ${mtcID} with a hit` });
		assert.ok(requests.some((u) => u.pathname === '/mtc-proxy/mtc.js'), 'mtc.js was not requested through Caddy');
		assert.deepEqual(violations, [], 'Chromium reported CSP violations');
		assert.equal(await injections('injected'), injected + 1, 'injection_total{outcome="injected"}');
	});

	test('a meta policy that blocks the loader: nothing injected, csp_blocked counted, and Chromium would refuse it', { timeout: TEST_TIMEOUT }, async () => {
		const [blocked, injected] = [await injections('csp_blocked'), await injections('injected')];
		const { page, requests } = await newVisitor();
		const res = await page.goto('/csp/blocked');
		const html = (await res?.text()) ?? '';
		assert.match(html, /<meta http-equiv="Content-Security-Policy" content="script-src 'self'"/, 'the prerendered page lost its meta CSP');
		assert.ok(!html.includes(LOADER_MARKER), 'the loader was injected where the policy blocks it');
		assert.equal(await injections('csp_blocked'), blocked + 1, 'injection_total{outcome="csp_blocked"}');
		assert.equal(await injections('injected'), injected, 'a blocked page was counted as injected');
		assert.ok(!requests.some((u) => u.pathname.startsWith('/mtc-proxy/')), 'tracking requests from a blocked page');

		// What the module predicted, Chromium confirms: the same loader, run
		// as an inline script under this page's policy, is refused.
		const loaderJS = await loaderScript();
		const violation = await page.evaluate(
			(js) =>
				new Promise((resolve) => {
					document.addEventListener('securitypolicyviolation', (e) => resolve({ directive: e.effectiveDirective, blocked: e.blockedURI }), { once: true });
					const s = document.createElement('script');
					s.textContent = js;
					document.head.append(s);
				}),
			loaderJS
		);
		assert.deepEqual(violation, { directive: 'script-src-elem', blocked: 'inline' });
		assert.equal(await page.evaluate(() => typeof (/** @type {any} */ (window).MauticTrackingObject)), 'undefined', 'the loader ran');
	});

	test('Chromium: a meta policy after the loader does not stop the mtc.js the loader inserts (after_head_start)', { timeout: TEST_TIMEOUT }, async () => {
		// With placement after_head_start the loader precedes the page's meta
		// policy, which the module therefore does not judge. Whether the
		// mtc.js element the loader creates is still fetched is Chromium's
		// call; this page asks it directly, no Caddy involved.
		const loaderJS = await loaderScript();
		const page = await h.newPage();
		/** @type {string[]} */
		const fetched = [];
		await page.route('http://csp.invalid/**', (route) => {
			const url = new URL(route.request().url());
			fetched.push(url.pathname);
			if (url.pathname === '/mtc.js') return route.fulfill({ contentType: 'text/javascript', body: 'window.mtcRan = true;' });
			return route.fulfill({
				contentType: 'text/html',
				body:
					'<!doctype html><html><head><script>' +
					loaderJS.replace('"/mtc-proxy/mtc.js"', '"/mtc.js"') +
					'</script><meta http-equiv="Content-Security-Policy" content="script-src \'none\'"></head><body></body></html>'
			});
		});
		await page.goto('http://csp.invalid/page');
		await waitFor(() => page.evaluate(() => /** @type {any} */ (window).mtcRan === true), { what: 'mtc.js to run' });
		assert.deepEqual(fetched, ['/page', '/mtc.js']);
	});
});
