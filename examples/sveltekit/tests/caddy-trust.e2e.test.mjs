// Trust requirements through the real stack (Chromium → ./caddy with
// Caddyfile.example → the example app with real Better Auth on MariaDB;
// only Mautic is simulated): a visitor with Global Privacy Control sends
// nothing to Mautic; the schema's default locale never overwrites a
// marketer's preferred_locale; a request carrying two users' credentials
// is never linked to the user the app does not show.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { caddyStack, waitFor } from './caddy-stack.mjs';
import { setup } from './harness.mjs';

const TEST_TIMEOUT = 60_000;
const PASSWORD = 'correct horse battery';
const SYNC_TIMEOUT = 10_000;
const LOADER_MARKER = 'MauticTrackingObject';

/** @type {import('./caddy-stack.mjs').Stack} */
let stack;
/** @type {import('./harness.mjs').Harness} */
let h;
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

function newEmail(/** @type {string} */ tag) {
	return `${tag}-${randomBytes(4).toString('hex')}@example.com`;
}

/** Signs up through the /signup form and waits for /account. */
/**
 * Marks the user's email verified, as Better Auth's verification link
 * does, and signs them in again, so that their new session (and its cookie
 * cache) says so.
 */
async function verifyEmail(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ email) {
	await h.db.query('UPDATE `user` SET emailVerified = 1 WHERE email = ?', [email]);
	await page.context().clearCookies();
	await h.open(page, '/signin');
	await page.locator('input[name=email]').fill(email);
	await page.locator('input[name=password]').fill(PASSWORD);
	await page.getByTestId('signin-submit').click();
	await page.waitForURL('**/account');
}

async function signUp(/** @type {import('playwright-core').Page} */ page, /** @type {{ name: string, email: string }} */ user) {
	await h.open(page, '/signup');
	await page.locator('input[name=name]').fill(user.name);
	await page.locator('input[name=email]').fill(user.email);
	await page.locator('input[name=password]').fill(PASSWORD);
	await page.getByTestId('signup-submit').click();
	await page.waitForURL('**/account');
}

/** Creates a contact through Mautic's API, as marketing would; returns its id. */
async function createContact(/** @type {Record<string, string>} */ fields) {
	const created = await fetch(`${stack.mauticURL}/api/contacts/new`, {
		method: 'POST',
		headers: {
			authorization: 'Basic ' + Buffer.from(`${stack.mauticAuth.user}:${stack.mauticAuth.password}`).toString('base64'),
			'content-type': 'application/json'
		},
		body: JSON.stringify(fields)
	});
	const body = await created.text();
	assert.equal(created.status, 201, body);
	return JSON.parse(body).contact.id;
}

/** Waits for the user's row to hold a mauticId; returns it. */
async function storedMauticID(/** @type {string} */ email) {
	return waitFor(async () => (await h.db.userByEmail(email))?.mauticId || undefined, {
		what: `a mauticId for ${email}`,
		timeoutMs: SYNC_TIMEOUT,
		intervalMs: 200
	});
}

/** A signed-up user in a browser of their own, linked to a contact. */
async function linkedUser(/** @type {string} */ tag) {
	const page = await h.newPage({ userAgent });
	const user = { name: 'Test User', email: newEmail(tag) };
	await signUp(page, user);
	const contactID = await storedMauticID(user.email);
	return { page, user, contactID };
}

/** The site's cookies of a browser, by name. */
async function cookiesOf(/** @type {import('playwright-core').Page} */ page) {
	return Object.fromEntries((await page.context().cookies(h.baseURL)).map((c) => [c.name, c.value]));
}

/** The mtc_id a response sets, if any. */
function setMtcID(/** @type {Response} */ res) {
	return res.headers.getSetCookie().map((c) => /^mtc_id=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined);
}

/** A page request through Caddy with exactly these headers. */
function getPage(/** @type {string} */ path, /** @type {Record<string, string>} */ headers) {
	return fetch(h.url(path), { headers: { accept: 'text/html', 'user-agent': userAgent, ...headers }, redirect: 'manual' });
}

describe('trust through Caddy', () => {
	test('a visitor with Global Privacy Control signs up: no contact, no mtc_id, nothing sent to Mautic', { timeout: TEST_TIMEOUT }, async () => {
		const page = await h.newPage({ userAgent, extraHTTPHeaders: { 'sec-gpc': '1' } });
		/** @type {string[]} */
		const mtcIDs = [];
		page.on('response', (res) => {
			const v = /(?:^|\n)mtc_id=([^;]*)/.exec(res.headers()['set-cookie'] ?? '')?.[1];
			if (v !== undefined) mtcIDs.push(v);
		});
		const gpc = { name: 'Private Person', email: newEmail('gpc') };
		await signUp(page, gpc);
		const res = await page.goto('/account');
		assert.ok(!((await res?.text()) ?? '').includes(LOADER_MARKER), 'the loader is on a GPC page');

		// A consenting user signing up after: once their contact exists,
		// the queue has had its turn at the GPC user too.
		await linkedUser('after-gpc');
		assert.deepEqual(await stack.contactsByEmail(gpc.email), [], 'contacts with the GPC user\'s email');
		assert.equal((await h.db.userByEmail(gpc.email)).mauticId, null, 'the GPC user\'s mauticId');
		assert.deepEqual(mtcIDs, [], 'mtc_id set for the GPC visitor');
		const named = (await stack.contacts()).filter((c) => c.Fields.firstname === 'Private');
		assert.deepEqual(named, [], 'contacts with the GPC user\'s name');
	});

	test('the schema default locale does not overwrite the preferred_locale a marketer set', { timeout: TEST_TIMEOUT }, async () => {
		const email = newEmail('marketer');
		const contactID = await createContact({ email, preferred_locale: 'fr_FR' });

		const page = await h.newPage({ userAgent });
		await signUp(page, { name: 'Marie Curie', email });
		assert.equal((await h.db.userByEmail(email)).locale, 'en', 'the row holds the schema default');
		// An existing contact is only linked once the email is verified.
		assert.equal((await h.db.userByEmail(email)).mauticId, null, 'linked before the email was verified');
		await verifyEmail(page, email);
		assert.equal(await storedMauticID(email), contactID, 'linked to the marketer\'s contact by email');
		const contact = await waitFor(async () => {
			const c = await stack.contact(contactID);
			return c?.Fields.firstname === 'Marie' ? c : undefined;
		}, { what: 'the contact updated by the link', timeoutMs: SYNC_TIMEOUT });
		assert.equal(contact.Fields.preferred_locale, 'fr_FR', 'preferred_locale after sign-up');
	});

	test('an impostor signing up with a victim\'s email gets no access to the victim\'s contact until the email is verified', { timeout: TEST_TIMEOUT }, async () => {
		// The victim is known to marketing (a newsletter form), not to the site.
		const email = newEmail('victim');
		const victims = await createContact({ email, firstname: 'Victoria', lastname: 'Victim', company: 'Victim Corp' });

		const page = await h.newPage({ userAgent });
		const mtcIDs = [];
		page.on('response', (res) => {
			const v = /(?:^|\n)mtc_id=([^;]*)/.exec(res.headers()['set-cookie'] ?? '')?.[1];
			if (v) mtcIDs.push(Number(v));
		});
		await signUp(page, { name: 'Ivan Impostor', email });
		for (const path of ['/', '/account', '/']) await h.open(page, path);

		assert.equal((await h.db.userByEmail(email)).mauticId, null, 'the impostor\'s row holds the victim\'s contact');
		assert.ok(!mtcIDs.includes(victims), `mtc_id set to the victim's contact: ${mtcIDs}`);
		const c = await stack.contact(victims);
		assert.equal(c?.Fields.firstname, 'Victoria', 'the victim\'s name was overwritten');
		assert.equal(c?.Fields.lastname, 'Victim', 'the victim\'s name was overwritten');

		// The owner of the address verifies it: now the link is theirs.
		await verifyEmail(page, email);
		assert.equal(await storedMauticID(email), victims, 'linked to the contact with the verified email');
	});

	test('an email change follows the user to their contact, and a second sign-up with the old email never shares it', { timeout: TEST_TIMEOUT }, async () => {
		const a = await linkedUser('old');
		const newAddress = newEmail('new');
		// A changes their email (the app's row), then signs in with it.
		await h.db.query('UPDATE `user` SET email = ? WHERE email = ?', [newAddress, a.user.email]);
		await a.page.context().clearCookies();
		await h.open(a.page, '/signin');
		await a.page.locator('input[name=email]').fill(newAddress);
		await a.page.locator('input[name=password]').fill(PASSWORD);
		await a.page.getByTestId('signin-submit').click();
		await a.page.waitForURL('**/account');
		await waitFor(async () => ((await stack.contact(a.contactID))?.Fields.email === newAddress ? true : undefined), {
			what: `contact ${a.contactID} following the email change`,
			timeoutMs: SYNC_TIMEOUT
		});

		// B signs up with A's old email: B gets a contact of their own.
		const bPage = await h.newPage({ userAgent });
		await signUp(bPage, { name: 'Bea Second', email: a.user.email });
		const b = await storedMauticID(a.user.email);
		assert.notEqual(b, a.contactID, 'B was linked to A\'s contact');
		assert.equal((await h.db.userByEmail(newAddress)).mauticId, a.contactID, 'A kept their contact');
	});

	test('secure cookies of B and plain cookies of A: the app shows A, the browser is never linked to B', { timeout: TEST_TIMEOUT }, async () => {
		const a = await linkedUser('plain-a');
		const b = await linkedUser('secure-b');
		const [ca, cb] = [await cookiesOf(a.page), await cookiesOf(b.page)];
		const cookie = [
			`__Secure-better-auth.session_token=${cb['better-auth.session_token']}`,
			`__Secure-better-auth.session_data=${cb['better-auth.session_data']}`,
			`better-auth.session_token=${ca['better-auth.session_token']}`,
			`better-auth.session_data=${ca['better-auth.session_data']}`,
			'mtc_id=1'
		].join('; ');
		const res = await getPage('/account', { cookie });
		const html = await res.text();
		assert.ok(html.includes(a.user.email), 'the app shows A');
		assert.notEqual(setMtcID(res), String(b.contactID), 'mtc_id set to B\'s contact');
	});

	test('A\'s session cookie and B\'s Bearer JWT: the app shows A, the browser is never linked to B', { timeout: TEST_TIMEOUT }, async () => {
		const a = await linkedUser('cookie-a');
		const b = await linkedUser('bearer-b');
		const tokenRes = await b.page.request.get(h.url('/api/auth/token'));
		assert.equal(tokenRes.status(), 200, await tokenRes.text());
		const jwt = (await tokenRes.json()).token;
		const ca = await cookiesOf(a.page);
		// The session token alone: no cookie cache to settle it.
		const cookie = `better-auth.session_token=${ca['better-auth.session_token']}; mtc_id=1`;
		const res = await getPage('/account', { cookie, authorization: `Bearer ${jwt}` });
		const html = await res.text();
		assert.ok(html.includes(a.user.email), 'the app shows A');
		assert.ok(!html.includes(b.user.email), 'the app shows B');
		assert.equal(setMtcID(res), String(a.contactID), 'mtc_id is A\'s contact');
	});
});
