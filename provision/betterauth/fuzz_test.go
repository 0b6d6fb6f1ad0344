package betterauth

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func FuzzReadAuthCookies(f *testing.F) {
	for _, s := range loadSamples(f) {
		f.Add(s.tokenCookie() + "; " + s.dataCookie())
	}
	f.Add("better-auth.session_token=T; better-auth.session_data.1=B; better-auth.session_data.0=A")
	f.Add(`__Secure-better-auth.session_token="T";;better-auth.session_data.00=x`)
	fams := cookieFamilies("better-auth", SecureAuto)
	f.Fuzz(func(t *testing.T, line string) {
		c := readAuthCookies(http.Header{"Cookie": {line}}, fams)
		if c.token != "" && !strings.Contains(line, c.token) {
			t.Fatalf("token %q is not in the header", c.token)
		}
		if c.token == "" && (c.data != "" || c.chunkErr != nil) {
			t.Fatal("session_data reported without a session_token")
		}
		if c.chunkErr != nil && c.data != "" {
			t.Fatal("data reported with a chunk error")
		}
		if len(c.data) > len(line) {
			t.Fatal("joined data longer than the header")
		}
	})
}

func FuzzVerifySignedToken(f *testing.F) {
	all := loadSamples(f)
	for _, s := range all {
		f.Add(s.token)
	}
	f.Add("a.%ZZ")
	f.Add(".")
	key := []byte(all["compact"].secret)
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := verifySignedToken(raw, key)
		if err != nil {
			return
		}
		// Only a genuine signature verifies: re-signing must agree.
		if again, err := verifySignedToken(signToken(tok, string(key)), key); err != nil || again != tok {
			t.Fatalf("verified %q but its re-signed form does not: %v", tok, err)
		}
	})
}

func FuzzDecodeCompact(f *testing.F) {
	all := loadSamples(f)
	var users = map[string]bool{}
	for _, s := range all {
		if s.spec.cache == SourceCookieCacheCompact {
			f.Add(s.data)
			users[s.user.ID] = true
		}
	}
	f.Add("e30")
	key := []byte(all["compact"].secret)
	f.Fuzz(func(t *testing.T, value string) {
		p, _, err := decodeCompact(value, key)
		if err == nil && !users[p.User.ID] {
			t.Fatalf("a cache for unknown user %q verified", p.User.ID)
		}
	})
}

func FuzzDecryptJWE(f *testing.F) {
	all := loadSamples(f)
	k, err := deriveJWEKey(all["jwe"].secret)
	if err != nil {
		f.Fatal(err)
	}
	plain := map[string]bool{}
	for _, s := range all {
		if s.spec.cache == SourceCookieCacheJWE {
			f.Add(s.data)
			pt, err := decryptJWE(s.data, []jweKey{k})
			if err != nil {
				f.Fatal(err)
			}
			plain[string(pt)] = true
		}
	}
	f.Add("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAA.AAAA.AAAA")
	f.Fuzz(func(t *testing.T, token string) {
		pt, err := decryptJWE(token, []jweKey{k})
		if err == nil && !plain[string(pt)] {
			t.Fatalf("forged JWE opened to %q", pt)
		}
	})
}

// FuzzResolve feeds whole requests: whatever the cookies and Bearer
// header, Resolve must not panic, and may only name users it was told of.
func FuzzResolve(f *testing.F) {
	all := loadSamples(f)
	s := all["compact"]
	for _, x := range all {
		f.Add(x.tokenCookie()+"; "+x.dataCookie(), x.tokenJWT)
	}
	f.Add("", "a.b.c")
	db := newFakeDB(sampleList(all)...)
	r, err := New(Config{Secrets: []string{s.secret}, LookupSession: db.lookup, Now: func() time.Time { return s.now }})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(r.Close)
	known := map[string]bool{}
	for _, x := range all {
		known[x.user.ID] = true
	}
	f.Fuzz(func(t *testing.T, cookie, bearer string) {
		req := request("")
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Authorization", "Bearer "+bearer)
		id, ok := r.Resolve(context.Background(), req)
		if ok && !known[id.UserID] {
			t.Fatalf("resolved unknown user %q", id.UserID)
		}
		if !ok && id != (Identity{}) {
			t.Fatal("anonymous result carries data")
		}
	})
}

func sampleList(all map[string]*sample) []*sample {
	var out []*sample
	for _, n := range sampleNames(all) {
		out = append(out, all[n])
	}
	return out
}

// FuzzBearerSessionCookie: whatever the Authorization header holds, a
// value the bearer() emulation accepts is a session_token that verifies
// with the secret, and its token is the header's (or the header itself,
// when unsigned).
func FuzzBearerSessionCookie(f *testing.F) {
	s := loadSamples(f)["db-only"]
	f.Add(s.token)
	f.Add(s.session.Token)
	f.Add("a.b")
	f.Add("tok.%2B%2F%3D")
	key := []byte(s.secret)
	f.Fuzz(func(t *testing.T, bearer string) {
		v, ok := bearerSessionCookie(bearer, key)
		if !ok {
			return
		}
		token, err := verifySignedToken(v, key)
		if err != nil {
			t.Fatalf("accepted %q as %q, which does not verify: %v", bearer, v, err)
		}
		if !strings.Contains(bearer, ".") && token != bearer {
			t.Fatalf("unsigned %q signed as token %q", bearer, token)
		}
	})
}
