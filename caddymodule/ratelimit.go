package caddymodule

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of the limiter of failed webhook signatures: a client may fail
// failedSigBurst times at once, then once per failedSigEvery.
const (
	failedSigBurst  = 10
	failedSigEvery  = 6 * time.Second
	failedSigMaxIPs = 10_000
	failedSigForget = 10 * time.Minute
)

// failureLimiter counts failed attempts per client address with a token
// bucket each, in a map bounded by size (least recently seen addresses go
// first) and by age (an address quiet for ttl is forgotten, its bucket
// being full again by then). It is only asked after an attempt failed, so
// it can never refuse one that would have succeeded.
type failureLimiter struct {
	every time.Duration
	burst int
	max   int
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List // front: most recently seen
}

type failureEntry struct {
	addr string
	lim  *rate.Limiter
	seen time.Time
}

func newFailureLimiter(every time.Duration, burst, max int, ttl time.Duration) *failureLimiter {
	return &failureLimiter{every: every, burst: burst, max: max, ttl: ttl, now: time.Now,
		entries: map[string]*list.Element{}, order: list.New()}
}

// failed spends one of addr's failures and reports whether addr has now
// failed more often than its bucket allows.
func (l *failureLimiter) failed(addr string) (limited bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	el, ok := l.entries[addr]
	if ok && now.Sub(el.Value.(*failureEntry).seen) > l.ttl {
		l.remove(el)
		ok = false
	}
	if !ok {
		for len(l.entries) >= l.max {
			l.remove(l.order.Back())
		}
		el = l.order.PushFront(&failureEntry{addr: addr, lim: rate.NewLimiter(rate.Every(l.every), l.burst)})
		l.entries[addr] = el
	}
	e := el.Value.(*failureEntry)
	e.seen = now
	l.order.MoveToFront(el)
	return !e.lim.AllowN(now, 1)
}

// size returns how many addresses are tracked.
func (l *failureLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

func (l *failureLimiter) remove(el *list.Element) {
	delete(l.entries, el.Value.(*failureEntry).addr)
	l.order.Remove(el)
}
