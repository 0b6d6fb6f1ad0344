import { redirect } from '@sveltejs/kit';
import { prisma } from '$lib/server/db.js';

/** @type {import('./$types').PageServerLoad} */
export async function load({ locals, setHeaders }) {
	if (!locals.user) redirect(303, '/signin');
	// Read the row itself: the session's cookie cache can be up to five
	// minutes old, and caddy-mautic writes mauticId behind Better Auth's back.
	const account = await prisma.user.findUnique({
		where: { id: locals.user.id },
		select: { name: true, email: true, locale: true, mauticId: true }
	});
	if (!account) redirect(303, '/signin');
	setHeaders({ 'cache-control': 'private, no-store' });
	return { account };
}
