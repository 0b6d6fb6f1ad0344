package mautic

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// maxServerHold caps a hold read from X-RateLimit-Reset, so a broken header
// cannot stall the client for long; Mautic's window is one hour.
const maxServerHold = time.Hour + time.Minute

// BudgetState is a snapshot of the request budget, for metrics and health.
type BudgetState struct {
	// Unlimited is true when no local budget is configured.
	Unlimited bool
	// LocalTokens is how many requests the local bucket would allow now.
	LocalTokens float64
	// ServerLimit and ServerRemaining are the last X-RateLimit-Limit and
	// X-RateLimit-Remaining seen; -1 until Mautic sent them.
	ServerLimit     int
	ServerRemaining int
	// ServerReset is the last X-RateLimit-Reset seen, in local time.
	ServerReset time.Time
	// HeldUntil is when requests may flow again after the server's limit
	// was reached; zero when not held.
	HeldUntil time.Time
}

// budget combines the local token bucket with the server's limiter view.
// With Basic auth Mautic has one bucket for all callers, so the server
// view is shared by the whole Client.
type budget struct {
	lim *rate.Limiter // nil when the local budget is off
	now func() time.Time

	// heldNanos is heldUntil in Unix nanoseconds, read without the lock
	// on every call.
	heldNanos atomic.Int64

	mu        sync.Mutex
	limit     int
	remaining int
	reset     time.Time
	heldUntil time.Time
}

func newBudget(b Budget, now func() time.Time) *budget {
	bu := &budget{now: now, limit: -1, remaining: -1}
	if b.enabled() {
		burst := b.Burst
		if burst == 0 {
			burst = b.Requests
		}
		bu.lim = rate.NewLimiter(rate.Limit(float64(b.Requests)/b.Per.Seconds()), burst)
	}
	return bu
}

// acquire waits until a request may be sent: past any server hold, then
// one token of the local bucket. When the wait would pass ctx's deadline it
// returns ErrBudgetExhausted and the time to retry at once, without waiting.
func (b *budget) acquire(ctx context.Context, sleep func(context.Context, time.Duration) error) (time.Time, error) {
	if b.lim == nil && b.heldNanos.Load() == 0 {
		return time.Time{}, nil // off, and Mautic never held us
	}
	now := b.now()
	for {
		held := b.held(now)
		if held.IsZero() {
			break
		}
		if deadlineBefore(ctx, held) {
			return held, ErrBudgetExhausted
		}
		if err := sleep(ctx, held.Sub(now)); err != nil {
			return time.Time{}, err
		}
		now = b.now()
	}
	if b.lim == nil {
		return time.Time{}, nil
	}
	r := b.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if !r.OK() || d == rate.InfDuration {
		return time.Time{}, ErrBudgetExhausted
	}
	if d <= 0 {
		return time.Time{}, nil
	}
	at := now.Add(d)
	if deadlineBefore(ctx, at) {
		r.CancelAt(now)
		return at, ErrBudgetExhausted
	}
	if err := sleep(ctx, d); err != nil {
		r.CancelAt(b.now())
		return time.Time{}, err
	}
	return time.Time{}, nil
}

// held returns the end of the current server hold, or zero.
func (b *budget) held(now time.Time) time.Time {
	if n := b.heldNanos.Load(); n > now.UnixNano() {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// observe reads Mautic's limiter headers from an answer. When the remainder
// is zero, or the answer is a 429, requests are held until the reset. It
// returns the hold's end, or zero.
func (b *budget) observe(h http.Header, status int) time.Time {
	limit, okL := headerInt(h, "X-RateLimit-Limit")
	remaining, okR := headerInt(h, "X-RateLimit-Remaining")
	resetAt, okReset := b.resetTime(h)
	if !okL && !okR && !okReset && status != http.StatusTooManyRequests {
		return time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if okL {
		b.limit = limit
	}
	if okR {
		b.remaining = remaining
	}
	if okReset {
		b.reset = resetAt
	}
	exhausted := status == http.StatusTooManyRequests || (okR && remaining <= 0)
	if exhausted && okReset && resetAt.After(b.heldUntil) {
		b.heldUntil = resetAt
		b.heldNanos.Store(resetAt.UnixNano())
	}
	if exhausted && b.now().Before(b.heldUntil) {
		return b.heldUntil
	}
	return time.Time{}
}

// resetTime converts X-RateLimit-Reset (a Unix time on the server's clock)
// to local time, correcting clock skew with the Date header when present.
func (b *budget) resetTime(h http.Header) (time.Time, bool) {
	reset, ok := headerInt64(h, "X-RateLimit-Reset")
	if !ok {
		return time.Time{}, false
	}
	now := b.now()
	at := time.Unix(reset, 0)
	if date, err := http.ParseTime(h.Get("Date")); err == nil {
		// Date is truncated to the second, so this errs on the late side.
		at = now.Add(time.Unix(reset, 0).Sub(date))
	}
	if at.Sub(now) > maxServerHold {
		at = now.Add(maxServerHold)
	}
	return at, true
}

// state returns a snapshot for BudgetState.
func (b *budget) state() BudgetState {
	now := b.now()
	b.mu.Lock()
	s := BudgetState{
		Unlimited:       b.lim == nil,
		ServerLimit:     b.limit,
		ServerRemaining: b.remaining,
		ServerReset:     b.reset,
	}
	if now.Before(b.heldUntil) {
		s.HeldUntil = b.heldUntil
	}
	b.mu.Unlock()
	if b.lim != nil {
		s.LocalTokens = b.lim.TokensAt(now)
	} else {
		s.LocalTokens = math.Inf(1)
	}
	return s
}

func deadlineBefore(ctx context.Context, t time.Time) bool {
	d, ok := ctx.Deadline()
	return ok && d.Before(t)
}

func headerInt(h http.Header, key string) (int, bool) {
	v, ok := headerInt64(h, key)
	return int(v), ok
}

func headerInt64(h http.Header, key string) (int64, bool) {
	s := h.Get(key)
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}
