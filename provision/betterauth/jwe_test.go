package betterauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDeriveJWEKeyMatchesSampleKid(t *testing.T) {
	s := loadSamples(t)["jwe"]
	k, err := deriveJWEKey(s.secret)
	if err != nil {
		t.Fatal(err)
	}
	// From samples/jwe/decrypted-payload.txt.
	if k.kid != "hkzJddxMIIJz-KL2WBbX8jbYP5q9bLR3mWbRgcs8tGo" || len(k.key) != 64 {
		t.Errorf("kid %s, key length %d", k.kid, len(k.key))
	}
}

func TestDecryptJWE(t *testing.T) {
	cur, _ := deriveJWEKey("current-secret")
	old, _ := deriveJWEKey("old-secret")
	plain := []byte(`{"hello":"world"}`)
	hdr := func(enc, kid string) string {
		if kid == "" {
			return `{"alg":"dir","enc":"` + enc + `"}`
		}
		return `{"alg":"dir","enc":"` + enc + `","kid":"` + kid + `"}`
	}
	tests := []struct {
		name    string
		token   string
		keys    []jweKey
		wantErr error
	}{
		{"CBC, kid of current", sealJWE(t, hdr("A256CBC-HS512", cur.kid), plain, cur.key, "A256CBC-HS512"), []jweKey{cur, old}, nil},
		{"CBC, kid of old secret", sealJWE(t, hdr("A256CBC-HS512", old.kid), plain, old.key, "A256CBC-HS512"), []jweKey{cur, old}, nil},
		{"GCM", sealJWE(t, hdr("A256GCM", cur.kid), plain, cur.key, "A256GCM"), []jweKey{cur}, nil},
		{"no kid, second secret", sealJWE(t, hdr("A256CBC-HS512", ""), plain, old.key, "A256CBC-HS512"), []jweKey{cur, old}, nil},
		{"no kid, unknown secret", sealJWE(t, hdr("A256CBC-HS512", ""), plain, old.key, "A256CBC-HS512"), []jweKey{cur}, errJWEDecrypt},
		{"unknown kid", sealJWE(t, hdr("A256CBC-HS512", old.kid), plain, old.key, "A256CBC-HS512"), []jweKey{cur}, errJWEKey},
		{"kid of one, key of another", sealJWE(t, hdr("A256CBC-HS512", cur.kid), plain, old.key, "A256CBC-HS512"), []jweKey{cur, old}, errJWEDecrypt},
		{"unsupported enc", sealJWE(t, hdr("A128GCM", cur.kid), plain, cur.key, "A256GCM"), []jweKey{cur}, errJWEEnc},
		{"alg not dir", sealJWE(t, `{"alg":"A256KW","enc":"A256GCM"}`, plain, cur.key, "A256GCM"), []jweKey{cur}, errJWEMalformed},
		{"compressed", sealJWE(t, `{"alg":"dir","enc":"A256GCM","zip":"DEF"}`, plain, cur.key, "A256GCM"), []jweKey{cur}, errJWEMalformed},
		{"four parts", "a.b.c.d", []jweKey{cur}, errJWEMalformed},
		{"encrypted key present", "eyJhbGciOiJkaXIifQ.x.a.b.c", []jweKey{cur}, errJWEMalformed},
		{"header not base64", "!!..a.b.c", []jweKey{cur}, errJWEMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := decryptJWE(tt.token, tt.keys)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err == nil && string(pt) != string(plain) {
				t.Errorf("plaintext %q", pt)
			}
		})
	}
}

func TestDecryptJWETampered(t *testing.T) {
	k, _ := deriveJWEKey("s")
	tok := sealJWE(t, `{"alg":"dir","enc":"A256CBC-HS512","kid":"`+k.kid+`"}`, []byte(`{"a":1}`), k.key, "A256CBC-HS512")
	parts := strings.Split(tok, ".")
	for i := 2; i < 5; i++ {
		p := append([]string(nil), parts...)
		p[i] = flipIn(p[i], 0, len(p[i])-1)
		if _, err := decryptJWE(strings.Join(p, "."), []jweKey{k}); !errors.Is(err, errJWEDecrypt) {
			t.Errorf("part %d flipped: %v, want errJWEDecrypt", i, err)
		}
	}
	// The same header, serialised differently, is other AAD.
	p := append([]string(nil), parts...)
	p[0] = base64.RawURLEncoding.EncodeToString([]byte(`{ "alg":"dir","enc":"A256CBC-HS512","kid":"` + k.kid + `"}`))
	if _, err := decryptJWE(strings.Join(p, "."), []jweKey{k}); !errors.Is(err, errJWEDecrypt) {
		t.Errorf("a re-serialised header: %v, want errJWEDecrypt", err)
	}
}

// TestJWERotation: the server encrypts with the current secret but
// decrypts with any; the session_token is always signed with the current
// one.
func TestJWERotation(t *testing.T) {
	s := loadSamples(t)["jwe"]
	const newSecret = "the-new-secret-after-rotation-0123456789"
	reSigned := s.tokenName + "=" + signToken(s.session.Token, newSecret)
	tests := []struct {
		name    string
		secrets []string
		ok      bool
	}{
		{"old secret still listed", []string{newSecret, s.secret}, true},
		{"old secret dropped", []string{newSecret}, false},
		{"old secret first: token signature fails", []string{s.secret, newSecret}, false},
	}
	for _, tt := range tests {
		r := newResolver(t, Config{Secrets: tt.secrets}, s.now)
		id, ok := r.Resolve(context.Background(), request("", reSigned, s.dataCookie()))
		if ok != tt.ok {
			t.Errorf("%s: ok=%v, want %v", tt.name, ok, tt.ok)
		}
		if ok && (id.Source != SourceCookieCacheJWE || id.UserID != s.user.ID) {
			t.Errorf("%s: %+v", tt.name, id)
		}
	}
}

func TestDecodeJWELeeway(t *testing.T) {
	s := loadSamples(t)["jwe"]
	k, _ := deriveJWEKey(s.secret)
	// exp is 1795647114 (samples/jwe/decrypted-payload.txt); jose allows 15 s.
	exp := time.Unix(1795647114, 0)
	for _, tt := range []struct {
		now time.Time
		ok  bool
	}{
		{exp.Add(-time.Second), true},
		{exp.Add(14 * time.Second), true},
		{exp.Add(15 * time.Second), false},
	} {
		p, cacheExp, err := decodeJWE(s.data, []jweKey{k}, tt.now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.check(s.session.Token, "1", cacheExp, tt.now, SourceCookieCacheJWE)
		if (err == nil) != tt.ok {
			t.Errorf("now = exp%+v: err %v, want ok=%v", tt.now.Sub(exp), err, tt.ok)
		}
	}
}
