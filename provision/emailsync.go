package provision

import (
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// emailChanged reports whether a linked user's email differs from the one
// the module last synced to their contact, so that the change must follow
// the user to Mautic. A user linked without a record of the module's
// (before this record existed, by a webhook, by a claim) gets one now,
// with the email as it is: there is nothing older to compare with.
func (r *batchRun) emailChanged(m *member) bool {
	rec, ok := r.records[m.userID]
	if !ok || rec.ContactID != m.row.MauticID {
		r.putRecord(userdb.Link{UserID: m.userID, ContactID: m.row.MauticID, Email: m.prof.email})
		return false
	}
	return emailKey(rec.Email) != emailKey(m.prof.email) && mautic.CheckEmail(m.prof.email) == nil
}

// putRecord writes the module's record of a link. A failure is logged and
// otherwise ignored: the record is written again on the user's next turn.
func (r *batchRun) putRecord(l userdb.Link) {
	ctx, cancel := storeContext(r.ctx)
	defer cancel()
	if err := r.e.store.PutLink(ctx, l); err != nil {
		r.e.stats.failure(failDatabase, time.Now())
		r.e.log.Warn("mautic provisioning: writing the link record failed", zap.String("user_id", l.UserID), zap.Error(err))
		return
	}
	r.records[l.UserID] = l
}

// resync writes the new emails of linked users to their contacts, in one
// lookup and one batch edit. When another contact already has a user's new
// email, the user stays on their contact, which keeps its old email: two
// contacts never share an email, and a user never moves to a contact that
// may be someone else's. The clash is logged, counted, and not tried again
// until the user's email changes once more; marketing resolves it in
// Mautic (merging the two contacts, say).
func (r *batchRun) resync(ms []*member) {
	if len(ms) == 0 {
		return
	}
	found, err := r.e.client.Contacts.FindByEmails(r.ctx, emailsOf(ms))
	if err != nil {
		r.e.callFailed(ms, err)
		return
	}
	var sent []*member
	var items []mautic.Fields
	for _, m := range ms {
		if otherContact(found[emailKey(m.prof.email)], m.row.MauticID) > 0 {
			r.clash(m)
			continue
		}
		f := m.prof.refreshFields()
		if f == nil {
			f = mautic.Fields{}
		}
		f["id"], f[fieldEmail] = m.row.MauticID, m.prof.email
		sent, items = append(sent, m), append(items, f)
	}
	if len(sent) == 0 {
		return
	}
	res, err := r.e.client.Contacts.BatchPatch(r.ctx, items)
	r.results(sent, res, err, func(m *member, item mautic.BatchResult) {
		switch {
		case item.Err == nil:
			r.putRecord(userdb.Link{UserID: m.userID, ContactID: m.row.MauticID, Email: m.prof.email, Created: r.records[m.userID].Created})
			r.e.log.Info("mautic contact email follows the user's new email", zap.String("user_id", m.userID), zap.Int("contact_id", m.row.MauticID))
			r.e.finish(m, m.row.MauticID, OutcomeEmailSynced)
		case item.Status == http.StatusUnprocessableEntity:
			r.clash(m) // another contact took the email since the lookup
		case item.Status == http.StatusNotFound:
			r.e.contactVanished(r.ctx, m)
		default:
			r.e.rejected(m, item.Err)
		}
	})
}

// otherContact returns the first of found that is not own, or 0.
func otherContact(found []*mautic.Contact, own int) int {
	for _, c := range found {
		if c.ID != own {
			return c.ID
		}
	}
	return 0
}

// clash ends the turn of a user whose new email another contact has: see
// resync.
func (r *batchRun) clash(m *member) {
	r.putRecord(userdb.Link{UserID: m.userID, ContactID: m.row.MauticID, Email: m.prof.email, Created: r.records[m.userID].Created})
	r.e.log.Warn("mautic contact email not changed: another contact has the user's new email; the user stays on their contact",
		zap.String("user_id", m.userID), zap.Int("contact_id", m.row.MauticID))
	r.e.finish(m, m.row.MauticID, OutcomeEmailClash)
}
