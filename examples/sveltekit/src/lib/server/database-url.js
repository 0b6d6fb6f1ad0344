// Parses DATABASE_URL (mysql://user:password@host:port/database) into the
// connection settings both the app (Prisma's MariaDB adapter) and
// scripts/db-apply.mjs (mysql2) need. Kept free of SvelteKit and driver
// imports so plain Node scripts and tests can use it.

const DATABASE_NAME = /^[A-Za-z0-9_]{1,64}$/;

/**
 * @typedef {object} DatabaseSettings
 * @property {string} host
 * @property {number} port
 * @property {string} user
 * @property {string} password
 * @property {string} database
 */

/**
 * Returns the connection settings in a mysql:// or mariadb:// URL.
 * The database name is restricted to letters, digits and underscores because
 * db-apply puts it into a CREATE DATABASE statement.
 * @param {string | undefined} url
 * @returns {DatabaseSettings}
 */
export function parseDatabaseURL(url) {
	if (!url) {
		throw new Error('database-url: DATABASE_URL is empty: set it to mysql://user:password@host:3306/database');
	}
	let parsed;
	try {
		parsed = new URL(url);
	} catch {
		throw new Error('database-url: DATABASE_URL is not a URL: use mysql://user:password@host:3306/database');
	}
	if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
		throw new Error(`database-url: DATABASE_URL scheme ${parsed.protocol} is not supported: use mysql:// or mariadb://`);
	}
	if (!parsed.hostname) {
		throw new Error('database-url: DATABASE_URL has no host: use mysql://user:password@host:3306/database');
	}
	const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
	if (!DATABASE_NAME.test(database)) {
		throw new Error(
			'database-url: DATABASE_URL needs a database name of 1-64 letters, digits or underscores after the host, e.g. mysql://root@127.0.0.1:3306/caddy_mautic_demo'
		);
	}
	const port = parsed.port ? Number(parsed.port) : 3306;
	return {
		host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
		port,
		user: decodeURIComponent(parsed.username) || 'root',
		password: decodeURIComponent(parsed.password),
		database
	};
}
