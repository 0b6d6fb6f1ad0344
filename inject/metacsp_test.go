package inject

import (
	"strconv"
	"strings"
	"testing"
)

// TestMetaCSP judges pages whose policy is in a
// <meta http-equiv="Content-Security-Policy"> tag, as SvelteKit prerenders
// them, at every write boundary.
func TestMetaCSP(t *testing.T) {
	external := testSnippet(t) // https://m.example.com/mtc.js
	firstParty, err := NewSnippet(SnippetConfig{TrackingURL: "/mtc-proxy"})
	if err != nil {
		t.Fatal(err)
	}
	meta := func(policy string) string {
		return `<meta http-equiv="content-security-policy" content="` + policy + `">`
	}
	page := func(head string) string {
		return "<!doctype html><html><head><title>t</title>" + head + "</head><body><p>x</p></body></html>"
	}
	cases := []struct {
		name      string
		in        string
		snip      *Snippet
		placement Placement
		header    string // an enforced Content-Security-Policy header
		outcome   Outcome
		nonce     string
	}{
		{name: "meta nonce goes on the snippet", in: page(meta("script-src 'nonce-abc'")), outcome: Injected, nonce: "abc"},
		{name: "meta nonce with strict-dynamic", in: page(meta("default-src 'none'; script-src 'nonce-abc' 'strict-dynamic'")), outcome: Injected, nonce: "abc"},
		{name: "self only blocks the inline loader", in: page(meta("script-src 'self'")), snip: firstParty, outcome: CSPBlocked},
		{name: "self and unsafe-inline admit a first-party loader", in: page(meta("script-src 'self' 'unsafe-inline'")), snip: firstParty, outcome: Injected},
		{name: "self and unsafe-inline do not admit Mautic's host", in: page(meta("script-src 'self' 'unsafe-inline'")), outcome: CSPBlocked},
		{name: "SvelteKit hash mode blocks", in: page(meta("script-src 'self' 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='")), snip: firstParty, outcome: CSPBlocked},
		{name: "SvelteKit hash mode with the snippet's hash", in: page(meta("script-src 'self' 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' " + firstParty.CSPHash())), snip: firstParty, outcome: Injected},
		{name: "meta without script directives", in: page(meta("img-src *; style-src 'self'")), outcome: Injected},
		{name: "every meta applies", in: page(meta("script-src 'nonce-abc' 'strict-dynamic'") + meta("default-src 'self'")), outcome: CSPBlocked},
		{name: "two metas that both admit", in: page(meta("script-src 'nonce-abc' 'strict-dynamic'") + meta("img-src *")), outcome: Injected, nonce: "abc"},
		{name: "header nonce the meta lacks", in: page(meta("script-src 'nonce-other'")), header: "script-src 'nonce-hdr'", outcome: CSPBlocked},
		{name: "header and meta share the nonce", in: page(meta("script-src 'nonce-abc'")), header: "script-src 'nonce-abc' 'strict-dynamic'", outcome: Injected, nonce: "abc"},
		{name: "header without script directives, meta nonce", in: page(meta("script-src 'nonce-abc'")), header: "frame-ancestors 'none'", outcome: Injected, nonce: "abc"},
		{name: "character references are decoded", in: page(`<META HTTP-EQUIV=Content-Security-Policy CONTENT="script-src &#39;nonce-abc&apos; &#x27;strict-dynamic'">`), outcome: Injected, nonce: "abc"},
		{name: "one-digit reference without ';'", in: page(`<meta http-equiv=content-security-policy content="script-src&#9'none'">`), outcome: CSPBlocked},
		{name: "unquoted and single-quoted values", in: page(`<meta content=script-src&#32;'none' http-equiv='CONTENT-SECURITY-POLICY'/>`), outcome: CSPBlocked},
		{name: "first of duplicate attributes wins", in: page(`<meta http-equiv=content-security-policy content="img-src *" content="script-src 'none'">`), outcome: Injected},
		{name: "duplicate http-equiv", in: page(`<meta http-equiv=refresh http-equiv=content-security-policy content="script-src 'none'">`), outcome: Injected},
		{name: "report-only meta is ignored by browsers", in: page(`<meta http-equiv="Content-Security-Policy-Report-Only" content="script-src 'none'">`), outcome: Injected},
		{name: "empty content is no policy", in: page(`<meta http-equiv="Content-Security-Policy" content="">`), outcome: Injected},
		{name: "other metas", in: page(`<meta name="viewport" content="script-src 'none'"><meta http-equiv="refresh" content="script-src 'none'"><meta content="x">`), outcome: Injected},
		{name: "meta in a comment", in: page("<!--" + meta("script-src 'none'") + "-->"), outcome: Injected},
		{name: "meta in script and noscript", in: page("<script>'" + meta("script-src 'none'") + "'</script><noscript>" + meta("script-src 'none'") + "</noscript>"), outcome: Injected},
		{name: "meta after the insertion point", in: page(meta("script-src 'none'")), placement: AfterHeadStart, outcome: Injected},
		{name: "meta before <head> is in head", in: "<!doctype html>" + meta("script-src 'none'") + "<head></head><body></body>", placement: AfterHeadStart, outcome: CSPBlocked},
		{name: "meta in head, snippet before </body>", in: page(meta("script-src 'none'")), placement: BeforeBodyEnd, outcome: CSPBlocked},
		{name: "meta in body, before </body>", in: "<head></head><body>" + meta("script-src 'none'") + "</body>", placement: BeforeBodyEnd, outcome: Injected},
		{name: "meta name split from its content", in: page(`<meta http-equiv = "content-security-policy"` + "\n\t" + `content = "script-src 'nonce-abc'" / >`), outcome: Injected, nonce: "abc"},
		{name: "policy longer than the capture", in: page(meta("script-src 'nonce-abc' " + strings.Repeat("https://a.example ", maxMetaBytes/17))), outcome: CSPBlocked},
		{name: "long content of another meta", in: page(`<meta name=x content="` + strings.Repeat("a", maxMetaBytes+1) + `">` + meta("script-src 'nonce-abc'")), outcome: Injected, nonce: "abc"},
	}
	for _, tc := range cases {
		snip := tc.snip
		if snip == nil {
			snip = external
		}
		want := tc.in
		if tc.outcome == Injected {
			at := refInsertion([]byte(tc.in), tc.placement, DefaultLookAhead)
			if at < 0 {
				t.Fatalf("%s: no insertion point", tc.name)
			}
			want = tc.in[:at] + string(snip.appendHTML(nil, tc.nonce)) + tc.in[at:]
		}
		for _, size := range []int{0, 1, 2, 3, 7, 64} {
			t.Run(tc.name+"/"+strconv.Itoa(size), func(t *testing.T) {
				var reported []string
				rec := newRecorder()
				rec.header = htmlHeader()
				rec.header.Set("Content-Length", strconv.Itoa(len(tc.in)))
				if tc.header != "" {
					rec.header.Set("Content-Security-Policy", tc.header)
				}
				opts := Options{Placement: tc.placement, OnCSPBlocked: func(p string) { reported = append(reported, p) }}
				w := feed(t, rec, getRequest(), snip, opts, []byte(tc.in), size)
				if w.Outcome() != tc.outcome {
					t.Fatalf("outcome %v, want %v", w.Outcome(), tc.outcome)
				}
				if got := string(rec.body()); got != want {
					t.Fatalf("body\n %q\nwant\n %q", got, want)
				}
				if (tc.outcome == CSPBlocked) != (len(reported) == 1) {
					t.Fatalf("reported %q", reported)
				}
				if cl := rec.sent.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(want)) {
					t.Fatalf("Content-Length %s, body %d", cl, len(want))
				}
			})
		}
	}
}

// TestMetaCSPReportsThePolicy checks what OnCSPBlocked hears for a meta.
func TestMetaCSPReportsThePolicy(t *testing.T) {
	var reported []string
	rec := newRecorder()
	rec.header = htmlHeader()
	in := `<head><meta http-equiv="Content-Security-Policy" content="img-src *, script-src 'self'"></head>`
	w := feed(t, rec, getRequest(), testSnippet(t), Options{OnCSPBlocked: func(p string) { reported = append(reported, p) }}, []byte(in))
	if w.Outcome() != CSPBlocked || len(reported) != 1 || reported[0] != "script-src 'self'" {
		t.Fatalf("outcome %v, reported %q", w.Outcome(), reported)
	}
}

// TestUnescapeAttrAgreesWithXNet checks character references in attribute
// values against x/net/html's tokenizer.
func TestUnescapeAttrAgreesWithXNet(t *testing.T) {
	for _, v := range []string{
		"plain", "&amp;", "&amp", "&amp=", "&ampx", "&amp;x", "&notit;", "&notit", "&not;", "&not", "&not=", "&not ",
		"&#9", "&#39", "&#x27", "&#X27;", "&#0;", "&#", "&#x", "&#xZ", "&#128;", "&#x110000;", "&#99999999999999999999;", "&#xD800;",
		"&semi;", "&fjlig;", "&hellip", "&hellip;", "&;", "& ", "&", "a&b&c", "&lt&gt", "&AMP;", "&Aacute", "&Aacutex",
	} {
		in := `<meta content="` + v + `">`
		want, _ := refAttr(in, "content")
		if got := unescapeAttr(v); got != want {
			t.Errorf("%q: got %q, x/net %q", v, got, want)
		}
	}
}
