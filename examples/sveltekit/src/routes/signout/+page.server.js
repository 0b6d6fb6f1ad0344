import { redirect } from '@sveltejs/kit';
import { auth } from '$lib/server/auth.js';

/** @type {import('./$types').PageServerLoad} */
export function load({ locals }) {
	return { signedIn: locals.user !== null };
}

/** @type {import('./$types').Actions} */
export const actions = {
	default: async ({ request, locals }) => {
		if (locals.session) {
			// Deletes the session row; sveltekitCookies clears the cookies.
			await auth.api.signOut({ headers: request.headers });
		}
		redirect(303, '/');
	}
};
