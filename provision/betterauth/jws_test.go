package betterauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwtEnv is a JWKS upstream with one Ed25519 key, and a resolver on it.
type jwtEnv struct {
	key edKey
	up  *upstream
	now time.Time
}

func newJWTEnv(t *testing.T, extraKeys ...string) *jwtEnv {
	k := newEdKey("ed-1")
	return &jwtEnv{key: k, up: newUpstream(t, jwksOf(append([]string{k.jwk()}, extraKeys...)...)), now: time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)}
}

func TestSessionCacheJWT(t *testing.T) {
	env := newJWTEnv(t)
	const secret = "session-cache-secret"
	token := "TOKENTOKENTOKENTOKENTOKENTOKEN12"
	tokenCookie := "better-auth.session_token=" + signToken(token, secret)
	typ := map[string]any{"kid": env.key.kid, "typ": sessionCacheType}
	edit := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := cacheClaimsFor(t, token, "u1", env.now)
		if f != nil {
			f(c)
		}
		return c
	}
	tests := []struct {
		name   string
		data   string
		issuer string
		reason Reason // "" = resolves
	}{
		{"valid", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(nil)), "", ""},
		{"issuer checked", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(nil)), "http://app.test", ""},
		{"wrong issuer", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(nil)), "http://evil.test", RejectCacheSignature},
		{"sid of another session", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(func(c jwt.MapClaims) { c["sid"] = "other" })), "", RejectCacheMismatch},
		{"no typ", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": env.key.kid}, edit(nil)), "", RejectCacheSignature},
		{"other audience", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(func(c jwt.MapClaims) { c["aud"] = "http://app.test" })), "", RejectCacheSignature},
		{"no exp", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(func(c jwt.MapClaims) { delete(c, "exp") })), "", RejectCacheSignature},
		{"expired", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, typ, edit(func(c jwt.MapClaims) { c["exp"] = env.now.Unix() })), "", RejectCacheExpired},
		{"signed by a key not in the JWKS", signJWT(t, jwt.SigningMethodEdDSA, newEdKey("ed-1").priv, typ, edit(nil)), "", RejectCacheSignature},
		{"unknown kid", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "nope", "typ": sessionCacheType}, edit(nil)), "", RejectUnknownKey},
		// Algorithm confusion: HMAC keyed with the public key must not pass.
		{"HS256 with the public key", signJWT(t, jwt.SigningMethodHS256, []byte(env.key.pub), typ, edit(nil)), "", RejectCacheSignature},
		{"HS256 with the secret", signJWT(t, jwt.SigningMethodHS256, []byte(secret), nil, edit(nil)), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rj := &rejections{}
			r := newResolver(t, Config{Bearer: BearerJWT, Secrets: []string{secret}, JWKSURL: env.up.jwksURL(), JWTIssuer: tt.issuer, OnReject: rj.hook}, env.now)
			id, ok := r.Resolve(context.Background(), request("", tokenCookie, "better-auth.session_data="+tt.data))
			if ok != (tt.reason == "") {
				t.Fatalf("ok=%v, reasons %v, want reason %q", ok, rj.list(), tt.reason)
			}
			if ok && (id.UserID != "u1" || id.SessionToken != token || id.MauticID != 99) {
				t.Errorf("identity %+v", id)
			}
			if !ok && !slices.Equal(rj.list(), []Reason{tt.reason}) {
				t.Errorf("reasons %v, want [%s]", rj.list(), tt.reason)
			}
		})
	}
}

// TestSessionCacheJWTWithoutSecret: the JWKS alone verifies the cache; the
// token cookie must still name the same session.
func TestSessionCacheJWTWithoutSecret(t *testing.T) {
	all := loadSamples(t)
	s := all["jwt-jwks"]
	up := newUpstream(t, s.jwks)
	r := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: up.jwksURL()}, s.now)
	id, ok := r.Resolve(context.Background(), request("", s.tokenCookie(), s.dataCookie()))
	if !ok || id.Source != SourceSessionCacheJWT || id.UserID != s.user.ID {
		t.Fatalf("got %+v ok=%v", id, ok)
	}
	other := all["compact"]
	if _, ok := r.Resolve(context.Background(), request("", s.tokenName+"="+other.token, s.dataCookie())); ok {
		t.Error("a token of another session was accepted next to the session-cache JWT")
	}
	rj := &rejections{}
	r2 := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: up.jwksURL(), OnReject: rj.hook}, other.now)
	if _, ok := r2.Resolve(context.Background(), request("", other.tokenCookie(), other.dataCookie())); ok || !slices.Equal(rj.list(), []Reason{RejectNoSecret}) {
		t.Errorf("compact cache without a secret: ok=%v reasons %v, want no_secret", ok, rj.list())
	}
}

func TestBearerJWTAlgorithms(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	b64 := base64.RawURLEncoding.EncodeToString
	ecJWK := fmt.Sprintf(`{"kty":"EC","crv":"P-256","kid":"ec-1","x":%q,"y":%q}`, b64(pad(ec.X, 32)), b64(pad(ec.Y, 32)))
	rsJWK := fmt.Sprintf(`{"kty":"RSA","kid":"rs-1","alg":"PS256","n":%q,"e":%q}`, b64(rs.N.Bytes()), b64(big.NewInt(int64(rs.E)).Bytes()))
	env := newJWTEnv(t, ecJWK, rsJWK)
	claims := func(f func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"id": "u1", "sub": "u1", "email": "a@example.test", "name": "A", "locale": "de", "mauticId": 7,
			"iat": env.now.Unix(), "exp": env.now.Add(15 * time.Minute).Unix(), "iss": "http://app.test", "aud": "http://app.test"}
		if f != nil {
			f(c)
		}
		return c
	}
	tests := []struct {
		name   string
		token  string
		wantID string
	}{
		{"EdDSA", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "ed-1"}, claims(nil)), "u1"},
		{"ES256", signJWT(t, jwt.SigningMethodES256, ec, map[string]any{"kid": "ec-1"}, claims(nil)), "u1"},
		{"PS256", signJWT(t, jwt.SigningMethodPS256, rs, map[string]any{"kid": "rs-1"}, claims(nil)), "u1"},
		{"sub only", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "ed-1"}, claims(func(c jwt.MapClaims) { delete(c, "id"); c["sub"] = "s9" })), "s9"},
		{"no user", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "ed-1"}, claims(func(c jwt.MapClaims) { delete(c, "id"); delete(c, "sub") })), ""},
		{"RS256 header on a PS256 key", signJWT(t, jwt.SigningMethodRS256, rs, map[string]any{"kid": "rs-1"}, claims(nil)), ""},
		{"ES256 header with an Ed25519 kid", signJWT(t, jwt.SigningMethodES256, ec, map[string]any{"kid": "ed-1"}, claims(nil)), ""},
		{"no kid", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, nil, claims(nil)), ""},
		{"HS256", signJWT(t, jwt.SigningMethodHS256, []byte("secret"), map[string]any{"kid": "ed-1"}, claims(nil)), ""},
		{"alg none", signJWT(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": "ed-1"}, claims(nil)), ""},
		{"no exp", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "ed-1"}, claims(func(c jwt.MapClaims) { delete(c, "exp") })), ""},
		{"not yet valid", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "ed-1"}, claims(func(c jwt.MapClaims) { c["nbf"] = env.now.Add(time.Hour).Unix() })), ""},
		{"session-cache audience", signJWT(t, jwt.SigningMethodEdDSA, env.key.priv, map[string]any{"kid": "ed-1"}, claims(func(c jwt.MapClaims) { c["aud"] = sessionCacheAudience })), ""},
		{"not a JWT", "abc", ""},
	}
	r := newResolver(t, Config{Bearer: BearerJWT, JWKSURL: env.up.jwksURL()}, env.now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, ok := r.Resolve(context.Background(), request(tt.token))
			if ok != (tt.wantID != "") || id.UserID != tt.wantID {
				t.Fatalf("got %+v ok=%v, want user %q", id, ok, tt.wantID)
			}
			if ok && (id.Email != "a@example.test" || id.MauticID != 7 || id.Source != SourceBearerJWT || !id.ExpiresAt.Equal(env.now.Add(15*time.Minute))) {
				t.Errorf("identity %+v", id)
			}
		})
	}
	if n := env.up.jwksCalls.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times for known kids, want 1", n)
	}
}

func pad(n *big.Int, size int) []byte {
	b := n.Bytes()
	return append(make([]byte, size-len(b)), b...)
}
