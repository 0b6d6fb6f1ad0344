// Unit tests of the pure configuration helpers (no database, no browser).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localeValidator, parseTrustedOrigins } from '../src/lib/server/auth-options.js';
import { parseDatabaseURL } from '../src/lib/server/database-url.js';

test('parseDatabaseURL reads mysql:// and mariadb:// URLs', () => {
	const cases = [
		{
			url: 'mysql://root@127.0.0.1:3306/caddy_mautic_demo',
			want: { host: '127.0.0.1', port: 3306, user: 'root', password: '', database: 'caddy_mautic_demo' }
		},
		{
			url: 'mariadb://app:s%40cr%3At@db.internal/site_1',
			want: { host: 'db.internal', port: 3306, user: 'app', password: 's@cr:t', database: 'site_1' }
		},
		{
			url: 'mysql://[::1]:3307/x',
			want: { host: '::1', port: 3307, user: 'root', password: '', database: 'x' }
		}
	];
	for (const { url, want } of cases) {
		assert.deepEqual(parseDatabaseURL(url), want, url);
	}
});

test('parseDatabaseURL rejects bad input with an error that says what to do', () => {
	const cases = [
		{ url: undefined, match: /DATABASE_URL is empty/ },
		{ url: '', match: /DATABASE_URL is empty/ },
		{ url: 'not a url', match: /not a URL/ },
		{ url: 'postgres://root@127.0.0.1/x', match: /scheme postgres: is not supported/ },
		{ url: 'mysql://root@127.0.0.1:3306', match: /needs a database name/ },
		{ url: 'mysql://root@127.0.0.1:3306/', match: /needs a database name/ },
		{ url: 'mysql://root@127.0.0.1/a`b', match: /needs a database name/ },
		{ url: 'mysql://root@127.0.0.1/a;drop', match: /needs a database name/ },
		{ url: `mysql://root@127.0.0.1/${'x'.repeat(65)}`, match: /needs a database name/ }
	];
	for (const { url, match } of cases) {
		assert.throws(() => parseDatabaseURL(url), match, String(url));
	}
});

test('parseDatabaseURL never puts the password in an error', () => {
	assert.throws(
		() => parseDatabaseURL('mysql://root:hunter2secret@127.0.0.1:3306/bad-name'),
		(err) => err instanceof Error && !err.message.includes('hunter2secret')
	);
});

test('parseTrustedOrigins splits a comma-separated list', () => {
	const cases = [
		{ value: undefined, want: [] },
		{ value: '', want: [] },
		{ value: 'http://127.0.0.1:8080', want: ['http://127.0.0.1:8080'] },
		{ value: ' http://a:1 , http://b:2,,', want: ['http://a:1', 'http://b:2'] }
	];
	for (const { value, want } of cases) {
		assert.deepEqual(parseTrustedOrigins(value), want, String(value));
	}
});

test('localeValidator accepts only the site locales', () => {
	const validate = localeValidator(['en', 'de', 'fr'])['~standard'].validate;
	const cases = [
		{ value: 'de', ok: true },
		{ value: 'fr', ok: true },
		{ value: 'xx', ok: false },
		{ value: 'DE', ok: false },
		{ value: '', ok: false },
		{ value: 7, ok: false },
		{ value: null, ok: false }
	];
	for (const { value, ok } of cases) {
		const result = validate(value);
		if (ok) assert.deepEqual(result, { value }, String(value));
		else assert.match(result.issues?.[0]?.message ?? '', /locale must be one of en, de, fr/, String(value));
	}
});
