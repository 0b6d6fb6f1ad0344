// Better Auth options of the example site, as a plain function of its
// inputs: the app (auth.js) and tests/schema.test.mjs, which runs Better
// Auth's own migrator, build the same configuration from here.
import { jwt } from 'better-auth/plugins';

/**
 * A Standard Schema (https://standardschema.dev) validator that accepts only
 * the site's locales, so update-user cannot store a locale that the site,
 * and the Mautic sync behind it, do not know.
 * @param {readonly string[]} locales
 */
export function localeValidator(locales) {
	return {
		'~standard': {
			version: 1,
			vendor: 'caddy-mautic-example',
			/** @param {unknown} value */
			validate(value) {
				if (typeof value === 'string' && locales.includes(value)) return { value };
				return { issues: [{ message: `locale must be one of ${locales.join(', ')}` }] };
			}
		}
	};
}

/**
 * Splits BETTER_AUTH_TRUSTED_ORIGINS ("http://a:1, http://b:2") into a list.
 * @param {string | undefined} value
 * @returns {string[]}
 */
export function parseTrustedOrigins(value) {
	return (value ?? '')
		.split(',')
		.map((origin) => origin.trim())
		.filter(Boolean);
}

/**
 * The betterAuth() options. `plugins` are added after jwt(); the SvelteKit
 * cookie plugin must come last, so auth.js passes it here.
 * @param {{
 *   database: any,
 *   secret?: string,
 *   baseURL?: string,
 *   trustedOrigins?: string[],
 *   locales: readonly string[],
 *   baseLocale?: string,
 *   plugins?: any[]
 * }} input
 */
export function authOptions({ database, secret, baseURL, trustedOrigins = [], locales, baseLocale = 'en', plugins = [] }) {
	return {
		database,
		secret,
		baseURL,
		trustedOrigins,
		emailAndPassword: { enabled: true },
		user: {
			additionalFields: {
				// Chosen with the language switcher; caddy-mautic syncs it to Mautic.
				locale: {
					type: /** @type {const} */ ('string'),
					required: false,
					defaultValue: baseLocale,
					input: true,
					validator: { input: localeValidator(locales) }
				},
				// Written only by caddy-mautic, straight into the database.
				mauticId: { type: /** @type {const} */ ('number'), required: false, input: false }
			}
		},
		session: {
			// Compact (HMAC-signed) cache, as caddy-mautic expects by default.
			cookieCache: { enabled: true, maxAge: 300 }
		},
		plugins: [jwt(), ...plugins]
	};
}
