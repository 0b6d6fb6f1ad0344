package provision

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// holdTTL is how long a user held without a contact (their email is
// unverified and another contact's) is not looked at again, unless a visit
// shows the email verified. The rescan looks again after it.
const holdTTL = 5 * time.Minute

// isHeld reports whether the visit's user is held without a contact and
// nothing in the visit ends the hold: a credential saying the email is now
// verified does, at once.
func (e *Engine) isHeld(v Visit) bool {
	if _, ok := e.cache.held.Get(v.User.UserID); !ok {
		return false
	}
	if v.User.EmailVerified {
		e.cache.held.Delete(v.User.UserID)
		return false
	}
	return true
}

// heldRow is isHeld for a row the rescan read.
func (e *Engine) heldRow(u userdb.User) bool {
	_, ok := e.cache.held.Get(u.ID)
	return ok && !u.EmailVerified
}

// mayTake reports whether user m may be linked to contactID, a contact
// that has their email and that the module did not create for them: only
// once their email is verified (or the site trusts every email). A
// contact existing before the user may hold a stranger's data, and Better
// Auth signs users in before they prove their email.
func (r *batchRun) mayTake(m *member, contactID int) bool {
	if m.row.EmailVerified || r.e.cfg.TrustUnverifiedEmails {
		return true
	}
	rec, ok := r.records[m.userID]
	return ok && rec.Created && rec.ContactID == contactID
}

// hold ends the turn of a user who gets no contact for now: no mauticId,
// no field written, no mtc_id. A visit showing the email verified, or the
// rescan after holdTTL, looks again.
func (e *Engine) hold(m *member, contactID int) {
	e.cache.held.SetDefault(m.userID, struct{}{})
	e.queue.settle(m.t, 0)
	e.outcome(OutcomeUnverified)
	e.log.Info("mautic contact withheld: the user's email is not verified and its contact existed before them",
		zap.String("user_id", m.userID), zap.Int("contact_id", contactID))
}

// takenBy returns the other users already linked to contactID: a contact
// belongs to one user, so the caller must not link m to it.
func (r *batchRun) takenBy(m *member, contactID int) ([]userdb.User, error) {
	users, err := r.e.store.UsersByMauticID(r.ctx, contactID)
	if err != nil {
		return nil, err
	}
	others := users[:0]
	for _, u := range users {
		if u.ID != m.userID {
			others = append(others, u)
		}
	}
	return others, nil
}

// taken handles a user whose email's contact is another user's. That
// happens when the other user changed their email and the change has not
// reached Mautic yet: the other users are queued for the email sync, and m
// backs off and looks again, finding then no contact with their email.
// Creating one meanwhile is not possible (Mautic would answer with the
// same contact: it dedupes on email).
func (r *batchRun) taken(m *member, contactID int, others []userdb.User) {
	e := r.e
	now := time.Now()
	for _, u := range others {
		e.queue.push(u.ID, kindProvision, hint{}, now)
	}
	attempts := m.attempts + 1
	wait := backoff(e.cfg.RetryMin, e.cfg.RetryMax, attempts)
	e.queue.retry(m.t, now.Add(wait), m.kind, attempts, m.dropOptional)
	e.outcome(OutcomeTaken)
	e.log.Warn("mautic contact withheld: the contact with the user's email is linked to another user",
		zap.String("user_id", m.userID), zap.Int("contact_id", contactID), zap.String("linked_user_id", others[0].ID),
		zap.Duration("retry_in", wait))
}

// withEvidence drops the mtc_id of members whose browser the first-party
// proxy never saw tracked as that contact: ids are sequential, so a cookie
// alone proves nothing, and taking a stranger's anonymous contact would
// hand over their browsing history. It runs before the batch takes its
// locks, so that a forged id does not even lock the contact it names
// (which would make its owner's own sign-up pass it by).
func (e *Engine) withEvidence(ctx context.Context, ms []*member) error {
	var devices []string
	for _, m := range ms {
		if m.hint.mtcID > 0 && m.hint.device != "" {
			devices = append(devices, m.hint.device)
		}
	}
	seen := map[string]int{}
	if len(devices) > 0 {
		var err error
		if seen, err = e.store.DeviceContacts(ctx, devices, e.cfg.Now().Add(-e.cfg.EvidenceWindow)); err != nil {
			return err
		}
	}
	for _, m := range ms {
		if id := m.hint.mtcID; id > 0 && (m.hint.device == "" || seen[m.hint.device] != id) {
			m.hint.mtcID, m.unproven = 0, id
		}
	}
	return nil
}

// createdExisting reports a create Mautic answered with a contact that
// already existed (200, not 201: someone made it after the lookup), which
// a user with an unverified email must not be linked to.
func (r *batchRun) createdExisting(m *member, item mautic.BatchResult) bool {
	return item.Status != 201 && !r.mayTake(m, item.Contact.ID)
}
