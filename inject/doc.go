// Package inject puts a snippet (the Mautic tracking loader) into HTML
// responses as they stream through an http.ResponseWriter, without buffering
// the body.
//
// Build the snippet once per configuration with NewSnippet, then wrap each
// response:
//
//	iw := inject.NewWriter(w, r, snip, opts)
//	defer iw.Close()
//	next.ServeHTTP(iw, r)
//
// Only successful (2xx other than 204, 205 and 206) text/html responses to GET
// requests, with an identity Content-Encoding and no Cache-Control:
// no-transform, are changed; everything else passes through untouched. HEAD
// responses get the same header changes as GET would, and no body.
//
// The writer finds the insertion point with a small resumable HTML tokenizer
// that follows the WHATWG tokenization rules: tags are matched ASCII
// case-insensitively, across any write boundary, and never inside comments or
// the raw text of script, style, textarea, title, noscript, iframe, noembed,
// noframes or xmp. It works on tokens, not on a document tree, as a browser's
// tokenizer would before tree construction. Foreign content (svg, math) gets
// no special treatment.
//
// Writes leave in the sizes they arrived in. The only exceptions are the write
// that carries the insertion, which becomes up to three writes (before,
// snippet, after), and a candidate tag split over two writes, whose first part
// is held back until its name shows whether it is the insertion point. Once
// the snippet is in, or the look-ahead is exhausted, every write goes straight
// to the underlying writer.
//
// # Where and how
//
// The snippet goes before the first </head> (Options.Placement, the
// default), after <head>, or before </body>; when <body> opens first, before
// it. A page that already has MauticTrackingObject is left alone. The
// insertion tag must end within Options.LookAhead (64 KiB) or the page passes
// through unchanged, which also bounds the memory per response.
//
// Headers: Content-Length grows by the snippet when the first write holds the
// insertion point and is dropped otherwise; a strong ETag becomes weak;
// Accept-Ranges goes; Vary stays. Flush, Hijack, http.ResponseController,
// Unwrap, trailers and ReadFrom keep working through the writer.
//
// # Content-Security-Policy
//
// The snippet is an inline script that inserts mtc.js, so the page's
// policies decide whether it can run: those of the Content-Security-Policy
// headers, and those of <meta http-equiv="Content-Security-Policy"> tags
// before the insertion point (SvelteKit puts the policy of prerendered pages
// there). Every policy must admit both the inline script and mtc.js. A nonce
// (from an enforced header, else a meta, else a report-only header) is put on
// the snippet, and the loader copies it to mtc.js. A response whose policies
// would block the snippet is left unchanged, its Outcome is CSPBlocked, and
// Options.OnCSPBlocked hears the offending policy: a snippet that cannot run
// is never reported as injected.
//
// A meta policy is enforced by the browser from the point it is parsed, for
// what is fetched or run after it, and only when the meta is a child of
// <head>. The writer judges every CSP meta start tag before the insertion
// point and before any <body> start tag, decoding character references as
// the tokenizer does; browsers honour a subset of these (not one inside
// <template>, or after content that implicitly opened the body), so the
// writer may be stricter than the browser, never laxer. A CSP meta longer
// than 16 KiB counts as blocking. Metas after the insertion point are not
// judged: with AfterHeadStart the loader runs before them, and Chromium
// fetches the mtc.js it inserts under the policies in force at that moment
// (examples/sveltekit/tests/caddy-csp.e2e.test.mjs checks this); what
// mtc.js requests later is subject to them. A HEAD response's
// Content-Length reflects only the header policies.
package inject
