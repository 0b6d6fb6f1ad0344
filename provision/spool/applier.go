package spool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"
)

// permanentError marks an Apply failure that no retry can fix.
type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that the Spool moves the entry to rejected/
// instead of retrying it: for a body that can never be applied.
func Permanent(err error) error {
	if err == nil {
		err = errors.New("spool: rejected")
	}
	return permanentError{err}
}

// IsPermanent reports whether err was wrapped with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// run is the applier: it applies due entries oldest first and sleeps until
// the next one is due, a new one arrives, or the Spool closes.
func (s *Spool) run(ctx context.Context) {
	defer close(s.done)
	s.pruneApplied()
	lastPrune := s.cfg.Now()
	var pause time.Time // after a failure, no entry is tried before this
	failed := 0         // consecutive failures, for pause
	for {
		if now := s.cfg.Now(); now.Sub(lastPrune) >= s.pruneEvery() {
			s.pruneApplied()
			lastPrune = now
		}
		it, wait := s.due(pause)
		if it == nil {
			if !s.sleep(ctx, wait) {
				return
			}
			continue
		}
		switch err := s.applyOne(ctx, it); {
		case ctx.Err() != nil:
			return
		case err != nil:
			failed++
			pause = s.cfg.Now().Add(s.backoff(failed))
		default:
			failed = 0
			pause = time.Time{}
		}
	}
}

// due returns the oldest entry that may be tried now, or how long to wait
// for one (0 meaning: until something arrives).
func (s *Spool) due(pause time.Time) (*item, time.Duration) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *item
	var soonest time.Time
	for _, it := range s.queue {
		if it.next.After(now) {
			if soonest.IsZero() || it.next.Before(soonest) {
				soonest = it.next
			}
			continue
		}
		if best == nil || older(it, best) {
			best = it
		}
	}
	if best != nil && pause.After(now) {
		return nil, pause.Sub(now)
	}
	if best != nil {
		return best, 0
	}
	if soonest.IsZero() {
		return nil, 0
	}
	return nil, soonest.Sub(now)
}

// sleep waits for wait (0: indefinitely, bounded by the prune interval),
// a new entry, or cancellation; it reports false when ctx is done.
func (s *Spool) sleep(ctx context.Context, wait time.Duration) bool {
	if wait <= 0 || wait > s.pruneEvery() {
		wait = s.pruneEvery()
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-s.wake:
	case <-t.C:
	}
	return true
}

// applyOne reads an entry and applies it; it returns the Apply error when
// the entry stays pending.
func (s *Spool) applyOne(ctx context.Context, it *item) error {
	data, err := os.ReadFile(s.pendingPath(it.id))
	if errors.Is(err, os.ErrNotExist) {
		// Another Spool on the same folder finished it.
		s.forget(it.id)
		return nil
	}
	if err != nil {
		return s.retryLater(it, Entry{ID: it.id}, fmt.Errorf("spool: read %s: %w", it.id, err))
	}
	e, err := decodeFile(it.id, data)
	if err != nil {
		s.moveAside(Entry{ID: it.id, Meta: Meta{ReceivedAt: it.receivedAt}}, err)
		return nil
	}
	e.Attempts = it.attempts
	err = s.cfg.Apply(ctx, e)
	switch {
	case ctx.Err() != nil:
		return ctx.Err() // closing: the entry stays for the next Open
	case err == nil:
		s.finish(e)
		return nil
	case IsPermanent(err):
		s.moveAside(e, err)
		return nil
	default:
		return s.retryLater(it, e, err)
	}
}

// retryLater schedules it again after its own backoff.
func (s *Spool) retryLater(it *item, e Entry, err error) error {
	s.mu.Lock()
	it.attempts++
	wait := s.backoff(it.attempts)
	it.next = s.cfg.Now().Add(wait)
	s.failures++
	s.mu.Unlock()
	if s.cfg.OnRetry != nil {
		s.cfg.OnRetry(e, err, wait)
	}
	return err
}

// finish records e as applied: first the marker, so that a crash in between
// leaves a body that is applied again (harmless), never one that is lost.
func (s *Spool) finish(e Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Without the marker a replay would only be applied again, which Apply
	// tolerates, so a failure to write it does not keep the entry pending.
	marker := filepath.Join(s.dirs.applied, e.ID)
	if writeDurably(s.dirs.tmp, s.dirs.applied, e.ID, nil) == nil {
		now := s.cfg.Now()
		_ = os.Chtimes(marker, now, now)
	}
	if err := os.Remove(s.pendingPath(e.ID)); err == nil {
		_ = syncDir(s.dirs.pending)
	}
	delete(s.queue, e.ID)
	s.applied++
}

// moveAside moves an entry to rejected/ with the reason beside it.
func (s *Spool) moveAside(e Entry, reason error) {
	s.mu.Lock()
	_ = s.writeReason(e.ID, reason)
	err := os.Rename(s.pendingPath(e.ID), filepath.Join(s.dirs.rejected, e.ID+hookExt))
	if err == nil {
		_ = syncDir(s.dirs.rejected)
		_ = syncDir(s.dirs.pending)
		s.rejected++
	}
	delete(s.queue, e.ID)
	s.mu.Unlock()
	if s.cfg.OnReject != nil {
		s.cfg.OnReject(e, reason)
	}
}

// forget drops id from the queue.
func (s *Spool) forget(id string) {
	s.mu.Lock()
	delete(s.queue, id)
	s.mu.Unlock()
}

// backoff returns the wait after the n-th consecutive failure: MinBackoff
// doubled per failure up to MaxBackoff, with jitter in its upper half so
// that instances sharing a database do not retry in step.
func (s *Spool) backoff(n int) time.Duration {
	d := s.cfg.MinBackoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	half := d / 2
	return half + rand.N(half+1)
}

// pruneEvery is how often applied markers are pruned; the applier also
// wakes at least this often.
func (s *Spool) pruneEvery() time.Duration {
	return min(max(s.cfg.Remember/4, time.Second), time.Hour)
}

// pruneApplied removes the markers of bodies applied longer ago than
// Remember.
func (s *Spool) pruneApplied() {
	entries, err := os.ReadDir(s.dirs.applied)
	if err != nil {
		return
	}
	now := s.cfg.Now()
	for _, f := range entries {
		info, err := f.Info()
		if err != nil || now.Sub(info.ModTime()) < s.cfg.Remember {
			continue
		}
		_ = os.Remove(filepath.Join(s.dirs.applied, f.Name()))
	}
}
