/**
 * A use:enhance submit function for the sign-in and sign-up forms: after a
 * successful post, load the next page as a whole document instead of
 * SvelteKit's client-side navigation, so the language the server picked
 * (<html lang>, PARAGLIDE_LOCALE set at sign-in) applies to the whole page,
 * and a proxy in front (caddy-mautic) sees an HTML page with the new session.
 * @type {import('@sveltejs/kit').SubmitFunction}
 */
export function reloadOnRedirect() {
	return async ({ result, update }) => {
		if (result.type === 'redirect') {
			window.location.assign(result.location);
			return;
		}
		await update();
	};
}
