package mautic

import (
	"context"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/caddy-mautic/caddy-mautic/internal/wait"
)

// BenchmarkBudgetDecision measures what the budget adds to a call that
// may go at once: baseline is a bare rate.Limiter.Allow.
func BenchmarkBudgetDecision(b *testing.B) {
	ctx := context.Background()
	b.Run("baseline=rate.Limiter.Allow", func(b *testing.B) {
		lim := rate.NewLimiter(rate.Limit(1<<30), 1<<30)
		for b.Loop() {
			if !lim.Allow() {
				b.Fatal("refused")
			}
		}
	})
	b.Run("budget.acquire/local", func(b *testing.B) {
		bu := newBudget(Budget{Requests: 1 << 30, Per: time.Second}, time.Now)
		for b.Loop() {
			if _, err := bu.acquire(ctx, wait.For); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("budget.acquire/off", func(b *testing.B) {
		bu := newBudget(Budget{}, time.Now)
		for b.Loop() {
			if _, err := bu.acquire(ctx, wait.For); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("budget.acquire/refused-at-deadline", func(b *testing.B) {
		bu := newBudget(Budget{Requests: 1, Per: time.Hour}, time.Now)
		bu.acquire(ctx, wait.For)
		short, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for b.Loop() {
			if _, err := bu.acquire(short, wait.For); err == nil {
				b.Fatal("not refused")
			}
		}
	})
}
