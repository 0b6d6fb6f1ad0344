package betterauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// SecureMode says which cookie names a Resolver reads.
type SecureMode int

const (
	// SecureAuto reads "__Secure-<prefix>.<name>" or "<prefix>.<name>",
	// whichever the request has; a request with both, for two different
	// sessions, is anonymous. It suits a proxy that does not know how the
	// app was configured, at that cost.
	SecureAuto SecureMode = iota
	// SecureAlways reads only the "__Secure-" names, as Better Auth itself
	// does when its baseURL is https or useSecureCookies is set.
	SecureAlways
	// SecureNever reads only the plain names.
	SecureNever
)

// String returns the name used in configuration.
func (m SecureMode) String() string {
	switch m {
	case SecureAuto:
		return "auto"
	case SecureAlways:
		return "always"
	case SecureNever:
		return "never"
	}
	return fmt.Sprintf("SecureMode(%d)", int(m))
}

// Defaults applied by New to zero fields of Config.
const (
	DefaultCookiePrefix       = "better-auth"
	DefaultCookieCacheVersion = "1"
	DefaultJWKSMinRefresh     = 5 * time.Minute
	DefaultCacheTTL           = time.Minute
	DefaultNegativeTTL        = 10 * time.Second
	DefaultLookupTimeout      = 2 * time.Second
	DefaultMaxCacheEntries    = 50_000
)

// LookupFunc finds the unexpired session whose session.token is token and
// returns its user. It returns ErrNoSession (or an Identity with an empty
// UserID) when there is none. The token is a credential: never log it.
type LookupFunc func(ctx context.Context, token string) (Identity, error)

// ErrNoSession is what a LookupFunc returns for an unknown or expired
// session token.
var ErrNoSession = errors.New("betterauth: no such session")

// Config configures a Resolver. The zero value of each field means its
// documented default.
type Config struct {
	// Secrets are BETTER_AUTH_SECRET and, after a rotation, the older ones,
	// current first. As on the server, HMAC-signed values (session_token,
	// compact and jwt caches) verify only with the current secret, while a
	// jwe cache may be encrypted with any of them (its kid picks which).
	// Without a secret nothing is verified offline except JWKS-signed JWTs.
	Secrets []string

	// CookiePrefix is Better Auth's advanced.cookiePrefix (default
	// "better-auth").
	CookiePrefix string
	// SecureCookies says whether to read the "__Secure-" cookie names.
	// Set it to match the app (SecureAlways when its baseURL is https or
	// useSecureCookies is set, else SecureNever): with SecureAuto, a
	// request carrying both names for two different sessions is served as
	// anonymous (RejectCookiesAmbiguous), as the module cannot know which
	// one the app reads.
	SecureCookies SecureMode
	// Bearer says which Authorization: Bearer credentials count (default
	// BearerOff, as in an app without Better Auth's bearer() plugin).
	Bearer BearerMode
	// CookieCacheVersion is session.cookieCache.version (default "1"): a
	// cache of another version is ignored, as on the server.
	CookieCacheVersion string

	// JWKSURL is the absolute URL of the upstream's /api/auth/jwks. Empty
	// disables Bearer JWTs and the EdDSA session-cache JWT.
	JWKSURL string
	// JWKSMinRefresh is the least time between two fetches of the JWKS
	// when a JWT names an unknown kid (default 5 min).
	JWKSMinRefresh time.Duration
	// JWTIssuer and JWTAudience, when set, must match the iss and aud of
	// Bearer JWTs (Better Auth sets both to the baseURL origin). JWTIssuer
	// is also checked on the session-cache JWT.
	JWTIssuer, JWTAudience string

	// LookupSession finds a session in the app database. It needs Secrets,
	// so that forged tokens are refused before they reach the database.
	LookupSession LookupFunc
	// GetSessionURL is the absolute URL of the upstream's
	// /api/auth/get-session, used when LookupSession is nil.
	GetSessionURL string
	// CacheTTL bounds how long a looked-up session is remembered per token
	// (default 1 min; never past the session's expiry). It is also how
	// long a definitely refused credential (forged, malformed or expired)
	// is remembered, so that sending it again costs no verification.
	CacheTTL time.Duration
	// NegativeTTL is how long an unknown token, a signed-out answer or a
	// failed lookup is remembered, so that they do not hammer the database
	// or the upstream (default 10 s).
	NegativeTTL time.Duration
	// LookupTimeout bounds one database lookup or get-session call
	// (default 2 s).
	LookupTimeout time.Duration
	// MaxCacheEntries bounds each of the caches: verified cookie caches,
	// verified Bearer JWTs, refused credentials and looked-up tokens
	// (default 50,000).
	MaxCacheEntries int

	// HTTPClient fetches the JWKS and calls get-session. Nil means a
	// client of the Resolver's own with a timeout of LookupTimeout.
	HTTPClient *http.Client
	// Now is the clock (default time.Now); tests pin it.
	Now func() time.Time
	// OnReject, when set, is told why a credential was not accepted. It is
	// called on the request path: keep it cheap. err never holds a
	// credential.
	OnReject func(reason Reason, err error)
}

// withDefaults returns a copy of c with defaults filled in, or an error
// that says which field to fix.
func (c Config) withDefaults() (Config, error) {
	for i, s := range c.Secrets {
		if s == "" {
			return c, fmt.Errorf("betterauth: Secrets[%d] is empty: remove it or set it to BETTER_AUTH_SECRET", i)
		}
	}
	if c.CookiePrefix == "" {
		c.CookiePrefix = DefaultCookiePrefix
	}
	if strings.ContainsAny(c.CookiePrefix, " \t\r\n;=,\"") {
		return c, fmt.Errorf("betterauth: CookiePrefix %q is not a valid cookie name: use Better Auth's advanced.cookiePrefix", c.CookiePrefix)
	}
	if c.SecureCookies < SecureAuto || c.SecureCookies > SecureNever {
		return c, fmt.Errorf("betterauth: SecureCookies %d is unknown: use SecureAuto, SecureAlways or SecureNever", int(c.SecureCookies))
	}
	if c.Bearer < BearerOff || c.Bearer > BearerJWT {
		return c, fmt.Errorf("betterauth: Bearer %d is unknown: use BearerOff, BearerSession or BearerJWT", int(c.Bearer))
	}
	if c.CookieCacheVersion == "" {
		c.CookieCacheVersion = DefaultCookieCacheVersion
	}
	if err := checkURL("JWKSURL", c.JWKSURL); err != nil {
		return c, err
	}
	if err := checkURL("GetSessionURL", c.GetSessionURL); err != nil {
		return c, err
	}
	if c.LookupSession != nil && len(c.Secrets) == 0 {
		return c, errors.New("betterauth: LookupSession needs Secrets to check the session_token signature before the database: set Secrets to BETTER_AUTH_SECRET")
	}
	if len(c.Secrets) == 0 && c.JWKSURL == "" && c.GetSessionURL == "" {
		return c, errors.New("betterauth: nothing to verify identities with: set Secrets, JWKSURL or GetSessionURL")
	}
	durations := []struct {
		name string
		d    *time.Duration
		def  time.Duration
	}{
		{"JWKSMinRefresh", &c.JWKSMinRefresh, DefaultJWKSMinRefresh},
		{"CacheTTL", &c.CacheTTL, DefaultCacheTTL},
		{"NegativeTTL", &c.NegativeTTL, DefaultNegativeTTL},
		{"LookupTimeout", &c.LookupTimeout, DefaultLookupTimeout},
	}
	for _, d := range durations {
		if *d.d < 0 {
			return c, fmt.Errorf("betterauth: %s is negative (%v): use a positive duration or 0 for the default", d.name, *d.d)
		}
		if *d.d == 0 {
			*d.d = d.def
		}
	}
	if c.MaxCacheEntries < 0 {
		return c, fmt.Errorf("betterauth: MaxCacheEntries is negative (%d): use a positive size or 0 for the default", c.MaxCacheEntries)
	}
	if c.MaxCacheEntries == 0 {
		c.MaxCacheEntries = DefaultMaxCacheEntries
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// checkURL accepts an empty value or an absolute http(s) URL.
func checkURL(field, raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The value is not echoed: a URL may carry userinfo.
		return fmt.Errorf("betterauth: %s is not an absolute http(s) URL: use e.g. http://127.0.0.1:3000/api/auth/...", field)
	}
	return nil
}
