import adapter from '@sveltejs/adapter-node';

/** @type {import('@sveltejs/kit').Config} */
const config = {
	kit: {
		// `node build` serves the app; Caddy (with caddy-mautic) sits in front.
		adapter: adapter()
	}
};

export default config;
