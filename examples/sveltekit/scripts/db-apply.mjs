#!/usr/bin/env node
// Applies Better Auth's MariaDB schema to the database named in DATABASE_URL,
// creating the database first when it is missing. Used instead of
// `prisma migrate`, whose schema engine cannot be downloaded here.
//
// The DDL is the project's single copy, provision/userdb/dbtest/schema/mysql.sql
// (Better Auth's own migrator output, also used by the Go tests), so the app,
// Prisma (prisma/schema.prisma) and caddy-mautic agree on every table.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { parseDatabaseURL } from '../src/lib/server/database-url.js';

/** Path of the committed schema, resolved from this file so cwd does not matter. */
export const schemaPath = fileURLToPath(new URL('../../../provision/userdb/dbtest/schema/mysql.sql', import.meta.url));

/** The tables the schema creates. */
export const schemaTables = ['user', 'session', 'account', 'verification', 'jwks'];

/**
 * Creates the database in `databaseURL` if needed and runs the schema in it.
 * A database that already has every table is left alone, so running it again
 * is safe; one with only some of them is an error, never half-fixed.
 * @param {string | undefined} databaseURL mysql://user:password@host:port/database
 * @param {string} [sqlPath] schema file to apply
 * @returns {Promise<{ database: string, created: boolean }>} created: whether tables were made
 */
export async function applySchema(databaseURL, sqlPath = schemaPath) {
	const { database, ...server } = parseDatabaseURL(databaseURL);
	const sql = await readFile(sqlPath, 'utf8').catch((err) => {
		throw new Error(`db-apply: cannot read the schema ${sqlPath}: ${err.code ?? err.message}`);
	});
	const conn = await mysql.createConnection({ ...server, multipleStatements: true, timezone: 'Z' });
	try {
		await conn.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`);
		await conn.changeUser({ database });
		const [rows] = await conn.query(
			'SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?)',
			[database, schemaTables]
		);
		const present = /** @type {{ name: string }[]} */ (rows).map((r) => r.name).sort();
		if (present.length === schemaTables.length) return { database, created: false };
		if (present.length > 0) {
			throw new Error(
				`db-apply: database ${database} has only some of the Better Auth tables (${present.join(', ')}): drop them, or use an empty database`
			);
		}
		await conn.query(sql);
		return { database, created: true };
	} finally {
		await conn.end();
	}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	try {
		const { database, created } = await applySchema(process.env.DATABASE_URL);
		console.log(created ? `db-apply: schema applied to database ${database}` : `db-apply: database ${database} already has the schema`);
	} catch (err) {
		console.error(err instanceof Error ? err.message : err);
		process.exitCode = 1;
	}
}
