package betterauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The helpers below issue credentials the way Better Auth does, for the
// cases the captures cannot show (rotation, other algorithms, edge
// values). Each is checked against the real samples in forge tests.

// signToken is encodeURIComponent(token + "." + base64(HMAC(secret, token))).
func signToken(token, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return url.QueryEscape(token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

// testPayload is a cookie-cache payload for token, valid for a week.
func testPayload(token, userID string, now time.Time) string {
	return fmt.Sprintf(`{"session":{"expiresAt":%q,"token":%q,"userId":%q,"id":"s1"},"user":{"name":"Test User","email":"t@example.test","locale":"fr","mauticId":99,"id":%q},"updatedAt":%d,"version":"1"}`,
		now.Add(7*24*time.Hour).UTC().Format("2006-01-02T15:04:05.000Z"), token, userID, userID, now.UnixMilli())
}

// signCompact builds a compact cookie cache from a JSON payload.
func signCompact(payload, secret string, expMs int64) string {
	exp := fmt.Sprint(expMs)
	signed, _ := compactSignedBytes(json.RawMessage(payload), json.RawMessage(exp))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(signed)
	sig := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	outer := `{"session":` + payload + `,"expiresAt":` + exp + `,"signature":"` + sig + `"}`
	return base64.RawURLEncoding.EncodeToString([]byte(outer))
}

// sealJWE encrypts plaintext as a compact JWE with alg dir.
func sealJWE(t testing.TB, header string, plaintext []byte, key []byte, enc string) string {
	t.Helper()
	h := base64.RawURLEncoding.EncodeToString([]byte(header))
	aad := []byte(h)
	var iv, ct, tag []byte
	switch enc {
	case "A256GCM":
		block, _ := aes.NewCipher(key[:32])
		gcm, _ := cipher.NewGCM(block)
		iv = make([]byte, gcm.NonceSize())
		rand.Read(iv)
		sealed := gcm.Seal(nil, iv, plaintext, aad)
		ct, tag = sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	default:
		iv = make([]byte, 16)
		rand.Read(iv)
		pad := 16 - len(plaintext)%16
		padded := append([]byte{}, plaintext...)
		for range pad {
			padded = append(padded, byte(pad))
		}
		block, _ := aes.NewCipher(key[32:])
		ct = make([]byte, len(padded))
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(ct, padded)
		mac := hmac.New(sha512.New, key[:32])
		mac.Write(aad)
		mac.Write(iv)
		mac.Write(ct)
		var al [8]byte
		binary.BigEndian.PutUint64(al[:], uint64(len(aad))*8)
		mac.Write(al[:])
		tag = mac.Sum(nil)[:32]
	}
	b := base64.RawURLEncoding.EncodeToString
	return h + ".." + b(iv) + "." + b(ct) + "." + b(tag)
}

// edKey is a test signing key published in a JWKS.
type edKey struct {
	kid  string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func newEdKey(kid string) edKey {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	return edKey{kid: kid, priv: priv, pub: pub}
}

func (k edKey) jwk() string {
	return fmt.Sprintf(`{"alg":"EdDSA","crv":"Ed25519","x":%q,"kty":"OKP","kid":%q}`,
		base64.RawURLEncoding.EncodeToString(k.pub), k.kid)
}

func jwksOf(keys ...string) []byte {
	out := `{"keys":[`
	for i, k := range keys {
		if i > 0 {
			out += ","
		}
		out += k
	}
	return []byte(out + "]}")
}

// signJWT signs claims with method and key, adding header members.
func signJWT(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// cacheClaimsFor are session-cache claims for token, as the JWT plugin
// writes them.
func cacheClaimsFor(t testing.TB, token, userID string, now time.Time) jwt.MapClaims {
	t.Helper()
	var c jwt.MapClaims
	if err := json.Unmarshal([]byte(testPayload(token, userID, now)), &c); err != nil {
		t.Fatal(err)
	}
	c["sid"] = token
	c["iat"] = now.Unix()
	c["exp"] = now.Add(5 * time.Minute).Unix()
	c["iss"] = "http://app.test"
	c["aud"] = sessionCacheAudience
	c["sub"] = userID
	return c
}

func TestForgeHelpersMatchTheSamples(t *testing.T) {
	all := loadSamples(t)
	for _, name := range sampleNames(all) {
		s := all[name]
		if got := signToken(s.session.Token, s.secret); got != s.token {
			t.Errorf("%s: signToken = %q, sample has %q", name, got, s.token)
		}
	}
	jwe := all["jwe"]
	k, err := deriveJWEKey(jwe.secret)
	if err != nil {
		t.Fatal(err)
	}
	pt, err := decryptJWE(jwe.data, []jweKey{k})
	if err != nil {
		t.Fatal(err)
	}
	resealed := sealJWE(t, `{"alg":"dir","enc":"A256CBC-HS512","kid":"`+k.kid+`"}`, pt, k.key, "A256CBC-HS512")
	if back, err := decryptJWE(resealed, []jweKey{k}); err != nil || string(back) != string(pt) {
		t.Errorf("sealJWE does not round-trip: %v", err)
	}
}
