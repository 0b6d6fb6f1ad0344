package provision

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// Defaults of the change feed.
const (
	// DefaultChangePoll is how often the feed is read: the bound on how
	// long another instance's change may be unknown here.
	DefaultChangePoll = time.Second
	// changeLookBack is how far back each read looks beyond the last
	// sequence number, for rows numbered earlier but committed later.
	changeLookBack = 5 * time.Second
	// changeKeep is how long the feed keeps a row.
	changeKeep   = time.Hour
	changePrune  = 10 * time.Minute
	changeBatch  = 1000
	changeLogGap = time.Minute
)

// ChangeFeed is the table by which instances sharing a database tell each
// other which links they changed. *userdb.DB satisfies it.
type ChangeFeed interface {
	AppendChanges(ctx context.Context, changes []userdb.Change) error
	ChangesSince(ctx context.Context, seq int64, since time.Time, limit int) ([]userdb.Change, error)
	LastChange(ctx context.Context) (int64, error)
	PruneChanges(ctx context.Context, before time.Time) error
}

var _ ChangeFeed = (*userdb.DB)(nil)

// feedState is what the engine remembers of the feed.
type feedState struct {
	mu      sync.Mutex
	started bool
	last    int64
	seen    map[int64]time.Time // sequence numbers read within the look-back
	logged  time.Time           // last failure logged
}

// publish appends changes to the feed; a failure is logged, not returned:
// the change is already in the users' rows, and other instances learn of
// it at the latest when their cache entry expires (CacheTTL).
func (e *Engine) publish(ctx context.Context, changes []userdb.Change) {
	if e.cfg.Changes == nil || len(changes) == 0 {
		return
	}
	ctx, cancel := storeContext(ctx)
	defer cancel()
	if err := e.cfg.Changes.AppendChanges(ctx, changes); err != nil {
		e.feedFailed("appending to the change feed failed; other instances keep their cached contact until it expires", err)
	}
}

// publishWebhook tells other instances what a webhook changed: each
// touched user's contact as the database now holds it. Deletions are
// published once Mautic confirmed them (confirmRound.report): a delete
// event for a contact that still exists changes nothing anywhere.
func (e *Engine) publishWebhook(ctx context.Context, res WebhookResult) {
	if e.cfg.Changes == nil {
		return
	}
	var changes []userdb.Change
	if len(res.Users) > 0 {
		sctx, cancel := storeContext(ctx)
		rows, err := e.store.Users(sctx, res.Users)
		cancel()
		if err != nil {
			rows = nil // a plain "forget" (NewContact 0) is still right
		}
		for _, uid := range res.Users {
			changes = append(changes, userdb.Change{UserID: uid, NewContact: rows[uid].MauticID})
		}
	}
	e.publish(ctx, changes)
}

// SyncChanges applies the changes other instances appended since the last
// call: a user's cached contact is replaced or forgotten, a gone contact
// is distrusted and every user cached with it forgotten. The first call
// only notes where the feed ends. The engine calls it every ChangePoll;
// tests call it to step the feed.
func (e *Engine) SyncChanges(ctx context.Context) error {
	f := e.cfg.Changes
	if f == nil {
		return nil
	}
	e.feed.mu.Lock()
	defer e.feed.mu.Unlock()
	if !e.feed.started {
		last, err := f.LastChange(ctx)
		if err != nil {
			return err
		}
		e.feed.started, e.feed.last, e.feed.seen = true, last, map[int64]time.Time{}
		return nil
	}
	now := e.cfg.Now()
	changes, err := f.ChangesSince(ctx, e.feed.last, now.Add(-changeLookBack), changeBatch)
	if err != nil {
		return err
	}
	var users []string
	for _, c := range changes {
		if _, ok := e.feed.seen[c.Seq]; ok {
			continue
		}
		e.feed.seen[c.Seq] = c.At
		e.feed.last = max(e.feed.last, c.Seq)
		users = append(users, e.applyChange(c)...)
	}
	for seq, at := range e.feed.seen {
		if now.Sub(at) > 2*changeLookBack {
			delete(e.feed.seen, seq)
		}
	}
	if len(users) > 0 {
		e.cfg.Hooks.usersChanged(users)
	}
	return nil
}

// applyChange updates the cache for one change and returns the users
// whose cached contact it dropped or replaced.
func (e *Engine) applyChange(c userdb.Change) []string {
	var users []string
	if c.OldContact > 0 {
		e.cache.markDeleted(c.OldContact)
		users = e.cache.forgetContact(c.OldContact)
	}
	if c.UserID != "" {
		if c.NewContact > 0 && !e.cache.isDeleted(c.NewContact) {
			prev, _ := e.cache.get(c.UserID)
			e.cache.set(c.UserID, linked{contactID: c.NewContact, locale: prev.locale})
		} else {
			e.cache.forget(c.UserID)
		}
		users = append(users, c.UserID)
	}
	return users
}

// followChanges reads the feed every ChangePoll and prunes it now and
// then, until ctx is done.
func (e *Engine) followChanges(ctx context.Context) {
	defer e.wg.Done()
	tick := time.NewTicker(e.cfg.ChangePoll)
	defer tick.Stop()
	var pruned time.Time
	for {
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		if err := e.SyncChanges(sctx); err != nil && ctx.Err() == nil {
			e.feedFailed("reading the change feed failed; changes made by other instances are not seen until it answers", err)
		}
		if now := e.cfg.Now(); now.Sub(pruned) > changePrune {
			if e.cfg.Changes.PruneChanges(sctx, now.Add(-changeKeep)) == nil {
				pruned = now
			}
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// feedFailed logs a feed failure at most once a minute and counts it.
func (e *Engine) feedFailed(msg string, err error) {
	now := time.Now()
	e.stats.failure(failDatabase, now)
	e.feed.mu.Lock()
	quiet := now.Sub(e.feed.logged) < changeLogGap
	if !quiet {
		e.feed.logged = now
	}
	e.feed.mu.Unlock()
	if !quiet {
		e.log.Warn("mautic provisioning: "+msg, zap.Error(err))
	}
}
