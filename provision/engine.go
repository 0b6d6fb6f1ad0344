package provision

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

// Engine links the application's users to Mautic contacts: one contact
// per user, found or made in batches by a few workers, stored as the
// user's mauticId and cached. Create it with New, run it with Start and
// stop it with Close. It is safe for concurrent use.
type Engine struct {
	cfg     Config
	client  *mautic.Client
	store   Store
	log     *zap.Logger
	locales locales
	// localeDefault is Config.LocaleDefault, normalised; "" for none.
	localeDefault string
	queue         *queue
	cache         *contactCache
	consent       *consentLog
	pause         *pause
	stats         *counters
	feed          feedState
	deletes       *deletions

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// New checks cfg and returns an Engine. It starts nothing and does no I/O,
// so it is cheap enough for a configuration check; Start runs it.
func New(cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	l, err := newLocales(cfg.Locales)
	if err != nil {
		return nil, err
	}
	def := normalizeTag(cfg.LocaleDefault)
	if cfg.LocaleDefault != "" && def == "" {
		return nil, fmt.Errorf("provision: LocaleDefault %q is not a language tag such as \"en\"", cfg.LocaleDefault)
	}
	return &Engine{
		cfg:           cfg,
		client:        cfg.Client,
		store:         cfg.Store,
		log:           cfg.Logger,
		locales:       l,
		localeDefault: def,
		queue:         newQueue(cfg.MaxQueued),
		cache:         newContactCache(cfg.CacheTTL),
		consent:       newConsentLog(cfg.MaxQueued),
		pause:         &pause{lo: cfg.RetryMin, hi: cfg.RetryMax},
		stats:         newCounters(),
		deletes:       newDeletions(),
	}, nil
}

// Start runs the workers, the rescan, which first reads back the users
// still waiting for a contact (after a restart, say), and the writer of
// consent decisions. They run until Close
// or until ctx is done. Users queued before Start wait for it.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch {
	case e.closed:
		return errors.New("provision: Start after Close: create a new Engine")
	case e.started:
		return errors.New("provision: Start called twice")
	}
	e.started = true
	ctx, e.cancel = context.WithCancel(ctx)
	for range e.cfg.Workers {
		e.wg.Add(1)
		go e.work(ctx)
	}
	e.wg.Add(2)
	go e.maintain(ctx)
	go e.writeConsent(ctx)
	e.wg.Add(1)
	go e.confirmer(ctx)
	if e.cfg.Changes != nil {
		e.wg.Add(1)
		go e.followChanges(ctx)
	}
	return nil
}

// Close stops the workers and the rescan and waits for them. A batch in
// flight stops its Mautic calls; contacts already made are still stored,
// and users not done stay in the database as pending. Close does not close
// Config.Client or Config.Store. It is idempotent and returns nil.
func (e *Engine) Close() error {
	e.mu.Lock()
	e.closed = true
	if e.cancel != nil {
		e.cancel()
	}
	e.mu.Unlock()
	e.wg.Wait()
	return nil
}

// Stats returns a snapshot of the queue, the cache and the counters.
func (e *Engine) Stats() Stats {
	var s Stats
	s.Queued, s.InFlight = e.queue.counts()
	s.Cached = e.cache.size()
	s.PausedUntil = e.pause.end(time.Now())
	e.stats.fill(&s)
	return s
}
