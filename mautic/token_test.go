package mautic

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// oauthFake is a fake Mautic with a token endpoint whose tokens expire.
type oauthFake struct {
	*fakeMautic
	life       time.Duration
	delay      atomic.Int64 // token endpoint latency, ns
	tokenCalls atomic.Int64
	rejected   atomic.Int64

	mu     sync.Mutex
	issued map[string]time.Time
}

func newOAuthFake(t *testing.T, life time.Duration) *oauthFake {
	o := &oauthFake{life: life, issued: map[string]time.Time{}}
	o.fakeMautic = newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/sub/oauth/v2/token" {
			time.Sleep(time.Duration(o.delay.Load()))
			r.ParseForm()
			if r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("client_id") != "1_abc" || r.PostForm.Get("client_secret") != "pa55-secret" {
				reply(w, 400, recorded(t, "62_oauth2_token_bad_secret"))
				return
			}
			k := o.tokenCalls.Add(1)
			tok := fmt.Sprintf("tok%d", k)
			o.mu.Lock()
			o.issued[tok] = time.Now()
			o.mu.Unlock()
			reply(w, 200, fmt.Appendf(nil, `{"access_token":%q,"expires_in":%d,"token_type":"bearer","scope":null}`, tok, int(life.Seconds())))
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		o.mu.Lock()
		at, ok := o.issued[tok]
		o.mu.Unlock()
		if !ok || time.Since(at) > o.life {
			o.rejected.Add(1)
			reply(w, 401, recorded(t, "65_api_with_bad_bearer"))
			return
		}
		reply(w, 200, recorded(t, "12_contact_get"))
	})
	return o
}

func (o *oauthFake) oauthClient(t *testing.T, edit ...func(*OAuth2)) *Client {
	a := OAuth2{ClientID: "1_abc", ClientSecret: "pa55-secret"}
	for _, e := range edit {
		e(&a)
	}
	return o.client(t, func(cfg *Config) {
		cfg.BaseURL = o.srv.URL + "/sub/api"
		cfg.Auth = a
	})
}

func TestOAuth2OneFetchUnderConcurrency(t *testing.T) {
	o := newOAuthFake(t, time.Hour)
	o.delay.Store(int64(50 * time.Millisecond))
	c := o.oauthClient(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := o.tokenCalls.Load(); n != 1 {
		t.Fatalf("%d token calls, want 1", n)
	}
	for _, r := range o.requests() {
		if r.Path == "/sub/oauth/v2/token" {
			if r.CType != "application/x-www-form-urlencoded" || r.Method != "POST" {
				t.Errorf("token request %+v", r)
			}
			q, _ := url.ParseQuery(string(r.Body))
			if q.Get("grant_type") != "client_credentials" {
				t.Errorf("token body %s", r.Body)
			}
		} else if !strings.HasPrefix(r.Auth, "Bearer tok") {
			t.Errorf("API call with %q", r.Auth)
		}
	}
}

func TestOAuth2RefreshesInBackground(t *testing.T) {
	t.Parallel()
	o := newOAuthFake(t, 2*time.Second)
	o.delay.Store(int64(50 * time.Millisecond))
	c := o.oauthClient(t)
	ts := c.auth.(*tokenSource)
	// Let the first token arrive, then call for longer than its life.
	if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	waitsAfterFirst := ts.waits.Load()
	stop := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(stop) {
		if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := o.tokenCalls.Load(); n < 2 {
		t.Fatalf("%d token calls; the token was not refreshed", n)
	}
	if n := o.rejected.Load(); n != 0 {
		t.Fatalf("%d calls went out with an expired token", n)
	}
	if w := ts.waits.Load() - waitsAfterFirst; w != 0 {
		t.Fatalf("%d callers waited on a refresh", w)
	}
}

func TestOAuth2HandshakeTimeout(t *testing.T) {
	o := newOAuthFake(t, time.Hour)
	o.delay.Store(int64(400 * time.Millisecond))
	c := o.oauthClient(t, func(a *OAuth2) { a.HandshakeTimeout = 100 * time.Millisecond })
	_, err := c.Contacts.Get(context.Background(), 1)
	if err == nil || !strings.Contains(err.Error(), "did not finish within 100ms") || !IsUnavailable(err) {
		t.Fatalf("err = %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Path != "/sub/oauth/v2/token" {
		t.Fatalf("err = %#v", err)
	}
}

func TestOAuth2DefaultHandshakeTimeoutIsTwoSeconds(t *testing.T) {
	c, err := New(Config{BaseURL: "https://m.example.com/api", Auth: OAuth2{ClientID: "a", ClientSecret: "b"}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ts := c.auth.(*tokenSource)
	if ts.timeout != 2*time.Second || ts.url != "https://m.example.com/oauth/v2/token" {
		t.Fatalf("timeout %v url %s", ts.timeout, ts.url)
	}
}

func TestOAuth2BadCredentials(t *testing.T) {
	o := newOAuthFake(t, time.Hour)
	c := o.oauthClient(t, func(a *OAuth2) { a.ClientSecret = "wrong-secret" })
	_, err := c.Contacts.Get(context.Background(), 1)
	var e *Error
	if !errors.As(err, &e) || e.Status != 400 || e.firstType() != "invalid_client" || !IsUnauthorized(err) || IsValidation(err) {
		t.Fatalf("err = %#v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret") {
		t.Fatal("error carries the secret")
	}
	for _, r := range o.requests() {
		if strings.HasPrefix(r.Path, "/sub/api/") {
			t.Fatal("an API call went out without a token")
		}
	}
}

func TestOAuth2CloseStopsGoroutines(t *testing.T) {
	o := newOAuthFake(t, time.Hour)
	c := o.oauthClient(t)
	if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	if !goroutinesIn("(*tokenSource)") {
		t.Fatal("no refresher running; the check below proves nothing")
	}
	c.Close()
	if goroutinesIn("(*tokenSource)") {
		t.Fatal("token goroutines still running after Close")
	}
	if _, err := c.Contacts.Get(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
}

func goroutinesIn(fn string) bool {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return strings.Contains(string(buf), fn)
}

func TestOAuth2FailureLogsWithoutSecret(t *testing.T) {
	o := newOAuthFake(t, time.Hour)
	var mu sync.Mutex
	var logs strings.Builder
	c := o.client(t, func(cfg *Config) {
		cfg.BaseURL = o.srv.URL + "/sub/api"
		cfg.Auth = OAuth2{ClientID: "1_abc", ClientSecret: "wrong-secret"}
		cfg.Logger = slog.New(slog.NewTextHandler(lockedWriter{&mu, &logs}, nil))
	})
	if _, err := c.Contacts.Get(context.Background(), 1); !IsUnauthorized(err) {
		t.Fatalf("err = %v", err)
	}
	c.Close()
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if out == "" || len(lines) > 2 { // the background fetch and, at most, the caller's own
		t.Fatalf("%d log lines:\n%s", len(lines), out)
	}
	for _, l := range lines {
		if !strings.Contains(l, "route=/oauth/v2/token") || !strings.Contains(l, "mautic_type=invalid_client") || !strings.Contains(l, "level=WARN") {
			t.Errorf("line %q", l)
		}
		if strings.Contains(l, "wrong-secret") || strings.Contains(l, "client_secret") {
			t.Errorf("secret logged: %q", l)
		}
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
