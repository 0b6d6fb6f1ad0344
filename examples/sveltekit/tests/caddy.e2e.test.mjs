// The whole integration in a real browser: Chromium → Caddy with
// caddy-mautic (./caddy, Caddyfile.example with its ports replaced) → the
// example app, real Better Auth on real MariaDB; only Mautic is simulated
// (bin/mautic-sim). What is asserted is what the module documents: the
// loader in HTML only, first-party tracking, one contact per user linked by
// the rules of package provision (rule 3: a visitor's anonymous contact
// becomes the user's), mtc_id rewritten to the user's contact, the locale
// synced as preferred_locale, and Mautic's delete webhook unlinking the user,
// who is then provisioned again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { caddyStack, waitFor } from './caddy-stack.mjs';
import { setup } from './harness.mjs';

const TEST_TIMEOUT = 60_000;
const PASSWORD = 'correct horse battery';
/** How long provisioning, locale sync and webhook effects may take. */
const SYNC_TIMEOUT = 10_000;
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

/** A fresh address per test, so tests never share a user. */
function newEmail(/** @type {string} */ tag) {
	return `${tag}-${randomBytes(4).toString('hex')}@example.com`;
}

/**
 * A new browser profile (own cookies and storage) that Mautic tracks, and
 * every URL it requests.
 */
async function newVisitor() {
	const page = await h.newPage({ userAgent });
	/** @type {URL[]} */
	const requests = [];
	page.context().on('request', (req) => requests.push(new URL(req.url())));
	return { page, requests };
}

/** The value of a cookie the page's context holds for the site. */
async function cookieValue(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ name) {
	return (await page.context().cookies(h.baseURL)).find((c) => c.name === name)?.value;
}

/** The mtc_id Set-Cookie of a response, if any. */
async function setMtcID(/** @type {import('playwright-core').Response | null} */ res) {
	const headers = (await res?.headersArray()) ?? [];
	const set = headers.filter((x) => x.name.toLowerCase() === 'set-cookie').flatMap((x) => x.value.split('\n'));
	return set.map((c) => /^mtc_id=([^;]*)/.exec(c)?.[1]).find((v) => v !== undefined);
}

/**
 * Views path once the page is quiet (mtc.js has answered) and returns the
 * mtc_id the browser holds after the page's own response: the one Caddy
 * set, else the one it sent. mtc.js may change it later.
 */
async function mtcIDAfterPageView(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ path) {
	await page.waitForLoadState('networkidle');
	const sent = await cookieValue(page, 'mtc_id');
	const set = await setMtcID(await page.goto(path));
	return { sent, set, held: set ?? sent };
}

/**
 * Waits until mtc.js has tracked the page: the mtc_id and mautic_device_id
 * cookies are set. Returns them.
 */
async function tracked(/** @type {import('playwright-core').Page} */ page) {
	return waitFor(
		async () => {
			const mtcID = await cookieValue(page, 'mtc_id');
			const deviceID = await cookieValue(page, 'mautic_device_id');
			return mtcID && deviceID ? { mtcID: Number(mtcID), deviceID } : undefined;
		},
		{ what: 'the mtc_id and mautic_device_id cookies' }
	);
}

/** Signs up through the /signup form and waits for /account. */
async function signUp(/** @type {import('playwright-core').Page} */ page, /** @type {{ name: string, email: string }} */ user) {
	await h.open(page, '/signup');
	await page.locator('input[name=name]').fill(user.name);
	await page.locator('input[name=email]').fill(user.email);
	await page.locator('input[name=password]').fill(PASSWORD);
	await page.getByTestId('signup-submit').click();
	await page.waitForURL('**/account');
}

/**
 * Reloads /account until it shows a mauticId (the page reads the database
 * on every request); returns it.
 */
async function accountMauticID(/** @type {import('playwright-core').Page} */ page, notThis = 0) {
	return waitFor(
		async () => {
			await page.goto('/account');
			const v = Number((await page.getByTestId('account-mautic-id').getAttribute('data-value')) || 0);
			return v > 0 && v !== notThis ? v : undefined;
		},
		{ what: 'a mauticId on /account', timeoutMs: SYNC_TIMEOUT, intervalMs: 500 }
	);
}

/** The one contact with email in the simulator, once there is exactly one. */
async function onlyContactWith(/** @type {string} */ email) {
	return waitFor(
		async () => {
			const found = await stack.contactsByEmail(email);
			return found.length === 1 ? found[0] : undefined;
		},
		{ what: `exactly one contact with ${email}`, timeoutMs: SYNC_TIMEOUT }
	);
}

/**
 * A visitor who browsed anonymously, then signed up, and whose contact is
 * linked. Returns the page, the user and their contact id.
 */
async function linkedUser(/** @type {string} */ tag) {
	const visitor = await newVisitor();
	await h.open(visitor.page, '/');
	const anon = await tracked(visitor.page);
	const user = { name: 'Ada Lovelace', email: newEmail(tag) };
	await signUp(visitor.page, user);
	const contactID = await accountMauticID(visitor.page);
	return { ...visitor, user, contactID, anon };
}

/** Clicks a language button and waits for the reload setLocale() triggers. */
async function switchLocale(/** @type {import('playwright-core').Page} */ page, /** @type {string} */ locale) {
	await h.ready(page);
	const reloaded = page.waitForResponse((res) => res.request().resourceType() === 'document' && res.request().method() === 'GET');
	await page.getByTestId(`locale-${locale}`).click();
	await reloaded;
	await page.waitForLoadState('load');
}

/** Contact fields a second user on the same browser must leave alone. */
function identity(/** @type {import('./caddy-stack.mjs').SimContact | undefined} */ c) {
	const f = c?.Fields ?? {};
	return { id: c?.ID, email: f.email, firstname: f.firstname, lastname: f.lastname, preferred_locale: f.preferred_locale };
}

describe('caddy-mautic in front of the app', () => {
	test('an anonymous visit is tracked first-party, with one loader, on an anonymous contact', { timeout: TEST_TIMEOUT }, async () => {
		const { page, requests } = await newVisitor();
		const res = await page.goto('/');
		const html = (await res?.text()) ?? '';
		assert.equal(html.split(LOADER_MARKER).length - 1, 1, 'loaders in the page source');
		// Root-relative: the browser resolves it against the page; no request
		// header (Host) ever reaches the URL.
		assert.ok(html.includes(JSON.stringify('/mtc-proxy/mtc.js')), 'the loader does not load mtc.js from the site, root-relative');
		await h.ready(page);

		const { mtcID, deviceID } = await tracked(page);
		assert.ok(Number.isInteger(mtcID) && mtcID > 0, `mtc_id ${mtcID}`);
		const stored = await page.evaluate(() => [localStorage.getItem('mtc_id'), localStorage.getItem('mautic_device_id')]);
		assert.deepEqual(stored, [String(mtcID), deviceID], 'localStorage');

		const contact = await waitFor(async () => (await stack.contact(mtcID))?.Hits ? stack.contact(mtcID) : undefined, {
			what: `contact ${mtcID} with a hit`
		});
		assert.equal(contact.Fields.email ?? '', '', 'the contact is not anonymous');
		assert.ok(contact.DeviceIDs.includes(deviceID), `devices ${contact.DeviceIDs} lack ${deviceID}`);

		const mautic = new URL(stack.mauticURL).host;
		const inspector = new URL(stack.inspectorURL).host;
		const site = new URL(h.baseURL).host;
		assert.deepEqual(requests.filter((u) => u.host === mautic || u.host === inspector).map(String), [], 'requests sent to Mautic itself');
		const tracking = requests.filter((u) => /mtc|mautic|tracking/i.test(u.pathname));
		assert.deepEqual(
			tracking.filter((u) => u.host !== site || !u.pathname.startsWith('/mtc-proxy/')).map(String),
			[],
			'tracking requests not on the site under /mtc-proxy/'
		);
		for (const path of ['/mtc-proxy/mtc.js', '/mtc-proxy/mtc/event']) {
			assert.ok(tracking.some((u) => u.pathname === path), `no request for ${path}: ${tracking.join(' ')}`);
		}
	});

	test('mtc.js sends only tracking through the prefix; dynamic content and forms stay with Mautic', { timeout: TEST_TIMEOUT }, async () => {
		const { page } = await newVisitor();
		await page.goto('/');
		await h.ready(page);
		await tracked(page);
		const site = new URL(h.baseURL);
		const urls = await page.evaluate(() => /** @type {any} */ (window).MauticJSURLs);
		assert.ok(urls, 'mtc.js did not run from the prefix');
		for (const [name, raw] of Object.entries(urls)) {
			const u = new URL(raw, site);
			assert.notEqual(u.host, site.host, `${name} (${raw}) was pointed at the site, where nothing serves it`);
		}
		// The prefix serves the tracking routes only: no open proxy to Mautic.
		const statuses = await page.evaluate(async () => {
			const out = {};
			for (const p of ['/mtc-proxy/dwc/slot', '/mtc-proxy/form/submit/ajax', '/mtc-proxy/media/js/mautic-form.js', '/mtc-proxy/api/contacts', '/mtc-proxy/s/login']) {
				out[p] = (await fetch(p)).status;
			}
			return out;
		});
		for (const [p, status] of Object.entries(statuses)) assert.equal(status, 404, `${p} answered ${status}`);
	});

	test('sign-up links the visitor\'s anonymous contact, stores it as mauticId and keeps mtc_id on it', { timeout: TEST_TIMEOUT }, async () => {
		const { page, user, contactID, anon } = await linkedUser('signup');
		const contact = await onlyContactWith(user.email);
		assert.equal(contactID, contact.ID, '/account mauticId vs the contact with the email');
		assert.equal(contact.ID, anon.mtcID, 'rule 3: the anonymous contact becomes the user\'s');
		assert.equal(contact.Fields.firstname, 'Ada');
		assert.equal(contact.Fields.lastname, 'Lovelace');
		assert.equal((await h.db.userByEmail(user.email)).mauticId, contact.ID);

		const view = await mtcIDAfterPageView(page, '/');
		assert.equal(view.held, String(contact.ID), JSON.stringify(view));
		await page.waitForLoadState('networkidle');
		assert.equal(await cookieValue(page, 'mtc_id'), String(contact.ID), 'mtc_id once mtc.js has answered');
	});

	test('a German language switch while signed in becomes preferred_locale de_DE', { timeout: TEST_TIMEOUT }, async () => {
		const { page, contactID } = await linkedUser('locale');
		assert.equal((await stack.contact(contactID))?.Fields.preferred_locale, 'en_US');
		await switchLocale(page, 'de');
		assert.equal(await page.locator('h1').textContent(), 'Dein Konto');
		await waitFor(async () => (await stack.contact(contactID))?.Fields.preferred_locale === 'de_DE', {
			what: `preferred_locale de_DE on contact ${contactID}`,
			timeoutMs: SYNC_TIMEOUT
		});
	});

	test('a second person on the same browser gets a contact of their own; the first is untouched', { timeout: TEST_TIMEOUT }, async () => {
		const first = await linkedUser('first');
		const before = identity(await stack.contact(first.contactID));
		assert.equal(before.email, first.user.email);

		await first.page.getByTestId('nav-signout').click();
		await first.page.waitForURL((url) => url.pathname === '/');
		const second = { name: 'Grace Hopper', email: newEmail('second') };
		await signUp(first.page, second);
		const secondID = await accountMauticID(first.page, first.contactID);
		assert.notEqual(secondID, first.contactID);
		assert.equal((await onlyContactWith(second.email)).ID, secondID);
		assert.equal((await h.db.userByEmail(second.email)).mauticId, secondID);

		// The browser's device is the first person's, so mtc.js keeps setting
		// mtc_id to their contact: each page view of the second person's sets
		// it to theirs.
		const view = await mtcIDAfterPageView(first.page, '/');
		assert.equal(view.held, String(secondID), JSON.stringify(view));

		// Its fields and its user stay as they were. Its hits do not: without
		// first_party's handover (off in Caddyfile.example), mtc.js goes on
		// tracking the browser's device, the first person's, and sets mtc_id
		// back to that contact after each page; caddy-handover.e2e.test.mjs
		// covers the hand-over.
		assert.deepEqual(identity(await stack.contact(first.contactID)), before, 'the first contact changed');
		assert.deepEqual((await stack.contactsByEmail(first.user.email)).map((c) => c.ID), [first.contactID]);
		assert.equal((await h.db.userByEmail(first.user.email)).mauticId, first.contactID);
	});

	test('Mautic deleting the contact unlinks the user through the webhook; only their next visit provisions them again', { timeout: TEST_TIMEOUT }, async () => {
		const { page, user, contactID } = await linkedUser('webhook');
		const res = await stack.deleteContact(contactID);
		assert.equal(res.status, 200, await res.text());
		assert.equal(await stack.contact(contactID), undefined, 'the simulator still has the contact');

		// No page view in between: only the webhook tells Caddy, which
		// confirms the deletion with Mautic and unlinks the user.
		await waitFor(async () => ((await h.db.userByEmail(user.email)).mauticId === null ? true : undefined), {
			what: `${user.email} unlinked`,
			timeoutMs: SYNC_TIMEOUT
		});
		assert.equal((await stack.contactsByEmail(user.email)).length, 0, 'a contact was made again without a visit');

		// The user comes back: a signed-in page provisions them again.
		await page.goto('/account');
		const relinked = await waitFor(
			async () => {
				const id = (await h.db.userByEmail(user.email)).mauticId;
				return id !== null && id !== contactID ? id : undefined;
			},
			{ what: `a new mauticId for ${user.email}`, timeoutMs: SYNC_TIMEOUT }
		);
		const contact = await onlyContactWith(user.email);
		assert.equal(contact.ID, relinked);
		assert.equal(await accountMauticID(page), relinked);
	});

	test('a forged mtc_id takes nothing: a new user never gets a stranger\'s anonymous contact', { timeout: TEST_TIMEOUT }, async () => {
		// A stranger browses anonymously: Mautic tracks them as contact S.
		const stranger = await newVisitor();
		await h.open(stranger.page, '/');
		const { mtcID: strangersContact } = await tracked(stranger.page);

		// The attacker browses too, then names S in their own mtc_id cookie
		// (ids are sequential) before signing up.
		const attacker = await newVisitor();
		await h.open(attacker.page, '/');
		await tracked(attacker.page);
		await attacker.page.context().addCookies([{ name: 'mtc_id', value: String(strangersContact), url: h.baseURL }]);
		await attacker.page.evaluate((id) => localStorage.setItem('mtc_id', id), String(strangersContact));
		const user = { name: 'Eve Forger', email: newEmail('forger') };
		await signUp(attacker.page, user);
		const got = await accountMauticID(attacker.page);

		assert.notEqual(got, strangersContact, 'the attacker was linked to the stranger\'s anonymous contact');
		const s = await stack.contact(strangersContact);
		assert.equal(s?.Fields.email ?? '', '', 'the stranger\'s contact took the attacker\'s email');
		assert.equal(s?.Fields.firstname ?? '', '', 'the stranger\'s contact took the attacker\'s name');
	});

	test('JSON through Caddy has no loader', { timeout: TEST_TIMEOUT }, async () => {
		const { page } = await newVisitor();
		const res = await page.goto('/api/health');
		assert.match(res?.headers()['content-type'] ?? '', /^application\/json/);
		assert.equal(await res?.text(), '{"ok":true}');
		const direct = await fetch(h.url('/api/health'), { headers: { accept: 'text/html', 'user-agent': userAgent } });
		assert.equal(await direct.text(), '{"ok":true}');
	});

	test('the health route on Caddy\'s admin API says ok', { timeout: TEST_TIMEOUT }, async () => {
		const health = await waitFor(async () => { const hh = await stack.health(); if (!hh.ok) console.log('HEALTH', JSON.stringify(hh)); return hh.ok ? hh : undefined; }, {
			what: 'ok from /mautic/health',
			timeoutMs: SYNC_TIMEOUT
		});
		assert.equal(health.status, 200);
		assert.equal(health.instances.length, 1);
		assert.equal(health.instances[0].mautic.reachable, true);
		assert.equal(health.instances[0].database.reachable, true);
	});
});
