/** @type {import('./$types').LayoutServerLoad} */
export function load({ locals }) {
	// Only what the header needs; /account reads the full row itself.
	return { user: locals.user ? { name: locals.user.name, email: locals.user.email } : null };
}
