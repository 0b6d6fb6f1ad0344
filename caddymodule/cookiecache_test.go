package caddymodule

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The helpers below issue Better Auth cookies the way Better Auth 1.7 does
// (see provision/betterauth's forge tests, which check the same recipe
// against the captured samples), so that benchmarks and tests can use a
// cookie cache that is fresh now: the captured ones expired 300 s after
// they were recorded.

// signedSession is a session token and its signed session_token cookie
// value: encodeURIComponent(token + "." + base64(HMAC(secret, token))).
type signedSession struct {
	token  string
	cookie string
}

func newSignedSession(t testing.TB, secret string) signedSession {
	t.Helper()
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		t.Fatal(err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return signedSession{token: token, cookie: url.QueryEscape(token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil)))}
}

// cachePayloadJSON is a cookie-cache payload for s and the user, its
// session valid for a week.
func (s signedSession) cachePayloadJSON(u fixtureUser, mauticID int, now time.Time) string {
	return fmt.Sprintf(`{"session":{"expiresAt":%q,"token":%q,"createdAt":%q,"updatedAt":%q,"ipAddress":"","userAgent":"Mozilla/5.0","userId":%q,"id":"gvntQFQqXU0Lq2MAsjiTg0hUE1QL0Ar3"},`+
		`"user":{"name":%q,"email":%q,"emailVerified":false,"image":null,"createdAt":%q,"updatedAt":%q,"locale":%q,"mauticId":%d,"id":%q},"updatedAt":%d,"version":"1"}`,
		iso(now.Add(7*24*time.Hour)), s.token, iso(now), iso(now), u.ID,
		u.Name, u.Email, iso(now), iso(now), u.Locale, mauticID, u.ID, now.UnixMilli())
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// compactCache is a session_data value of the compact strategy that
// expires at exp.
func compactCache(payload, secret string, exp time.Time) string {
	e := fmt.Sprint(exp.UnixMilli())
	signed := payload[:len(payload)-1] + `,"expiresAt":` + e + `}`
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(signed))
	sig := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	outer := `{"session":` + payload + `,"expiresAt":` + e + `,"signature":"` + sig + `"}`
	return base64.RawURLEncoding.EncodeToString([]byte(outer))
}

// jwtCache is a session_data value of the jwt strategy (HS256) that
// expires at exp.
func jwtCache(t testing.TB, payload, secret string, now, exp time.Time) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if err := json.Unmarshal([]byte(payload), &claims); err != nil {
		t.Fatal(err)
	}
	claims["iat"], claims["exp"] = now.Unix(), exp.Unix()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
