package provision

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

// refresh sends the locale a linked user chose to their contact, in one
// batch edit. Mautic answers a merged-away id with the survivor, which is
// then stored instead (rule 1's "follow the merge"); a contact that no
// longer exists is unlinked and the user provisioned again.
func (r *batchRun) refresh(ms []*member) {
	var sent []*member
	var items []mautic.Fields
	for _, m := range ms {
		f := m.prof.refreshFields()
		if f == nil {
			r.e.finish(m, m.row.MauticID, OutcomeRefreshed)
			continue
		}
		f["id"] = m.row.MauticID
		sent, items = append(sent, m), append(items, f)
	}
	if len(sent) == 0 {
		return
	}
	res, err := r.e.client.Contacts.BatchPatch(r.ctx, items)
	r.results(sent, res, err, func(m *member, item mautic.BatchResult) {
		switch {
		case item.Err == nil:
			r.refreshed(m, item.Contact.ID)
		case item.Status == http.StatusNotFound:
			r.e.contactVanished(r.ctx, m)
		case mautic.IsValidation(item.Err):
			r.e.invalid(m, item.Err)
		default:
			r.e.rejected(m, item.Err)
		}
	})
}

// refreshed ends a refresh that Mautic answered with contact got: when it
// is not the stored id, the stored one was merged into it.
func (r *batchRun) refreshed(m *member, got int) {
	old := m.row.MauticID
	if got != old {
		ctx, cancel := storeContext(r.ctx)
		defer cancel()
		if _, err := r.e.store.ReplaceMauticID(ctx, old, got); err != nil {
			r.e.unavailable([]*member{m}, failDatabase, err, timeZero)
			return
		}
		r.e.log.Info("mautic contact merged: user follows the survivor",
			zap.String("user_id", m.userID), zap.Int("from_contact_id", old), zap.Int("contact_id", got))
	}
	r.e.finish(m, got, OutcomeRefreshed)
}
