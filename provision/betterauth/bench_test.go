package betterauth

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// benchEnv resolves one sample's credentials through a warmed resolver.
type benchEnv struct {
	r   *Resolver
	req *http.Request
	c   authCookies
}

func newBenchEnv(b *testing.B, name string, bearer bool, withDB bool) *benchEnv {
	s := loadSamples(b)[name]
	cfg := Config{Secrets: []string{s.secret}}
	if s.jwks != nil {
		up := newUpstreamB(b, s.jwks)
		cfg.JWKSURL = up
		cfg.Bearer = BearerJWT
	}
	if withDB {
		cfg.LookupSession = newFakeDB(s).lookup
	}
	r := newResolver(b, cfg, s.now)
	var req *http.Request
	switch {
	case bearer:
		req = request(s.tokenJWT)
	case withDB:
		req = request("", s.tokenCookie(), "PARAGLIDE_LOCALE=de", "mtc_id=1234")
	default:
		req = request("", s.tokenCookie(), s.dataCookie(), "PARAGLIDE_LOCALE=de", "mtc_id=1234")
	}
	if _, ok := r.Resolve(context.Background(), req); !ok {
		b.Fatalf("%s does not resolve", name)
	}
	return &benchEnv{r: r, req: req, c: readAuthCookies(req.Header, r.families)}
}

// BenchmarkBaseline is what net/http spends to parse the same Cookie
// header once, the yardstick for the figures below.
func BenchmarkBaseline(b *testing.B) {
	s := loadSamples(b)["compact"]
	req := request("", s.tokenCookie(), s.dataCookie(), "PARAGLIDE_LOCALE=de", "mtc_id=1234")
	b.ReportAllocs()
	for b.Loop() {
		if len(req.Cookies()) != 4 {
			b.Fatal("cookies")
		}
	}
}

// BenchmarkResolveWarm is the path most requests take: a credential seen
// before, served from the verified or lookup cache.
func BenchmarkResolveWarm(b *testing.B) {
	cases := []struct {
		name, sample   string
		bearer, withDB bool
	}{
		{"compact", "compact", false, false},
		{"jwt-hs256", "jwt", false, false},
		{"jwe", "jwe", false, false},
		{"session-cache-eddsa", "jwt-jwks", false, false},
		{"bearer-eddsa", "definepayload", true, false},
		{"token-database", "db-only", false, true},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b, tc.sample, tc.bearer, tc.withDB)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := e.r.Resolve(ctx, e.req); !ok {
					b.Fatal("anonymous")
				}
			}
		})
	}
}

// BenchmarkResolveCold is the first sight of a credential: full
// verification (and, for a token, the lookup against an in-memory fake).
func BenchmarkResolveCold(b *testing.B) {
	cookieCases := []struct{ name, sample string }{
		{"compact", "compact"}, {"jwt-hs256", "jwt"}, {"jwe", "jwe"}, {"session-cache-eddsa", "jwt-jwks"},
	}
	for _, tc := range cookieCases {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b, tc.sample, false, false)
			now := e.r.cfg.Now()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.r.verifyCookieCache(ctx, e.c, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("bearer-eddsa", func(b *testing.B) {
		e := newBenchEnv(b, "definepayload", true, false)
		tok := bearerToken(e.req.Header)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.r.jws.decodeBearer(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("token-database", func(b *testing.B) {
		e := newBenchEnv(b, "db-only", false, true)
		k := keyOf(e.c.token)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			e.r.lookup.cache.remove(k)
			if _, ok := e.r.Resolve(ctx, e.req); !ok {
				b.Fatal("anonymous")
			}
		}
	})
}

// BenchmarkResolveRejected is what bad input costs: no credential, and a
// forged session token that must never reach the database.
func BenchmarkResolveRejected(b *testing.B) {
	s := loadSamples(b)["db-only"]
	r := newResolver(b, Config{Secrets: []string{s.secret}, LookupSession: newFakeDB(s).lookup}, s.now)
	forged := s.tokenName + "=" + flipIn(s.token, len(s.token)-20, len(s.token)-4)
	c := loadSamples(b)["compact"]
	expired := newResolver(b, Config{Secrets: []string{c.secret}}, c.now.Add(301*time.Second))
	for _, tc := range []struct {
		name string
		r    *Resolver
		req  *http.Request
	}{
		{"anonymous", r, request("", "PARAGLIDE_LOCALE=de", "mtc_id=1234")},
		{"forged-token", r, request("", forged)},
		{"expired-cookie-cache", expired, request("", c.tokenCookie(), c.dataCookie(), "PARAGLIDE_LOCALE=de", "mtc_id=1234")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := tc.r.Resolve(context.Background(), tc.req); ok {
					b.Fatal("resolved")
				}
			}
		})
	}
}
