//go:build bench

package loadbench

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"time"
)

// session is a signed Better Auth session_token, made as Better Auth 1.7
// makes it: encodeURIComponent(token + "." + base64(HMAC(secret, token))).
type session struct {
	token, cookie string
}

func newSession(secret string) session {
	raw := make([]byte, 24)
	rand.Read(raw)
	token := base64.RawURLEncoding.EncodeToString(raw)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(token))
	return session{token: token, cookie: url.QueryEscape(token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil)))}
}

// compactCache is a compact-strategy session_data for s and the user,
// expiring at exp, with the user's mauticId (so no provisioning happens).
func (s session) compactCache(secret, userID, email string, mauticID int, now, exp time.Time) string {
	iso := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
	payload := fmt.Sprintf(`{"session":{"expiresAt":%q,"token":%q,"createdAt":%q,"updatedAt":%q,"ipAddress":"","userAgent":"Mozilla/5.0 (X11; Linux x86_64)","userId":%q,"id":"sess-bench"},`+
		`"user":{"name":"Bench User","email":%q,"emailVerified":false,"image":null,"createdAt":%q,"updatedAt":%q,"locale":"de","mauticId":%d,"id":%q},"updatedAt":%d,"version":"1"}`,
		iso(now.Add(7*24*time.Hour)), s.token, iso(now), iso(now), userID, email, iso(now), iso(now), mauticID, userID, now.UnixMilli())
	e := fmt.Sprint(exp.UnixMilli())
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(payload[:len(payload)-1] + `,"expiresAt":` + e + `}`))
	outer := `{"session":` + payload + `,"expiresAt":` + e + `,"signature":"` + base64.RawURLEncoding.EncodeToString(mac.Sum(nil)) + `"}`
	return base64.RawURLEncoding.EncodeToString([]byte(outer))
}
