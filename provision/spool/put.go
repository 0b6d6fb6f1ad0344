package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// PutResult says what Put did with a body.
type PutResult int

const (
	// Stored: the body is on disk and will be applied.
	Stored PutResult = iota + 1
	// AlreadyPending: the same body is already stored and not yet applied.
	AlreadyPending
	// AlreadyApplied: the same body was applied within Config.Remember.
	AlreadyApplied
)

// String returns the result's name, fit for a metric label.
func (r PutResult) String() string {
	switch r {
	case Stored:
		return "stored"
	case AlreadyPending:
		return "already_pending"
	case AlreadyApplied:
		return "already_applied"
	}
	return "unknown"
}

// ErrTooLarge is returned by Put for a body over Config.MaxBody.
var ErrTooLarge = errors.New("spool: body too large")

// Put stores body durably unless the same body is pending or was applied
// recently. Once it returns a nil error the body is safe: acknowledge it to
// the sender then, and only then. An empty body is refused.
func (s *Spool) Put(body []byte, meta Meta) (PutResult, error) {
	if len(body) == 0 {
		return 0, errors.New("spool: empty body: nothing to store")
	}
	if len(body) > s.cfg.MaxBody {
		return 0, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(body), s.cfg.MaxBody)
	}
	id := Digest(body)
	if meta.ReceivedAt.IsZero() {
		meta.ReceivedAt = s.cfg.Now()
	}
	data, err := encodeFile(body, meta)
	if err != nil {
		return 0, err
	}
	// The lock is held across the write: webhooks are few, and it keeps a
	// body from being stored twice or deleted while it is being written.
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	if _, ok := s.queue[id]; ok {
		return AlreadyPending, nil
	}
	if s.appliedRecently(id) {
		return AlreadyApplied, nil
	}
	if err := writeDurably(s.dirs.tmp, s.dirs.pending, id+hookExt, data); err != nil {
		return 0, err
	}
	s.queue[id] = &item{id: id, receivedAt: meta.ReceivedAt}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return Stored, nil
}

// appliedRecently reports whether id was applied within Config.Remember.
func (s *Spool) appliedRecently(id string) bool {
	info, err := os.Stat(filepath.Join(s.dirs.applied, id))
	if err != nil {
		return false
	}
	return s.cfg.Now().Sub(info.ModTime()) < s.cfg.Remember
}

// Reject stores body straight into rejected/ with reason beside it: for a
// body that was authentic but can never be applied (it does not parse),
// so that an operator can still look at it.
func (s *Spool) Reject(body []byte, meta Meta, reason error) error {
	if len(body) > s.cfg.MaxBody {
		return fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(body), s.cfg.MaxBody)
	}
	if meta.ReceivedAt.IsZero() {
		meta.ReceivedAt = s.cfg.Now()
	}
	data, err := encodeFile(body, meta)
	if err != nil {
		return err
	}
	id := Digest(body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if err := s.writeReason(id, reason); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(s.dirs.rejected, id+hookExt)); err == nil {
		return nil
	}
	if err := writeDurably(s.dirs.tmp, s.dirs.rejected, id+hookExt, data); err != nil {
		return err
	}
	s.rejected++
	return nil
}

// writeReason records why id was rejected, with the time.
func (s *Spool) writeReason(id string, reason error) error {
	msg := "rejected"
	if reason != nil {
		msg = reason.Error()
	}
	line := s.cfg.Now().UTC().Format(time.RFC3339) + " " + msg + "\n"
	return writeDurably(s.dirs.tmp, s.dirs.rejected, id+reasonExt, []byte(line))
}
