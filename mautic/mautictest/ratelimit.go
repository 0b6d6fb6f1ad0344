package mautictest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// limiter is noxlogic/ratelimit-bundle as Mautic configures it: a fixed
// window per bucket that starts at the bucket's first call.
type limiter struct {
	mu      sync.Mutex
	limit   int
	window  time.Duration
	buckets map[string]*bucket
}

type bucket struct {
	reset time.Time
	used  int
}

func (l *limiter) set(limit int, window time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if window <= 0 {
		window = time.Hour
	}
	l.limit, l.window, l.buckets = limit, window, nil
}

// allow counts one call of bucket key and sets the X-RateLimit headers. Over
// the limit it answers 429 itself and returns false.
func (l *limiter) allow(w http.ResponseWriter, key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limit <= 0 {
		return true
	}
	if l.buckets == nil {
		l.buckets = make(map[string]*bucket)
	}
	b := l.buckets[key]
	if b == nil || !now.Before(b.reset) {
		b = &bucket{reset: now.Add(l.window)}
		l.buckets[key] = b
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(b.reset.Unix(), 10))
	if b.used >= l.limit {
		h.Set("X-RateLimit-Remaining", "0")
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-cache, private")
		w.WriteHeader(http.StatusTooManyRequests)
		// Mautic's literal body, spaces included; the message says "per hour"
		// whatever the window.
		fmt.Fprintf(w, `{ "errors": [ { "code": 429, "message": "You exceeded the rate limit of %d API calls per hour.", "details": [] } ]}`, l.limit)
		return false
	}
	b.used++
	h.Set("X-RateLimit-Remaining", strconv.Itoa(l.limit-b.used))
	return true
}

// SetRateLimit turns the API limiter on (limit > 0) or off (0) at run time
// and starts every bucket afresh.
func (s *Server) SetRateLimit(limit int, window time.Duration) { s.limiter.set(limit, window) }
