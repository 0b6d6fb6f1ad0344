package spool

import (
	"context"
	"math/rand/v2"
	"time"
)

// finishWait bounds the Store call that records an outcome; it runs even
// while closing, so that a finished entry is not applied again.
const finishWait = 5 * time.Second

// run is the Shared applier: it claims and applies due entries, then waits
// for the next poll, a local Put, or Close.
func (s *Shared) run(ctx context.Context) {
	defer close(s.done)
	tick := time.NewTicker(s.cfg.Poll)
	defer tick.Stop()
	var lastStats, lastPrune time.Time
	for {
		for s.applyDue(ctx) {
		}
		if ctx.Err() != nil {
			return
		}
		now := s.cfg.Now()
		if now.Sub(lastStats) >= defaultStatsEvery {
			s.refreshStats(ctx)
			lastStats = now
		}
		if now.Sub(lastPrune) >= defaultPruneEvery {
			if err := s.cfg.Store.Prune(ctx, now.Add(-s.cfg.Remember)); err == nil {
				lastPrune = now
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-tick.C:
		}
	}
}

// applyDue claims one batch and applies it; it reports whether the batch
// was full (more may be waiting).
func (s *Shared) applyDue(ctx context.Context) bool {
	// Not cancelled by Close: a claim cut short could hold rows it never
	// returns, for a whole lease; a finished one is released below.
	cctx, cancel := context.WithTimeout(context.Background(), finishWait)
	entries, err := s.cfg.Store.Claim(cctx, s.cfg.Owner, s.cfg.Lease, DefaultClaimBatch)
	cancel()
	if err != nil {
		s.release(entries)
		s.storeError("claim", err)
		return false
	}
	for i, e := range entries {
		if ctx.Err() != nil {
			s.release(entries[i:])
			return false
		}
		s.applyOne(ctx, e)
	}
	return len(entries) == DefaultClaimBatch
}

// applyOne applies a claimed entry, renewing its lease meanwhile, and
// records the outcome in Store.
func (s *Shared) applyOne(ctx context.Context, e Entry) {
	stop := s.keepLease(e.ID)
	err := s.cfg.Apply(ctx, e)
	stop()
	rctx, rcancel := context.WithTimeout(context.Background(), finishWait)
	defer rcancel()
	switch {
	case ctx.Err() != nil:
		_ = s.cfg.Store.Retry(rctx, e.ID, 0) // closing: let another instance take it now
	case err == nil:
		if ferr := s.cfg.Store.Finish(rctx, e.ID); ferr != nil {
			// Applied again once the lease runs out: harmless.
			s.storeError("finish", ferr)
		}
		s.mu.Lock()
		s.applied++
		s.mu.Unlock()
	case IsPermanent(err):
		if rerr := s.cfg.Store.Reject(rctx, e.ID, err); rerr != nil {
			s.storeError("reject", rerr)
		}
		if s.cfg.OnReject != nil {
			s.cfg.OnReject(e, err)
		}
	default:
		wait := jitterBackoff(s.cfg.MinBackoff, s.cfg.MaxBackoff, e.Attempts+1)
		if rerr := s.cfg.Store.Retry(rctx, e.ID, wait); rerr != nil {
			s.storeError("retry", rerr)
		}
		s.mu.Lock()
		s.fails++
		s.mu.Unlock()
		if s.cfg.OnRetry != nil {
			s.cfg.OnRetry(e, err, wait)
		}
	}
}

// keepLease renews the lease on id every third of it until the returned
// function is called (which waits for the renewer to stop). A renewal
// that fails is reported; the worst case is another instance applying the
// entry too, which Apply tolerates.
func (s *Shared) keepLease(id string) (stop func()) {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(s.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), finishWait)
				if err := s.cfg.Store.Extend(ctx, id, s.cfg.Owner, s.cfg.Lease); err != nil {
					s.storeError("extend", err)
				}
				cancel()
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// release hands back claimed entries not tried, for another instance.
func (s *Shared) release(entries []Entry) {
	ctx, cancel := context.WithTimeout(context.Background(), finishWait)
	defer cancel()
	for _, e := range entries {
		_ = s.cfg.Store.Retry(ctx, e.ID, 0)
	}
}

func (s *Shared) refreshStats(ctx context.Context) {
	st, err := s.cfg.Store.Stats(ctx)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.stats = st
	s.mu.Unlock()
}

// jitterBackoff is min doubled per failure up to max, with jitter in its
// upper half so that instances sharing a database do not retry in step.
func jitterBackoff(lo, hi time.Duration, n int) time.Duration {
	d := lo
	for i := 1; i < n && d < hi; i++ {
		d *= 2
	}
	d = min(d, hi)
	half := d / 2
	return half + rand.N(half+1)
}
