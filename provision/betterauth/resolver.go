package betterauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Resolver finds the Better Auth user of a request. It is safe for
// concurrent use; Close stops its background work.
type Resolver struct {
	cfg       Config
	families  []cookieNames
	hmacKey   []byte // current secret; nil without secrets
	jweKeys   []jweKey
	jws       *jwsVerifier
	verified  *ttlCache[verifiedCache] // cookie caches, by hash of session_data
	bearers   *ttlCache[Identity]      // Bearer JWTs, by hash of the JWT
	rejected  *ttlCache[rejection]     // definite refusals, by hash of the credential
	lookup    *sessionLookup           // nil: no lookup configured
	flights   *flightTracker
	transport *http.Transport // ours to close; nil when the caller gave a client
	stats     counters
}

// verifiedCache is a verified cookie cache and the session_token cookie
// it was verified with: the pair counts, not the cache alone.
type verifiedCache struct {
	id       Identity
	tokenKey cacheKey
}

// New checks cfg and returns a Resolver. Its errors say which field to fix.
func New(cfg Config) (*Resolver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &Resolver{
		cfg:      cfg,
		families: cookieFamilies(cfg.CookiePrefix, cfg.SecureCookies),
		verified: newTTLCache[verifiedCache](cfg.MaxCacheEntries),
		bearers:  newTTLCache[Identity](cfg.MaxCacheEntries),
		rejected: newTTLCache[rejection](cfg.MaxCacheEntries),
		flights:  newFlightTracker(cfg.LookupTimeout),
	}
	if len(cfg.Secrets) > 0 {
		r.hmacKey = []byte(cfg.Secrets[0])
	}
	for _, s := range cfg.Secrets {
		k, err := deriveJWEKey(s)
		if err != nil {
			return nil, fmt.Errorf("betterauth: deriving the jwe key: %w", err)
		}
		r.jweKeys = append(r.jweKeys, k)
	}
	client := cfg.HTTPClient
	if client == nil {
		r.transport = http.DefaultTransport.(*http.Transport).Clone()
		client = &http.Client{Timeout: cfg.LookupTimeout, Transport: r.transport}
	}
	var jwks *jwksCache
	if cfg.JWKSURL != "" {
		jwks = &jwksCache{
			url: cfg.JWKSURL, client: client, now: cfg.Now, flights: r.flights,
			minRefresh: cfg.JWKSMinRefresh, failureBackoff: min(cfg.JWKSMinRefresh, 10*time.Second),
			fetches: &r.stats,
		}
	}
	r.jws = newJWSVerifier(cfg, jwks)
	if r.lookup, err = newSessionLookup(cfg, client, r.flights, &r.stats); err != nil {
		return nil, err
	}
	return r, nil
}

// cookieFamilies lists the cookie names to read, preferred first.
func cookieFamilies(prefix string, mode SecureMode) []cookieNames {
	secure, plain := newCookieNames(prefix, true), newCookieNames(prefix, false)
	switch mode {
	case SecureAlways:
		return []cookieNames{secure}
	case SecureNever:
		return []cookieNames{plain}
	}
	return []cookieNames{secure, plain}
}

// newSessionLookup picks the database or get-session; nil if neither.
func newSessionLookup(cfg Config, client *http.Client, flights *flightTracker, stats *counters) (*sessionLookup, error) {
	l := &sessionLookup{
		ttl: cfg.CacheTTL, negTTL: cfg.NegativeTTL, now: cfg.Now,
		cache: newTTLCache[lookupResult](cfg.MaxCacheEntries), flights: flights, stats: stats,
	}
	switch {
	case cfg.LookupSession != nil:
		db := cfg.LookupSession
		l.fn = func(ctx context.Context, token, _, _ string) (Identity, error) { return db(ctx, token) }
		l.src = SourceDatabase
	case cfg.GetSessionURL != "":
		gs, err := newGetSessionClient(cfg.GetSessionURL, client)
		if err != nil {
			return nil, err
		}
		l.fn, l.src = gs.lookup, SourceGetSession
	default:
		return nil, nil
	}
	return l, nil
}

// Resolve returns the signed-in user of req: the user the app itself sees
// on that request. It reads the session cookie the app reads (see
// Config.SecureCookies), or the Bearer credential the app reads in its
// place (Config.Bearer), then tries its cookie cache, a Bearer JWT (only
// without a session cookie), then the session token. A request without
// valid credentials is anonymous (false); why is told to
// Config.OnReject. ctx bounds the wait for a lookup or a JWKS fetch.
func (r *Resolver) Resolve(ctx context.Context, req *http.Request) (Identity, bool) {
	now := r.cfg.Now()
	c := readAuthCookies(req.Header, r.families)
	if c.ambiguous {
		r.reject(RejectCookiesAmbiguous, errCookiesAmbiguous)
		r.stats.anonymous.Add(1)
		return Identity{}, false
	}
	if r.cfg.Bearer == BearerSession {
		c = r.withBearerSession(req.Header, c)
	}
	if c.token != "" && (c.data != "" || c.chunkErr != nil) {
		if id, ok := r.fromCookieCache(ctx, c, now); ok {
			return r.found(id)
		}
	}
	if b := bearerToken(req.Header); b != "" && r.cfg.Bearer == BearerJWT && c.token == "" {
		if id, ok := r.fromBearer(ctx, b, now); ok {
			return r.found(id)
		}
	}
	if c.token != "" && r.lookup != nil {
		if id, ok := r.fromSessionToken(ctx, c, now); ok {
			return r.found(id)
		}
	}
	r.stats.anonymous.Add(1)
	return Identity{}, false
}

var errCookiesAmbiguous = errors.New("betterauth: the __Secure- and the plain session cookie name two sessions; set secure_cookies to match the app")

// withBearerSession applies the bearer() plugin: a Bearer session token it
// would accept replaces the session cookie, and with it the cookie cache,
// which belongs to the replaced token unless the two are the same.
func (r *Resolver) withBearerSession(h http.Header, c authCookies) authCookies {
	v, ok := bearerSessionCookie(bearerToken(h), r.hmacKey)
	if !ok || v == c.token {
		return c
	}
	name := c.tokenName
	if name == "" {
		name = r.families[len(r.families)-1].token
	}
	return authCookies{token: v, tokenName: name, secure: strings.HasPrefix(name, "__Secure-")}
}

func (r *Resolver) found(id Identity) (Identity, bool) {
	r.stats.resolved[id.Source].Add(1)
	return id, true
}

func (r *Resolver) reject(reason Reason, err error) {
	r.stats.reject(reason)
	if r.cfg.OnReject != nil {
		r.cfg.OnReject(reason, err)
	}
}

// fromCookieCache serves a verified session_data from the cache, or
// verifies it and remembers it until it expires.
func (r *Resolver) fromCookieCache(ctx context.Context, c authCookies, now time.Time) (Identity, bool) {
	if c.chunkErr != nil {
		r.reject(RejectCacheMalformed, c.chunkErr)
		return Identity{}, false
	}
	dk, tk := keyOf(c.data), keyOf(c.token)
	if e, ok := r.verified.get(dk, now); ok && e.tokenKey == tk {
		r.stats.verifiedHits.Add(1)
		return e.id, true
	}
	if r.refusedBefore(dk, kindCookieCache, tk, now) {
		return Identity{}, false
	}
	id, err := r.verifyCookieCache(ctx, c, now)
	if err != nil {
		r.refuse(dk, rejection{kind: kindCookieCache, tokenKey: tk, reason: reasonOf(err), err: err}, now)
		return Identity{}, false
	}
	r.verified.put(dk, verifiedCache{id: id, tokenKey: tk}, id.ExpiresAt, now)
	return id, true
}

var errCacheFormat = errors.New("betterauth: session_data is none of compact, JWS or JWE")

// verifyCookieCache applies the server's rule: a validly signed
// session_token, a valid cache of the same token, nothing expired.
func (r *Resolver) verifyCookieCache(ctx context.Context, c authCookies, now time.Time) (Identity, error) {
	token, err := verifySignedToken(c.token, r.hmacKey)
	if err != nil {
		return Identity{}, err
	}
	var (
		p   cachePayload
		exp time.Time
		src Source
	)
	switch strings.Count(c.data, ".") {
	case 0:
		src = SourceCookieCacheCompact
		if r.hmacKey == nil {
			return Identity{}, errNoSecret
		}
		p, exp, err = decodeCompact(c.data, r.hmacKey)
	case 4:
		src = SourceCookieCacheJWE
		if len(r.jweKeys) == 0 {
			return Identity{}, errNoSecret
		}
		p, exp, err = decodeJWE(c.data, r.jweKeys, now)
	case 2:
		p, exp, src, err = r.decodeJWSCache(ctx, c.data)
	default:
		return Identity{}, errCacheFormat
	}
	if err != nil {
		return Identity{}, err
	}
	return p.check(token, r.cfg.CookieCacheVersion, exp, now, src)
}

// decodeJWSCache tells the jwt strategy (HS256) from the session-cache
// JWT (asymmetric, JWKS) by the header, then verifies accordingly.
func (r *Resolver) decodeJWSCache(ctx context.Context, data string) (cachePayload, time.Time, Source, error) {
	h, err := peekJWSHeader(data)
	if err != nil {
		return cachePayload{}, time.Time{}, SourceNone, err
	}
	if h.Alg == "HS256" {
		p, exp, err := r.jws.decodeHS256Cache(data)
		return p, exp, SourceCookieCacheJWT, err
	}
	p, exp, err := r.jws.decodeSessionCacheJWT(ctx, data)
	return p, exp, SourceSessionCacheJWT, err
}

// fromBearer serves a verified Bearer JWT from the cache, or verifies it.
func (r *Resolver) fromBearer(ctx context.Context, token string, now time.Time) (Identity, bool) {
	k := keyOf(token)
	if id, ok := r.bearers.get(k, now); ok {
		r.stats.verifiedHits.Add(1)
		return id, true
	}
	if r.refusedBefore(k, kindBearer, cacheKey{}, now) {
		return Identity{}, false
	}
	id, err := r.jws.decodeBearer(ctx, token)
	if err != nil {
		r.refuse(k, rejection{kind: kindBearer, reason: bearerReason(err), err: err}, now)
		return Identity{}, false
	}
	r.bearers.put(k, id, id.ExpiresAt, now)
	return id, true
}

// fromSessionToken answers from the lookup cache, or checks the token's
// signature offline and then looks the session up.
func (r *Resolver) fromSessionToken(ctx context.Context, c authCookies, now time.Time) (Identity, bool) {
	k := keyOf(c.token)
	res, ok := r.lookup.cached(k, now)
	if !ok {
		if r.refusedBefore(k, kindSessionToken, cacheKey{}, now) {
			return Identity{}, false
		}
		token, err := verifySignedToken(c.token, r.hmacKey)
		if err != nil {
			r.refuse(k, rejection{kind: kindSessionToken, reason: reasonOf(err), err: err}, now)
			return Identity{}, false
		}
		res = r.lookup.resolve(ctx, k, token, c.tokenName, c.token)
	}
	if res.id.UserID == "" {
		r.reject(res.reason, res.err)
		return Identity{}, false
	}
	return res.id, true
}

// ForgetUser drops what the Resolver remembers about a user's sessions,
// so that their next request reads the app again (e.g. after a webhook
// says their contact was merged or deleted). It returns how many entries
// were dropped.
func (r *Resolver) ForgetUser(userID string) int {
	n := r.verified.removeIf(func(v verifiedCache) bool { return v.id.UserID == userID })
	n += r.bearers.removeIf(func(id Identity) bool { return id.UserID == userID })
	if r.lookup != nil {
		n += r.lookup.forgetUser(userID)
	}
	return n
}

// Stats returns the counters since New.
func (r *Resolver) Stats() Stats { return r.stats.snapshot() }

// Close cancels JWKS fetches and lookups in flight, waits for them, and
// closes the idle connections of the Resolver's own HTTP client. Resolve
// still verifies cookies offline after Close, but looks nothing up.
func (r *Resolver) Close() {
	r.flights.close()
	if r.transport != nil {
		r.transport.CloseIdleConnections()
	}
}
