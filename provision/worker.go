package provision

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/internal/wait"
)

// work is one worker: it takes batches until ctx ends.
func (e *Engine) work(ctx context.Context) {
	defer e.wg.Done()
	for e.awaitBatch(ctx) {
		if jobs := e.queue.take(e.cfg.BatchSize, time.Now()); len(jobs) > 0 {
			e.runBatch(ctx, jobs)
		}
	}
}

// awaitBatch returns when a batch is worth taking: no pause is on, a user
// is due, and either a full batch is due or BatchDelay has gathered more.
// It returns false when ctx ends.
func (e *Engine) awaitBatch(ctx context.Context) bool {
	for {
		if d := e.pause.remaining(time.Now()); d > 0 {
			if wait.For(ctx, d) != nil {
				return false
			}
			continue
		}
		signal := e.queue.wait()
		n, next := e.queue.due(time.Now())
		switch {
		case n >= e.cfg.BatchSize:
			return true
		case n > 0:
			if wait.For(ctx, e.cfg.BatchDelay) != nil {
				return false
			}
			if e.pause.remaining(time.Now()) <= 0 {
				return true
			}
		default:
			if !waitSignal(ctx, signal, next) {
				return false
			}
		}
	}
}

// waitSignal waits for signal, or until next when it is set. It returns
// false when ctx ends.
func waitSignal(ctx context.Context, signal <-chan struct{}, next time.Time) bool {
	var timeout <-chan time.Time
	if !next.IsZero() {
		t := time.NewTimer(time.Until(next))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-signal:
	case <-timeout:
	}
	return true
}

// maintain rescans the database for pending users at Start and every
// Rescan, and sweeps the caches.
func (e *Engine) maintain(ctx context.Context) {
	defer e.wg.Done()
	e.rescan(ctx)
	tick := time.NewTicker(e.cfg.Rescan)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			e.rescan(ctx)
			e.cache.sweep()
		}
	}
}

// rescan queues the users the database says still wait for a contact:
// mauticId NULL and a session active within ActiveWindow. This is how the
// queue survives a restart, and how a user whose provisioning failed comes
// back without a visit.
func (e *Engine) rescan(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	users, err := e.store.PendingUsers(ctx, e.cfg.Now().Add(-e.cfg.ActiveWindow), e.cfg.RescanLimit)
	if err != nil {
		if ctx.Err() == nil {
			e.stats.failure(failDatabase, time.Now())
			e.log.Warn("mautic provisioning: reading pending users failed", zap.Error(err))
		}
		return
	}
	queued := 0
	now := time.Now()
	for _, u := range users {
		if e.queue.has(u.ID) || e.heldRow(u) {
			continue
		}
		if e.queue.push(u.ID, kindProvision, hint{}, now) == nil {
			e.outcome(OutcomeOverflow)
			break
		}
		queued++
	}
	if queued > 0 {
		e.log.Info("mautic provisioning: pending users queued from the database", zap.Int("users", queued))
	}
}
