// Package betterauth tells who the visitor of a request is, from the
// cookies and headers that a Better Auth 1.7 application issues, without
// asking the application on the hot path whenever it can.
//
// The user it finds is the one the application itself shows on that
// request: it reads the one session cookie name the app reads
// (Config.SecureCookies; with SecureAuto a request carrying the
// "__Secure-" and the plain name for two different sessions is
// anonymous), and the Authorization header only as the app does
// (Config.Bearer: ignored by default, as without the bearer() plugin; the
// plugin's session token in place of the cookie; or a JWT of the jwt()
// plugin, only without a session cookie).
//
// A [Resolver] tries the cheapest trustworthy source first:
//
//  1. the cookie cache (session_data) in any of Better Auth's strategies:
//     compact (HMAC over the JSON), jwt (HS256), jwe (dir + A256CBC-HS512
//     with an HKDF-derived key) and the EdDSA session-cache JWT of the JWT
//     plugin, verified with the upstream's JWKS; chunked cookies are joined.
//     As on the server, the cache counts only next to a validly signed
//     session_token naming the same session, and only while neither the
//     cache nor the session has expired;
//  2. a Bearer JWT issued by the JWT plugin, verified with the JWKS (with
//     BearerJWT, and no session cookie);
//  3. the session_token cookie alone: its HMAC is checked offline, then the
//     session is looked up in the app database or through the upstream's
//     /api/auth/get-session, and the answer is cached per token.
//
// Verified results are cached by a SHA-256 of the exact credential bytes,
// so a signature or decryption is paid once per credential, not per
// request. Definite refusals (forged, malformed, expired or mismatched
// credentials, which the same bytes would get again at any later time)
// are remembered the same way, in a bounded cache of their own that a
// flood of forged credentials cannot use to evict accepted users; a
// refusal that may turn (JWKS unreachable, lookup failed, a JWT not valid
// yet) is not remembered. A request with missing, forged, expired or unverifiable
// credentials is anonymous: Resolve never fails a request.
//
// JWKS are fetched from the upstream's /api/auth/jwks lazily, and again on
// an unknown kid at most once per 5 minutes. Session lookups are cached per
// token for a minute, never past the session's expiry, with one lookup in
// flight per token. Signed cookies verify with the current secret only, as on
// the server, so rotating away a leaked secret really locks it out; jwe
// caches try every configured secret.
package betterauth
