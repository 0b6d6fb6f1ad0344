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
package mautic

// Version is this client's version; the default User-Agent is
// "caddy-mautic/" + Version.
const Version = "0.1.0"
