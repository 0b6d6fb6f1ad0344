package betterauth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
)

var (
	errCompactMalformed = errors.New("betterauth: compact cookie cache is not base64url JSON {session, expiresAt, signature}")
	errCompactSignature = errors.New("betterauth: compact cookie cache signature does not match the current secret")
)

// compactCookie is the outer object of a compact cookie cache. The fields
// stay raw: the signature covers their exact JSON.stringify bytes.
type compactCookie struct {
	Session   json.RawMessage `json:"session"`
	ExpiresAt json.RawMessage `json:"expiresAt"`
	Signature string          `json:"signature"`
}

// decodeCompact verifies a compact cookie cache with key and returns its
// payload and expiry. The signed string is JSON.stringify({...session,
// expiresAt}), rebuilt from the raw bytes of the cookie.
func decodeCompact(value string, key []byte) (cachePayload, time.Time, error) {
	var p cachePayload
	raw, err := decodeBase64Any(value)
	if err != nil {
		return p, time.Time{}, errCompactMalformed
	}
	var c compactCookie
	if err := json.Unmarshal(raw, &c); err != nil {
		return p, time.Time{}, errCompactMalformed
	}
	signed, ok := compactSignedBytes(c.Session, c.ExpiresAt)
	if !ok {
		return p, time.Time{}, errCompactMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(c.Signature, "="))
	if err != nil {
		return p, time.Time{}, errCompactSignature
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(signed)
	if !hmac.Equal(mac.Sum(nil), sig) {
		return p, time.Time{}, errCompactSignature
	}
	ms, err := strconv.ParseInt(string(c.ExpiresAt), 10, 64)
	if err != nil {
		return p, time.Time{}, errCompactMalformed
	}
	if err := json.Unmarshal(c.Session, &p); err != nil {
		return p, time.Time{}, errCompactMalformed
	}
	return p, time.UnixMilli(ms), nil
}

// compactSignedBytes rebuilds {<session members>,"expiresAt":<n>}.
func compactSignedBytes(session, expiresAt json.RawMessage) ([]byte, bool) {
	if len(session) < 2 || session[0] != '{' || session[len(session)-1] != '}' || len(expiresAt) == 0 {
		return nil, false
	}
	const member = `"expiresAt":`
	b := make([]byte, 0, len(session)+len(member)+len(expiresAt)+1)
	b = append(b, session[:len(session)-1]...)
	if len(bytes.TrimSpace(session[1:len(session)-1])) > 0 {
		b = append(b, ',')
	}
	b = append(b, member...)
	b = append(b, expiresAt...)
	return append(b, '}'), true
}

// decodeBase64Any decodes base64 in either alphabet, padded or not, as the
// server's decoder does.
func decodeBase64Any(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if strings.ContainsAny(s, "+/") {
		return base64.RawStdEncoding.DecodeString(s)
	}
	return base64.RawURLEncoding.DecodeString(s)
}
