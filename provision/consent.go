package provision

import (
	"context"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Consent is the one rule that decides whether a request may be tracked.
// The same decision gates the tracking loader, the mtc_id cookie and
// everything the engine sends to Mautic for the request's user: a request
// it refuses sends nothing.
type Consent struct {
	// IgnorePrivacySignals tracks requests that send DNT: 1 or Sec-GPC: 1.
	// Off by default: such requests are not tracked.
	IgnorePrivacySignals bool
	// Cookie, when set, names a cookie without which a request is not
	// tracked; Value, when set, is the value it must have.
	Cookie, Value string
}

// Allows reports whether r may be tracked: no Do-Not-Track or Global
// Privacy Control signal (unless they are ignored), and the consent
// cookie when one is required.
func (c Consent) Allows(r *http.Request) bool {
	if !c.IgnorePrivacySignals && (r.Header.Get("Dnt") == "1" || r.Header.Get("Sec-Gpc") == "1") {
		return false
	}
	if c.Cookie == "" {
		return true
	}
	ck, err := r.Cookie(c.Cookie)
	return err == nil && (c.Value == "" || ck.Value == c.Value)
}

// consentDecision is one user's decision as a request told it.
type consentDecision struct {
	allowed bool
	at      time.Time
}

// consentLog remembers each user's last consent decision on this instance
// and hands changes to a writer that stores them (Store.SetConsent), so
// that the rescan of every instance provisions only users whose last
// request allowed it. A request costs a map lookup; a write happens only
// when a user's decision changes (or is first seen by this instance).
type consentLog struct {
	mu      sync.Mutex
	known   map[string]bool // last decision per user, written or pending
	pending map[string]consentDecision
	max     int
	signal  chan struct{} // capacity 1: "pending is not empty"
}

func newConsentLog(max int) *consentLog {
	return &consentLog{
		known: map[string]bool{}, pending: map[string]consentDecision{},
		max: max, signal: make(chan struct{}, 1),
	}
}

// note records a request's decision for a user and queues a write, timed
// by now, when it differs from the last one known. An unchanged decision
// costs a map lookup, not even a clock read.
func (c *consentLog) note(userID string, allowed bool, now func() time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.known[userID]; ok && prev == allowed {
		return
	}
	if len(c.pending) >= c.max {
		return // the store is not keeping up; a later request tries again
	}
	if len(c.known) >= c.max {
		clear(c.known) // bounded memory; users are written again on their next change
	}
	c.known[userID] = allowed
	c.pending[userID] = consentDecision{allowed: allowed, at: now()}
	select {
	case c.signal <- struct{}{}:
	default:
	}
}

// withheld reports that the user's last request known here refused
// tracking.
func (c *consentLog) withheld(userID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	allowed, ok := c.known[userID]
	return ok && !allowed
}

// take empties pending.
func (c *consentLog) take() map[string]consentDecision {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending
	c.pending = map[string]consentDecision{}
	return p
}

// putBack returns decisions that could not be written, unless a newer one
// came meanwhile.
func (c *consentLog) putBack(ds map[string]consentDecision) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, d := range ds {
		if _, newer := c.pending[id]; !newer {
			c.pending[id] = d
		}
	}
}

// writeConsent stores consent decisions as they come, until ctx is done;
// then it writes what is left, bounded by storeTimeout. After a failed
// write it tries again at the next decision or after Rescan.
func (e *Engine) writeConsent(ctx context.Context) {
	defer e.wg.Done()
	retry := time.NewTimer(e.cfg.Rescan)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
			e.flushConsent(final)
			cancel()
			return
		case <-e.consent.signal:
		case <-retry.C:
		}
		e.flushConsent(ctx)
		retry.Reset(e.cfg.Rescan)
	}
}

// flushConsent writes the pending decisions; those not written are put
// back for the next try.
func (e *Engine) flushConsent(ctx context.Context) {
	ds := e.consent.take()
	for id, d := range ds {
		callCtx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
		err := e.store.SetConsent(callCtx, id, d.allowed, d.at)
		cancel()
		if err != nil {
			e.consent.putBack(ds)
			if ctx.Err() == nil {
				e.stats.failure(failDatabase, time.Now())
				e.log.Warn("mautic provisioning: storing consent decisions failed; retried later", zap.Int("users", len(ds)), zap.Error(err))
			}
			return
		}
		delete(ds, id)
	}
}
