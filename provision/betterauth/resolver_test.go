package betterauth

import (
	"context"
	"fmt"
	"testing"
)

func TestResolveSourceOrder(t *testing.T) {
	all := loadSamples(t)
	cache, bearerSample := all["compact"], all["db-only"]
	up := newUpstream(t, bearerSample.jwks)
	db := newFakeDB(cache, bearerSample)
	r := newResolver(t, Config{Secrets: []string{cache.secret}, JWKSURL: up.jwksURL(), LookupSession: db.lookup, Bearer: BearerJWT}, cache.now)
	tests := []struct {
		name string
		req  func() (string, []string)
		want Source
		user string
	}{
		{"cookie cache before bearer and lookup", func() (string, []string) {
			return bearerSample.tokenJWT, []string{cache.tokenCookie(), cache.dataCookie()}
		}, SourceCookieCacheCompact, cache.user.ID},
		{"lookup, not the bearer, when the cache is spoiled", func() (string, []string) {
			return bearerSample.tokenJWT, []string{cache.tokenCookie(), cache.dataName + "=" + flipPayload(cache.data)}
		}, SourceDatabase, cache.user.ID},
		{"bearer without a session cookie", func() (string, []string) {
			return bearerSample.tokenJWT, []string{"mtc_id=12"}
		}, SourceBearerJWT, bearerSample.user.ID},
		{"lookup when the bearer is spoiled", func() (string, []string) {
			return flipSignature(bearerSample.tokenJWT), []string{cache.tokenCookie()}
		}, SourceDatabase, cache.user.ID},
		{"nothing when the bearer alone is spoiled", func() (string, []string) {
			return flipSignature(bearerSample.tokenJWT), nil
		}, SourceNone, ""},
		{"nothing", func() (string, []string) { return "", nil }, SourceNone, ""},
		{"unrelated cookies", func() (string, []string) { return "", []string{"mtc_id=12", "PARAGLIDE_LOCALE=de"} }, SourceNone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, c := tt.req()
			id, ok := r.Resolve(context.Background(), request(b, c...))
			if ok != (tt.want != SourceNone) || id.Source != tt.want || id.UserID != tt.user {
				t.Errorf("got %+v ok=%v, want %v for %s", id, ok, tt.want, tt.user)
			}
		})
	}
}

func TestForgetUserDropsVerifiedCaches(t *testing.T) {
	s := loadSamples(t)["compact"]
	r := newResolver(t, Config{Secrets: []string{s.secret}}, s.now)
	r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie()))
	if n := r.ForgetUser("someone-else"); n != 0 {
		t.Errorf("ForgetUser of another user dropped %d", n)
	}
	if n := r.ForgetUser(s.user.ID); n != 1 {
		t.Errorf("ForgetUser dropped %d, want 1", n)
	}
	r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie()))
	if st := r.Stats(); st.VerifiedCacheHits != 0 {
		t.Errorf("served from the cache after ForgetUser: %+v", st)
	}
}

// TestVerifiedCacheNeedsTheSameToken: a cache verified once must not be
// served next to another session_token.
func TestVerifiedCacheNeedsTheSameToken(t *testing.T) {
	all := loadSamples(t)
	s, other := all["compact"], all["default"]
	r := newResolver(t, Config{Secrets: []string{s.secret}}, s.now)
	if _, ok := r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie())); !ok {
		t.Fatal("valid pair did not resolve")
	}
	if id, ok := r.Resolve(context.Background(), request("", s.tokenName+"="+other.token, s.dataCookie())); ok {
		t.Errorf("cached cache served with another token: %+v", id)
	}
}

func ExampleResolver_Resolve() {
	r, err := New(Config{
		Secrets:       []string{"BETTER_AUTH_SECRET value"},
		JWKSURL:       "http://127.0.0.1:3000/api/auth/jwks",
		GetSessionURL: "http://127.0.0.1:3000/api/auth/get-session",
	})
	if err != nil {
		panic(err)
	}
	defer r.Close()
	id, ok := r.Resolve(context.Background(), request(""))
	fmt.Println(id.UserID == "", ok)
	// Output: true false
}
