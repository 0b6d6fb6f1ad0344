package provision

import (
	"testing"
	"time"
)

func TestBackoffBounds(t *testing.T) {
	lo, hi := 100*time.Millisecond, 2*time.Second
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{0, 50 * time.Millisecond, 100 * time.Millisecond},
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{4, 400 * time.Millisecond, 800 * time.Millisecond},
		{6, time.Second, 2 * time.Second}, // capped
		{1000, time.Second, 2 * time.Second},
	}
	for _, tt := range tests {
		for range 50 {
			if d := backoff(lo, hi, tt.n); d < tt.min || d > tt.max {
				t.Fatalf("backoff(%d) = %s, want in [%s, %s]", tt.n, d, tt.min, tt.max)
			}
		}
	}
}

func TestPause(t *testing.T) {
	p := &pause{lo: time.Second, hi: time.Minute}
	now := time.Now()
	if p.remaining(now) > 0 || !p.end(now).IsZero() {
		t.Fatal("a new pause is on")
	}
	reset := now.Add(30 * time.Second)
	if got := p.failed(now, reset); !got.Equal(reset) {
		t.Fatalf("a rate limit paused until %v, want the reset %v", got, reset)
	}
	// A later failure with a shorter backoff does not shorten the pause.
	if got := p.failed(now, time.Time{}); !got.Equal(reset) {
		t.Errorf("pause shortened to %v", got.Sub(now))
	}
	if p.streak != 2 {
		t.Errorf("streak %d", p.streak)
	}
	p.succeeded()
	if p.streak != 0 {
		t.Error("success did not end the streak")
	}
	if !p.end(now.Add(time.Hour)).IsZero() {
		t.Error("a pause in the past is reported")
	}
}
