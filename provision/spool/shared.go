package spool

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Defaults of SharedConfig.
const (
	DefaultPoll        = time.Second
	DefaultLease       = 10 * time.Second
	DefaultInsertWait  = 3 * time.Second
	DefaultClaimBatch  = 16
	defaultStatsEvery  = 5 * time.Second
	defaultPruneEvery  = 10 * time.Minute
	defaultDrainMaxGap = 30 * time.Second
)

// Store is a spool shared by every instance: a table in the application's
// database (userdb.DB implements it). Every method may fail while the
// database is down; the Shared spool then falls back to its disk Spool.
type Store interface {
	// Insert stores e once (by e.ID); it returns Stored only after the
	// row is committed.
	Insert(ctx context.Context, e Entry) (PutResult, error)
	// Claim leases up to max pending entries to owner for lease.
	Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]Entry, error)
	// Extend renews owner's lease on an entry it is still applying.
	Extend(ctx context.Context, id, owner string, lease time.Duration) error
	// Finish marks an entry applied.
	Finish(ctx context.Context, id string) error
	// Retry releases an entry to be claimed again after wait.
	Retry(ctx context.Context, id string, wait time.Duration) error
	// Reject marks an entry as never applicable.
	Reject(ctx context.Context, id string, reason error) error
	// Prune deletes entries applied before before.
	Prune(ctx context.Context, before time.Time) error
	// Stats counts the pending and rejected entries.
	Stats(ctx context.Context) (Stats, error)
}

// SharedConfig configures a Shared spool. Store, Dir and Apply are
// required.
type SharedConfig struct {
	// Store is the shared table.
	Store Store
	// Dir is the disk fallback: a body arriving while Store cannot take it
	// is kept there and moved into Store once it can.
	Dir string
	// Apply applies one entry; as Config.Apply.
	Apply func(ctx context.Context, e Entry) error
	// Owner names this instance in claims (default: host name, process id
	// and a random suffix).
	Owner string
	// Poll is how often pending entries are looked for (default 1 s); a
	// local Put looks at once.
	Poll time.Duration
	// Lease is how long a claim keeps other instances off an entry
	// (default 10 s): the delay before the entries a killed instance held
	// are applied by another. It is renewed every third of it while Apply
	// runs, so a long Apply is not taken over.
	Lease time.Duration
	// InsertWait bounds Put's insert into Store before it falls back to
	// disk (default 3 s).
	InsertWait time.Duration
	// Remember is how long applied entries are kept to recognise replays
	// (default 24 h).
	Remember time.Duration
	// MinBackoff and MaxBackoff bound the wait before a failed entry is
	// tried again (defaults 1 s and 5 min).
	MinBackoff, MaxBackoff time.Duration
	// MaxBody bounds a body (default 8 MiB).
	MaxBody int
	// OnRetry, OnReject are as in Config; OnStoreError is told when Store
	// failed (Put fell back to disk, or a poll failed).
	OnRetry      func(e Entry, err error, wait time.Duration)
	OnReject     func(e Entry, reason error)
	OnStoreError func(op string, err error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Shared is a webhook spool whose entries live in a Store shared by every
// instance, with a disk Spool as fallback. Put answers once the body is
// committed to Store, or, when Store fails, durably on disk; every
// instance's applier claims pending entries from Store. It is safe for
// concurrent use.
type Shared struct {
	cfg  SharedConfig
	disk *Spool

	mu      sync.Mutex
	stats   Stats // last Store stats
	applied uint64
	fails   uint64
	closed  bool

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// OpenShared opens the disk fallback in cfg.Dir (which drains into Store
// as soon as it can) and starts the applier.
func OpenShared(cfg SharedConfig) (*Shared, error) {
	if cfg.Store == nil {
		return nil, errors.New("spool: Store is nil: set the shared table")
	}
	if cfg.Apply == nil {
		return nil, errors.New("spool: Apply is nil: set the function that applies a stored body")
	}
	sharedDefaults(&cfg)
	s := &Shared{cfg: cfg, wake: make(chan struct{}, 1), done: make(chan struct{})}
	disk, err := Open(Config{
		Dir: cfg.Dir, Apply: s.drain, Remember: cfg.Remember, MinBackoff: cfg.MinBackoff,
		MaxBackoff: min(cfg.MaxBackoff, defaultDrainMaxGap), MaxBody: cfg.MaxBody, Now: cfg.Now,
		OnRetry: func(_ Entry, err error, _ time.Duration) { s.storeError("drain", err) },
	})
	if err != nil {
		return nil, err
	}
	s.disk = disk
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go s.run(ctx)
	return s, nil
}

func sharedDefaults(cfg *SharedConfig) {
	if cfg.Owner == "" {
		cfg.Owner = defaultOwner()
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.InsertWait <= 0 {
		cfg.InsertWait = DefaultInsertWait
	}
	c := Config{Remember: cfg.Remember, MinBackoff: cfg.MinBackoff, MaxBackoff: cfg.MaxBackoff, MaxBody: cfg.MaxBody, Now: cfg.Now}
	applyDefaults(&c)
	cfg.Remember, cfg.MinBackoff, cfg.MaxBackoff, cfg.MaxBody, cfg.Now = c.Remember, c.MinBackoff, c.MaxBackoff, c.MaxBody, c.Now
}

// defaultOwner names this process: unique among the instances sharing a
// database, readable in the table.
func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// drain is the disk fallback's Apply: it moves a body into Store.
func (s *Shared) drain(ctx context.Context, e Entry) error {
	if _, err := s.cfg.Store.Insert(ctx, e); err != nil {
		return err
	}
	s.poke()
	return nil
}

// Put stores body in Store, or on disk when Store fails or takes longer
// than InsertWait. Once it returns a nil error the body is safe: in the
// shared table (any instance applies it, even if this one is lost), or on
// this instance's disk until the table takes it.
func (s *Shared) Put(body []byte, meta Meta) (PutResult, error) {
	if len(body) == 0 {
		return 0, errors.New("spool: empty body: nothing to store")
	}
	if len(body) > s.cfg.MaxBody {
		return 0, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, len(body), s.cfg.MaxBody)
	}
	if meta.ReceivedAt.IsZero() {
		meta.ReceivedAt = s.cfg.Now()
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if closed {
		return 0, ErrClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.InsertWait)
	res, err := s.cfg.Store.Insert(ctx, Entry{ID: Digest(body), Body: body, Meta: meta})
	cancel()
	if err == nil {
		if res == Stored {
			s.poke()
		}
		return res, nil
	}
	s.storeError("insert", err)
	return s.disk.Put(body, meta)
}

// Reject keeps an authentic body that can never be applied in the disk
// fallback's rejected folder, for an operator.
func (s *Shared) Reject(body []byte, meta Meta, reason error) error {
	return s.disk.Reject(body, meta, reason)
}

// Stats adds the disk fallback's entries to the last counts read from
// Store (refreshed every few seconds by the applier).
func (s *Shared) Stats() Stats {
	d := s.disk.Stats()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Pending += d.Pending
	st.Rejected += d.Rejected
	if !d.Oldest.IsZero() && (st.Oldest.IsZero() || d.Oldest.Before(st.Oldest)) {
		st.Oldest = d.Oldest
	}
	st.Applied, st.Failures = s.applied, s.fails
	return st
}

// Close stops the applier and the disk fallback; entries not applied stay
// in Store (their lease runs out) or on disk. It is idempotent.
func (s *Shared) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if !already {
		s.cancel()
	}
	<-s.done
	return s.disk.Close()
}

func (s *Shared) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Shared) storeError(op string, err error) {
	if s.cfg.OnStoreError != nil {
		s.cfg.OnStoreError(op, err)
	}
}
