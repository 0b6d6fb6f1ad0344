import { fail, redirect } from '@sveltejs/kit';
import { APIError } from 'better-auth/api';
import { m } from '$lib/paraglide/messages.js';
import { cookieMaxAge, cookieName, isLocale } from '$lib/paraglide/runtime.js';
import { auth } from '$lib/server/auth.js';
import { textFields } from '$lib/server/form.js';

/** @type {import('./$types').PageServerLoad} */
export function load({ locals }) {
	if (locals.user) redirect(303, '/account');
}

/** @type {import('./$types').Actions} */
export const actions = {
	default: async ({ request, cookies }) => {
		const { email, password } = textFields(await request.formData(), ['email', 'password']);
		if (!email || !password) {
			return fail(400, { email, error: m.error_missing_fields() });
		}
		let result;
		try {
			result = await auth.api.signInEmail({ body: { email, password }, headers: request.headers });
		} catch (err) {
			if (err instanceof APIError) return fail(400, { email, error: m.error_signin_failed() });
			throw err;
		}
		// Show the site in the language the user saved, on this device too.
		// Same cookie as Paraglide's setLocale(), so the switcher can change it.
		const saved = /** @type {{ locale?: unknown }} */ (result.user).locale;
		if (isLocale(saved)) {
			cookies.set(cookieName, saved, { path: '/', maxAge: cookieMaxAge, httpOnly: false, sameSite: 'lax' });
		}
		redirect(303, '/account');
	}
};
