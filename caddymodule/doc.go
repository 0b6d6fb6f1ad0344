// Package caddymodule is the Caddy v2 glue of caddy-mautic: the HTTP
// handler http.handlers.mautic (Caddyfile directive mautic) and the admin
// route admin.api.mautic (GET /mautic/health).
//
// The handler puts the other packages in front of any site: inject (the
// streaming tracking-loader injector), provision (who the user is, their one
// Mautic contact, webhook effects), provision/spool (durable webhook
// storage) and mautic (the REST client). Its request path is
// Handler.ServeHTTP: the webhook and first-party tracking routes are
// answered there, and every other request is identified, gets its mtc_id
// cookie set to the user's contact, and has its HTML injected.
//
// What a stranger sends cannot reach what others are served: the tracking
// URLs written into pages and into the proxied mtc.js are root-relative (or
// follow first_party public_origin), never taken from the Host header; only
// the tracking routes are rewritten to the prefix, the rest of Mautic's
// browser features keep their own URLs; proxied hits lose every field Mautic
// would identify a contact by (its unique identifiers, read from its fields
// API), in the hit, in URL queries among its values and in the Referer.
// When the site has an access log, Better Auth's Set-Auth-Jwt and
// Set-Auth-Token response headers are logged as REDACTED, as Caddy does
// for Cookie and Authorization.
//
// State that must outlive a configuration reload (Mautic client, identity
// resolver, database, linking engine and its queue and cache, webhook
// spool, metrics) lives in one package-level caddy.UsagePool, keyed by a
// hash of the configuration it was built from: a reload with the same
// configuration keeps it, and the last configuration to let go of it stops
// its goroutines and closes its connections.
//
// Build Caddy with the module with ../xcaddy.sh; ../Caddyfile.example is a
// complete site block. See Handler for the Caddyfile syntax and its JSON
// equivalent.
package caddymodule
