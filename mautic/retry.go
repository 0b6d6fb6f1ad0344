package mautic

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// backoff is the full-jitter delay before attempt+1: a random duration in
// [0, min(MaxDelay, BaseDelay * 2^(attempt-1))].
func backoff(r Retry, attempt int, jitter func(int64) int64) time.Duration {
	ceiling := r.MaxDelay
	if attempt < 1 {
		attempt = 1
	}
	if shift := attempt - 1; shift < 32 {
		if d := r.BaseDelay << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return time.Duration(jitter(int64(ceiling) + 1))
}

// randJitter is the default jitter source.
func randJitter(n int64) int64 { return rand.Int64N(n) }

// retryAfter reads a Retry-After header (seconds or an HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// retryable reports whether a failed attempt may be repeated: 429 always
// (Mautic's limiter rejects before the controller runs), network errors
// and 5xx only for requests that are safe to repeat, never other 4xx.
func retryable(req *request, e *Error) bool {
	switch {
	case e.Status == http.StatusTooManyRequests:
		return true
	case e.Status >= 500:
		return req.repeatable
	case e.Status == 0:
		if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, ErrClosed) || errors.Is(e.Err, ErrBudgetExhausted) {
			return false
		}
		return req.repeatable && e.Err != nil
	}
	return false
}
