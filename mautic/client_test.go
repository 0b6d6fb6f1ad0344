package mautic

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/internal/wait"
)

var (
	listEmpty = []byte(`{"total":"0","contacts":{}}`)
	notFound  = []byte(`{"errors":[{"code":404,"message":"Item was not found.","details":[]}]}`)
	server503 = []byte(`{"errors":[{"code":503,"message":"down","details":[]}]}`)
)

func TestWireRequestBasics(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 200, recorded(t, "12_contact_get"))
	})
	c := f.client(t)
	if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	r := f.requests()[0]
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("admin:pa55-secret"))
	if r.Method != "GET" || r.Path != "/api/contacts/1" || r.Auth != wantAuth || r.UserAgent != "caddy-mautic/"+Version || r.Accept != "application/json" {
		t.Errorf("request %+v", r)
	}
}

func TestWireRetries(t *testing.T) {
	type step func(t *testing.T, w http.ResponseWriter)
	ok := func(t *testing.T, w http.ResponseWriter) { reply(w, 201, recorded(t, "02_contact_create_json")) }
	s503 := func(t *testing.T, w http.ResponseWriter) { reply(w, 503, server503) }
	s400 := func(t *testing.T, w http.ResponseWriter) { reply(w, 400, recorded(t, "19_contact_create_bad_email")) }
	s429 := func(t *testing.T, w http.ResponseWriter) { reply(w, 429, recorded(t, "70_ratelimit_call_6")) }
	reset := func(t *testing.T, w http.ResponseWriter) { resetConn(t, w) }
	tests := []struct {
		name      string
		fields    Fields
		steps     []step
		wantCalls int
		wantErr   func(error) bool
	}{
		{"503 then ok, with email", Fields{"email": "a@b.co"}, []step{s503, s503, ok}, 3, nil},
		{"reset then ok, with email", Fields{"email": "a@b.co"}, []step{reset, ok}, 2, nil},
		{"503 without email is not repeated", Fields{"firstname": "A"}, []step{s503, ok}, 1, IsUnavailable},
		{"429 is repeated even without email", Fields{"firstname": "A"}, []step{s429, ok}, 2, nil},
		{"400 is never repeated", Fields{"email": "a@b.co"}, []step{s400, ok}, 1, IsValidation},
		{"gives up after MaxAttempts", Fields{"email": "a@b.co"}, []step{s503, s503, s503, s503, ok}, 4, IsUnavailable},
		{"reset on every attempt", Fields{"email": "a@b.co"}, []step{reset, reset, reset, reset}, 4, IsUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n < len(tt.steps) {
					tt.steps[n](t, w)
					return
				}
				ok(t, w)
			})
			var mu sync.Mutex
			var calls []Call
			c := f.client(t, func(cfg *Config) {
				cfg.Observe = func(c Call) { mu.Lock(); calls = append(calls, c); mu.Unlock() }
			})
			_, _, err := c.Contacts.Upsert(context.Background(), tt.fields)
			if tt.wantErr == nil && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if f.count() != tt.wantCalls {
				t.Fatalf("%d calls, want %d", f.count(), tt.wantCalls)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(calls) != tt.wantCalls {
				t.Fatalf("Observe called %d times, want %d", len(calls), tt.wantCalls)
			}
			for i, call := range calls {
				if call.Attempt != i+1 || call.Route != "POST /contacts/new" || call.Method != "POST" {
					t.Errorf("call %d = %+v", i, call)
				}
				if (call.Status >= 200 && call.Status < 300) != (call.Err == nil) {
					t.Errorf("call %d: status %d with err %v", i, call.Status, call.Err)
				}
			}
		})
	}
}

func TestWireRetryAfterAndBackoff(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 0:
			reply(w, 503, server503, "Retry-After", "2")
		case 1:
			reply(w, 503, server503)
		default:
			reply(w, 200, recorded(t, "12_contact_get"))
		}
	})
	c := f.client(t, func(cfg *Config) { cfg.Retry.BaseDelay = 100 * time.Millisecond; cfg.Retry.MaxDelay = time.Second })
	var slept []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return nil }
	c.jitter = func(n int64) int64 { return n - 1 } // the ceiling: shows the exponent
	if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	// Retry-After 2 s is honoured; the second delay is BaseDelay * 2^1.
	if len(slept) != 2 || slept[0] != 2*time.Second || slept[1] != 200*time.Millisecond {
		t.Fatalf("slept %v, want [2s 200ms]", slept)
	}
}

func TestWireRetryLimits(t *testing.T) {
	t.Run("MaxElapsed", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, server503, "Retry-After", "60") })
		c := f.client(t, func(cfg *Config) { cfg.Retry.MaxElapsed = 10 * time.Second })
		_, err := c.Contacts.Get(context.Background(), 1)
		if !IsUnavailable(err) || f.count() != 1 {
			t.Fatalf("err %v after %d calls; a 60 s Retry-After passes MaxElapsed", err, f.count())
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		// A deadline an hour away and a Retry-After of two hours: only the
		// deadline stops the retry, however slow the machine.
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, server503, "Retry-After", "7200") })
		c := f.client(t, func(cfg *Config) { cfg.Retry.MaxElapsed = 24 * time.Hour })
		_, err := c.Contacts.Get(ctxTimeout(t, time.Hour), 1)
		if !IsUnavailable(err) || f.count() != 1 {
			t.Fatalf("err %v after %d calls; the wait passes the deadline", err, f.count())
		}
	})
	t.Run("cancel during backoff", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, server503) })
		c := f.client(t, func(cfg *Config) {
			cfg.Retry.BaseDelay = time.Hour
			cfg.Retry.MaxDelay = time.Hour
			cfg.Retry.MaxElapsed = 2 * time.Hour
		})
		c.jitter = func(n int64) int64 { return n - 1 }
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The caller gives up while the client waits out the hour of backoff
		// after the 503: cancelled inside that wait, not at some moment a
		// goroutine happens to pick.
		var waits []time.Duration
		c.sleep = func(ctx context.Context, d time.Duration) error {
			if d > 0 {
				waits = append(waits, d)
				cancel()
			}
			return wait.For(ctx, d)
		}
		_, err := c.Contacts.Get(ctx, 1)
		if !errors.Is(err, context.Canceled) || !IsUnavailable(err) {
			t.Fatalf("err = %v; want the 503 with the cancellation", err)
		}
		if len(waits) != 1 || waits[0] != time.Hour || f.count() != 1 {
			t.Fatalf("waited %v after %d calls; want one hour of backoff after the one call", waits, f.count())
		}
	})
	t.Run("per-attempt timeout", func(t *testing.T) {
		release := make(chan struct{})
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		// The fake never answers, so every attempt ends at its timeout; the
		// attempts are counted where the client makes them (Observe), since
		// on a slow machine an attempt may time out before the fake sees it.
		var mu sync.Mutex
		var calls []Call
		c := f.client(t, func(cfg *Config) {
			cfg.Timeout = 50 * time.Millisecond
			cfg.Retry.MaxAttempts = 2
			cfg.Retry.MaxElapsed = time.Hour
			cfg.Observe = func(c Call) { mu.Lock(); calls = append(calls, c); mu.Unlock() }
		})
		_, err := c.Contacts.Get(context.Background(), 1)
		mu.Lock()
		defer mu.Unlock()
		if !IsUnavailable(err) || !strings.Contains(err.Error(), "no answer within 50ms") || len(calls) != 2 {
			t.Fatalf("err %v after %d attempts", err, len(calls))
		}
		for i, call := range calls {
			if call.Attempt != i+1 || !errors.Is(call.Err, context.DeadlineExceeded) {
				t.Errorf("attempt %d: %+v; want the per-attempt timeout", i+1, call)
			}
		}
	})
}

func TestWireServerRateLimit(t *testing.T) {
	reset := time.Now().Add(30 * time.Second).Unix()
	limitHeaders := func(remaining int) []string {
		return []string{"X-RateLimit-Limit", "5", "X-RateLimit-Remaining", itoa(remaining), "X-RateLimit-Reset", itoa(int(reset))}
	}
	t.Run("remaining zero holds the next call", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			reply(w, 200, recorded(t, "12_contact_get"), limitHeaders(0)...)
		})
		c := f.client(t)
		if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		st := c.BudgetState()
		if st.ServerLimit != 5 || st.ServerRemaining != 0 || st.HeldUntil.IsZero() {
			t.Fatalf("state %+v", st)
		}
		_, err := c.Contacts.Get(ctxTimeout(t, 10*time.Second), 1)
		var e *Error
		if !IsRateLimited(err) || !errors.As(err, &e) || e.RetryAt.Before(time.Now().Add(20*time.Second)) {
			t.Fatalf("err = %v; want a rate-limited error with RetryAt near the reset", err)
		}
		if f.count() != 1 {
			t.Fatalf("%d calls; the held call must not be sent", f.count())
		}
	})
	t.Run("429 holds until the reset", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			reply(w, 429, recorded(t, "70_ratelimit_call_6"), limitHeaders(0)...)
		})
		c := f.client(t)
		_, err := c.Contacts.Get(ctxTimeout(t, 10*time.Second), 1)
		var e *Error
		if !errors.As(err, &e) || e.Status != 429 || e.RetryAt.IsZero() || !IsRateLimited(err) {
			t.Fatalf("err = %#v", err)
		}
		if f.count() != 1 {
			t.Fatalf("%d calls; the retry must wait for the reset", f.count())
		}
	})
	t.Run("429 then free after a short reset", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 0 {
				// Reset one second ahead by the server's clock (Date).
				now := time.Now()
				reply(w, 429, recorded(t, "70_ratelimit_call_6"), "X-RateLimit-Remaining", "0",
					"X-RateLimit-Reset", itoa(int(now.Unix()+1)), "Date", now.UTC().Format(http.TimeFormat))
				return
			}
			reply(w, 200, recorded(t, "12_contact_get"), limitHeaders(4)...)
		})
		c := f.client(t)
		var slept []time.Duration
		c.sleep = func(ctx context.Context, d time.Duration) error { slept = append(slept, d); return wait.For(ctx, d) }
		if _, err := c.Contacts.Get(ctxTimeout(t, 5*time.Second), 1); err != nil {
			t.Fatal(err)
		}
		var total time.Duration
		for _, d := range slept {
			total += d
		}
		if f.count() != 2 || total < 500*time.Millisecond || total > 2*time.Second {
			t.Fatalf("%d calls, waited %v; want 2 calls and a wait until the reset", f.count(), total)
		}
	})
}

func TestWireInvalidGrantRetokensOnce(t *testing.T) {
	var mu sync.Mutex
	tokenCalls := 0
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/oauth/v2/token" {
			mu.Lock()
			tokenCalls++
			tok := fmt.Sprintf(`{"access_token":"tok%d","expires_in":3600,"token_type":"bearer","scope":null}`, tokenCalls)
			mu.Unlock()
			reply(w, 200, []byte(tok))
			return
		}
		if r.Header.Get("Authorization") == "Bearer tok1" || r.URL.Path == "/api/contacts/9" {
			reply(w, 401, recorded(t, "65_api_with_bad_bearer"))
			return
		}
		reply(w, 200, recorded(t, "12_contact_get"))
	})
	c := f.client(t, func(cfg *Config) { cfg.Auth = OAuth2{ClientID: "1_abc", ClientSecret: "pa55-secret"} })
	if _, err := c.Contacts.Get(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if tokenCalls != 2 {
		t.Errorf("%d token calls, want 2 (first token rejected once)", tokenCalls)
	}
	mu.Unlock()
	// A bearer rejected again after the re-token is an error, not a loop.
	before := f.count()
	_, err := c.Contacts.Get(context.Background(), 9)
	if !IsUnauthorized(err) {
		t.Fatalf("err = %v", err)
	}
	if n := f.count() - before; n != 3 { // call, re-token, one retry
		t.Fatalf("%d requests after a lasting invalid_grant, want 3", n)
	}
}

func TestWireRedirectIsAnError(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Redirect(w, r, "/s/login", http.StatusFound)
	})
	c := f.client(t)
	_, err := c.Contacts.Get(context.Background(), 1)
	var e *Error
	if !errors.As(err, &e) || e.Status != 302 || f.count() != 1 {
		t.Fatalf("err = %v after %d calls", err, f.count())
	}
}

func TestWireClosed(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, listEmpty) })
	c := f.client(t)
	c.Close()
	c.Close()
	if _, err := c.Contacts.Get(context.Background(), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
	if f.count() != 0 {
		t.Fatal("a closed client sent a request")
	}
}

func TestWireUndecodableAnswer(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, []byte(`<html>maintenance</html>`)) })
	c := f.client(t)
	_, err := c.Contacts.Get(context.Background(), 1)
	if err == nil || !strings.Contains(err.Error(), "unexpected answer") {
		t.Fatalf("err = %v", err)
	}
	_, err = c.Contacts.FindByIDs(context.Background(), []int{1})
	if err == nil || !strings.Contains(err.Error(), "unexpected answer") {
		t.Fatalf("err = %v", err)
	}
}
