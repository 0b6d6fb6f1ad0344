package betterauth

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Source says where an Identity came from.
type Source int

// The sources, cheapest first.
const (
	SourceNone               Source = iota // anonymous
	SourceCookieCacheCompact               // session_data, strategy "compact"
	SourceCookieCacheJWT                   // session_data, strategy "jwt" (HS256)
	SourceCookieCacheJWE                   // session_data, strategy "jwe"
	SourceSessionCacheJWT                  // session_data, EdDSA JWT of jwt({sessionCookieCache: true})
	SourceBearerJWT                        // Authorization: Bearer <JWT of the JWT plugin>
	SourceDatabase                         // session_token looked up with Config.LookupSession
	SourceGetSession                       // session_token looked up with /api/auth/get-session
	numSources
)

var sourceNames = [numSources]string{
	"none", "cookie_cache_compact", "cookie_cache_jwt", "cookie_cache_jwe",
	"session_cache_jwt", "bearer_jwt", "database", "get_session",
}

// String returns a snake_case name fit for a metric label.
func (s Source) String() string {
	if s < 0 || s >= numSources {
		return "Source(" + strconv.Itoa(int(s)) + ")"
	}
	return sourceNames[s]
}

// Identity is a signed-in Better Auth user.
type Identity struct {
	UserID string
	// Email may be empty when a custom JWT payload leaves it out.
	Email  string
	Name   string
	Locale string
	// MauticID is the user's mauticId; 0 means none.
	MauticID int
	// EmailVerified is Better Auth's user.emailVerified: the user proved
	// they own Email. From a cookie cache or JWT it may be minutes old.
	EmailVerified bool
	// MauticIDFresh is true when MauticID was read from the app's database
	// or get-session (at most Config.CacheTTL ago). It is false when it
	// came from a cookie cache or JWT claims, which can be minutes old: a
	// 0 there must not be taken as "no contact".
	MauticIDFresh bool
	// SessionToken is the verified session token (without its signature),
	// empty for a Bearer JWT. It is a credential: hash it, never log it.
	SessionToken string
	// ExpiresAt is when this identity stops being valid: the earliest of
	// the session's, the cookie cache's or the JWT's expiry.
	ExpiresAt time.Time
	Source    Source
}

// userFields are the user columns every source carries, under Better
// Auth's JSON names.
type userFields struct {
	ID       string   `json:"id"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Locale   string   `json:"locale"`
	MauticID mauticID `json:"mauticId"`
	// Verified is emailVerified; only a JSON true counts.
	Verified jsonTrue `json:"emailVerified"`
}

// sessionFields are the session columns the resolver needs.
type sessionFields struct {
	Token     string  `json:"token"`
	UserID    string  `json:"userId"`
	ExpiresAt isoTime `json:"expiresAt"`
}

// cachePayload is what every cookie-cache strategy carries:
// {session, user, updatedAt, version}.
type cachePayload struct {
	Session sessionFields `json:"session"`
	User    userFields    `json:"user"`
	Version *string       `json:"version"`
}

// Errors of cache payload checks; reasons are derived from them.
var (
	errCacheVersion  = errors.New("betterauth: cookie cache version differs: set CookieCacheVersion like session.cookieCache.version")
	errCacheExpired  = errors.New("betterauth: cookie cache or its session has expired")
	errCacheMismatch = errors.New("betterauth: cookie cache belongs to another session token")
	errCacheNoUser   = errors.New("betterauth: cookie cache has no user or session")
)

// check applies the server's acceptance rules to a decoded cache and
// returns the identity it proves for token.
func (p *cachePayload) check(token, version string, cacheExp, now time.Time, src Source) (Identity, error) {
	if p.Version == nil || *p.Version != version {
		return Identity{}, errCacheVersion
	}
	if p.User.ID == "" || p.Session.Token == "" {
		return Identity{}, errCacheNoUser
	}
	if p.Session.UserID != "" && p.Session.UserID != p.User.ID {
		return Identity{}, errCacheNoUser
	}
	if p.Session.Token != token {
		return Identity{}, errCacheMismatch
	}
	sessExp := p.Session.ExpiresAt.time()
	if !now.Before(cacheExp) || sessExp.IsZero() || !now.Before(sessExp) {
		return Identity{}, errCacheExpired
	}
	id := p.User.identity(src)
	id.SessionToken = token
	id.ExpiresAt = earliest(cacheExp, sessExp)
	return id, nil
}

// identity builds an Identity from user fields.
func (u *userFields) identity(src Source) Identity {
	return Identity{
		UserID:   u.ID,
		Email:    u.Email,
		Name:     u.Name,
		Locale:   u.Locale,
		MauticID: int(u.MauticID),
		Source:   src,
		// EmailVerified only ever holds back a link; a stale false delays
		// it until the next source says true.
		EmailVerified: bool(u.Verified),
	}
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// mauticID reads mauticId, which is a number or null. A value that is not
// a positive integer counts as none: a bad id must not hide the user.
type mauticID int

// UnmarshalJSON implements json.Unmarshaler.
func (m *mauticID) UnmarshalJSON(b []byte) error {
	*m = 0
	b = bytes.Trim(b, `"`)
	n, err := strconv.ParseInt(string(b), 10, 0)
	if err == nil && n > 0 && n <= 1<<31-1 {
		*m = mauticID(n)
	}
	return nil
}

// jsonTrue reads a flag that is true only when it is JSON true: any other
// value (null, 1, "true") is false, and no value fails the payload, so
// an adapter's odd encoding never hides the user.
type jsonTrue bool

// UnmarshalJSON implements json.Unmarshaler.
func (f *jsonTrue) UnmarshalJSON(b []byte) error {
	*f = jsonTrue(string(b) == "true")
	return nil
}

// isoTime reads a JavaScript Date serialised by JSON.stringify.
type isoTime time.Time

func (t isoTime) time() time.Time { return time.Time(t) }

// UnmarshalJSON implements json.Unmarshaler.
func (t *isoTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = isoTime{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("betterauth: date is not a string: %w", err)
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("betterauth: date is not ISO 8601: %w", err)
	}
	*t = isoTime(v)
	return nil
}
