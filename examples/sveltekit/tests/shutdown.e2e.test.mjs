// `node build` must exit by itself on SIGTERM: the database pool is closed
// when adapter-node reports shutdown, so nothing keeps the process alive.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createDatabase, startApp } from './harness.mjs';

/** @type {import('./harness.mjs').TestDatabase | undefined} */ let db;
/** @type {import('./harness.mjs').RunningApp | undefined} */ let app;

after(async () => {
	await app?.stop();
	await db?.drop();
});

test('the app exits cleanly on SIGTERM after using the database', { timeout: 60_000 }, async () => {
	db = await createDatabase();
	app = await startApp({ databaseURL: db.url });
	// Open pool connections: sign up (writes) and read the account page.
	const signUp = await fetch(`${app.url}/api/auth/sign-up/email`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', origin: app.url },
		body: JSON.stringify({ name: 'Shutdown', email: 'shutdown@example.com', password: 'correct horse battery' })
	});
	assert.equal(signUp.status, 200, await signUp.clone().text());
	const cookie = signUp.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
	const account = await fetch(`${app.url}/account`, { headers: { cookie } });
	assert.equal(account.status, 200);
	assert.match(await account.text(), /data-testid="account-email">shutdown@example.com</);

	const started = Date.now();
	const result = await app.stop();
	assert.deepEqual(
		{ graceful: result.graceful, code: result.code },
		{ graceful: true, code: 0 },
		`exit ${JSON.stringify(result)} after ${Date.now() - started} ms\n${app.logs()}`
	);
});
