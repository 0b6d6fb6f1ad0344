package caddymodule

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTracker stands in for Mautic's tracking routes and records what it
// was sent.
type fakeTracker struct {
	*httptest.Server
	mu   sync.Mutex
	last *http.Request
	body string
}

func newFakeTracker(t *testing.T) *fakeTracker {
	f := &fakeTracker{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.last, f.body = r.Clone(r.Context()), string(b)
		f.mu.Unlock()
		switch r.URL.Path {
		case "/mtc.js":
			w.Header().Set("Content-Type", "application/javascript")
			io.WriteString(w, "var u='//"+r.Host+"/mtc/event';")
		case "/mtc/event":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Access-Control-Allow-Origin", "")
			http.SetCookie(w, &http.Cookie{Name: "mautic_device_id", Value: "dev1", Path: "/", Domain: "mautic.example.com", Secure: true, SameSite: http.SameSiteNoneMode, MaxAge: 31536000})
			http.SetCookie(w, &http.Cookie{Name: "mtc_id", Value: "6", Path: "/", Secure: true, SameSite: http.SameSiteNoneMode})
			io.WriteString(w, `{"success":1,"id":6,"sid":"dev1","device_id":"dev1","events":[]}`)
		case "/mtracking.gif":
			w.Header().Set("Content-Type", "image/gif")
			w.Header().Set("Content-Encoding", "none")
			io.WriteString(w, "GIF89a")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTracker) received() (*http.Request, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last, f.body
}

func TestFirstPartyProxy(t *testing.T) {
	tr := newFakeTracker(t)
	h := provisioned(t, &Handler{Tracking: &TrackingConfig{}, FirstParty: &FirstPartyConfig{Prefix: "/mtc-proxy", Upstream: tr.URL}})
	const cookies = "better-auth.session_token=secret-token; mautic_device_id=dev0; mtc_id=5; other=1"

	t.Run("script rewritten", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "http://site.example/mtc-proxy/mtc.js", nil)
		rec := serve(h, page, r)
		want := "var u='/mtc-proxy/mtc/event';"
		if rec.Code != 200 || rec.Body.String() != want {
			t.Errorf("mtc.js: %d %q, want %q", rec.Code, rec.Body, want)
		}
		if rec.Header().Get("Content-Length") != strconv.Itoa(len(want)) {
			t.Errorf("Content-Length %q", rec.Header().Get("Content-Length"))
		}
	})
	t.Run("event", func(t *testing.T) {
		form := url.Values{"page_url": {"http://site.example/"}, "email": {"claimed@example.com"}}
		r := httptest.NewRequest(http.MethodPost, "http://site.example/mtc-proxy/mtc/event", strings.NewReader(form.Encode()))
		r.RemoteAddr = "203.0.113.9:5555"
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("User-Agent", "Mozilla/5.0")
		r.Header.Set("X-Forwarded-For", "6.6.6.6")
		r.Header.Set("Authorization", "Bearer app-token")
		r.Header.Set("Cookie", cookies)
		rec := serve(h, page, r)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"device_id":"dev1"`) {
			t.Fatalf("event: %d %s", rec.Code, rec.Body)
		}
		got, body := tr.received()
		if got.Header.Get("X-Forwarded-For") != "203.0.113.9" {
			t.Errorf("X-Forwarded-For = %q, want the visitor's address only", got.Header.Get("X-Forwarded-For"))
		}
		if c := got.Header.Get("Cookie"); c != "mautic_device_id=dev0; mtc_id=5" {
			t.Errorf("Cookie sent to Mautic = %q, want only Mautic's own", c)
		}
		if got.Header.Get("Authorization") != "" || got.Header.Get("User-Agent") != "Mozilla/5.0" {
			t.Errorf("headers sent to Mautic: %v", got.Header)
		}
		if strings.Contains(body, "claimed") || !strings.Contains(body, "page_url=") {
			t.Errorf("hit sent to Mautic: %q", body)
		}
		for _, c := range rec.Result().Cookies() {
			if c.Domain != "" || c.Secure || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %s not made first-party: %+v", c.Name, c)
			}
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "" || len(rec.Header().Values("Access-Control-Allow-Origin")) != 0 {
			t.Error("Mautic's CORS headers passed on")
		}
		// Learnt devices go to the app database (see the integration
		// tests); with none connected, nothing is cached, so that the
		// next hit records the device once it is.
		if got := h.st.devices.get("dev1"); got != 0 {
			t.Errorf("device cached as %d with no database to record it in", got)
		}
	})
	t.Run("pixel", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "http://site.example/mtc-proxy/mtracking.gif?page_url=x&email=a%40b", nil)
		rec := serve(h, page, r)
		got, _ := tr.received()
		if rec.Code != 200 || got.URL.RawQuery != "page_url=x" || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("pixel: %d, query sent %q, Content-Encoding %q", rec.Code, got.URL.RawQuery, rec.Header().Get("Content-Encoding"))
		}
	})
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/mtc-proxy/other", 404},
		{"GET", "/mtc-proxy", 404},
		{"DELETE", "/mtc-proxy/mtc/event", 405},
		{"POST", "/mtc-proxy/mtc.js", 405},
	} {
		rec := serve(h, page, httptest.NewRequest(tt.method, "http://site.example"+tt.path, nil))
		if rec.Code != tt.status || strings.Contains(rec.Body.String(), "Hello") {
			t.Errorf("%s %s: %d, want %d and no upstream", tt.method, tt.path, rec.Code, tt.status)
		}
	}
}

func TestFirstPartyMauticDown(t *testing.T) {
	tr := newFakeTracker(t)
	h := provisioned(t, &Handler{Tracking: &TrackingConfig{}, FirstParty: &FirstPartyConfig{Prefix: "/p", Upstream: tr.URL, Timeout: 1_000_000_000}})
	tr.Close()
	start := time.Now()
	rec := serve(h, page, httptest.NewRequest(http.MethodGet, "http://site.example/p/mtc.js", nil))
	if rec.Code != http.StatusBadGateway || time.Since(start) > 3*time.Second {
		t.Errorf("Mautic down: %d after %v, want a quick 502", rec.Code, time.Since(start))
	}
	if n := counterValue(h.st.metrics.failures.WithLabelValues("tracking_proxy")); n != 1 {
		t.Errorf("failure counted %v times", n)
	}
	// The page itself is untouched by it.
	if rec := serve(h, page, httptest.NewRequest(http.MethodGet, "http://site.example/", nil)); rec.Code != 200 {
		t.Errorf("page: %d", rec.Code)
	}
}
