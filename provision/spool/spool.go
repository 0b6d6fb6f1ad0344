package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults applied by Open to the zero values of Config.
const (
	DefaultRemember   = 24 * time.Hour
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 5 * time.Minute
	// DefaultMaxBody bounds a stored body.
	DefaultMaxBody = 8 << 20
)

// Folder names under Config.Dir.
const (
	pendingDir  = "pending"
	appliedDir  = "applied"
	rejectedDir = "rejected"
	tmpDir      = "tmp"
	hookExt     = ".hook"
	reasonExt   = ".reason"
)

// ErrClosed is returned by Put and Reject after Close.
var ErrClosed = errors.New("spool: closed")

// Config configures a Spool. Dir and Apply are required.
type Config struct {
	// Dir holds the spool's folders; it is created (0700) when missing.
	Dir string
	// Apply applies one stored body. It is called from the Spool's own
	// goroutine, one entry at a time, oldest first. nil means done: the
	// file is deleted and the digest remembered. An error wrapped with
	// Permanent moves the entry to rejected/. Any other error is retried
	// with exponential backoff, for as long as it takes.
	Apply func(ctx context.Context, e Entry) error
	// Remember is how long the digest of an applied body is kept, so that
	// a replay of it is recognised (default 24 h).
	Remember time.Duration
	// MinBackoff and MaxBackoff bound the wait before a failed entry is
	// tried again (defaults 1 s and 5 min); the wait doubles per failure.
	MinBackoff, MaxBackoff time.Duration
	// MaxBody bounds the size of a body Put accepts (default 8 MiB).
	MaxBody int
	// OnRetry, when set, is told of each failed Apply: the entry, the
	// error and the wait before the next try. Use it to log and count.
	OnRetry func(e Entry, err error, wait time.Duration)
	// OnReject, when set, is told of each entry moved to rejected/.
	OnReject func(e Entry, reason error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Spool stores bodies durably and applies them in the background. It is
// safe for concurrent use.
type Spool struct {
	cfg  Config
	dirs struct{ pending, applied, rejected, tmp string }

	mu       sync.Mutex
	queue    map[string]*item // pending entries by ID
	rejected int
	applied  uint64
	failures uint64
	closed   bool

	wake   chan struct{} // buffered 1: a new entry arrived
	cancel context.CancelFunc
	done   chan struct{}
}

// item is the in-memory state of one pending entry; its body stays on disk.
type item struct {
	id         string
	receivedAt time.Time
	attempts   int
	next       time.Time // not before
}

// Stats is a snapshot of the spool, for health checks and metrics.
type Stats struct {
	// Pending counts stored entries not yet applied.
	Pending int
	// Oldest is when the oldest pending entry was received; zero if none.
	Oldest time.Time
	// Rejected counts entries in rejected/.
	Rejected int
	// Applied counts entries applied by this Spool since Open.
	Applied uint64
	// Failures counts failed Apply calls since Open.
	Failures uint64
}

// Open creates or reopens the spool in cfg.Dir, queues every entry a
// previous process left pending, and starts applying them.
func Open(cfg Config) (*Spool, error) {
	if cfg.Dir == "" {
		return nil, errors.New("spool: Dir is empty: set the folder webhook bodies are kept in")
	}
	if cfg.Apply == nil {
		return nil, errors.New("spool: Apply is nil: set the function that applies a stored body")
	}
	applyDefaults(&cfg)
	s := &Spool{cfg: cfg, queue: make(map[string]*item), wake: make(chan struct{}, 1), done: make(chan struct{})}
	s.dirs.pending = filepath.Join(cfg.Dir, pendingDir)
	s.dirs.applied = filepath.Join(cfg.Dir, appliedDir)
	s.dirs.rejected = filepath.Join(cfg.Dir, rejectedDir)
	s.dirs.tmp = filepath.Join(cfg.Dir, tmpDir)
	for _, d := range []string{s.dirs.pending, s.dirs.applied, s.dirs.rejected, s.dirs.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("spool: create %s: %w: check the folder's permissions", d, err)
		}
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(ctx)
	return s, nil
}

func applyDefaults(cfg *Config) {
	if cfg.Remember <= 0 {
		cfg.Remember = DefaultRemember
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
}

// load queues the pending files left by an earlier process and counts the
// rejected ones. Leftover temporary files are incomplete writes that were
// never acknowledged, so they are removed.
func (s *Spool) load() error {
	tmps, err := os.ReadDir(s.dirs.tmp)
	if err != nil {
		return fmt.Errorf("spool: read %s: %w", s.dirs.tmp, err)
	}
	for _, t := range tmps {
		_ = os.Remove(filepath.Join(s.dirs.tmp, t.Name()))
	}
	pend, err := os.ReadDir(s.dirs.pending)
	if err != nil {
		return fmt.Errorf("spool: read %s: %w", s.dirs.pending, err)
	}
	for _, f := range pend {
		id, ok := strings.CutSuffix(f.Name(), hookExt)
		if !ok || !isDigest(id) {
			continue
		}
		it := &item{id: id}
		if info, err := f.Info(); err == nil {
			it.receivedAt = info.ModTime()
		}
		if meta, err := s.readMeta(id); err == nil && !meta.ReceivedAt.IsZero() {
			it.receivedAt = meta.ReceivedAt
		}
		s.queue[id] = it
	}
	rej, err := os.ReadDir(s.dirs.rejected)
	if err != nil {
		return fmt.Errorf("spool: read %s: %w", s.dirs.rejected, err)
	}
	for _, f := range rej {
		if strings.HasSuffix(f.Name(), hookExt) {
			s.rejected++
		}
	}
	return nil
}

// readMeta reads the metadata of a pending file; a damaged file is left for
// the applier, which moves it aside.
func (s *Spool) readMeta(id string) (Meta, error) {
	data, err := os.ReadFile(s.pendingPath(id))
	if err != nil {
		return Meta{}, err
	}
	e, err := decodeFile(id, data)
	return e.Meta, err
}

func (s *Spool) pendingPath(id string) string {
	return filepath.Join(s.dirs.pending, id+hookExt)
}

// Stats returns a snapshot of the spool.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Pending: len(s.queue), Rejected: s.rejected, Applied: s.applied, Failures: s.failures}
	for _, it := range s.queue {
		if st.Oldest.IsZero() || it.receivedAt.Before(st.Oldest) {
			st.Oldest = it.receivedAt
		}
	}
	return st
}

// Pending returns the IDs of the entries waiting to be applied, oldest
// first.
func (s *Spool) Pending() []string {
	s.mu.Lock()
	items := make([]*item, 0, len(s.queue))
	for _, it := range s.queue {
		items = append(items, it)
	}
	s.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return older(items[i], items[j]) })
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	return ids
}

// older orders entries by arrival, then by ID so that the order is total.
func older(a, b *item) bool {
	if !a.receivedAt.Equal(b.receivedAt) {
		return a.receivedAt.Before(b.receivedAt)
	}
	return a.id < b.id
}

// Close stops the applier, waiting for an Apply in progress to return
// (its context is cancelled). Entries not yet applied stay on disk for the
// next Open. Close is idempotent.
func (s *Spool) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	<-s.done
	return nil
}
