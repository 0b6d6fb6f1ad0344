package betterauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
)

var (
	errTokenMalformed = errors.New("betterauth: session_token is not <token>.<base64 HMAC>")
	errTokenSignature = errors.New("betterauth: session_token signature does not match the current secret")
)

// splitSignedToken decodes a session_token cookie value
// (encodeURIComponent(token + "." + base64(HMAC))) into the token and the
// raw signature, with the server's shape rules: split at the last ".",
// a 44-character padded base64 signature.
func splitSignedToken(raw string) (token string, sig []byte, err error) {
	v := raw
	if strings.IndexByte(v, '%') >= 0 {
		if v, err = url.PathUnescape(v); err != nil {
			return "", nil, errTokenMalformed
		}
	}
	dot := strings.LastIndexByte(v, '.')
	if dot <= 0 {
		return "", nil, errTokenMalformed
	}
	token, enc := v[:dot], v[dot+1:]
	if len(enc) != 44 || enc[43] != '=' {
		return "", nil, errTokenMalformed
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil || len(sig) != sha256.Size {
		return "", nil, errTokenMalformed
	}
	return token, sig, nil
}

// verifySignedToken returns the token of a session_token cookie value
// whose HMAC-SHA256 under key matches. With a nil key the signature is
// only parsed, not checked.
func verifySignedToken(raw string, key []byte) (string, error) {
	token, sig, err := splitSignedToken(raw)
	if err != nil {
		return "", err
	}
	if key == nil {
		return token, nil
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(token))
	if !hmac.Equal(mac.Sum(nil), sig) {
		return "", errTokenSignature
	}
	return token, nil
}
