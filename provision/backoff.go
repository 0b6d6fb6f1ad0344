package provision

import (
	"math/rand/v2"
	"sync"
	"time"
)

// backoff is the delay before try n+1 after n failures: lo doubled per
// failure, capped at hi, with jitter over its upper half so that many
// failures at once do not come back at once.
func backoff(lo, hi time.Duration, n int) time.Duration {
	d := hi
	if n < 1 {
		n = 1
	}
	if shift := n - 1; shift < 32 {
		if x := lo << shift; x > 0 && x < hi {
			d = x
		}
	}
	half := d / 2
	return half + time.Duration(rand.Int64N(int64(d-half)+1))
}

// pause holds the whole engine back while Mautic or the database fails or
// rate-limits: then every user would fail alike, so no batch is sent.
type pause struct {
	mu     sync.Mutex
	until  time.Time
	streak int // failures since the last success
	lo, hi time.Duration
}

// failed records a failure at now. A known retry time (Mautic's
// X-RateLimit-Reset) is honoured as given; otherwise the pause grows
// exponentially with the failures in a row. It returns the pause's end.
func (p *pause) failed(now, retryAt time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.streak++
	at := retryAt
	if at.IsZero() {
		at = now.Add(backoff(p.lo, p.hi, p.streak))
	}
	p.until = maxTime(p.until, at)
	return p.until
}

// succeeded ends the streak of failures.
func (p *pause) succeeded() {
	p.mu.Lock()
	p.streak = 0
	p.mu.Unlock()
}

// remaining is how long work still waits at now.
func (p *pause) remaining(now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.until.Sub(now)
}

// end is the pause's end, zero when it is over.
func (p *pause) end(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.until.After(now) {
		return p.until
	}
	return time.Time{}
}
