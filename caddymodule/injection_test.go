package caddymodule

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp/encode"
	_ "github.com/caddyserver/caddy/v2/modules/caddyhttp/encode/gzip"

	"github.com/caddy-mautic/caddy-mautic/inject"
)

func TestSnippetAttributesAndLoaderURL(t *testing.T) {
	h := provisioned(t, &Handler{
		Tracking: &TrackingConfig{Attributes: map[string]string{
			"page_language": "{http.request.cookie.PARAGLIDE_LOCALE}", "site": "shop", "empty": "{http.request.header.X-None}",
		}},
		FirstParty: &FirstPartyConfig{Prefix: "/mtc-proxy", Upstream: "http://mautic.internal"},
	})
	r := httptest.NewRequest(http.MethodGet, "http://shop.example/", nil)
	r.Header.Set("Cookie", "PARAGLIDE_LOCALE=de")
	body := serve(h, page, r).Body.String()
	for _, want := range []string{`"page_language":"de"`, `"site":"shop"`, `"/mtc-proxy/mtc.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s: %s", want, body)
		}
	}
	if strings.Contains(body, `"empty"`) {
		t.Error("an attribute that resolved to nothing was sent")
	}
	// Attribute values come from the client: markup in them stays inert.
	r = httptest.NewRequest(http.MethodGet, "http://shop.example/", nil)
	r.Header.Set("Cookie", `PARAGLIDE_LOCALE=</script><script>alert(1)`)
	if body := serve(h, page, r).Body.String(); strings.Contains(body, "<script>alert(1)") {
		t.Errorf("a cookie broke out of the snippet: %s", body)
	}
}

func TestSnippetCacheIsBounded(t *testing.T) {
	h := provisioned(t, &Handler{FirstParty: &FirstPartyConfig{Prefix: "/p", Upstream: "http://mautic.internal"},
		Tracking: &TrackingConfig{Attributes: map[string]string{"a": "{http.request.header.X-A}"}}})
	for i := 0; i < 3*snippetCacheSize; i++ {
		r := httptest.NewRequest(http.MethodGet, "http://host"+strconv.Itoa(i)+".example/", nil)
		r.Header.Set("X-A", "v"+strconv.Itoa(i))
		body := serve(h, page, r).Body.String()
		if !strings.Contains(body, `"a":"v`+strconv.Itoa(i)+`"`) || !strings.Contains(body, `"/p/mtc.js"`) {
			t.Fatalf("request %d: loader for another request", i)
		}
	}
	if n := len(h.path.snippets.m); n > snippetCacheSize {
		t.Errorf("%d snippets cached, want at most %d", n, snippetCacheSize)
	}
}

// TestInjectedPagesAreCompressedByEncode runs Caddy's encode in front of
// the module, as the directive order puts them.
func TestInjectedPagesAreCompressedByEncode(t *testing.T) {
	h := trackingOnly(t)
	enc := &encode.Encode{EncodingsRaw: caddy.ModuleMap{"gzip": json.RawMessage(`{}`)}}
	if err := enc.Provision(caddyContext(t)); err != nil {
		t.Fatal(err)
	}
	// A streamed page: the first chunk holds the insertion point and is
	// flushed on its own, as reverse_proxy does.
	streamed := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for _, chunk := range []string{"<!doctype html><html><head><title>x</title></head>", "<body>" + strings.Repeat("<p>hi</p>", 500) + "</body></html>"} {
			if _, err := io.WriteString(w, chunk); err != nil {
				return err
			}
			http.NewResponseController(w).Flush()
		}
		return nil
	})
	for _, accept := range []string{"gzip", ""} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "http://site.example/", nil)
		r.Header.Set("Accept", navigation)
		if accept != "" {
			r.Header.Set("Accept-Encoding", accept)
		}
		r = prepare(r, rec)
		next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return h.ServeHTTP(w, r, streamed) })
		if err := enc.ServeHTTP(rec, r, next); err != nil {
			t.Fatal(err)
		}
		body := rec.Body.Bytes()
		if accept == "gzip" {
			if rec.Header().Get("Content-Encoding") != "gzip" {
				t.Fatalf("not compressed: %v", rec.Header())
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		if n := bytes.Count(body, []byte(inject.Marker)); n != 1 {
			t.Errorf("Accept-Encoding %q: %d snippets, want 1", accept, n)
		}
	}
	if n := counterValue(h.st.metrics.injection.WithLabelValues("injected")); n != 2 {
		t.Errorf("injected counted %v, want 2", n)
	}
}

func TestInjectionOutcomesCounted(t *testing.T) {
	h := trackingOnly(t)
	csp := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Security-Policy", "script-src 'self'")
		return page(w, r)
	})
	withSnippet := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		_, err := io.WriteString(w, "<html><head><script>"+inject.Marker+"</script></head></html>")
		return err
	})
	for _, next := range []caddyhttp.Handler{csp, withSnippet, jsonAPI, page} {
		serve(h, next, httptest.NewRequest(http.MethodGet, "http://site.example/", nil))
	}
	for outcome, want := range map[string]float64{"csp_blocked": 1, "already_present": 1, "skipped": 1, "injected": 1} {
		if got := counterValue(h.st.metrics.injection.WithLabelValues(outcome)); got != want {
			t.Errorf("%s counted %v, want %v", outcome, got, want)
		}
	}
}
