package betterauth

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A client that keeps sending a credential that was refused (a bot, a
// skewed clock, a replay) must cost no more than one that was accepted:
// the refusal is remembered by the credential's bytes. These tests show
// that the remembered refusal costs no decoding (no allocation at all),
// that what is remembered is only what cannot change, and that a flood
// of refused credentials cannot push out the users who were accepted.

// resolveAllocs is how much one more Resolve of req allocates once the
// resolver has seen it.
func resolveAllocs(t *testing.T, r *Resolver, req *http.Request) float64 {
	t.Helper()
	return testing.AllocsPerRun(50, func() {
		if _, ok := r.Resolve(context.Background(), req); ok {
			t.Fatal("resolved")
		}
	})
}

func TestRefusedCredentialsAreRemembered(t *testing.T) {
	all := loadSamples(t)
	s, dbOnly := all["compact"], all["db-only"]
	forgedData := s.dataName + "=" + signCompact(testPayload(s.session.Token, "u1", s.now), "attacker-secret", s.now.Add(time.Minute).UnixMilli())
	forgedToken := dbOnly.tokenName + "=" + flipIn(dbOnly.token, len(dbOnly.token)-20, len(dbOnly.token)-4)
	tests := []struct {
		name   string
		now    time.Time
		req    *http.Request
		reason Reason
	}{
		{"expired cookie cache", s.now.Add(301 * time.Second), request("", s.tokenCookie(), s.dataCookie()), RejectCacheExpired},
		{"forged cookie cache", s.now, request("", s.tokenCookie(), forgedData), RejectCacheSignature},
		{"cookie cache of another token", s.now, request("", dbOnly.tokenCookie(), s.dataCookie()), RejectCacheMismatch},
		{"forged session token", dbOnly.now, request("", forgedToken), RejectTokenSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rj := &rejections{}
			r := newResolver(t, Config{Secrets: []string{s.secret}, LookupSession: newFakeDB().lookup, OnReject: rj.hook}, tt.now)
			if _, ok := r.Resolve(context.Background(), tt.req); ok {
				t.Fatal("resolved")
			}
			if got := rj.list(); len(got) == 0 || got[0] != tt.reason {
				t.Fatalf("first refusal %v, want %s first", got, tt.reason)
			}
			if n := resolveAllocs(t, r, tt.req); n != 0 {
				t.Errorf("a refused credential seen before costs %v allocations per request, want 0 (decoded again)", n)
			}
			if hits := r.Stats().RejectedCacheHits; hits == 0 {
				t.Error("no refusal was served from memory")
			}
			// The refusal is still told every time, for the metrics.
			for _, reason := range rj.list() {
				if reason != tt.reason && reason != RejectSessionUnknown {
					t.Errorf("later refusal %s, want %s", reason, tt.reason)
				}
			}
		})
	}
}

func TestExpiredCookieCacheStaysRefused(t *testing.T) {
	s := loadSamples(t)["compact"]
	clk := newClock(s.now.Add(301 * time.Second))
	r := newResolver(t, Config{Secrets: []string{s.secret}, Now: clk.now}, time.Time{})
	req := request("", s.tokenCookie(), s.dataCookie())
	for _, step := range []time.Duration{0, time.Second, DefaultNegativeTTL, time.Hour, 400 * 24 * time.Hour} {
		clk.advance(step)
		if id, ok := r.Resolve(context.Background(), req); ok {
			t.Fatalf("expired cookie cache accepted %v later: %+v", step, id)
		}
	}
}

// A JWT that is not valid yet will be: it must not be remembered as
// refused, unlike an expired one.
func TestNotYetValidCookieCacheIsNotRemembered(t *testing.T) {
	const secret = "not-yet-secret"
	clk := newClock(time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC))
	token := "TOKENTOKENTOKENTOKENTOKENTOKEN12"
	claims := cacheClaimsFor(t, token, "u1", clk.now())
	delete(claims, "aud")
	claims["nbf"] = clk.now().Add(time.Minute).Unix()
	data := signJWT(t, jwt.SigningMethodHS256, []byte(secret), nil, claims)
	r := newResolver(t, Config{Secrets: []string{secret}, Now: clk.now}, time.Time{})
	req := request("", "better-auth.session_token="+signToken(token, secret), "better-auth.session_data="+data)
	if _, ok := r.Resolve(context.Background(), req); ok {
		t.Fatal("accepted before its nbf")
	}
	clk.advance(2 * time.Minute)
	if _, ok := r.Resolve(context.Background(), req); !ok {
		t.Fatal("refused after its nbf: a not-yet-valid JWT was remembered as refused")
	}
}

// A session-cache JWT refused because the JWKS could not be fetched is
// accepted once the JWKS is back.
func TestJWKSOutageIsNotRemembered(t *testing.T) {
	env := newJWTEnv(t)
	env.up.jwksStatus.Store(http.StatusServiceUnavailable)
	clk := newClock(env.now)
	const secret = "session-cache-secret"
	token := "TOKENTOKENTOKENTOKENTOKENTOKEN12"
	data := signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": env.key.kid, "typ": sessionCacheType}, cacheClaimsFor(t, token, "u1", env.now))
	r := newResolver(t, Config{Secrets: []string{secret}, JWKSURL: env.up.jwksURL(), Now: clk.now}, time.Time{})
	req := request("", "better-auth.session_token="+signToken(token, secret), "better-auth.session_data="+data)
	if _, ok := r.Resolve(context.Background(), req); ok {
		t.Fatal("accepted with the JWKS down")
	}
	env.up.jwksStatus.Store(http.StatusOK)
	clk.advance(11 * time.Second) // past the JWKS failure backoff
	if _, ok := r.Resolve(context.Background(), req); !ok {
		t.Fatal("refused once the JWKS is back: an unavailable JWKS was remembered as a refusal")
	}
}

// A session token whose lookup failed (database down) is not forged: once
// the database answers again, the user is recognised.
func TestFailedLookupIsNotRememberedAsRefused(t *testing.T) {
	s := loadSamples(t)["db-only"]
	db := newFakeDB(s)
	db.fail.Store(true)
	clk := newClock(s.now)
	r := newResolver(t, Config{Secrets: []string{s.secret}, LookupSession: db.lookup, Now: clk.now}, time.Time{})
	req := request("", s.tokenCookie())
	if _, ok := r.Resolve(context.Background(), req); ok {
		t.Fatal("resolved with the database down")
	}
	db.fail.Store(false)
	clk.advance(DefaultNegativeTTL + time.Second)
	if _, ok := r.Resolve(context.Background(), req); !ok {
		t.Fatal("not recognised once the database is back")
	}
	if n := r.Stats().RejectedCacheHits; n != 0 {
		t.Errorf("%d refusals served from memory, want 0", n)
	}
}

// Refusals are remembered apart from accepted credentials: a flood of
// distinct forged cookies fills only its own bounded memory.
func TestRefusalFloodKeepsAcceptedUsers(t *testing.T) {
	s := loadSamples(t)["compact"]
	const max = 16
	r := newResolver(t, Config{Secrets: []string{s.secret}, MaxCacheEntries: max}, s.now)
	good := request("", s.tokenCookie(), s.dataCookie())
	if _, ok := r.Resolve(context.Background(), good); !ok {
		t.Fatal("sample not resolved")
	}
	for i := range 20 * max {
		payload := testPayload(s.session.Token, fmt.Sprint("u", i), s.now)
		forged := signCompact(payload, "attacker-secret", s.now.Add(time.Minute).UnixMilli())
		if _, ok := r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataName+"="+forged)); ok {
			t.Fatal("forged cookie cache accepted")
		}
	}
	if n := r.rejected.len(); n > max {
		t.Errorf("%d refusals remembered, bound is %d", n, max)
	}
	hits := r.Stats().VerifiedCacheHits
	if _, ok := r.Resolve(context.Background(), good); !ok {
		t.Fatal("the user is no longer recognised")
	}
	if r.Stats().VerifiedCacheHits != hits+1 {
		t.Error("the flood pushed the accepted user's cookie cache out of memory")
	}
}
