package mautic

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

func TestBackoffFullJitter(t *testing.T) {
	r := Retry{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	ceiling := func(n int64) int64 { return n - 1 }
	floor := func(int64) int64 { return 0 }
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 100 * time.Millisecond}, {1, 100 * time.Millisecond}, {2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {60, time.Second},
	}
	for _, tt := range tests {
		if got := backoff(r, tt.attempt, ceiling); got != tt.want {
			t.Errorf("attempt %d: ceiling %v, want %v", tt.attempt, got, tt.want)
		}
		if got := backoff(r, tt.attempt, floor); got != 0 {
			t.Errorf("attempt %d: floor %v, want 0 (full jitter)", tt.attempt, got)
		}
	}
	for range 1000 {
		if d := backoff(r, 3, randJitter); d < 0 || d > 400*time.Millisecond {
			t.Fatalf("random backoff %v out of [0, 400ms]", d)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		value  string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"-1", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		got, ok := retryAfter(h, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("%q: %v %v, want %v %v", tt.value, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRetryable(t *testing.T) {
	safe := &request{repeatable: true}
	unsafe := &request{}
	tests := []struct {
		name      string
		e         *Error
		safe, uns bool
	}{
		{"429", &Error{Status: 429}, true, true},
		{"500", &Error{Status: 500}, true, false},
		{"503", &Error{Status: 503}, true, false},
		{"network", &Error{Err: errors.New("reset")}, true, false},
		{"timeout", &Error{Err: context.DeadlineExceeded}, true, false},
		{"caller cancelled", &Error{Err: context.Canceled}, false, false},
		{"budget", &Error{Err: ErrBudgetExhausted}, false, false},
		{"closed", &Error{Err: ErrClosed}, false, false},
		{"400", &Error{Status: 400}, false, false},
		{"401", &Error{Status: 401}, false, false},
		{"404", &Error{Status: 404}, false, false},
		{"422", &Error{Status: 422}, false, false},
	}
	for _, tt := range tests {
		if got := retryable(safe, tt.e); got != tt.safe {
			t.Errorf("%s, repeatable call: %v, want %v", tt.name, got, tt.safe)
		}
		if got := retryable(unsafe, tt.e); got != tt.uns {
			t.Errorf("%s, other call: %v, want %v", tt.name, got, tt.uns)
		}
	}
}
