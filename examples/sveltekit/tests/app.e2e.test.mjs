// End-to-end tests of the example site alone, in Chromium: they pin down what
// the app does by itself (a new user's mauticId stays NULL). The same flows
// through Caddy with caddy-mautic in front are in caddy.e2e.test.mjs.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setup } from './harness.mjs';

const TEST_TIMEOUT = 60_000;
const PASSWORD = 'correct horse battery';

/** @type {import('./harness.mjs').Harness} */
let h;

before(async () => {
	h = await setup();
});

after(async () => {
	await h?.close();
});

/** A fresh address per test, so tests never share a user. */
function newEmail(/** @type {string} */ tag) {
	return `${tag}-${randomBytes(4).toString('hex')}@example.com`;
}

/**
 * Signs up through the /signup form and waits for /account. Returns how the
 * form was posted: "fetch" (SvelteKit's enhance) or "document" (plain post).
 * @param {import('playwright-core').Page} page
 * @param {{ name: string, email: string }} user
 */
async function signUp(page, { name, email }) {
	await h.open(page, '/signup');
	await page.locator('input[name=name]').fill(name);
	await page.locator('input[name=email]').fill(email);
	await page.locator('input[name=password]').fill(PASSWORD);
	const posted = page.waitForRequest((req) => req.method() === 'POST' && new URL(req.url()).pathname === '/signup');
	await page.getByTestId('signup-submit').click();
	const post = await posted;
	await page.waitForURL('**/account');
	return post.resourceType();
}

/**
 * Signs in through the /signin form.
 * @param {import('playwright-core').Page} page
 * @param {string} email
 * @param {string} [password]
 */
async function signIn(page, email, password = PASSWORD) {
	await h.open(page, '/signin');
	await page.locator('input[name=email]').fill(email);
	await page.locator('input[name=password]').fill(password);
	await page.getByTestId('signin-submit').click();
}

/** The names of the cookies the page's context holds for the site. */
async function cookieNames(/** @type {import('playwright-core').Page} */ page) {
	return (await page.context().cookies(h.baseURL)).map((c) => c.name).sort();
}

/** Clicks a language button and waits for the reload setLocale() triggers. */
async function switchLocale(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ locale) {
	await h.ready(page);
	const reloaded = page.waitForResponse(
		(res) => res.request().resourceType() === 'document' && res.request().method() === 'GET'
	);
	await page.getByTestId(`locale-${locale}`).click();
	await reloaded;
	await page.waitForLoadState('load');
}

describe('public pages', () => {
	test('/api/health is JSON {"ok":true}', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		const res = await page.goto('/api/health');
		assert.equal(res?.status(), 200);
		assert.match(res?.headers()['content-type'] ?? '', /^application\/json/);
		assert.deepEqual(JSON.parse((await res?.text()) ?? ''), { ok: true });
	});

	test('the landing page is server-rendered HTML with a real head', { timeout: TEST_TIMEOUT }, async () => {
		const res = await fetch(h.url('/'));
		assert.equal(res.status, 200);
		assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
		const html = await res.text();
		const checks = [
			/<html lang="en">/,
			/<head>[\s\S]*<title>[^<]+<\/title>[\s\S]*<\/head>/,
			/<meta name="description" content="[^"]+"/,
			/<link rel="icon" href="[^"]+"/,
			/<script>[\s\S]*__sveltekit_[\s\S]*<\/script>/,
			/<h1 data-testid="home-title">Welcome<\/h1>/,
			/href="\/signup"/,
			/href="\/signin"/
		];
		for (const re of checks) assert.match(html, re);
		// The app itself has no tracking: caddy-mautic injects it.
		assert.doesNotMatch(html, /mtc\.js|MauticTrackingObject|mautic\.[a-z]+\//i);
	});

	test('the locale follows Accept-Language, then the PARAGLIDE_LOCALE cookie', { timeout: TEST_TIMEOUT }, async () => {
		const cases = [
			{ headers: {}, lang: 'en', title: 'Welcome' },
			{ headers: { 'accept-language': 'de-DE,de;q=0.9' }, lang: 'de', title: 'Willkommen' },
			{ headers: { 'accept-language': 'fr' }, lang: 'fr', title: 'Bienvenue' },
			{ headers: { 'accept-language': 'ja' }, lang: 'en', title: 'Welcome' },
			{ headers: { 'accept-language': 'de', cookie: 'PARAGLIDE_LOCALE=fr' }, lang: 'fr', title: 'Bienvenue' }
		];
		for (const { headers, lang, title } of cases) {
			const html = await (await fetch(h.url('/'), { headers })).text();
			assert.match(html, new RegExp(`<html lang="${lang}">`), JSON.stringify(headers));
			assert.match(html, new RegExp(`<h1 data-testid="home-title">${title}</h1>`), JSON.stringify(headers));
		}
	});

	test('/account redirects to /signin when signed out', { timeout: TEST_TIMEOUT }, async () => {
		const res = await fetch(h.url('/account'), { redirect: 'manual' });
		assert.equal(res.status, 303);
		assert.equal(res.headers.get('location'), '/signin');
		const page = await h.newPage();
		await page.goto('/account');
		assert.equal(new URL(page.url()).pathname, '/signin');
	});
});

describe('accounts', () => {
	// Both ways the forms must work: SvelteKit's enhance (fetch) and a plain
	// form post with JavaScript off.
	const modes = [
		{ name: 'with JavaScript', javaScriptEnabled: true, locale: 'en', postedAs: 'fetch' },
		{ name: 'without JavaScript', javaScriptEnabled: false, locale: 'fr', postedAs: 'document' }
	];

	for (const mode of modes) {
		test(`sign-up ${mode.name} creates the user row with mauticId NULL and locale ${mode.locale}`, { timeout: TEST_TIMEOUT }, async () => {
			const page = await h.newPage({ javaScriptEnabled: mode.javaScriptEnabled });
			await page.context().addCookies([{ name: 'PARAGLIDE_LOCALE', value: mode.locale, url: h.baseURL }]);
			const email = newEmail('signup');
			assert.equal(await signUp(page, { name: 'Ada Lovelace', email }), mode.postedAs);

			const row = await h.db.userByEmail(email);
			assert.ok(row, 'no user row');
			assert.equal(row.name, 'Ada Lovelace');
			assert.equal(row.mauticId, null);
			assert.equal(row.locale, mode.locale);
			assert.equal(await page.getByTestId('account-email').textContent(), email);
			assert.equal(await page.getByTestId('account-locale').textContent(), mode.locale);
			assert.equal(await page.getByTestId('account-mautic-id').getAttribute('data-value'), '');
			const names = await cookieNames(page);
			assert.ok(names.includes('better-auth.session_token'), names.join(','));
			assert.ok(names.includes('better-auth.session_data'), names.join(','));
		});

		test(`sign-in ${mode.name} opens /account; a wrong password does not`, { timeout: TEST_TIMEOUT }, async () => {
			const email = newEmail('signin');
			const first = await h.newPage();
			await signUp(first, { name: 'Grace Hopper', email });

			const page = await h.newPage({ javaScriptEnabled: mode.javaScriptEnabled });
			await signIn(page, email, 'wrong password here');
			await page.getByTestId('form-error').waitFor();
			assert.equal(new URL(page.url()).pathname, '/signin');
			assert.ok(!(await cookieNames(page)).includes('better-auth.session_token'));

			await signIn(page, email);
			await page.waitForURL('**/account');
			assert.equal(await page.getByTestId('account-email').textContent(), email);
			assert.equal(await page.getByTestId('account-name').textContent(), 'Grace Hopper');
		});
	}

	test('sign-up with an address already taken shows an error', { timeout: TEST_TIMEOUT }, async () => {
		const email = newEmail('taken');
		await signUp(await h.newPage(), { name: 'First', email });
		const page = await h.newPage();
		await h.open(page, '/signup');
		await page.locator('input[name=name]').fill('Second');
		await page.locator('input[name=email]').fill(email);
		await page.locator('input[name=password]').fill(PASSWORD);
		await page.getByTestId('signup-submit').click();
		await page.getByTestId('form-error').waitFor();
		assert.equal(new URL(page.url()).pathname, '/signup');
		const rows = await h.db.query('SELECT name FROM `user` WHERE email = ?', [email]);
		assert.deepEqual(rows.map((r) => r.name), ['First']);
	});

	test('/account shows the database values, not the five-minute cookie cache', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		const email = newEmail('fresh');
		await signUp(page, { name: 'Before', email });
		assert.equal(await page.getByTestId('account-mautic-id').getAttribute('data-value'), '');

		// What caddy-mautic does: write the row behind Better Auth's back.
		await h.db.query('UPDATE `user` SET mauticId = 4242, name = ?, locale = ? WHERE email = ?', ['After', 'de', email]);
		await page.reload();
		assert.equal(await page.getByTestId('account-mautic-id').getAttribute('data-value'), '4242');
		assert.equal((await page.getByTestId('account-mautic-id').textContent())?.trim(), '4242');
		assert.equal(await page.getByTestId('account-name').textContent(), 'After');
		assert.equal(await page.getByTestId('account-locale').textContent(), 'de');

		// The cookie cache is on and still stale, so the page really read the DB.
		const cached = await (await page.request.get('/api/auth/get-session')).json();
		assert.equal(cached?.user?.email, email);
		assert.equal(cached.user.mauticId, null);
	});

	test('Better Auth refuses to set mauticId; locale must be a site locale', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		const email = newEmail('inputfalse');
		await signUp(page, { name: 'Input False', email });
		const headers = { origin: h.baseURL };
		const cases = [
			{ data: { mauticId: 99 }, status: 400, code: 'FIELD_NOT_ALLOWED' },
			{ data: { locale: 'de', mauticId: 99 }, status: 400, code: 'FIELD_NOT_ALLOWED' },
			{ data: { locale: 'xx' }, status: 400, code: 'VALIDATION_ERROR' }
		];
		for (const { data, status, code } of cases) {
			const res = await page.request.post('/api/auth/update-user', { data, headers });
			assert.equal(res.status(), status, JSON.stringify(data));
			assert.equal((await res.json()).code, code, JSON.stringify(data));
		}
		const row = await h.db.userByEmail(email);
		assert.equal(row.mauticId, null);
		assert.equal(row.locale, 'en');
	});

	test('the jwt() plugin serves /api/auth/jwks and /api/auth/token', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		const anonymous = await page.request.get('/api/auth/token');
		assert.equal(anonymous.status(), 401);
		await signUp(page, { name: 'Jwt User', email: newEmail('jwt') });
		const { token } = await (await page.request.get('/api/auth/token')).json();
		const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
		assert.equal(header.alg, 'EdDSA');
		assert.equal(payload.mauticId, null);
		assert.equal(payload.locale, 'en');
		const { keys } = await (await page.request.get('/api/auth/jwks')).json();
		assert.deepEqual(keys.map((k) => [k.kid, k.kty, k.crv]), [[header.kid, 'OKP', 'Ed25519']]);
	});
});

describe('language switch and sign-out', () => {
	test('switching language writes PARAGLIDE_LOCALE, saves the user locale and re-renders in German', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		const email = newEmail('switch');
		await signUp(page, { name: 'Lisa', email });
		assert.equal(await page.locator('html').getAttribute('lang'), 'en');
		assert.equal(await page.locator('h1').textContent(), 'Your account');

		await switchLocale(page, 'de');
		assert.equal(await page.locator('html').getAttribute('lang'), 'de');
		assert.equal(await page.locator('h1').textContent(), 'Dein Konto');
		assert.equal(await page.getByTestId('account-greeting').textContent(), 'Hallo Lisa');
		assert.equal(await page.getByTestId('account-locale').textContent(), 'de');
		const cookie = (await page.context().cookies(h.baseURL)).find((c) => c.name === 'PARAGLIDE_LOCALE');
		assert.equal(cookie?.value, 'de');
		assert.equal(cookie?.path, '/');
		assert.equal((await h.db.userByEmail(email)).locale, 'de');
	});

	test('switching language when signed out only sets the cookie', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		await h.open(page, '/');
		const updates = [];
		page.on('request', (req) => {
			if (req.url().includes('/api/auth/update-user')) updates.push(req.url());
		});
		await switchLocale(page, 'fr');
		assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
		assert.equal(await page.getByTestId('home-title').textContent(), 'Bienvenue');
		assert.equal((await page.context().cookies(h.baseURL)).find((c) => c.name === 'PARAGLIDE_LOCALE')?.value, 'fr');
		assert.deepEqual(updates, []);
	});

	test('signing in on a new device restores the saved language', { timeout: TEST_TIMEOUT }, async () => {
		const email = newEmail('restore');
		const first = await h.newPage();
		await signUp(first, { name: 'Marie', email });
		await switchLocale(first, 'fr');

		const page = await h.newPage();
		await signIn(page, email);
		await page.waitForURL('**/account');
		assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
		assert.equal(await page.locator('h1').textContent(), 'Votre compte');
	});

	test('sign-out deletes the session and clears the cookies', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage();
		const email = newEmail('signout');
		await signUp(page, { name: 'Leaving', email });
		const { id } = await h.db.userByEmail(email);
		assert.equal((await h.db.query('SELECT id FROM `session` WHERE userId = ?', [id])).length, 1);

		await page.getByTestId('nav-signout').click();
		await page.waitForURL((url) => url.pathname === '/');
		await page.getByTestId('nav-signin').waitFor();
		assert.equal((await h.db.query('SELECT id FROM `session` WHERE userId = ?', [id])).length, 0);
		const names = await cookieNames(page);
		assert.ok(!names.includes('better-auth.session_token'), names.join(','));
		assert.ok(!names.includes('better-auth.session_data'), names.join(','));

		await page.goto('/account');
		assert.equal(new URL(page.url()).pathname, '/signin');
		await page.goto('/signout');
		await page.getByTestId('signout-done').waitFor();
	});
});
