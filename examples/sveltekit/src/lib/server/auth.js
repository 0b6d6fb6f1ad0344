// The Better Auth instance: email + password, the jwt() plugin, and cookies
// through SvelteKit. Storage is Prisma on MariaDB.
import { betterAuth } from 'better-auth';
import { prismaAdapter } from 'better-auth/adapters/prisma';
import { sveltekitCookies } from 'better-auth/svelte-kit';
import { building } from '$app/environment';
import { getRequestEvent } from '$app/server';
import { env } from '$env/dynamic/private';
import { baseLocale, locales } from '$lib/paraglide/runtime.js';
import { prisma } from './db.js';
import { authOptions, parseTrustedOrigins } from './auth-options.js';

function createAuth() {
	if (!env.BETTER_AUTH_SECRET) {
		throw new Error('auth: BETTER_AUTH_SECRET is empty: set it to a random string of at least 32 characters');
	}
	if (!env.BETTER_AUTH_URL) {
		throw new Error('auth: BETTER_AUTH_URL is empty: set it to the public URL of the site (Caddy\'s, when Caddy is in front)');
	}
	return betterAuth(
		authOptions({
			database: prismaAdapter(prisma, { provider: 'mysql' }),
			secret: env.BETTER_AUTH_SECRET,
			baseURL: env.BETTER_AUTH_URL,
			trustedOrigins: parseTrustedOrigins(env.BETTER_AUTH_TRUSTED_ORIGINS),
			locales,
			baseLocale,
			plugins: [sveltekitCookies(getRequestEvent)]
		})
	);
}

/**
 * The site's Better Auth instance; not created while `vite build` analyses
 * the app.
 * @type {ReturnType<typeof createAuth>}
 */
export const auth = building ? /** @type {any} */ (null) : createAuth();
