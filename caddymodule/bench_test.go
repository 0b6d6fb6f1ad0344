package caddymodule

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

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

// BenchmarkServeHTTPIdentity is the cost of recognising a visitor, for
// each kind of credential a browser (or a bot) sends. On a shared machine
// wall time per request drifts with the neighbours' load, so the cases
// run interleaved: each b.N iteration is one round that serves a block of
// requests per case, in forward order on even rounds and reverse order on
// odd ones (ABBA), and the process CPU time of each block is read from
// getrusage. It reports, per case, the median CPU ns per request and the
// median over rounds of its difference to the anonymous page in the same
// round (<case>_over_anonymous_ns), the figure the README quotes.
func BenchmarkServeHTTPIdentity(b *testing.B) {
	h, _, f := fullHandler(b, nil)
	secret := betterAuthSecret(b)
	u := loadUser(b, "db-only")
	u.seed(b, f, 4242)
	now := time.Now()
	fresh := newSignedSession(b, secret)
	payload := fresh.cachePayloadJSON(u, 4242, now)
	compact := compactCache(payload, secret, now.Add(time.Hour))
	hs256 := jwtCache(b, payload, secret, now, now.Add(time.Hour))
	expired := compactCache(payload, secret, now.Add(-time.Second))
	forged := compactCache(payload, "not-the-secret", now.Add(time.Hour))
	const tail = "; mtc_id=4242; PARAGLIDE_LOCALE=de"
	token := "better-auth.session_token=" + fresh.cookie + "; better-auth.session_data="
	cases := []struct {
		name, cookie string
		signedIn     bool
	}{
		{"anonymous", "mtc_id=4242; PARAGLIDE_LOCALE=de", false},
		{"cookie_cache_compact", token + compact + tail, true},
		{"cookie_cache_jwt", token + hs256 + tail, true},
		{"session_token_only", u.Cookie + tail, true},
		{"cookie_cache_expired", token + expired + tail, false},
		{"cookie_cache_forged", token + forged + tail, false},
	}
	reqs := make([]*http.Request, len(cases))
	for i, tc := range cases {
		reqs[i] = httptest.NewRequest(http.MethodGet, "http://shop.example/", nil)
		reqs[i].Header.Set("Accept", navigation)
		reqs[i].Header.Set("Cookie", tc.cookie)
		checkInjected(b, h, reqs[i]) // warms the caches
	}
	w := &discardWriter{h: http.Header{}}
	serveOne := func(i int) {
		clear(w.h)
		r := caddyhttp.PrepareRequest(reqs[i].Clone(context.Background()), caddy.NewReplacer(), w, nil)
		if err := h.ServeHTTP(w, r, benchPage); err != nil {
			b.Fatal(err)
		}
		if _, ok := caddyhttp.GetVar(r.Context(), VarUserID).(string); ok != cases[i].signedIn {
			b.Fatalf("%s: signed in = %v", cases[i].name, ok)
		}
	}
	const block = 100
	perReq := make([][]float64, len(cases))
	b.ReportAllocs()
	for round := 0; b.Loop(); round++ {
		for k := range cases {
			i := k
			if round%2 == 1 {
				i = len(cases) - 1 - k
			}
			start := processCPU(b)
			for range block {
				serveOne(i)
			}
			perReq[i] = append(perReq[i], float64(processCPU(b)-start)/block)
		}
	}
	for i, tc := range cases {
		b.ReportMetric(median(perReq[i]), tc.name+"_cpu_ns")
		if i > 0 {
			diff := make([]float64, len(perReq[i]))
			for r := range diff {
				diff[r] = perReq[i][r] - perReq[0][r]
			}
			b.ReportMetric(median(diff), tc.name+"_over_anonymous_ns")
		}
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
