package betterauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
)

// BearerMode says whether, and how, an "Authorization: Bearer" header
// identifies the user. Better Auth's own getSession reads only the
// session cookie unless the app adds the bearer() plugin; the module
// must read what the app reads, or it would link a browser to a user the
// app does not show.
type BearerMode int

const (
	// BearerOff ignores the Authorization header, as an app without the
	// bearer() plugin does. The default.
	BearerOff BearerMode = iota
	// BearerSession is for an app with the bearer() plugin: a Bearer
	// session token with a valid signature (or an unsigned one, which
	// the plugin signs itself) takes the place of the session cookie,
	// cookie cache included, as the plugin does before getSession.
	BearerSession
	// BearerJWT accepts the JWT of the jwt() plugin (GET /api/auth/token),
	// for apps whose own routes identify users by it, but only on
	// requests without a session cookie: the app's pages show the
	// cookie's user.
	BearerJWT
)

// String returns the name used in configuration.
func (m BearerMode) String() string {
	switch m {
	case BearerOff:
		return "off"
	case BearerSession:
		return "session"
	case BearerJWT:
		return "jwt"
	}
	return fmt.Sprintf("BearerMode(%d)", int(m))
}

// ParseBearerMode reads "off", "session" or "jwt".
func ParseBearerMode(s string) (BearerMode, error) {
	for _, m := range []BearerMode{BearerOff, BearerSession, BearerJWT} {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("betterauth: bearer %q: expected off, session or jwt", s)
}

// bearerSessionCookie turns a Bearer session token into the
// session_token cookie value the bearer() plugin would set: a signed
// value ("<token>.<sig>", possibly URL-encoded) is taken as it is when its
// signature verifies; an unsigned token is signed with the current
// secret. ok is false when the plugin would ignore the header.
func bearerSessionCookie(bearer string, key []byte) (value string, ok bool) {
	if key == nil || bearer == "" {
		return "", false
	}
	if !strings.Contains(bearer, ".") {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(bearer))
		// Escaped whole, as the plugin's cookie is: a "%" in the token must
		// stay a "%" once the value is unescaped.
		return url.PathEscape(bearer + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil))), true
	}
	if _, err := verifySignedToken(bearer, key); err != nil {
		return "", false
	}
	return bearer, true
}
