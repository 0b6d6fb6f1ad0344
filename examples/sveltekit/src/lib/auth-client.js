// Better Auth's browser client. Without a baseURL it talks to the page's own
// origin, so it works the same behind Caddy and without it.
import { createAuthClient } from 'better-auth/client';

export const authClient = createAuthClient();
