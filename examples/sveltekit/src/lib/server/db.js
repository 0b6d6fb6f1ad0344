// The app's Prisma client on MariaDB. Prisma's query compiler runs in wasm
// with the MariaDB driver adapter, so no Prisma engine binary is needed.
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { building } from '$app/environment';
import { env } from '$env/dynamic/private';
import { PrismaClient } from './generated/prisma/client.ts';
import { parseDatabaseURL } from './database-url.js';

/** @param {string | undefined} url */
function createPrisma(url) {
	const adapter = new PrismaMariaDb({
		...parseDatabaseURL(url),
		// Session time zone UTC, so TIMESTAMP columns hold UTC whatever the
		// server's zone: other readers compare them with NOW(3).
		timezone: 'Z',
		connectionLimit: 5
	});
	const client = new PrismaClient({ adapter });
	// adapter-node emits this after the HTTP server has closed on
	// SIGTERM/SIGINT; an open pool would keep `node build` alive forever.
	process.once('sveltekit:shutdown', () => {
		client.$disconnect().catch((err) => console.error('db: closing the pool failed:', err));
	});
	return client;
}

/**
 * The shared Prisma client. It is not created while `vite build` analyses
 * the app, when DATABASE_URL is usually not set.
 * @type {PrismaClient}
 */
export const prisma = building ? /** @type {any} */ (null) : createPrisma(env.DATABASE_URL);
