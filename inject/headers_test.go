package inject

import (
	"net/http"
	"testing"
)

func TestHeaderPredicates(t *testing.T) {
	cases := []struct {
		name                     string
		h                        http.Header
		html, identity, noTransf bool
	}{
		{name: "html", h: http.Header{"Content-Type": {"text/html"}}, html: true, identity: true},
		{name: "html with charset and spaces", h: http.Header{"Content-Type": {" Text/HTML ; charset=utf-8"}}, html: true, identity: true},
		{name: "html lookalike", h: http.Header{"Content-Type": {"text/htmlx"}}, identity: true},
		{name: "plain", h: http.Header{"Content-Type": {"text/plain"}}, identity: true},
		{name: "identity", h: http.Header{"Content-Encoding": {"Identity"}}, identity: true},
		{name: "empty encoding", h: http.Header{"Content-Encoding": {""}}, identity: true},
		{name: "gzip", h: http.Header{"Content-Encoding": {"gzip"}}},
		{name: "identity and br in two values", h: http.Header{"Content-Encoding": {"identity", "br"}}},
		{name: "no-transform", h: http.Header{"Cache-Control": {"max-age=60, no-transform"}}, identity: true, noTransf: true},
		{name: "no-transform in second value", h: http.Header{"Cache-Control": {"public", "NO-TRANSFORM"}}, identity: true, noTransf: true},
		{name: "no-transform lookalike", h: http.Header{"Cache-Control": {"no-transformer, x=no-transform"}}, identity: true},
	}
	for _, tc := range cases {
		if got := isHTML(tc.h); got != tc.html {
			t.Errorf("%s: isHTML %v", tc.name, got)
		}
		if got := isIdentity(tc.h); got != tc.identity {
			t.Errorf("%s: isIdentity %v", tc.name, got)
		}
		if got := hasToken(tc.h["Cache-Control"], "no-transform"); got != tc.noTransf {
			t.Errorf("%s: no-transform %v", tc.name, got)
		}
	}
}

func TestPrepareInjected(t *testing.T) {
	cases := []struct {
		name   string
		cl     []string
		wantCL string
	}{
		{name: "known length grows", cl: []string{"100"}, wantCL: "110"},
		{name: "zero length grows", cl: []string{"0"}, wantCL: "10"},
		{name: "garbage length dropped", cl: []string{"ten"}},
		{name: "negative length dropped", cl: []string{"-1"}},
		{name: "two lengths dropped", cl: []string{"100", "100"}},
		{name: "no length stays absent"},
	}
	for _, tc := range cases {
		h := http.Header{"Etag": {`"v1"`}, "Accept-Ranges": {"bytes"}, "Vary": {"Cookie"}}
		if tc.cl != nil {
			h["Content-Length"] = tc.cl
		}
		prepareInjected(h, 10)
		if got := h.Get("Content-Length"); got != tc.wantCL {
			t.Errorf("%s: Content-Length %q, want %q", tc.name, got, tc.wantCL)
		}
		if h.Get("Etag") != `W/"v1"` || h.Get("Accept-Ranges") != "" || h.Get("Vary") != "Cookie" {
			t.Errorf("%s: headers %v", tc.name, h)
		}
	}
}

func TestPrepareStreamingWithoutETag(t *testing.T) {
	h := http.Header{"Etag": {""}}
	prepareStreaming(h)
	if h["Etag"][0] != "" {
		t.Fatalf("empty ETag became %q", h["Etag"][0])
	}
}
