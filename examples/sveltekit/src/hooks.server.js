import { building } from '$app/environment';
import { sequence } from '@sveltejs/kit/hooks';
import { svelteKitHandler } from 'better-auth/svelte-kit';
import { paraglideMiddleware } from '$lib/paraglide/server.js';
import { auth } from '$lib/server/auth.js';

/**
 * Puts the signed-in user on locals (Better Auth's cookie cache makes this
 * cheap) and lets Better Auth answer /api/auth/*.
 * @type {import('@sveltejs/kit').Handle}
 */
const handleAuth = async ({ event, resolve }) => {
	event.locals.user = null;
	event.locals.session = null;
	if (!building && !event.url.pathname.startsWith('/api/')) {
		const current = await auth.api.getSession({ headers: event.request.headers });
		event.locals.user = current?.user ?? null;
		event.locals.session = current?.session ?? null;
	}
	return svelteKitHandler({ event, resolve, auth, building });
};

/**
 * Picks the locale (PARAGLIDE_LOCALE cookie, then Accept-Language, then "en")
 * and writes it into <html lang="%lang%">.
 * @type {import('@sveltejs/kit').Handle}
 */
const handleParaglide = ({ event, resolve }) =>
	paraglideMiddleware(event.request, ({ request, locale }) => {
		event.request = request;
		return resolve(event, {
			transformPageChunk: ({ html }) => html.replace('%lang%', locale)
		});
	});

export const handle = sequence(handleAuth, handleParaglide);
