package caddymodule

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// discardWriter is a ResponseWriter that keeps nothing but its headers.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// benchPage is a 16 KiB server-rendered page, streamed in 4 KiB writes as
// a proxied upstream's would be.
var benchPage = func() caddyhttp.Handler {
	html := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shop</title>` +
		`<link rel="stylesheet" href="/site.css"><script type="module" src="/app.js"></script></head><body>` +
		strings.Repeat(`<article><h2>Product</h2><p>Some text about it, long enough to matter.</p></article>`, 200) + `</body></html>`
	body := []byte(html[:16<<10])
	return caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		for b := body; len(b) > 0; {
			n := min(4<<10, len(b))
			if _, err := w.Write(b[:n]); err != nil {
				return err
			}
			b = b[n:]
		}
		return nil
	})
}()

// benchRequests runs the chain with and without the module on the same
// request, as sub-benchmarks, so that their ratio is measured in one run.
func benchRequests(b *testing.B, h *Handler, base *http.Request) {
	run := func(b *testing.B, serve func(w http.ResponseWriter, r *http.Request) error) {
		w := &discardWriter{h: http.Header{}}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			clear(w.h)
			r := caddyhttp.PrepareRequest(base.Clone(context.Background()), caddy.NewReplacer(), w, nil)
			if err := serve(w, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("without_module", func(b *testing.B) {
		run(b, benchPage.ServeHTTP)
	})
	b.Run("with_module", func(b *testing.B) {
		run(b, func(w http.ResponseWriter, r *http.Request) error { return h.ServeHTTP(w, r, benchPage) })
	})
}

func BenchmarkServeHTTPAnonymousPage(b *testing.B) {
	h, _, _ := fullHandler(b, nil)
	r := httptest.NewRequest(http.MethodGet, "http://shop.example/", nil)
	r.Header.Set("Accept", navigation)
	r.Header.Set("Accept-Encoding", "gzip, br")
	checkInjected(b, h, r)
	benchRequests(b, h, r)
}

func BenchmarkServeHTTPSignedInCachedPage(b *testing.B) {
	h, _, f := fullHandler(b, nil)
	u := loadUser(b, "db-only")
	u.seed(b, f, 4242)
	r := httptest.NewRequest(http.MethodGet, "http://shop.example/", nil)
	r.Header.Set("Accept", navigation)
	r.Header.Set("Cookie", u.Cookie+"; mtc_id=4242; PARAGLIDE_LOCALE=de")
	checkInjected(b, h, r) // warms the session and contact caches
	lookups := h.st.resolver.Stats().Lookups
	benchRequests(b, h, r)
	if n := h.st.resolver.Stats().Lookups - lookups; n != 0 {
		b.Errorf("%d database lookups while benchmarking a cached page", n)
	}
}

// checkInjected makes sure the benchmarked path does what it should.
func checkInjected(b *testing.B, h *Handler, r *http.Request) {
	b.Helper()
	rec := httptest.NewRecorder()
	if err := h.ServeHTTP(rec, prepare(r.Clone(context.Background()), rec), benchPage); err != nil {
		b.Fatal(err)
	}
	if !strings.Contains(rec.Body.String(), inject.Marker) {
		b.Fatal("the benchmarked page is not injected")
	}
}
