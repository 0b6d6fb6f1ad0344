package provision

import (
	"errors"
	"net/http"
	"strings"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

// provision applies rules 2 to 4 to the users whose rows hold no contact:
// one exact lookup of all their emails, one lookup of the contacts their
// mtc_id cookies name, then one batch edit (updates of found contacts,
// anonymous contacts taking an email) and one batch create.
func (r *batchRun) provision(ms []*member, held map[string]bool) {
	ms = r.e.lookupable(ms)
	if len(ms) == 0 {
		return
	}
	byEmail, err := r.e.client.Contacts.FindByEmails(r.ctx, emailsOf(ms))
	if err != nil {
		r.e.callFailed(ms, err)
		return
	}
	r.e.pause.succeeded()
	cookies, err := r.cookieContacts(ms, byEmail)
	if err != nil {
		r.e.callFailed(ms, err)
		return
	}
	claimed := make(map[int]bool)
	for _, m := range ms {
		if id := m.hint.mtcID; id > 0 && !held[contactLockKey(id)] {
			claimed[id] = true // another batch holds it: not ours to take
		}
	}
	var patch, create []*member
	for _, m := range ms {
		m.plan = decide(m.prof, m.hint.mtcID, byEmail[emailKey(m.prof.email)], cookies[m.hint.mtcID], claimed)
		if m.plan.rule == RuleEmail && !r.mayLink(m) {
			continue
		}
		switch {
		case m.plan.rule == RuleCreate:
			create = append(create, m)
		case m.plan.fields == nil:
			m.contactID = m.plan.contactID
			r.links = append(r.links, m)
		default:
			patch = append(patch, m)
		}
	}
	create = append(create, r.patch(patch)...)
	r.create(create)
}

// lookupable returns the users whose email can be looked up exactly; the
// others back off (their email must change before Mautic can hold it).
func (e *Engine) lookupable(ms []*member) []*member {
	ok := ms[:0]
	for _, m := range ms {
		if err := mautic.CheckEmail(m.prof.email); err != nil {
			e.rejected(m, errors.New("provision: the user's email cannot be looked up exactly in Mautic (empty, or characters Mautic strips)"))
			continue
		}
		ok = append(ok, m)
	}
	return ok
}

func emailsOf(ms []*member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.prof.email
	}
	return out
}

// emailKey is how FindByEmails keys its answer.
func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// cookieContacts looks up, in one call, the contacts the users' mtc_id
// cookies name, when that is not the contact their email found. The
// cookie is untrusted: it only ever names a contact to look at.
func (r *batchRun) cookieContacts(ms []*member, byEmail map[string][]*mautic.Contact) (map[int]*mautic.Contact, error) {
	var ids []int
	for _, m := range ms {
		id := m.hint.mtcID
		if id <= 0 {
			continue
		}
		if found := byEmail[emailKey(m.prof.email)]; len(found) > 0 && found[0].ID == id {
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return r.e.client.Contacts.FindByIDs(r.ctx, ids)
}

// patch sends the updates of contacts found by email (rule 2) and the
// claims of anonymous contacts (rule 3) in one batch edit. It returns the
// claims to make as creates instead (rule 3's fallback to rule 4): the
// email was taken meanwhile (422), or the contact is gone (404).
func (r *batchRun) patch(ms []*member) (fallback []*member) {
	if len(ms) == 0 {
		return nil
	}
	items := make([]mautic.Fields, len(ms))
	for i, m := range ms {
		items[i] = mautic.Fields{"id": m.plan.contactID}
		for k, v := range m.plan.fields {
			items[i][k] = v
		}
	}
	res, err := r.e.client.Contacts.BatchPatch(r.ctx, items)
	r.results(ms, res, err, func(m *member, item mautic.BatchResult) {
		switch {
		case item.Err == nil:
			m.contactID = item.Contact.ID
			r.links = append(r.links, m)
		case m.plan.rule == RuleAnonymous && (item.Status == http.StatusUnprocessableEntity || item.Status == http.StatusNotFound):
			// POST /contacts/new keeps what it is not sent: after a 422 the
			// email's contact exists, and its names are marketing's.
			m.plan = plan{rule: RuleCreate, fields: m.prof.newContactFields(item.Status == http.StatusNotFound)}
			fallback = append(fallback, m)
		case item.Status == http.StatusNotFound:
			r.e.retrySoon(m) // the contact found by email went away: look again
		case mautic.IsValidation(item.Err):
			r.e.invalid(m, item.Err)
		default:
			r.e.rejected(m, item.Err)
		}
	})
	return fallback
}

// create makes the contacts of rule 4 in one batch create. Mautic dedupes
// each item by email, so a repeat after a lost answer makes no duplicate;
// creates of one user never run twice at once (the user's lock).
func (r *batchRun) create(ms []*member) {
	if len(ms) == 0 {
		return
	}
	if r.retryErr != nil { // Mautic just failed: do not spend a call
		for _, m := range ms {
			r.keepForRetry(m, r.retryErr)
		}
		return
	}
	items := make([]mautic.Fields, len(ms))
	for i, m := range ms {
		items[i] = m.plan.fields
	}
	res, err := r.e.client.Contacts.BatchUpsert(r.ctx, items)
	r.results(ms, res, err, func(m *member, item mautic.BatchResult) {
		switch {
		case item.Err == nil && r.createdExisting(m, item):
			r.e.hold(m, item.Contact.ID)
		case item.Err == nil:
			m.contactID, m.created = item.Contact.ID, item.Status == http.StatusCreated
			r.links = append(r.links, m)
		case mautic.IsValidation(item.Err):
			r.e.invalid(m, item.Err)
		default:
			r.e.rejected(m, item.Err)
		}
	})
}

// mayLink checks rule 2's contact before anything is written to it: the
// user must own the email (mayTake), and the contact must not be another
// user's. It ends the user's turn when not.
func (r *batchRun) mayLink(m *member) bool {
	id := m.plan.contactID
	if !r.mayTake(m, id) {
		r.e.hold(m, id)
		return false
	}
	others, err := r.takenBy(m, id)
	if err != nil {
		r.e.unavailable([]*member{m}, failDatabase, err, timeZero)
		return false
	}
	if len(others) > 0 {
		r.taken(m, id, others)
		return false
	}
	return true
}
