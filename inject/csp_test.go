package inject

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestEvaluateCSP(t *testing.T) {
	snip := testSnippet(t) // loads https://m.example.com/mtc.js
	hash := snip.CSPHash()
	cases := []struct {
		name       string
		policy     []string // Content-Security-Policy values
		reportOnly string
		host       string // request host, for 'self'
		tls        bool
		nonce      string
		blocked    string
	}{
		{name: "no policy"},
		{name: "policy without script directives", policy: []string{"img-src *; frame-ancestors 'none'"}},
		{name: "nonce with strict-dynamic", policy: []string{"script-src 'nonce-abc123' 'strict-dynamic'"}, nonce: "abc123"},
		{name: "nonce alone: loader copies it to mtc.js", policy: []string{"script-src 'nonce-abc123'"}, nonce: "abc123"},
		{name: "nonce in default-src", policy: []string{"default-src 'nonce-abc123'"}, nonce: "abc123"},
		{name: "base64 nonce with padding", policy: []string{"script-src 'nonce-ab+/c-_=='"}, nonce: "ab+/c-_=="},
		{name: "keywords in any case", policy: []string{"SCRIPT-SRC 'NONCE-abc' 'STRICT-DYNAMIC'"}, nonce: "abc"},
		{name: "nonce beats unsafe-inline", policy: []string{"script-src 'unsafe-inline' 'nonce-abc'"}, nonce: "abc"},
		{name: "malformed nonce is ignored", policy: []string{`script-src 'nonce-a"b'`}, blocked: `script-src 'nonce-a"b'`},
		{name: "too much padding", policy: []string{"script-src 'nonce-ab==='"}, blocked: "script-src 'nonce-ab==='"},
		{name: "self only blocks inline", policy: []string{"default-src 'self'"}, blocked: "default-src 'self'"},
		{name: "unsafe-inline without a source for mtc.js", policy: []string{"script-src 'unsafe-inline'"}, blocked: "script-src 'unsafe-inline'"},
		{name: "unsafe-inline with the tracking host", policy: []string{"script-src 'unsafe-inline' https://m.example.com"}},
		{name: "unsafe-inline with wildcard host", policy: []string{"script-src 'unsafe-inline' *.example.com"}},
		{name: "wildcard does not match the bare domain", policy: []string{"script-src 'unsafe-inline' *.m.example.com"}, blocked: "script-src 'unsafe-inline' *.m.example.com"},
		{name: "unsafe-inline with scheme source", policy: []string{"script-src 'unsafe-inline' https:"}},
		{name: "http scheme admits https", policy: []string{"script-src 'unsafe-inline' http:"}},
		{name: "unsafe-inline with star", policy: []string{"script-src 'unsafe-inline' *"}},
		{name: "path prefix", policy: []string{"script-src 'unsafe-inline' https://m.example.com/"}},
		{name: "exact path", policy: []string{"script-src 'unsafe-inline' m.example.com/mtc.js"}},
		{name: "other path", policy: []string{"script-src 'unsafe-inline' https://m.example.com/js/"}, blocked: "script-src 'unsafe-inline' https://m.example.com/js/"},
		{name: "explicit default port", policy: []string{"script-src 'unsafe-inline' https://m.example.com:443"}},
		{name: "other port", policy: []string{"script-src 'unsafe-inline' https://m.example.com:8443"}, blocked: "script-src 'unsafe-inline' https://m.example.com:8443"},
		{name: "any port", policy: []string{"script-src 'unsafe-inline' https://m.example.com:*"}},
		{name: "scheme-less host on an http page", policy: []string{"script-src 'unsafe-inline' m.example.com"}},
		{name: "self matches a same-origin tracker", policy: []string{"script-src 'self' 'unsafe-inline'"}, host: "m.example.com", tls: true},
		{name: "self upgrades http to https", policy: []string{"script-src 'self' 'unsafe-inline'"}, host: "m.example.com"},
		{name: "self with another host", policy: []string{"script-src 'self' 'unsafe-inline'"}, host: "www.example.com", tls: true,
			blocked: "script-src 'self' 'unsafe-inline'"},
		{name: "strict-dynamic disables unsafe-inline", policy: []string{"script-src 'unsafe-inline' 'strict-dynamic' https:"},
			blocked: "script-src 'unsafe-inline' 'strict-dynamic' https:"},
		{name: "hash disables unsafe-inline", policy: []string{"script-src 'unsafe-inline' 'sha256-AAAA' https:"}, blocked: "script-src 'unsafe-inline' 'sha256-AAAA' https:"},
		{name: "the snippet's own hash", policy: []string{"script-src " + hash + " https://m.example.com"}},
		{name: "the snippet's hash with strict-dynamic", policy: []string{"script-src " + hash + " 'strict-dynamic'"}},
		{name: "script-src-elem wins over script-src", policy: []string{"script-src 'none'; script-src-elem 'nonce-x'"}, nonce: "x"},
		{name: "script-src wins over default-src", policy: []string{"default-src 'nonce-x'; script-src 'none'"}, nonce: "x", blocked: "default-src 'nonce-x'; script-src 'none'"},
		{name: "first duplicate directive wins", policy: []string{"script-src 'nonce-x'; script-src 'none'"}, nonce: "x"},
		{name: "empty directive admits nothing", policy: []string{"script-src"}, blocked: "script-src"},
		{name: "trusted types block the loader", policy: []string{"require-trusted-types-for 'script'; script-src 'nonce-x' 'strict-dynamic'"}, nonce: "x",
			blocked: "require-trusted-types-for 'script'; script-src 'nonce-x' 'strict-dynamic'"},
		{name: "every enforced policy must admit", policy: []string{"script-src 'nonce-x'", "img-src *, script-src 'none'"}, nonce: "x", blocked: "script-src 'none'"},
		{name: "two different nonces cannot both be met", policy: []string{"script-src 'nonce-a', script-src 'nonce-b'"}, nonce: "a", blocked: "script-src 'nonce-b'"},
		{name: "report-only never blocks", reportOnly: "default-src 'none'"},
		{name: "report-only lends its nonce", reportOnly: "script-src 'nonce-ro'", nonce: "ro"},
		{name: "enforced nonce first", policy: []string{"script-src 'nonce-en'"}, reportOnly: "script-src 'nonce-ro'", nonce: "en"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, p := range tc.policy {
				h.Add("Content-Security-Policy", p)
			}
			if tc.reportOnly != "" {
				h.Set("Content-Security-Policy-Report-Only", tc.reportOnly)
			}
			r := getRequest()
			if tc.host != "" {
				r.Host = tc.host
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			v := evaluateCSP(h, nil, snip, r)
			wantNonce := tc.nonce
			if tc.blocked != "" {
				wantNonce = ""
			}
			if v.blocked != tc.blocked || v.nonce != wantNonce {
				t.Fatalf("got nonce %q blocked %q, want nonce %q blocked %q", v.nonce, v.blocked, wantNonce, tc.blocked)
			}
		})
	}
}

func TestSourceMatchesTrackerOnPort(t *testing.T) {
	s, err := NewSnippet(SnippetConfig{TrackingURL: "http://[::1]:8080/mautic/"})
	if err != nil {
		t.Fatal(err)
	}
	r := &http.Request{Host: "[::1]:8080"}
	for expr, want := range map[string]bool{
		"http://[::1]:8080":        true,
		"[::1]:8080/mautic/":       true,
		"[::1]:8080/mautic/mtc.js": true,
		"[::1]:8080/other/":        false,
		"[::1]":                    false, // default port only
		"'self'":                   true,
		"https:":                   false,
	} {
		if got := sourceMatches(expr, s.script, r); got != want {
			t.Errorf("%s: %v, want %v", expr, got, want)
		}
	}
}

func TestEvaluateCSPDoesNotAllocate(t *testing.T) {
	snip := testSnippet(t)
	h := http.Header{"Content-Security-Policy": {"default-src 'self'; script-src 'self' 'nonce-abc' 'strict-dynamic' https://m.example.com; img-src *"}}
	r := getRequest()
	if n := testing.AllocsPerRun(100, func() { evaluateCSP(h, nil, snip, r) }); n != 0 {
		t.Fatalf("%v allocations per evaluation", n)
	}
}
