package provision

import (
	"context"
	"strconv"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// contactLockPrefix namespaces the lock on an anonymous contact, taken
// through Store.LockUsers next to the users' own: two users sharing a
// browser must not both claim its contact. Better Auth's user ids are
// alphanumeric, so they never collide with it.
const contactLockPrefix = "mautic-contact:"

// storeTimeout bounds the database writes that end a batch. They run even
// when the batch's context has ended, so a contact made is never
// forgotten.
const storeTimeout = 10 * time.Second

// member is one user in a batch and what the batch learned about them.
type member struct {
	job
	row       userdb.User
	prof      profile
	plan      plan
	contactID int // the contact to store as the user's mauticId
	// created is set when Mautic made contactID for this user (201).
	created bool
	// unproven is the mtc_id the browser sent with no evidence that it
	// was tracked as that contact; it was ignored.
	unproven int
}

// batchRun collects the outcome of one batch: users to link, and users
// whose Mautic call failed as a whole.
type batchRun struct {
	e        *Engine
	ctx      context.Context
	records  map[string]userdb.Link // the module's records of the members
	links    []*member
	retry    []*member
	retryErr error
}

// runBatch is one worker's turn: lock the users (and the anonymous
// contacts their cookies name) against other instances, read their rows
// again, then refresh the linked ones and provision the others.
func (e *Engine) runBatch(ctx context.Context, jobs []job) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.CallTimeout)
	defer cancel()
	ms := make([]*member, len(jobs))
	for i := range jobs {
		ms[i] = &member{job: jobs[i]}
	}
	if err := e.withEvidence(ctx, ms); err != nil {
		e.unavailable(ms, failDatabase, err, time.Time{})
		return
	}
	held, release, err := e.store.LockUsers(ctx, lockKeys(ms))
	if err != nil {
		e.unavailable(ms, failDatabase, err, time.Time{})
		return
	}
	defer release()
	heldSet := make(map[string]bool, len(held))
	for _, k := range held {
		heldSet[k] = true
	}
	if ms = e.deferUnheld(ms, heldSet); len(ms) == 0 {
		return
	}
	rows, err := e.store.Users(ctx, memberIDs(ms))
	if err != nil {
		e.unavailable(ms, failDatabase, err, time.Time{})
		return
	}
	records, err := e.store.Links(ctx, memberIDs(ms))
	if err != nil {
		e.unavailable(ms, failDatabase, err, time.Time{})
		return
	}
	run := &batchRun{e: e, ctx: ctx, records: records}
	refresh, resync, provision := run.sort(ms, rows)
	run.resync(resync)
	run.refresh(refresh)
	run.provision(run.tombstoned(provision), heldSet)
	run.finish()
}

// lockKeys are the users' ids and the lock keys of their cookies' contacts.
func lockKeys(ms []*member) []string {
	keys := make([]string, 0, len(ms))
	for _, m := range ms {
		keys = append(keys, m.userID)
		if m.hint.mtcID > 0 {
			keys = append(keys, contactLockKey(m.hint.mtcID))
		}
	}
	return keys
}

func contactLockKey(id int) string { return contactLockPrefix + strconv.Itoa(id) }

func memberIDs(ms []*member) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.userID
	}
	return ids
}

// deferUnheld puts back the users another instance holds and returns the
// others.
func (e *Engine) deferUnheld(ms []*member, held map[string]bool) []*member {
	mine := ms[:0]
	for _, m := range ms {
		if held[m.userID] {
			mine = append(mine, m)
			continue
		}
		e.queue.retry(m.t, time.Now().Add(e.cfg.LockRetry), m.kind, m.attempts, m.dropOptional)
		e.outcome(OutcomeDeferred)
	}
	return mine
}

// sort applies rule 1 from the rows read under the lock: a user whose row
// holds an id is done without a Mautic call, unless their locale is to be
// refreshed or their email changed since it was synced; a user without one
// is to be provisioned.
func (r *batchRun) sort(ms []*member, rows map[string]userdb.User) (refresh, resync, provision []*member) {
	now := r.e.cfg.Now()
	for _, m := range ms {
		row, ok := rows[m.userID]
		if !ok {
			r.e.gone(m)
			continue
		}
		if r.e.consent.withheld(m.userID) {
			r.e.queue.settle(m.t, 0)
			r.e.outcome(OutcomeNoConsent)
			continue
		}
		m.row = row
		m.prof = newProfile(row, m.hint, r.e.locales, r.e.localeDefault, !m.dropOptional, now)
		switch {
		case row.MauticID > 0 && r.e.cache.isDeleted(row.MauticID):
			r.e.queue.settle(m.t, 0) // its deletion is being confirmed
			r.e.outcome(OutcomeDeleted)
		case row.MauticID > 0 && r.emailChanged(m):
			resync = append(resync, m)
		case row.MauticID > 0 && m.kind == kindProvision:
			m.plan = plan{rule: RuleStored, contactID: row.MauticID}
			r.e.finish(m, row.MauticID, OutcomeProvisioned)
			if !m.hint.visitAt.IsZero() {
				r.e.deletes.check(row.MauticID) // a request's cache miss: is it still there?
			}
		case row.MauticID > 0:
			refresh = append(refresh, m)
		default:
			provision = append(provision, m)
		}
	}
	return refresh, resync, provision
}

// results hands each item's result to fn, except items whose call failed
// as a whole, which are kept for a retry.
func (r *batchRun) results(ms []*member, res []mautic.BatchResult, err error, fn func(*member, mautic.BatchResult)) {
	if res == nil { // the request was not even made
		for _, m := range ms {
			r.e.rejected(m, err)
		}
		return
	}
	answered := false
	for i, m := range ms {
		item := res[i]
		if item.Status == 0 {
			r.keepForRetry(m, itemErr(item))
			continue
		}
		answered = true
		fn(m, item)
	}
	if answered {
		r.e.pause.succeeded()
	}
}

// keepForRetry notes a user whose call failed as a whole.
func (r *batchRun) keepForRetry(m *member, err error) {
	r.retry = append(r.retry, m)
	if r.retryErr == nil && err != nil {
		r.retryErr = err
	}
}

// finish stores the links made and puts back the users whose calls failed.
func (r *batchRun) finish() {
	r.e.linkAll(r.ctx, r.links)
	if len(r.retry) > 0 {
		r.e.callFailed(r.retry, r.retryErr)
	}
}

// itemErr is a batch item's error as an error: nil, not a nil *mautic.Error.
func itemErr(item mautic.BatchResult) error {
	if item.Err == nil {
		return nil
	}
	return item.Err
}
