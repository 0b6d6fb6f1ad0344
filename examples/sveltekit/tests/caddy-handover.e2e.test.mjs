// A shared browser with first_party's handover on (and Mautic's email field
// publicly updatable, as the module's docs require). Without it, as in
// Caddyfile.example, mtc.js keeps tracking the browser's device, so the
// second person on a browser is tracked on the first person's contact (see
// caddy.e2e.test.mjs); with it, the browser moves onto the signed-in user's
// contact. Same real stack: Chromium → Caddy → app, only Mautic simulated.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { caddyStack, waitFor } from './caddy-stack.mjs';
import { setup } from './harness.mjs';

const PASSWORD = 'correct horse battery';
const SYNC_TIMEOUT = 10_000;

/** @type {import('./caddy-stack.mjs').Stack} */
let stack;
/** @type {import('./harness.mjs').Harness} */
let h;

before(
	async () => {
		stack = await caddyStack({ handover: true });
		h = await setup(stack.harnessOptions());
	},
	{ timeout: 15 * 60_000 }
);

after(async () => {
	await h?.close();
});

/** Signs up through the /signup form and waits for /account. */
async function signUp(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ name, /** @type {string} */ email) {
	await h.open(page, '/signup');
	await page.locator('input[name=name]').fill(name);
	await page.locator('input[name=email]').fill(email);
	await page.locator('input[name=password]').fill(PASSWORD);
	await page.getByTestId('signup-submit').click();
	await page.waitForURL('**/account');
}

/** The linked contact of a user, once the row has one. */
function contactOf(/** @type {string} */ email) {
	return waitFor(async () => (await h.db.userByEmail(email))?.mauticId, { what: `a mauticId for ${email}`, timeoutMs: SYNC_TIMEOUT });
}

/** The browser's tracking state: cookies and localStorage. */
async function trackingState(/** @type {import('playwright-core').Page} */ page) {
	const cookies = Object.fromEntries((await page.context().cookies(h.baseURL)).map((c) => [c.name, c.value]));
	const [storedID, storedDevice] = await page.evaluate(() => [localStorage.getItem('mtc_id'), localStorage.getItem('mautic_device_id')]);
	return { mtcID: cookies.mtc_id, deviceID: cookies.mautic_device_id, storedID, storedDevice };
}

test('with handover, the second person on a browser is tracked on their own contact', { timeout: 60_000 }, async () => {
	const userAgent = `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${h.browser.version()} Safari/537.36`;
	const page = await h.newPage({ userAgent });
	const first = `first-${randomBytes(4).toString('hex')}@example.com`;
	const second = `second-${randomBytes(4).toString('hex')}@example.com`;

	await h.open(page, '/');
	await signUp(page, 'Ada Lovelace', first);
	const firstID = await contactOf(first);
	await page.getByTestId('nav-signout').click();
	await page.waitForURL((url) => url.pathname === '/');
	await signUp(page, 'Grace Hopper', second);
	const secondID = await contactOf(second);
	assert.notEqual(secondID, firstID);

	// Page views until mtc.js's own answer keeps the browser on the second
	// contact: the hand-over gives the browser a device of that contact.
	const state = await waitFor(
		async () => {
			await h.open(page, '/');
			await page.waitForLoadState('networkidle');
			const s = await trackingState(page);
			const contact = await stack.contact(secondID);
			return s.mtcID === String(secondID) && s.storedID === String(secondID) && contact?.DeviceIDs.includes(s.deviceID) ? s : undefined;
		},
		{ what: `the browser tracking to contact ${secondID}`, timeoutMs: SYNC_TIMEOUT, intervalMs: 500 }
	);
	assert.equal(state.storedDevice, state.deviceID);

	// From now on the first person's contact gets none of the second's hits.
	const firstHits = (await stack.contact(firstID))?.Hits;
	const secondHits = (await stack.contact(secondID))?.Hits ?? 0;
	for (const path of ['/', '/account']) {
		await h.open(page, path);
		await page.waitForLoadState('networkidle');
	}
	await waitFor(async () => ((await stack.contact(secondID))?.Hits ?? 0) >= secondHits + 2, {
		what: `two more hits on contact ${secondID}`
	});
	assert.equal((await stack.contact(firstID))?.Hits, firstHits, 'hits on the first person\'s contact');
	assert.deepEqual((await stack.contactsByEmail(first)).map((c) => c.ID), [firstID]);
	assert.deepEqual((await stack.contactsByEmail(second)).map((c) => c.ID), [secondID]);
});

test('no one claims a contact through the first-party routes: an email in the Referer, in page_url or under a NUL-cut name never reaches Mautic', { timeout: 60_000 }, async () => {
	// With the email field publicly updatable (the hand-over needs it), a
	// hit carrying the victim's email would switch tracking to their contact.
	const victim = `victim-${randomBytes(4).toString('hex')}@example.com`;
	const created = await fetch(`${stack.mauticURL}/api/contacts/new`, {
		method: 'POST',
		headers: {
			authorization: 'Basic ' + Buffer.from(`${stack.mauticAuth.user}:${stack.mauticAuth.password}`).toString('base64'),
			'content-type': 'application/json'
		},
		body: JSON.stringify({ email: victim, firstname: 'Victoria' })
	});
	const createdBody = await created.text();
	assert.equal(created.status, 201, createdBody);
	const victims = JSON.parse(createdBody).contact.id;

	const site = h.url('/');
	const ua = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36';
	const attacks = {
		'Referer query, any case': { headers: { referer: `${site}?EMAIL=${victim}` }, body: 'page_title=t' },
		'page_url query, form': { body: `page_title=t&page_url=${encodeURIComponent(`${site}?email=${victim}`)}` },
		'page_url query, JSON': { json: { page_title: 't', page_url: `${site}?email=${victim}` } },
		'NUL-cut parameter name': { body: `page_title=t&email%00x=${encodeURIComponent(victim)}` }
	};
	/** @param {string} url @param {any} a */
	const hit = (url, a) =>
		fetch(url, {
			method: 'POST',
			headers: {
				'user-agent': ua,
				'x-requested-with': 'XMLHttpRequest',
				'content-type': a.json ? 'application/json' : 'application/x-www-form-urlencoded',
				...a.headers
			},
			body: a.json ? JSON.stringify(a.json) : a.body
		});
	// The control: sent to Mautic directly, each attack does claim the
	// victim's contact; so it is the module that stops it.
	for (const [name, a] of Object.entries(attacks)) {
		const res = await hit(`${stack.mauticURL}/mtc/event`, a);
		assert.equal(JSON.parse(await res.text()).id, victims, `${name}, sent to Mautic directly: not tracked as the victim`);
	}
	for (const [name, a] of Object.entries(attacks)) {
		const res = await hit(h.url('/mtc-proxy/mtc/event'), a);
		const text = await res.text();
		assert.equal(res.status, 200, `${name}: ${text}`);
		assert.notEqual(JSON.parse(text).id, victims, `${name}: the hit was tracked as the victim's contact`);
	}
	assert.equal((await stack.contactsByEmail(victim)).length, 1, 'contacts with the victim\'s email');
});
