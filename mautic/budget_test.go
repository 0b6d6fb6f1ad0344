package mautic

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a clock whose sleeps advance it, for budget tests.
type fakeClock struct {
	t     time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	// A day ahead, so deadlines built from it are in the future for real.
	return &fakeClock{t: time.Now().Add(24 * time.Hour).Truncate(time.Second)}
}
func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.slept = append(c.slept, d)
	c.t = c.t.Add(d)
	return ctx.Err()
}

func deadlineCtx(t *testing.T, at time.Time) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), at)
	t.Cleanup(cancel)
	return ctx
}

func TestBudgetOff(t *testing.T) {
	clk := newFakeClock()
	b := newBudget(Budget{}, clk.now)
	for range 1000 {
		if _, err := b.acquire(context.Background(), clk.sleep); err != nil {
			t.Fatal(err)
		}
	}
	st := b.state()
	if !st.Unlimited || !math.IsInf(st.LocalTokens, 1) || st.ServerLimit != -1 || st.ServerRemaining != -1 || len(clk.slept) != 0 {
		t.Fatalf("state %+v, slept %v", st, clk.slept)
	}
}

func TestBudgetLocalBucket(t *testing.T) {
	clk := newFakeClock()
	b := newBudget(Budget{Requests: 2, Per: time.Second}, clk.now)
	for i := range 2 {
		if _, err := b.acquire(context.Background(), clk.sleep); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	// The third would wait 500 ms: a 100 ms deadline fails at once.
	at, err := b.acquire(deadlineCtx(t, clk.t.Add(100*time.Millisecond)), clk.sleep)
	if !errors.Is(err, ErrBudgetExhausted) || !at.Equal(clk.t.Add(500*time.Millisecond)) || len(clk.slept) != 0 {
		t.Fatalf("at %v err %v slept %v", at.Sub(clk.t), err, clk.slept)
	}
	// The refusal gave its token back: a patient caller waits 500 ms, not 1 s.
	if _, err := b.acquire(deadlineCtx(t, clk.t.Add(time.Hour)), clk.sleep); err != nil {
		t.Fatal(err)
	}
	if len(clk.slept) != 1 || clk.slept[0] != 500*time.Millisecond {
		t.Fatalf("slept %v, want [500ms]", clk.slept)
	}
	if st := b.state(); st.Unlimited || st.LocalTokens > 0.01 {
		t.Fatalf("state %+v", st)
	}
}

func TestBudgetServerHeaders(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		headers  map[string]string
		wantHold time.Duration // from the fake now; 0 = none
	}{
		{"remaining left", 200, map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "3", "X-RateLimit-Reset": "+30"}, 0},
		{"remaining zero", 200, map[string]string{"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "+30"}, 30 * time.Second},
		{"429 with reset", 429, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "+12"}, 12 * time.Second},
		{"429 without headers", 429, nil, 0},
		{"reset in the past", 200, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "-5"}, 0},
		{"server clock an hour ahead (Date)", 200, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "+3610", "Date": "+3600"}, 10 * time.Second},
		{"absurd reset is capped", 429, map[string]string{"X-RateLimit-Reset": "+999999"}, maxServerHold},
		{"garbage headers", 200, map[string]string{"X-RateLimit-Remaining": "none", "X-RateLimit-Reset": "soon"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			b := newBudget(Budget{}, clk.now)
			h := http.Header{}
			for k, v := range tt.headers {
				if n, err := strconv.Atoi(v); err == nil && (v[0] == '+' || v[0] == '-') {
					at := clk.t.Add(time.Duration(n) * time.Second)
					if k == "Date" {
						v = at.UTC().Format(http.TimeFormat)
					} else {
						v = strconv.FormatInt(at.Unix(), 10)
					}
				}
				h.Set(k, v)
			}
			hold := b.observe(h, tt.status)
			if tt.wantHold == 0 {
				if !hold.IsZero() || !b.state().HeldUntil.IsZero() {
					t.Fatalf("held until %v", hold.Sub(clk.t))
				}
				return
			}
			if got := hold.Sub(clk.t); got != tt.wantHold {
				t.Fatalf("hold %v, want %v", got, tt.wantHold)
			}
			// A short deadline is refused at once, a long one waits.
			if at, err := b.acquire(deadlineCtx(t, clk.t.Add(time.Second)), clk.sleep); !errors.Is(err, ErrBudgetExhausted) || !at.Equal(hold) {
				t.Fatalf("acquire = %v, %v", at, err)
			}
			if _, err := b.acquire(deadlineCtx(t, clk.t.Add(2*time.Hour)), clk.sleep); err != nil {
				t.Fatal(err)
			}
			if len(clk.slept) != 1 || clk.slept[0] != tt.wantHold {
				t.Fatalf("slept %v, want [%v]", clk.slept, tt.wantHold)
			}
			if !b.state().HeldUntil.IsZero() {
				t.Fatal("still held after the reset")
			}
		})
	}
}

func TestBudgetStateReportsServerView(t *testing.T) {
	clk := newFakeClock()
	b := newBudget(Budget{Requests: 10, Per: time.Minute}, clk.now)
	h := http.Header{}
	h.Set("X-RateLimit-Limit", "100")
	h.Set("X-RateLimit-Remaining", "42")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(clk.t.Add(time.Minute).Unix(), 10))
	b.observe(h, 200)
	st := b.state()
	if st.ServerLimit != 100 || st.ServerRemaining != 42 || !st.ServerReset.Equal(clk.t.Add(time.Minute)) || st.LocalTokens != 10 || st.Unlimited {
		t.Fatalf("state %+v", st)
	}
}
