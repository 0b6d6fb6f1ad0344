package betterauth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Better Auth's key derivation for the session cookie cache.
const (
	jweSessionSalt = "better-auth-session"
	jweInfo        = "BetterAuth.js Generated Encryption Key"
	// jweLeeway is jose's clockTolerance in Better Auth's decrypter.
	jweLeeway = 15 * time.Second
)

var (
	errJWEMalformed = errors.New("betterauth: jwe cookie cache is not a compact JWE with alg dir")
	errJWEEnc       = errors.New("betterauth: jwe cookie cache uses an unsupported enc: expected A256CBC-HS512 or A256GCM")
	errJWEKey       = errors.New("betterauth: jwe cookie cache kid matches none of the configured secrets")
	errJWEDecrypt   = errors.New("betterauth: jwe cookie cache does not decrypt with the configured secrets")
)

// jweKey is the 64-byte key derived from one secret, and its kid.
type jweKey struct {
	kid string
	key []byte
}

// deriveJWEKey derives the key Better Auth uses for a secret:
// HKDF-SHA256(secret, salt, info, 64), kid = RFC 7638 thumbprint of the
// oct JWK.
func deriveJWEKey(secret string) (jweKey, error) {
	key, err := hkdf.Key(sha256.New, []byte(secret), []byte(jweSessionSalt), jweInfo, 64)
	if err != nil {
		return jweKey{}, err
	}
	jwk := `{"k":"` + base64.RawURLEncoding.EncodeToString(key) + `","kty":"oct"}`
	sum := sha256.Sum256([]byte(jwk))
	return jweKey{kid: base64.RawURLEncoding.EncodeToString(sum[:]), key: key}, nil
}

type jweHeader struct {
	Alg string  `json:"alg"`
	Enc string  `json:"enc"`
	Kid *string `json:"kid"`
	Zip string  `json:"zip"`
}

// jweClaims are the JWT claims around the cache payload.
type jweClaims struct {
	cachePayload
	Exp *float64 `json:"exp"`
	Nbf *float64 `json:"nbf"`
}

// decryptJWE opens a compact JWE (alg dir) with the key its kid names, or
// with each key in turn when it has no kid, as the server does.
func decryptJWE(token string, keys []jweKey) ([]byte, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 5 || parts[1] != "" {
		return nil, errJWEMalformed
	}
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, errJWEMalformed
	}
	var h jweHeader
	if err := json.Unmarshal(hb, &h); err != nil || h.Alg != "dir" || h.Zip != "" {
		return nil, errJWEMalformed
	}
	if h.Enc != "A256CBC-HS512" && h.Enc != "A256GCM" {
		return nil, errJWEEnc
	}
	iv, err1 := base64.RawURLEncoding.DecodeString(parts[2])
	ct, err2 := base64.RawURLEncoding.DecodeString(parts[3])
	tag, err3 := base64.RawURLEncoding.DecodeString(parts[4])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errJWEMalformed
	}
	aad := []byte(parts[0])
	if h.Kid != nil {
		for _, k := range keys {
			if k.kid == *h.Kid {
				return openJWE(h.Enc, k.key, aad, iv, ct, tag)
			}
		}
		return nil, errJWEKey
	}
	for _, k := range keys {
		if pt, err := openJWE(h.Enc, k.key, aad, iv, ct, tag); err == nil {
			return pt, nil
		}
	}
	return nil, errJWEDecrypt
}

// openJWE decrypts one content encryption. For A256GCM, which needs a
// 32-byte key, the first half of the derived key is used.
func openJWE(enc string, key, aad, iv, ct, tag []byte) ([]byte, error) {
	if enc == "A256GCM" {
		return openGCM(key[:32], aad, iv, ct, tag)
	}
	return openCBCHS512(key, aad, iv, ct, tag)
}

// openCBCHS512 is RFC 7518 §5.2.5: MAC key = key[:32], AES key = key[32:],
// tag = HMAC-SHA-512(AAD ‖ IV ‖ CT ‖ AL)[:32].
func openCBCHS512(key, aad, iv, ct, tag []byte) ([]byte, error) {
	if len(key) != 64 || len(iv) != aes.BlockSize || len(tag) != 32 || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errJWEDecrypt
	}
	mac := hmac.New(sha512.New, key[:32])
	mac.Write(aad)
	mac.Write(iv)
	mac.Write(ct)
	var al [8]byte
	binary.BigEndian.PutUint64(al[:], uint64(len(aad))*8)
	mac.Write(al[:])
	if !hmac.Equal(mac.Sum(nil)[:32], tag) {
		return nil, errJWEDecrypt
	}
	block, err := aes.NewCipher(key[32:])
	if err != nil {
		return nil, errJWEDecrypt
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(pt, ct)
	return unpadPKCS7(pt)
}

// unpadPKCS7 removes the padding; the tag was checked first, so its
// timing reveals nothing about forged input.
func unpadPKCS7(pt []byte) ([]byte, error) {
	n := int(pt[len(pt)-1])
	if n == 0 || n > aes.BlockSize || n > len(pt) {
		return nil, errJWEDecrypt
	}
	pad := pt[len(pt)-n:]
	want := make([]byte, n)
	for i := range want {
		want[i] = byte(n)
	}
	if subtle.ConstantTimeCompare(pad, want) != 1 {
		return nil, errJWEDecrypt
	}
	return pt[:len(pt)-n], nil
}

func openGCM(key, aad, iv, ct, tag []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errJWEDecrypt
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil || len(iv) != gcm.NonceSize() || len(tag) != gcm.Overhead() {
		return nil, errJWEDecrypt
	}
	pt, err := gcm.Open(nil, iv, append(ct[:len(ct):len(ct)], tag...), aad)
	if err != nil {
		return nil, errJWEDecrypt
	}
	return pt, nil
}

// decodeJWE decrypts a jwe cookie cache and checks its time claims with
// jose's 15 s tolerance. It returns the payload and the expiry.
func decodeJWE(value string, keys []jweKey, now time.Time) (cachePayload, time.Time, error) {
	pt, err := decryptJWE(value, keys)
	if err != nil {
		return cachePayload{}, time.Time{}, err
	}
	var c jweClaims
	if err := json.Unmarshal(pt, &c); err != nil || c.Exp == nil {
		return cachePayload{}, time.Time{}, errJWEMalformed
	}
	exp := time.Unix(int64(*c.Exp), 0)
	if c.Nbf != nil && time.Unix(int64(*c.Nbf), 0).After(now.Add(jweLeeway)) {
		return cachePayload{}, time.Time{}, errCacheExpired
	}
	// jose: expired when exp <= now - tolerance.
	return c.cachePayload, exp.Add(jweLeeway), nil
}
