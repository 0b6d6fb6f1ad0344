import { json } from '@sveltejs/kit';

/** Liveness for the harness and Caddy's health checks; JSON, so never injected. */
/** @type {import('./$types').RequestHandler} */
export function GET() {
	return json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
}
