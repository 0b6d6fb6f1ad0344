// Pages with their Content-Security-Policy in a <meta> tag, as SvelteKit's
// kit.csp writes it into prerendered pages (tests/caddy-csp.e2e.test.mjs).
// Prerendered and without client-side JavaScript, so that the policy judges
// only the loader caddy-mautic injects.
export const prerender = true;
export const csr = false;
