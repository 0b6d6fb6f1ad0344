package caddymodule

import (
	"strconv"
	"testing"
	"time"
)

func TestFailureLimiter(t *testing.T) {
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := newFailureLimiter(time.Second, 3, 100, time.Minute)
	l.now = func() time.Time { return clock }
	steps := []struct {
		name    string
		advance time.Duration
		addr    string
		limited bool
	}{
		{"one failure", 0, "a", false},
		{"two failures", 0, "a", false},
		{"three failures use the burst", 0, "a", false},
		{"the fourth is over it", 0, "a", true},
		{"others are not affected", 0, "b", false},
		{"a token comes back", time.Second, "a", false},
		{"and is spent", 0, "a", true},
		{"quiet for the ttl: forgotten", 2 * time.Minute, "a", false},
	}
	for _, s := range steps {
		clock = clock.Add(s.advance)
		if got := l.failed(s.addr); got != s.limited {
			t.Errorf("%s: failed(%s) = %v, want %v", s.name, s.addr, got, s.limited)
		}
	}
}

func TestFailureLimiterIsBounded(t *testing.T) {
	l := newFailureLimiter(time.Hour, 1, 10, time.Hour)
	for i := 0; i < 1000; i++ {
		l.failed("10.0.0." + strconv.Itoa(i))
	}
	if n := l.size(); n != 10 {
		t.Errorf("%d addresses tracked, want the bound 10", n)
	}
	if !l.failed("10.0.0.999") {
		t.Error("the most recent address was evicted")
	}
	if l.failed("10.0.0.0") {
		t.Error("the oldest address was kept past the bound")
	}
}
