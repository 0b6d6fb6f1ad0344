// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
	namespace App {
		interface Locals {
			/** The signed-in user from Better Auth (may come from its cookie cache), or null. */
			user: import('better-auth').User & { locale?: string | null; mauticId?: number | null } | null;
			/** The Better Auth session, or null. */
			session: import('better-auth').Session | null;
		}
	}
}

export {};
