package betterauth

import (
	"context"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSampleFoldersAllCovered(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		if _, ok := sampleSpecs[name]; !ok {
			t.Errorf("sample folder %q has no entry in sampleSpecs: add what it holds", name)
		}
	}
	for name := range sampleSpecs {
		if _, ok := all[name]; !ok {
			t.Errorf("sampleSpecs names %q, which is not a sample folder", name)
		}
	}
	for name, s := range all {
		if s.token == "" || s.session.Token == "" || s.user.ID == "" {
			t.Errorf("%s: sample lacks a session_token cookie or a get-session user", name)
		}
		if (s.data != "") != (s.spec.cache != SourceNone) {
			t.Errorf("%s: session_data present=%v, but spec says cache %v", name, s.data != "", s.spec.cache)
		}
	}
}

// offlineConfig verifies with the secret and the sample's JWKS only
// (Bearer JWTs included).
func offlineConfig(t *testing.T, s *sample) Config {
	cfg := Config{Secrets: []string{s.secret}}
	if s.jwks != nil {
		cfg.JWKSURL = newUpstream(t, s.jwks).jwksURL()
		cfg.Bearer = BearerJWT
	}
	return cfg
}

func TestSamplesCookieCacheResolves(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		if s.spec.cache == SourceNone {
			continue
		}
		t.Run(name, func(t *testing.T) {
			r := newResolver(t, offlineConfig(t, s), s.now)
			id, ok := r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie()))
			if !ok {
				t.Fatalf("anonymous; stats %+v", r.Stats())
			}
			want := s.wantIdentity()
			want.MauticID = s.spec.cookieMaut
			if !sameUser(id, want) || id.SessionToken != want.SessionToken {
				t.Errorf("got %+v, want user %+v", id, want)
			}
			if id.Source != s.spec.cache || id.MauticIDFresh {
				t.Errorf("source %v fresh %v, want %v and not fresh", id.Source, id.MauticIDFresh, s.spec.cache)
			}
			if !id.ExpiresAt.After(s.now) || id.ExpiresAt.After(s.now.Add(6*time.Minute)) {
				t.Errorf("ExpiresAt %v is not within the 5-minute cache of %v", id.ExpiresAt, s.now)
			}
			// The second request is served from the verified cache.
			id2, ok := r.Resolve(context.Background(), request("", s.dataCookie(), s.tokenCookie()))
			if !ok || id2 != id || r.Stats().VerifiedCacheHits != 1 {
				t.Errorf("warm resolve: ok=%v same=%v hits=%d", ok, id2 == id, r.Stats().VerifiedCacheHits)
			}
		})
	}
}

func TestSamplesWithoutCacheNeedALookup(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		if s.spec.cache != SourceNone {
			continue
		}
		t.Run(name, func(t *testing.T) {
			r := newResolver(t, offlineConfig(t, s), s.now)
			if id, ok := r.Resolve(context.Background(), request("", s.tokenCookie())); ok {
				t.Fatalf("resolved %+v with no cookie cache and no lookup", id)
			}
		})
	}
}

func TestSamplesDatabaseLookup(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		t.Run(name, func(t *testing.T) {
			db := newFakeDB(s)
			r := newResolver(t, Config{Secrets: []string{s.secret}, LookupSession: db.lookup}, s.now)
			for range 3 {
				id, ok := r.Resolve(context.Background(), request("", s.tokenCookie()))
				if !ok {
					t.Fatalf("anonymous; stats %+v", r.Stats())
				}
				want := s.wantIdentity()
				if !sameUser(id, want) || id.SessionToken != want.SessionToken || id.Source != SourceDatabase || !id.MauticIDFresh {
					t.Fatalf("got %+v, want %+v from the database, fresh", id, want)
				}
				if !id.ExpiresAt.Equal(s.session.ExpiresAt.time()) {
					t.Errorf("ExpiresAt %v, want the session's %v", id.ExpiresAt, s.session.ExpiresAt.time())
				}
			}
			if n := db.calls.Load(); n != 1 {
				t.Errorf("database called %d times for 3 requests, want 1 (cached per token)", n)
			}
		})
	}
}

func TestSamplesGetSession(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		t.Run(name, func(t *testing.T) {
			up := newUpstream(t, s.jwks, s)
			r := newResolver(t, Config{GetSessionURL: up.getSessionURL()}, s.now)
			id, ok := r.Resolve(context.Background(), request("", s.tokenCookie()))
			if !ok {
				t.Fatalf("anonymous; stats %+v", r.Stats())
			}
			want := s.wantIdentity()
			if !sameUser(id, want) || id.Source != SourceGetSession || !id.MauticIDFresh {
				t.Errorf("got %+v, want %+v from get-session", id, want)
			}
			if got := *up.lastCookies.Load(); got != s.tokenCookie() {
				t.Errorf("get-session got Cookie %q, want only the session_token as sent", got)
			}
			if up.badQuery.Load() != 0 {
				t.Error("get-session called without disableCookieCache=true&disableRefresh=true")
			}
			// A token the upstream does not know gets the captured
			// logged-out answer (200 null): anonymous, and remembered.
			forged := flipIn(s.token, 0, strings.LastIndexByte(s.token, '.'))
			for range 2 {
				if _, ok := r.Resolve(context.Background(), request("", s.tokenName+"="+forged)); ok {
					t.Fatal("an unknown token resolved")
				}
			}
			if n := up.getCalls.Load(); n != 2 {
				t.Errorf("get-session called %d times, want 2 (one per token, negative answer cached)", n)
			}
		})
	}
}

func TestSamplesBearerJWT(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		for kind, jwt := range map[string]string{"token": s.tokenJWT, "set-auth-jwt": s.headerJWT} {
			if jwt == "" {
				continue
			}
			t.Run(name+"/"+kind, func(t *testing.T) {
				up := newUpstream(t, s.jwks)
				tests := []struct {
					name     string
					iss, aud string
					ok       bool
				}{
					{"no iss/aud expected", "", "", true},
					{"right iss and aud", s.jwtIss, s.jwtIss, true},
					{"wrong issuer", "http://other.test", "", false},
					{"wrong audience", "", "http://other.test", false},
				}
				for _, tt := range tests {
					r := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: up.jwksURL(), JWTIssuer: tt.iss, JWTAudience: tt.aud}, s.now)
					id, ok := r.Resolve(context.Background(), request(jwt))
					if ok != tt.ok {
						t.Fatalf("%s: ok=%v, want %v", tt.name, ok, tt.ok)
					}
					if !ok {
						continue
					}
					want := s.wantIdentity()
					want.MauticID = 4242 // the JWTs were issued after sign-in, with the id stored
					if !sameUser(id, want) || id.Source != SourceBearerJWT || id.MauticIDFresh || id.SessionToken != "" {
						t.Errorf("%s: got %+v, want %+v from a Bearer JWT", tt.name, id, want)
					}
				}
			})
		}
	}
}

// TestSamplesTampered checks every way a sample can be spoiled; each must
// be refused for the stated reason, and never reach the database.
func TestSamplesTampered(t *testing.T) {
	all := loadSamples(t)
	other := all["compact"]
	for _, name := range sampleNames(all) {
		s := all[name]
		t.Run(name, func(t *testing.T) {
			dot := strings.LastIndexByte(s.token, '.')
			badSig := s.tokenName + "=" + flipIn(s.token, dot+1, len(s.token)-3)
			cases := []struct {
				name    string
				cfg     func(*Config)
				now     time.Time
				req     func() *http.Request
				reasons []Reason // any of
				skip    bool
				withDB  bool // the token is forged: a lookup is configured and must not be called
			}{
				{name: "token signature flipped", req: func() *http.Request { return request("", badSig, s.dataCookie()) },
					reasons: []Reason{RejectTokenSignature}, withDB: true},
				{name: "wrong secret", cfg: func(c *Config) { c.Secrets = []string{"not-the-secret-not-the-secret-000"} },
					req: func() *http.Request { return request("", s.tokenCookie(), s.dataCookie()) }, reasons: []Reason{RejectTokenSignature}, withDB: true},
				{name: "cache payload flipped", skip: s.data == "", req: func() *http.Request { return request("", s.tokenCookie(), s.dataName+"="+flipPayload(s.data)) },
					reasons: []Reason{RejectCacheSignature, RejectCacheMalformed}},
				{name: "cache expired", skip: s.data == "", now: s.now.Add(16 * time.Minute),
					req: func() *http.Request { return request("", s.tokenCookie(), s.dataCookie()) }, reasons: []Reason{RejectCacheExpired}},
				{name: "token of another session", skip: s.data == "" || s == other,
					req:     func() *http.Request { return request("", s.tokenName+"="+other.token, s.dataCookie()) },
					reasons: []Reason{RejectCacheMismatch}},
				{name: "cache alone", skip: s.data == "", req: func() *http.Request { return request("", s.dataCookie()) }},
				{name: "cache version", skip: s.data == "", cfg: func(c *Config) { c.CookieCacheVersion = "2" },
					req: func() *http.Request { return request("", s.tokenCookie(), s.dataCookie()) }, reasons: []Reason{RejectCacheVersion}},
				{name: "bearer signature flipped", skip: s.tokenJWT == "", req: func() *http.Request { return request(flipSignature(s.tokenJWT)) },
					reasons: []Reason{RejectJWTInvalid}},
				{name: "bearer payload flipped", skip: s.tokenJWT == "", req: func() *http.Request { return request(flipPayload(s.tokenJWT)) },
					reasons: []Reason{RejectJWTInvalid}},
				{name: "bearer expired", skip: s.tokenJWT == "", now: s.now.Add(16 * time.Minute), req: func() *http.Request { return request(s.tokenJWT) },
					reasons: []Reason{RejectJWTExpired}},
				{name: "session-cache JWT as bearer", skip: s.spec.cache != SourceSessionCacheJWT, req: func() *http.Request { return request(s.data) },
					reasons: []Reason{RejectJWTInvalid}},
			}
			for _, tc := range cases {
				if tc.skip {
					continue
				}
				rj := &rejections{}
				cfg := offlineConfig(t, s)
				if s.tokenJWT != "" && cfg.JWKSURL == "" {
					cfg.JWKSURL = newUpstream(t, s.jwks).jwksURL()
				}
				cfg.OnReject = rj.hook
				db := newFakeDB(s)
				if tc.withDB {
					cfg.LookupSession = db.lookup
				}
				if tc.cfg != nil {
					tc.cfg(&cfg)
				}
				now := s.now
				if !tc.now.IsZero() {
					now = tc.now
				}
				r := newResolver(t, cfg, now)
				if id, ok := r.Resolve(context.Background(), tc.req()); ok {
					t.Errorf("%s: resolved %+v", tc.name, id)
					continue
				}
				if n := db.calls.Load(); n != 0 {
					t.Errorf("%s: the database was asked %d times", tc.name, n)
				}
				got := rj.list()
				if len(tc.reasons) == 0 && len(got) != 0 {
					t.Errorf("%s: reasons %v, want none (nothing to verify)", tc.name, got)
				}
				if len(tc.reasons) > 0 && len(got) == 0 {
					t.Errorf("%s: no reason reported, want one of %v", tc.name, tc.reasons)
				}
				for _, g := range got {
					if !slices.Contains(tc.reasons, g) {
						t.Errorf("%s: reasons %v, want only %v", tc.name, got, tc.reasons)
					}
				}
			}
		})
	}
}

// TestSamplesTamperedFallBackToDatabase: a spoiled cache is not trusted,
// but a valid token still finds its session, as on the server; a forged
// token never reaches the database.
func TestSamplesTamperedFallBackToDatabase(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		if s.data == "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			db := newFakeDB(s)
			cfg := offlineConfig(t, s)
			cfg.LookupSession = db.lookup
			r := newResolver(t, cfg, s.now)
			id, ok := r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataName+"="+flipPayload(s.data)))
			if !ok || id.Source != SourceDatabase || !sameUser(id, s.wantIdentity()) {
				t.Fatalf("spoiled cache + valid token: got %+v ok=%v, want the database's user", id, ok)
			}
			dot := strings.LastIndexByte(s.token, '.')
			forged := s.tokenName + "=" + flipIn(s.token, dot+1, len(s.token)-3)
			calls := db.calls.Load()
			for range 5 {
				if _, ok := r.Resolve(context.Background(), request("", forged, s.dataCookie())); ok {
					t.Fatal("forged token resolved")
				}
			}
			if db.calls.Load() != calls {
				t.Errorf("forged tokens reached the database %d times", db.calls.Load()-calls)
			}
			// Past the session's expiry the database's answer is refused.
			late := newResolver(t, Config{Secrets: cfg.Secrets, LookupSession: db.lookup}, s.session.ExpiresAt.time().Add(time.Second))
			if id, ok := late.Resolve(context.Background(), request("", s.tokenCookie())); ok {
				t.Errorf("expired session resolved: %+v", id)
			}
		})
	}
}

func TestSamplesSecureNames(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		if s.data == "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, mode := range []SecureMode{SecureAuto, SecureAlways, SecureNever} {
				cfg := offlineConfig(t, s)
				cfg.SecureCookies = mode
				r := newResolver(t, cfg, s.now)
				_, ok := r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie()))
				want := mode == SecureAuto || (mode == SecureAlways) == s.spec.secure
				if ok != want {
					t.Errorf("%v: ok=%v, want %v (secure names: %v)", mode, ok, want, s.spec.secure)
				}
			}
		})
	}
}

// TestTwoFamiliesOfTwoUsers: with both families present for two users,
// each mode reads what an app so configured reads, and Auto neither: the
// module cannot know which name the app reads.
func TestTwoFamiliesOfTwoUsers(t *testing.T) {
	all := loadSamples(t)
	sec, plain := all["secure-compact-null-mautic"], all["compact"]
	for mode, want := range map[SecureMode]string{SecureAuto: "", SecureAlways: sec.user.ID, SecureNever: plain.user.ID} {
		r := newResolver(t, Config{Secrets: []string{sec.secret}, SecureCookies: mode}, sec.now)
		id, ok := r.Resolve(context.Background(), request("", plain.tokenCookie(), plain.dataCookie(), sec.tokenCookie(), sec.dataCookie()))
		if ok != (want != "") || id.UserID != want {
			t.Errorf("%v: got %q ok=%v, want %q", mode, id.UserID, ok, want)
		}
	}
}

func TestSamplesChunkedCookieCache(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		if s.data == "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			third := len(s.data) / 3
			parts := []string{s.data[:third], s.data[third : 2*third], s.data[2*third:]}
			chunk := func(i int) string { return s.dataName + "." + string(rune('0'+i)) + "=" + parts[i] }
			tests := []struct {
				name    string
				cookies []string
				ok      bool
			}{
				{"in order", []string{s.tokenCookie(), chunk(0), chunk(1), chunk(2)}, true},
				{"any order", []string{chunk(2), s.tokenCookie(), chunk(0), chunk(1)}, true},
				{"gap", []string{s.tokenCookie(), chunk(0), chunk(2)}, false},
				{"missing last", []string{s.tokenCookie(), chunk(0), chunk(1)}, false},
				{"duplicate", []string{s.tokenCookie(), chunk(0), chunk(1), chunk(1), chunk(2)}, false},
			}
			for _, tt := range tests {
				r := newResolver(t, offlineConfig(t, s), s.now)
				id, ok := r.Resolve(context.Background(), request("", tt.cookies...))
				if ok != tt.ok {
					t.Errorf("%s: ok=%v, want %v", tt.name, ok, tt.ok)
				}
				if ok && (id.Source != s.spec.cache || id.UserID != s.user.ID) {
					t.Errorf("%s: got %+v", tt.name, id)
				}
			}
		})
	}
}

// flipPayload flips a byte in the middle of the part that carries data:
// the JWS payload, the JWE ciphertext, or the compact JSON.
func flipPayload(v string) string {
	parts := strings.Split(v, ".")
	switch len(parts) {
	case 3:
		start := len(parts[0]) + 1
		return flipIn(v, start, start+len(parts[1]))
	case 5:
		start := len(parts[0]) + len(parts[1]) + len(parts[2]) + 3
		return flipIn(v, start, start+len(parts[3]))
	}
	// Compact: change a letter of the e-mail inside the JSON, so that it
	// still parses and only the signature can tell.
	raw, err := decodeBase64Any(v)
	at := strings.Index(string(raw), `"email":"`)
	if err != nil || at < 0 {
		panic("flipPayload: not a compact cookie cache")
	}
	raw[at+len(`"email":"`)] ^= 0x01
	return base64.RawURLEncoding.EncodeToString(raw)
}

// flipSignature flips a byte in the middle of a JWS signature (never the
// last character, whose low bits may be padding).
func flipSignature(jws string) string {
	dot := strings.LastIndexByte(jws, '.')
	return flipIn(jws, dot+1, len(jws)-2)
}
