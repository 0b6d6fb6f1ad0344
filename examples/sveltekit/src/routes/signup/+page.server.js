import { fail, redirect } from '@sveltejs/kit';
import { APIError } from 'better-auth/api';
import { m } from '$lib/paraglide/messages.js';
import { getLocale } from '$lib/paraglide/runtime.js';
import { auth } from '$lib/server/auth.js';
import { textFields } from '$lib/server/form.js';

/** @type {import('./$types').PageServerLoad} */
export function load({ locals }) {
	if (locals.user) redirect(303, '/account');
}

/** @type {import('./$types').Actions} */
export const actions = {
	default: async ({ request }) => {
		const { name, email, password } = textFields(await request.formData(), ['name', 'email', 'password']);
		if (!name || !email || !password) {
			return fail(400, { name, email, error: m.error_missing_fields() });
		}
		try {
			// The new user starts in the language the site is shown in.
			await auth.api.signUpEmail({
				body: { name, email, password, locale: getLocale() },
				headers: request.headers
			});
		} catch (err) {
			if (err instanceof APIError) {
				return fail(400, { name, email, error: m.error_signup_failed({ reason: err.message }) });
			}
			throw err;
		}
		redirect(303, '/account');
	}
};
