package provision

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/internal/wait"
	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// DeletePolicy says how long a contact deleted in Mautic stays deleted for
// its user.
type DeletePolicy string

const (
	// DeleteWaitForVisit (the default) makes no contact for the user until
	// their next signed-in request after the deletion; the rescan and
	// webhooks do not count.
	DeleteWaitForVisit DeletePolicy = "wait_for_visit"
	// DeletePermanent never makes a contact for the user again, until an
	// operator deletes their row from caddy_mautic_deletions.
	DeletePermanent DeletePolicy = "permanent"
)

// confirmDelay is the quiet time that ends the gathering of deletions
// before they are confirmed: Mautic sends a bulk delete as one webhook per
// contact, and a round for all of them costs one lookup instead of one per
// contact. maxGather bounds the gathering while webhooks keep coming.
const (
	confirmDelay = time.Second
	maxGather    = 10 * time.Second
)

// confirmBatch bounds the contacts one confirmation round takes.
const confirmBatch = 1000

// maxMergeLookups bounds the contacts per round whose vanishing is asked
// about one by one (GET /contacts/{id} answers a merge's survivor; a list
// lookup does not). Merges come one at a time (a form submit, a
// marketer's click); more vanished contacts than this at once are a bulk
// delete, and are not asked about.
const maxMergeLookups = 4

// maxChecks bounds the linked contacts waiting to be checked for
// existence; past it, checks are dropped (the next cache miss asks again).
const maxChecks = 10_000

// deletions is the state of the deletion confirmer: contacts to check and
// the signals that wake it.
type deletions struct {
	mu     sync.Mutex
	checks map[int]bool // linked contacts to look up once
	wake   chan struct{}
	// urgent wakes it for a user who is on the site now (a lost delete
	// found by their request): it does not wait for a bulk to go quiet.
	urgent chan struct{}
}

func newDeletions() *deletions {
	return &deletions{checks: make(map[int]bool), wake: make(chan struct{}, 1), urgent: make(chan struct{}, 1)}
}

// poke wakes the confirmer for a delete webhook.
func (d *deletions) poke() { signal(d.wake) }

// pokeUrgent wakes the confirmer for a user on the site now.
func (d *deletions) pokeUrgent() { signal(d.urgent) }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// check queues a linked contact to be looked up in the next round.
func (d *deletions) check(id int) {
	d.mu.Lock()
	if len(d.checks) < maxChecks {
		d.checks[id] = true
	}
	d.mu.Unlock()
	d.pokeUrgent()
}

func (d *deletions) takeChecks() []int {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]int, 0, len(d.checks))
	for id := range d.checks {
		ids = append(ids, id)
	}
	clear(d.checks)
	slices.Sort(ids)
	return ids
}

// confirmer confirms deletions until ctx ends: at Start, when woken (a
// delete webhook, a contact to check), and every Rescan for what another
// instance or a crash left behind.
func (e *Engine) confirmer(ctx context.Context) {
	defer e.wg.Done()
	tick := time.NewTicker(e.cfg.Rescan)
	defer tick.Stop()
	failures := 0
	for {
		if !e.gather(ctx) {
			return
		}
		if err := e.confirmAll(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			d := backoff(e.cfg.RetryMin, e.cfg.RetryMax, failures)
			e.log.Warn("mautic deletions: confirming failed; retrying", zap.Duration("retry_in", d), zap.Error(err))
			if wait.For(ctx, d) != nil {
				return
			}
			continue
		}
		failures = 0
		select {
		case <-ctx.Done():
			return
		case <-e.deletes.wake:
		case <-e.deletes.urgent:
		case <-tick.C:
		}
	}
}

// gather waits until no deletion arrived for confirmDelay, or maxGather
// passed, or confirmDelay after an urgent one. It returns false when ctx
// ends.
func (e *Engine) gather(ctx context.Context) bool {
	limit := time.NewTimer(maxGather)
	defer limit.Stop()
	urgent := e.deletes.urgent
	for {
		quiet := time.NewTimer(confirmDelay)
		select {
		case <-ctx.Done():
			quiet.Stop()
			return false
		case <-limit.C:
			quiet.Stop()
			return true
		case <-quiet.C:
			return true
		case <-e.deletes.wake:
			quiet.Stop()
		case <-urgent:
			quiet.Stop()
			limit.Reset(confirmDelay)
			urgent = nil // the limit is set: later ones change nothing
		}
	}
}

// confirmAll runs rounds until none is left.
func (e *Engine) confirmAll(ctx context.Context) error {
	for {
		n, err := e.ConfirmDeletions(ctx)
		if err != nil || n < confirmBatch {
			return err
		}
	}
}

// ConfirmDeletions runs one round of confirmations and returns how many
// recorded deletions it took. Start runs it in the background; it is
// exported for tests and tools. A round costs, for up to 1,000 contacts:
// one database query for their users, one Mautic list lookup of those
// that have users (none when none has), one email lookup per ~100 users of
// the contacts gone, and at most maxMergeLookups single lookups.
func (e *Engine) ConfirmDeletions(ctx context.Context) (int, error) {
	known, err := e.checkLinked(ctx)
	if err != nil {
		return 0, err
	}
	ids, err := e.store.SuspectedDeletions(ctx, confirmBatch)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	users, err := e.store.UsersByMauticIDs(ctx, ids)
	if err != nil {
		return 0, err
	}
	r := &confirmRound{e: e, ctx: ctx, users: make(map[int][]userdb.User), known: known}
	for _, u := range users {
		r.users[u.MauticID] = append(r.users[u.MauticID], u)
	}
	err = r.run(ids)
	r.report()
	return len(ids), err
}

// checkLinked looks up the linked contacts queued by cache misses and
// records those Mautic no longer has as deleted (a delete webhook that
// never arrived); it returns them, so the round does not ask again.
func (e *Engine) checkLinked(ctx context.Context) (map[int]bool, error) {
	ids := e.deletes.takeChecks()
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := e.client.Contacts.FindByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("checking linked contacts: %w", err)
	}
	gone := make(map[int]bool)
	var list []int
	for _, id := range ids {
		if found[id] == nil {
			gone[id] = true
			list = append(list, id)
		}
	}
	if len(list) == 0 {
		return nil, nil
	}
	e.log.Info("mautic contacts of linked users no longer exist (a delete webhook was lost?); confirming",
		zap.Ints("contact_ids", list))
	return gone, e.store.SuspectDeleted(ctx, list, e.cfg.Now())
}

// confirmRound is one round of ConfirmDeletions.
type confirmRound struct {
	e       *Engine
	ctx     context.Context
	users   map[int][]userdb.User // linked users by contact
	known   map[int]bool          // contacts this round already found gone
	done    []int                 // contacts dealt with
	changed []string              // users whose contact changed
	feed    []userdb.Change       // the same, for the other instances
	effects []WebhookEffect
}

func (r *confirmRound) run(ids []int) error {
	var linked []int
	for _, id := range ids {
		if len(r.users[id]) == 0 {
			r.done = append(r.done, id) // nobody to unlink: no call
			continue
		}
		linked = append(linked, id)
	}
	err := r.confirm(linked)
	if ferr := r.e.store.ForgetSuspects(r.ctx, r.done); err == nil {
		err = ferr
	}
	return err
}

// confirm sorts the linked contacts into still there, merged and deleted.
func (r *confirmRound) confirm(ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	var ask []int
	for _, id := range ids {
		if !r.known[id] {
			ask = append(ask, id)
		}
	}
	found := map[int]*mautic.Contact{}
	if len(ask) > 0 {
		var err error
		if found, err = r.e.client.Contacts.FindByIDs(r.ctx, ask); err != nil {
			return fmt.Errorf("asking Mautic which deleted contacts exist: %w", err)
		}
	}
	var gone, exist []int
	for _, id := range ids {
		if found[id] != nil {
			exist = append(exist, id)
		} else {
			gone = append(gone, id)
		}
	}
	if len(exist) > 0 {
		r.done = append(r.done, exist...)
		r.effects = append(r.effects, repeat(EffectUnchanged, len(exist))...)
		r.e.log.Info("mautic delete event for contacts that still exist (a test payload or a replay): nobody unlinked",
			zap.Ints("contact_ids", exist))
	}
	return r.followMerges(gone)
}

// followMerges asks Mautic, one by one, where the few contacts left went:
// a merge answers its survivor. A bulk delete is not asked about.
func (r *confirmRound) followMerges(ids []int) error {
	for _, id := range ids {
		to := 0
		if len(ids) <= maxMergeLookups {
			var err error
			if to, err = r.survivor(id); err != nil {
				return err
			}
		}
		var err error
		if to > 0 {
			err = r.move(id, to)
		} else {
			err = r.remove(id)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// survivor returns the contact Mautic merged id into, or 0 when it was
// deleted.
func (r *confirmRound) survivor(id int) (int, error) {
	c, err := r.e.client.Contacts.Get(r.ctx, id)
	switch {
	case mautic.IsNotFound(err):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("asking Mautic whether contact %d was merged: %w", id, err)
	case c.ID == id || r.e.cache.isDeleted(c.ID):
		return 0, nil
	}
	return c.ID, nil
}

// move moves the users of contact from to contact to.
func (r *confirmRound) move(from, to int) error {
	n, err := r.e.store.ReplaceMauticID(r.ctx, from, to)
	if err != nil {
		return err
	}
	r.e.cache.markDeleted(from)
	for _, u := range r.users[from] {
		prev, _ := r.e.cache.get(u.ID)
		r.e.cache.set(u.ID, linked{contactID: to, locale: prev.locale})
		r.changed = append(r.changed, u.ID)
		r.feed = append(r.feed, userdb.Change{UserID: u.ID, OldContact: from, NewContact: to})
	}
	r.done = append(r.done, from)
	r.effects = append(r.effects, EffectMoved)
	r.e.log.Info("mautic contact merged: users follow the survivor", zap.Int("from_contact_id", from), zap.Int("contact_id", to), zap.Int64("users", n))
	return nil
}

// remove applies a confirmed deletion: the users get a tombstone and lose
// the link, in one transaction, and are forgotten by the cache.
func (r *confirmRound) remove(id int) error {
	permanent := r.e.cfg.OnDelete == DeletePermanent
	// Forgotten before and after the write: a request in between reads
	// the row again rather than answer the deleted contact from memory.
	r.e.cache.markDeleted(id)
	for _, u := range r.users[id] {
		r.e.cache.forget(u.ID)
	}
	users, err := r.e.store.DeleteContact(r.ctx, id, r.e.cfg.Now(), permanent)
	if err != nil {
		return err
	}
	r.feed = append(r.feed, userdb.Change{OldContact: id})
	for _, uid := range users {
		r.e.cache.forget(uid)
		r.changed = append(r.changed, uid)
		r.feed = append(r.feed, userdb.Change{UserID: uid, OldContact: id})
	}
	r.done = append(r.done, id)
	r.effects = append(r.effects, EffectCleared)
	r.e.log.Info("mautic contact deleted: users unlinked until they come back",
		zap.Int("contact_id", id), zap.Int("users", len(users)), zap.Bool("permanent", permanent))
	return nil
}

// report counts the round's effects, tells the hooks which users changed,
// and the other instances through the change feed.
func (r *confirmRound) report() {
	r.e.publish(r.ctx, r.feed)
	for _, eff := range r.effects {
		r.e.stats.webhook(eff)
		r.e.cfg.Hooks.webhook(mautic.TriggerContactDeleted, eff)
	}
	if len(r.changed) > 0 {
		r.e.cfg.Hooks.usersChanged(r.changed)
	}
}

func repeat[T any](v T, n int) []T {
	out := make([]T, n)
	for i := range out {
		out[i] = v
	}
	return out
}

// tombstoned settles the users a deletion holds back and returns the
// others. A user's signed-in request after a deletion that is not
// permanent clears it.
func (r *batchRun) tombstoned(ms []*member) []*member {
	if len(ms) == 0 {
		return ms
	}
	ts, err := r.e.store.Tombstones(r.ctx, memberIDs(ms))
	if err != nil {
		r.e.unavailable(ms, failDatabase, err, timeZero)
		return nil
	}
	free := ms[:0]
	for _, m := range ms {
		t, ok := ts[m.userID]
		if ok && !t.Permanent && m.hint.visitAt.After(t.DeletedAt) {
			cleared, err := r.e.store.ClearTombstone(r.ctx, m.userID, m.hint.visitAt)
			if err != nil {
				r.e.unavailable([]*member{m}, failDatabase, err, timeZero)
				continue
			}
			ok = !cleared
			if cleared {
				r.e.log.Info("mautic provisioning: user came back after their contact was deleted",
					zap.String("user_id", m.userID), zap.Int("deleted_contact_id", t.ContactID))
			}
		}
		if ok {
			r.e.queue.settle(m.t, 0)
			r.e.outcome(OutcomeDeleted)
			continue
		}
		free = append(free, m)
	}
	return free
}
