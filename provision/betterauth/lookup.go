package betterauth

import (
	"context"
	"errors"
	"time"

	"golang.org/x/sync/singleflight"
)

// lookupFunc is a LookupSession or a get-session call. cookieName and
// rawCookie are the session_token cookie as the browser sent it.
type lookupFunc func(ctx context.Context, token, cookieName, rawCookie string) (Identity, error)

// lookupResult is a cached answer: an identity, or why there is none.
type lookupResult struct {
	id     Identity // UserID empty: no identity
	reason Reason
	err    error
}

// sessionLookup answers "whose session token is this?" through a slow
// source, remembering answers per token (positive ones up to ttl and the
// session's expiry, negative ones for negTTL) with one lookup in flight
// per token.
type sessionLookup struct {
	fn      lookupFunc
	src     Source
	ttl     time.Duration
	negTTL  time.Duration
	now     func() time.Time
	cache   *ttlCache[lookupResult]
	group   singleflight.Group
	flights *flightTracker
	stats   *counters
}

// cached returns a remembered answer for the raw cookie value. Entries are
// keyed by the hash of the signed cookie, stored only after its signature
// was checked, so a hit needs no HMAC.
func (l *sessionLookup) cached(k cacheKey, now time.Time) (lookupResult, bool) {
	res, ok := l.cache.get(k, now)
	if ok {
		l.stats.lookupHits.Add(1)
	}
	return res, ok
}

// resolve looks the token up, or waits for the lookup of the same token
// that is already in flight. ctx bounds only this caller's wait: the
// lookup itself runs to its own deadline and is cached for the others.
func (l *sessionLookup) resolve(ctx context.Context, k cacheKey, token, cookieName, rawCookie string) lookupResult {
	ch := l.group.DoChan(string(k[:]), func() (any, error) {
		return l.lookup(k, token, cookieName, rawCookie), nil
	})
	select {
	case r := <-ch:
		return r.Val.(lookupResult)
	case <-ctx.Done():
		return lookupResult{reason: RejectLookupFailed, err: ctx.Err()}
	}
}

func (l *sessionLookup) lookup(k cacheKey, token, cookieName, rawCookie string) lookupResult {
	// A caller that waited for the previous flight may arrive just after
	// it stored its answer.
	if res, ok := l.cache.get(k, l.now()); ok {
		return res
	}
	ctx, done, err := l.flights.start()
	if err != nil {
		return lookupResult{reason: RejectLookupFailed, err: err}
	}
	defer done()
	l.stats.lookups.Add(1)
	id, err := l.fn(ctx, token, cookieName, rawCookie)
	now := l.now()
	res := classifyLookup(id, err, now)
	if res.id.UserID != "" {
		res.id.SessionToken = token
		res.id.Source = l.src
		res.id.MauticIDFresh = true
		exp := now.Add(l.ttl)
		if !res.id.ExpiresAt.IsZero() {
			exp = earliest(exp, res.id.ExpiresAt)
		}
		l.cache.put(k, res, exp, now)
		return res
	}
	l.cache.put(k, res, now.Add(l.negTTL), now)
	return res
}

// classifyLookup turns a lookup's answer into a result.
func classifyLookup(id Identity, err error, now time.Time) lookupResult {
	switch {
	case errors.Is(err, ErrNoSession), err == nil && id.UserID == "":
		return lookupResult{reason: RejectSessionUnknown, err: ErrNoSession}
	case err != nil:
		return lookupResult{reason: RejectLookupFailed, err: err}
	case !id.ExpiresAt.IsZero() && !now.Before(id.ExpiresAt):
		return lookupResult{reason: RejectSessionUnknown, err: ErrNoSession}
	}
	return lookupResult{id: id}
}

// forgetUser drops the remembered sessions of a user.
func (l *sessionLookup) forgetUser(userID string) int {
	return l.cache.removeIf(func(r lookupResult) bool { return r.id.UserID == userID })
}
