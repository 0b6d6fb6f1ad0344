package betterauth

import (
	"errors"
	"sync/atomic"
)

// Reason says why a credential was not accepted; it is fit for a metric
// label.
type Reason string

// The reasons passed to Config.OnReject and counted in Stats.Rejected.
const (
	RejectTokenMalformed  Reason = "token_malformed"      // session_token is not <token>.<sig>
	RejectTokenSignature  Reason = "token_signature"      // session_token HMAC does not match
	RejectCacheMalformed  Reason = "cache_malformed"      // session_data cannot be decoded or its chunks joined
	RejectCacheSignature  Reason = "cache_signature"      // session_data signature, decryption or claims (typ, iss, aud) fail
	RejectCacheExpired    Reason = "cache_expired"        // the cache or its session has expired
	RejectCacheVersion    Reason = "cache_version"        // cookieCache.version differs
	RejectCacheMismatch   Reason = "cache_token_mismatch" // the cache belongs to another session token
	RejectJWTInvalid      Reason = "jwt_invalid"          // Bearer JWT forged, malformed or for another iss/aud
	RejectJWTExpired      Reason = "jwt_expired"          // Bearer JWT expired
	RejectJWKSUnavailable Reason = "jwks_unavailable"     // no JWKS configured or reachable
	RejectUnknownKey      Reason = "unknown_kid"          // the JWKS has no key with this kid: forged, or another app's
	RejectNoSecret        Reason = "no_secret"            // a cookie needs the secret and none is configured
	RejectSessionUnknown  Reason = "session_unknown"      // lookup: no such unexpired session, or signed out
	RejectLookupFailed    Reason = "lookup_failed"        // lookup: database or upstream error or timeout
	// RejectCookiesAmbiguous: with SecureAuto, the "__Secure-" and the
	// plain session cookie name two different sessions.
	RejectCookiesAmbiguous Reason = "cookies_ambiguous"
)

var allReasons = [...]Reason{
	RejectTokenMalformed, RejectTokenSignature, RejectCacheMalformed, RejectCacheSignature,
	RejectCacheExpired, RejectCacheVersion, RejectCacheMismatch, RejectJWTInvalid,
	RejectJWTExpired, RejectJWKSUnavailable, RejectUnknownKey, RejectNoSecret, RejectSessionUnknown, RejectLookupFailed,
	RejectCookiesAmbiguous,
}

// Stats are counters since New.
type Stats struct {
	// Resolved counts identities by source, warm or cold.
	Resolved map[Source]uint64
	// Anonymous counts Resolve calls that found no valid credential.
	Anonymous uint64
	// VerifiedCacheHits counts cookie caches and JWTs served without
	// verifying them again.
	VerifiedCacheHits uint64
	// RejectedCacheHits counts credentials refused again from memory,
	// without decoding or verifying them again.
	RejectedCacheHits uint64
	// LookupCacheHits counts session tokens answered from the lookup
	// cache, positive or negative.
	LookupCacheHits uint64
	// Lookups counts database lookups and get-session calls made.
	Lookups uint64
	// JWKSFetches counts JWKS fetches attempted.
	JWKSFetches uint64
	// Rejected counts rejected credentials by reason.
	Rejected map[Reason]uint64
}

// counters are the live, lock-free form of Stats.
type counters struct {
	resolved     [numSources]atomic.Uint64
	anonymous    atomic.Uint64
	verifiedHits atomic.Uint64
	rejectedHits atomic.Uint64
	lookupHits   atomic.Uint64
	lookups      atomic.Uint64
	jwksFetches  atomic.Uint64
	rejected     [len(allReasons)]atomic.Uint64
}

func (c *counters) addJWKSFetch() { c.jwksFetches.Add(1) }

func (c *counters) reject(r Reason) {
	for i, x := range allReasons {
		if x == r {
			c.rejected[i].Add(1)
			return
		}
	}
}

func (c *counters) snapshot() Stats {
	s := Stats{
		Resolved:          make(map[Source]uint64),
		Anonymous:         c.anonymous.Load(),
		VerifiedCacheHits: c.verifiedHits.Load(),
		RejectedCacheHits: c.rejectedHits.Load(),
		LookupCacheHits:   c.lookupHits.Load(),
		Lookups:           c.lookups.Load(),
		JWKSFetches:       c.jwksFetches.Load(),
		Rejected:          make(map[Reason]uint64),
	}
	for i := SourceCookieCacheCompact; i < numSources; i++ {
		if n := c.resolved[i].Load(); n > 0 {
			s.Resolved[i] = n
		}
	}
	for i, r := range allReasons {
		if n := c.rejected[i].Load(); n > 0 {
			s.Rejected[r] = n
		}
	}
	return s
}

// bearerReason maps a Bearer JWT error to its reason.
func bearerReason(err error) Reason {
	switch {
	case errors.Is(err, errJWKSUnknownID):
		return RejectUnknownKey
	case isJWKSError(err):
		return RejectJWKSUnavailable
	case errors.Is(err, errJWTExpired):
		return RejectJWTExpired
	}
	return RejectJWTInvalid
}

func isJWKSError(err error) bool {
	return errors.Is(err, errJWKSDisabled) || errors.Is(err, errJWKSUnknownID) || errors.Is(err, errJWKSFetch)
}

// reasonOf maps a cookie verification error to its reason.
func reasonOf(err error) Reason {
	switch {
	case errors.Is(err, errJWKSUnknownID):
		return RejectUnknownKey // the JWKS answered: not an outage
	case isJWKSError(err):
		return RejectJWKSUnavailable
	case errors.Is(err, errTokenMalformed):
		return RejectTokenMalformed
	case errors.Is(err, errTokenSignature):
		return RejectTokenSignature
	case errors.Is(err, errCacheExpired), errors.Is(err, errJWTExpired):
		return RejectCacheExpired
	case errors.Is(err, errCacheVersion):
		return RejectCacheVersion
	case errors.Is(err, errCacheMismatch):
		return RejectCacheMismatch
	case errors.Is(err, errNoSecret):
		return RejectNoSecret
	case errors.Is(err, errCompactSignature), errors.Is(err, errJWEDecrypt), errors.Is(err, errJWEKey),
		errors.Is(err, errJWTInvalid), errors.Is(err, errSessionCacheTy):
		return RejectCacheSignature
	}
	return RejectCacheMalformed
}
