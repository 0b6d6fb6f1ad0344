package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// repoRoot is the repository's root, for the shared fixtures.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}()

const webhookSecret = "lab-webhook-secret"

// betterAuthSecret is the secret the Better Auth fixtures were made with.
func betterAuthSecret(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "testdata/shared/better-auth/samples/secret.txt"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// fixtureUser is a real Better Auth sign-in: its cookie and its user.
type fixtureUser struct {
	Cookie string // Cookie header value
	Token  string // session token (what the session row holds)
	ID     string
	Email  string
	Name   string
	Locale string
}

// loadUser reads a Better Auth fixture whose cookie has no cookie cache,
// so that it is resolved through the database.
func loadUser(t testing.TB, dir string) fixtureUser {
	t.Helper()
	base := filepath.Join(repoRoot, "testdata/shared/better-auth/samples", dir)
	cookie, err := os.ReadFile(filepath.Join(base, "cookie-header.txt"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(base, "get-session.response.json"))
	if err != nil {
		t.Fatal(err)
	}
	var gs struct {
		Session struct{ Token string }
		User    struct{ ID, Email, Name, Locale string }
	}
	if err := json.Unmarshal(raw, &gs); err != nil {
		t.Fatal(err)
	}
	return fixtureUser{Cookie: strings.TrimSpace(string(cookie)), Token: gs.Session.Token, ID: gs.User.ID,
		Email: gs.User.Email, Name: gs.User.Name, Locale: gs.User.Locale}
}

// seed inserts the fixture's user (mauticId as given; 0 is NULL) and a live
// session with its token.
func (u fixtureUser) seed(t testing.TB, f *dbtest.Fixture, mauticID int) {
	t.Helper()
	f.AddUser(t, userdb.User{ID: u.ID, Email: u.Email, Name: u.Name, Locale: u.Locale, MauticID: mauticID})
	f.AddSession(t, u.ID, u.Token, time.Now().Add(24*time.Hour))
}

// provisioned provisions h as Caddy would, and cleans it up at the end.
func provisioned(t testing.TB, h *Handler) *Handler {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	if err := h.Provision(ctx); err != nil {
		cancel()
		t.Fatalf("Provision: %v", err)
	}
	if err := h.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	t.Cleanup(func() {
		if err := h.Cleanup(); err != nil {
			t.Errorf("Cleanup: %v", err)
		}
		cancel()
	})
	return h
}

// prepare gives r the context Caddy's server gives a request.
func prepare(r *http.Request, w http.ResponseWriter) *http.Request {
	return caddyhttp.PrepareRequest(r, caddy.NewReplacer(), w, nil)
}

// serve runs one request through h and next.
func serve(h *Handler, next caddyhttp.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	r = prepare(r, rec)
	if err := h.ServeHTTP(rec, r, next); err != nil {
		rec.Code = -1
		rec.Body.WriteString("handler error: " + err.Error())
	}
	return rec
}

// page is an upstream serving a small HTML page.
var page = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write([]byte(testPage))
	return err
})

// jsonAPI is an upstream serving JSON.
var jsonAPI = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	_, err := w.Write([]byte(`{"ok":true}`))
	return err
})

const testPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test</title></head><body><h1>Hello</h1></body></html>`

// eventually polls cond for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not true after %v: %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ownGoroutines lists the stacks of goroutines running this module's code
// (or the packages it uses from this repository), other than the caller.
func ownGoroutines() []string {
	buf := make([]byte, 1<<22)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // the caller
		}
		if strings.Contains(g, "caddy-mautic/caddy-mautic/") && !strings.Contains(g, "testing.tRunner") &&
			!strings.Contains(g, "mautic/mautictest.") {
			out = append(out, g)
		}
	}
	return out
}

// waitNoGoroutines waits for this module's goroutines to end.
func waitNoGoroutines(t testing.TB) {
	t.Helper()
	var left []string
	for i := 0; i < 100; i++ {
		if left = ownGoroutines(); len(left) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d goroutines left running:\n%s", len(left), strings.Join(left, "\n\n"))
}

// poolSize counts the states in the pool.
func poolSize() int {
	n := 0
	pool.Range(func(_, _ any) bool { n++; return true })
	return n
}

// caddyContext is a fresh caddy.Context, cancelled at the end of the test.
func caddyContext(t testing.TB) caddy.Context {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return ctx
}

// counterValue reads a counter or gauge.
func counterValue(c prometheus.Metric) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return -1
}
