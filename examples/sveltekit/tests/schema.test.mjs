// The schema db:apply uses (provision/userdb/dbtest/schema/mysql.sql) must be
// what Better Auth's own migrator creates for the app's options, so that
// Better Auth, Prisma (@@map) and the caddy-mautic module see the same tables.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import mysql from 'mysql2/promise';
import { authOptions } from '../src/lib/server/auth-options.js';
import { applySchema, schemaTables } from '../scripts/db-apply.mjs';
import { createDatabase } from './harness.mjs';

const locales = ['en', 'de', 'fr'];
/** @type {import('./harness.mjs').TestDatabase} */ let applied;
/** @type {import('./harness.mjs').TestDatabase} */ let migrated;
/** @type {mysql.Pool} */ let migratedPool;

/** Options as the app builds them, on a mysql2 pool (Better Auth's Kysely path). */
function optionsOn(/** @type {mysql.Pool} */ pool) {
	return authOptions({ database: pool, secret: 'x'.repeat(40), baseURL: 'http://127.0.0.1', locales });
}

before(async () => {
	applied = await createDatabase();
	// Start empty and let Better Auth's migrator build the second one.
	migrated = await createDatabase();
	for (const table of ['session', 'account', 'verification', 'jwks', 'user']) {
		await migrated.query(`DROP TABLE \`${table}\``);
	}
	migratedPool = mysql.createPool({ uri: migrated.url, timezone: 'Z' });
	const { runMigrations } = await getMigrations(optionsOn(migratedPool));
	await runMigrations();
});

after(async () => {
	await migratedPool?.end();
	await applied?.drop();
	await migrated?.drop();
});

/** Columns, indexes and foreign keys of a database, in a comparable form. */
async function describe(/** @type {import('./harness.mjs').TestDatabase} */ db) {
	const columns = await db.query(
		`SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE type, IS_NULLABLE nullable, COLUMN_DEFAULT def
		 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
		[db.name]
	);
	const indexes = await db.query(
		`SELECT TABLE_NAME t, INDEX_NAME name, NON_UNIQUE non_unique, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) cols
		 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE ORDER BY TABLE_NAME, INDEX_NAME`,
		[db.name]
	);
	const foreignKeys = await db.query(
		`SELECT k.TABLE_NAME t, k.COLUMN_NAME c, k.REFERENCED_TABLE_NAME rt, k.REFERENCED_COLUMN_NAME rc, r.DELETE_RULE del
		 FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
		   ON r.CONSTRAINT_SCHEMA = k.TABLE_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
		 WHERE k.TABLE_SCHEMA = ? ORDER BY t, c`,
		[db.name]
	);
	return { columns, indexes, foreignKeys };
}

test('the committed schema matches what Better Auth migrates', async () => {
	const want = await describe(migrated);
	const got = await describe(applied);
	assert.ok(want.columns.length > 30, `migrator made only ${want.columns.length} columns`);
	assert.deepEqual(got.columns, want.columns);
	assert.deepEqual(got.indexes, want.indexes);
	assert.deepEqual(got.foreignKeys, want.foreignKeys);
});

test('Better Auth finds nothing to migrate on the committed schema', async () => {
	const pool = mysql.createPool({ uri: applied.url, timezone: 'Z' });
	try {
		const { toBeCreated, toBeAdded } = await getMigrations(optionsOn(pool));
		assert.deepEqual({ toBeCreated, toBeAdded }, { toBeCreated: [], toBeAdded: [] });
	} finally {
		await pool.end();
	}
});

test('table names are lowercase and the module columns exist', async () => {
	const tables = (await applied.query('SHOW TABLES')).map((row) => Object.values(row)[0]).sort();
	assert.deepEqual(tables, ['account', 'jwks', 'session', 'user', 'verification']);
	const user = await applied.query("SHOW COLUMNS FROM `user` WHERE Field IN ('locale', 'mauticId')");
	assert.deepEqual(
		user.map((c) => [c.Field, c.Type, c.Null]),
		[
			['locale', 'text', 'YES'],
			['mauticId', 'int(11)', 'YES']
		]
	);
});

test('db:apply is safe to run again and keeps existing rows', async () => {
	await applied.query(
		"INSERT INTO `user` (id, name, email, emailVerified, locale, mauticId) VALUES ('u1', 'Keep', 'keep@example.com', 0, 'de', 42)"
	);
	assert.deepEqual(await applySchema(applied.url), { database: applied.name, created: false });
	const row = await applied.userByEmail('keep@example.com');
	assert.equal(row?.mauticId, 42);
	assert.equal(row?.locale, 'de');
});

test('db:apply refuses a database with only part of the schema', async () => {
	const partial = await createDatabase();
	try {
		await partial.query('DROP TABLE `jwks`');
		await assert.rejects(applySchema(partial.url), /has only some of the Better Auth tables \(account, session, user, verification\)/);
		const tables = (await partial.query('SHOW TABLES')).length;
		assert.equal(tables, schemaTables.length - 1, 'db:apply changed a partial database');
	} finally {
		await partial.drop();
	}
});

test('db:apply creates a missing database and reports bad input clearly', async () => {
	const cases = [
		{ url: undefined, match: /DATABASE_URL is empty/ },
		{ url: 'mysql://root@127.0.0.1:3306/bad-name', match: /needs a database name/ },
		{ url: 'mysql://root@127.0.0.1:3306/x', sqlPath: '/nonexistent/schema.sql', match: /cannot read the schema \/nonexistent\/schema.sql: ENOENT/ }
	];
	for (const { url, sqlPath, match } of cases) {
		await assert.rejects(applySchema(url, sqlPath), match, String(url));
	}
	const fresh = await createDatabase(); // createDatabase runs applySchema on a new name
	try {
		const tables = (await fresh.query('SHOW TABLES')).map((row) => Object.values(row)[0]).sort();
		assert.deepEqual(tables, [...schemaTables].sort());
	} finally {
		await fresh.drop();
	}
});
