package betterauth

import (
	"context"
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// A refused credential is remembered like an accepted one, by the hash of
// its exact bytes, so that a client that keeps sending it (a bot, a skewed
// clock, a replay of an expired cookie cache) costs a hash and a map
// lookup instead of a decode, an HMAC and a JSON parse per request. Only
// definite refusals are remembered: those the same bytes would get again
// at any later time. The refusals live in a cache of their own, bounded
// like the others, so a flood of distinct forged credentials evicts only
// other refusals, never the users who were accepted.

// credentialKind says which check refused a credential: the same bytes
// may be refused as one kind and accepted as another (a session-cache JWT
// is no Bearer token).
type credentialKind uint8

const (
	kindCookieCache credentialKind = iota + 1
	kindBearer
	kindSessionToken
)

// rejection is a remembered refusal.
type rejection struct {
	kind     credentialKind
	tokenKey cacheKey // kindCookieCache: the session_token it came with
	reason   Reason
	err      error
}

// refusedBefore reports whether the credential with key k was refused
// before, and then tells the refusal again for the metrics.
func (r *Resolver) refusedBefore(k cacheKey, kind credentialKind, tokenKey cacheKey, now time.Time) bool {
	e, ok := r.rejected.get(k, now)
	if !ok || e.kind != kind || e.tokenKey != tokenKey {
		return false
	}
	r.stats.rejectedHits.Add(1)
	r.reject(e.reason, e.err)
	return true
}

// refuse tells the refusal, and remembers it for CacheTTL when it is
// definite.
func (r *Resolver) refuse(k cacheKey, rej rejection, now time.Time) {
	r.reject(rej.reason, rej.err)
	if definite(rej.reason, rej.err) {
		r.rejected.put(k, rej, now.Add(r.cfg.CacheTTL), now)
	}
}

// definite reports whether the same credential would be refused again
// later. Forged, malformed, expired or mismatched credentials are:
// expiry only moves one way, and the secrets and settings they were
// checked against are fixed for the Resolver's life. A JWKS that could
// not be fetched, a lookup that failed, a cancelled wait or a JWT whose
// nbf lies ahead are not: the answer may be yes next time.
func definite(reason Reason, err error) bool {
	switch reason {
	case RejectJWKSUnavailable, RejectLookupFailed:
		return false
	}
	return !errors.Is(err, jwt.ErrTokenNotValidYet) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}
