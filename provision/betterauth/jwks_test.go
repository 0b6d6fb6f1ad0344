package betterauth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// clock is a settable time source.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}
func (c *clock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestJWKSRefetchOnUnknownKidAtMostOncePerInterval(t *testing.T) {
	a, b := newEdKey("key-a"), newEdKey("key-b")
	up := newUpstream(t, jwksOf(a.jwk()))
	clk := newClock(time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC))
	r := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: up.jwksURL(), JWKSMinRefresh: time.Minute, Now: clk.now}, time.Time{})
	bearer := func(k edKey) *http.Request {
		return request(signJWT(t, jwt.SigningMethodEdDSA, k.priv, map[string]any{"kid": k.kid},
			jwt.MapClaims{"id": "u-" + k.kid, "exp": clk.now().Add(time.Hour).Unix()}))
	}
	if _, ok := r.Resolve(context.Background(), bearer(a)); !ok {
		t.Fatal("known key did not verify")
	}
	// Key b appears upstream (rotation), but a refetch only happens once
	// per interval, however many requests carry the new kid.
	jw := jwksOf(a.jwk(), b.jwk())
	up.jwks.Store(&jw)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Resolve(context.Background(), bearer(b))
		}()
	}
	wg.Wait()
	if n := up.jwksCalls.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times within the interval, want 1", n)
	}
	clk.advance(time.Minute)
	var okCount atomic.Int64
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, ok := r.Resolve(context.Background(), bearer(b)); ok {
				okCount.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := up.jwksCalls.Load(); n != 2 || okCount.Load() != 50 {
		t.Fatalf("after the interval: %d fetches and %d/50 resolved, want 2 fetches and all resolved", n, okCount.Load())
	}
	if r.Stats().JWKSFetches != 2 {
		t.Errorf("stats count %d fetches", r.Stats().JWKSFetches)
	}
}

func TestJWKSOutage(t *testing.T) {
	k := newEdKey("k")
	up := newUpstream(t, jwksOf(k.jwk()))
	up.jwksStatus.Store(http.StatusServiceUnavailable)
	clk := newClock(time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC))
	rj := &rejections{}
	r := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: up.jwksURL(), JWKSMinRefresh: time.Hour, Now: clk.now, OnReject: rj.hook}, time.Time{})
	tok := signJWT(t, jwt.SigningMethodEdDSA, k.priv, map[string]any{"kid": "k"}, jwt.MapClaims{"id": "u", "exp": clk.now().Add(2 * time.Hour).Unix()})
	for range 3 {
		if _, ok := r.Resolve(context.Background(), request(tok)); ok {
			t.Fatal("resolved with the JWKS down")
		}
	}
	if n := up.jwksCalls.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times during the outage backoff, want 1", n)
	}
	for _, reason := range rj.list() {
		if reason != RejectJWKSUnavailable {
			t.Errorf("reason %s, want %s", reason, RejectJWKSUnavailable)
		}
	}
	// A failure is retried sooner than a success: after 10 s, not an hour.
	up.jwksStatus.Store(http.StatusOK)
	clk.advance(10 * time.Second)
	if _, ok := r.Resolve(context.Background(), request(tok)); !ok {
		t.Errorf("not resolved once the JWKS is back; fetches %d", up.jwksCalls.Load())
	}
}

func TestParseJWKS(t *testing.T) {
	ed := newEdKey("good")
	tests := []struct {
		name string
		body string
		kids []string
		err  string
	}{
		{"one key", string(jwksOf(ed.jwk())), []string{"good"}, ""},
		{"unusable keys skipped", string(jwksOf(ed.jwk(), `{"kty":"oct","kid":"h","k":"AAAA"}`, `{"kty":"OKP","crv":"X25519","kid":"x","x":"AAAA"}`)), []string{"good"}, ""},
		{"key without kid skipped", string(jwksOf(`{"kty":"OKP","crv":"Ed25519","x":"`+strings.Repeat("A", 43)+`"}`, ed.jwk())), []string{"good"}, ""},
		{"short OKP key", string(jwksOf(`{"kty":"OKP","crv":"Ed25519","kid":"s","x":"AAAA"}`)), nil, "no usable key"},
		{"EC point off the curve", string(jwksOf(`{"kty":"EC","crv":"P-256","kid":"e","x":"` + strings.Repeat("A", 43) + `","y":"` + strings.Repeat("A", 43) + `"}`)), nil, "no usable key"},
		{"small RSA key", string(jwksOf(`{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}`)), nil, "no usable key"},
		{"empty", `{"keys":[]}`, nil, "no usable key"},
		{"not JSON", `<html>`, nil, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := parseJWKS([]byte(tt.body))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || len(keys) != len(tt.kids) {
				t.Fatalf("keys %v, err %v", keys, err)
			}
			for _, kid := range tt.kids {
				if keys[kid].alg != "EdDSA" {
					t.Errorf("kid %s: %+v", kid, keys[kid])
				}
			}
		})
	}
}

// TestJWKSWaitHonoursContext: a caller whose context ends stops waiting
// for a slow JWKS; the fetch itself is bounded by LookupTimeout.
func TestJWKSWaitHonoursContext(t *testing.T) {
	block := make(chan struct{})
	k := newEdKey("k")
	srv := newSlowServer(t, block, jwksOf(k.jwk()))
	r := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: srv.URL + "/jwks", LookupTimeout: 5 * time.Second}, time.Now())
	tok := signJWT(t, jwt.SigningMethodEdDSA, k.priv, map[string]any{"kid": "k"}, jwt.MapClaims{"id": "u", "exp": time.Now().Add(time.Hour).Unix()})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, ok := r.Resolve(ctx, request(tok)); ok {
		t.Fatal("resolved without a JWKS")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Resolve waited %v past its context", d)
	}
	close(block)
}
