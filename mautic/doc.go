// Package mautic is a small client for Mautic 5's REST API and its webhooks,
// written for caddy-mautic but usable on its own.
//
// It knows the quirks a real Mautic 5.1 has and the usual integration code
// gets wrong: exact, case-insensitive email lookups through where filters
// (never search=, which is a substring or prefix match), create-or-update
// through POST /contacts/new (never PUT, which blanks fields and creates
// under new ids), contact lists keyed by id in server order, totals sent as
// strings, merged contact ids, batch answers keyed by item index, Mautic's
// own error bodies, its rate limiter headers, and OAuth2 client credentials
// with a token endpoint that answers in Mautic's own error shape.
//
// A Client is safe for concurrent use. Every call takes a context: a short
// deadline makes a call fail fast (a request budget that would wait past it
// answers at once with a rate-limited *Error carrying RetryAt) instead of
// slowing the caller.
//
//	c, err := mautic.New(mautic.Config{
//		BaseURL: "https://m.example.com/api",
//		Auth:    mautic.BasicAuth{Username: "api", Password: secret},
//	})
//	if err != nil { ... }
//	defer c.Close()
//	contact, err := c.Contacts.FindByEmail(ctx, "Jane@Example.com")
//	switch {
//	case mautic.IsNotFound(err):
//		contact, _, err = c.Contacts.Upsert(ctx, mautic.Fields{"email": "jane@example.com"})
//	case err != nil:
//		return err
//	}
//
// Webhooks: check the Webhook-Signature header with VerifySignature over the
// raw body, then decode it with ParseWebhook.
//
// # Lookups and writes
//
// FindByEmails and FindByIDs batch many values into one where[0][expr]=in
// call, split to stay under 6 KiB of URL, and page to the end; "+" is sent as
// %2B. Mautic's create race can leave two contacts with one email:
// FindByEmail returns the oldest and lists the others in DuplicateIDs.
// Upsert reports whether it created (201) or updated (200). Empty and nil
// values are left out of writes so that nothing marketing set is blanked;
// Blank clears a field on purpose. Get of a merged-away id answers the
// survivor, with the id asked for in MergedFrom. Batches are split into 200s
// with one BatchResult per input item.
//
// # Reliability
//
// One pooled transport, a per-attempt timeout (10 s by default), and a
// context on every call. Network errors, 429 and 5xx are retried with
// full-jitter exponential backoff, honouring Retry-After, for safe calls only
// (reads, PATCH, DELETE, and creates that carry an email), within
// Retry.MaxAttempts (4) and Retry.MaxElapsed (30 s). The Budget combines a
// local token bucket with Mautic's X-RateLimit-* headers and 429s: calls are
// held until the reset. OAuth2 client-credential tokens are cached and
// renewed in the background at half their life, one fetch at a time; a 401
// invalid_grant re-tokens once. Every failure is one *Error (status, method,
// path, Mautic's errors[], cause, RetryAt), classified by IsNotFound,
// IsUnauthorized, IsValidation, IsDuplicate, IsRateLimited and IsUnavailable.
// Ping, BudgetState and Config.Observe (one Call per HTTP attempt, with the
// route template) feed health checks and metrics.
//
// # Testing against a real Mautic
//
// The package's table tests run against the simulator in package
// mautictest, or against a real Mautic with
//
//	MAUTIC_TEST_URL=https://m.example.com/api MAUTIC_TEST_USER=... MAUTIC_TEST_PASSWORD=... go test ./mautic/
//
// (MAUTIC_TEST_CLIENT_ID and MAUTIC_TEST_CLIENT_SECRET for OAuth2). Tests
// that need the simulator's controls skip; contacts they create are deleted.
package mautic

// Version is this client's version; the default User-Agent is
// "caddy-mautic/" + Version.
const Version = "0.1.0"
