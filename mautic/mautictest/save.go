package mautictest

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Webhook triggers the simulator fires.
const (
	triggerNew          = "mautic.lead_post_save_new"
	triggerUpdate       = "mautic.lead_post_save_update"
	triggerDelete       = "mautic.lead_post_delete"
	triggerPointsChange = "mautic.lead_points_change"
)

// event is one webhook event: the trigger and its data, stamped when it
// happened.
type event struct {
	trigger string
	data    object
	at      time.Time
}

// applySave writes a save's values to r, as LeadModel::saveEntity does, and
// returns the webhook events it causes. v is the view the answer will use; the
// returned view adds what this save touched. Call with s.mu held.
func (s *Server) applySave(r *record, in contactInput, writes map[string]string, v view, now time.Time) (view, []event) {
	oldPoints, oldLast := r.points, r.lastActive
	for alias, val := range writes {
		switch alias {
		case "points":
			f, _ := strconv.ParseFloat(strings.TrimSpace(val), 64)
			r.points = int(f)
		case "last_active":
			t, _ := parseDateTime(val) // "" clears it
			r.lastActive = t
		default:
			if val == "" {
				delete(r.fields, alias)
			} else {
				r.fields[alias] = val
			}
		}
	}
	s.st.addTags(r, in.tags)
	if in.ip != "" {
		s.st.addIP(r, in.ip)
	}
	// The lastActive property and the last_active field share a column, but
	// the answer shows the property as it was unless lastActive was sent.
	v.touched = writes
	if _, wrote := writes["last_active"]; wrote {
		v.lastTop, v.hasTop = oldLast, true
	}
	if in.hasLastActive {
		r.lastActive = in.lastActive
		v.lastTop, v.hasTop = in.lastActive, true
	}
	identified := false
	if r.dateIdentified.IsZero() && !r.anonymous() {
		r.dateIdentified = now
		identified = true
	}
	return v, s.saveEvents(r, v, identified, oldPoints, now)
}

// saveEvents are what LeadBundle's WebhookSubscriber queues after a save:
// _new when this save identified the contact, _update for other saves of
// known contacts, nothing for anonymous ones; points_change on a change.
func (s *Server) saveEvents(r *record, v view, identified bool, oldPoints int, now time.Time) []event {
	hv := v
	hv.webhook = true
	var evs []event
	switch {
	case identified:
		evs = append(evs, event{triggerNew, object{}.add("contact", s.st.renderContact(r, hv)), now})
	case !r.anonymous():
		evs = append(evs, event{triggerUpdate, object{}.add("contact", s.st.renderContact(r, hv)), now})
	}
	if r.points != oldPoints {
		points := object{}.add("old_points", oldPoints).add("new_points", r.points)
		evs = append(evs, event{triggerPointsChange, object{}.add("contact", s.st.renderContact(r, hv)).add("points", points), now})
	}
	return evs
}

// deleteEvent is lead_post_delete: the old id, and the contact as it
// serialises after the delete (id null).
func (s *Server) deleteEvent(r *record, now time.Time) event {
	c := s.st.renderContact(r, view{deleted: true, webhook: true})
	return event{triggerDelete, object{}.add("id", r.id).add("contact", c), now}
}

// upsertResult is the outcome of one POST /contacts/new item.
type upsertResult struct {
	id      int
	created bool
	contact object
	events  []event
	errs    []fieldError
}

// upsert is POST /contacts/new: find the contact by email, update it or create
// a new one. The dedupe check and the insert are not atomic when a race window
// is set, as in Mautic.
func (s *Server) upsert(ctx context.Context, in contactInput) upsertResult {
	writes := in.writes(modePost)
	if errs := validate(writes); len(errs) > 0 {
		return upsertResult{errs: errs}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if existing := s.st.findByEmail(writes["email"]); existing != nil {
		now := s.now()
		existing.dateModified, existing.modifiedBy = now, 1
		v, evs := s.applySave(existing, in, writes, view{}, now)
		return upsertResult{id: existing.id, contact: s.st.renderContact(existing, v), events: evs}
	}
	if d := s.faults.currentRaceWindow(); d > 0 {
		s.mu.Unlock()
		s.sleep(ctx, d)
		s.mu.Lock()
	}
	now := s.now()
	r := &record{fields: make(map[string]string), dateAdded: now, createdByAdmin: true}
	s.st.insert(r)
	v, evs := s.applySave(r, in, writes, view{fresh: true}, now)
	return upsertResult{id: r.id, created: true, contact: s.st.renderContact(r, v), events: evs}
}

// editResult is the outcome of one PATCH or PUT of a contact.
type editResult struct {
	status  int // 200, 201 (PUT created), 404, 400 or 422
	id      int
	contact object
	events  []event
	errs    []fieldError
}

// edit is PATCH and PUT /contacts/{id}/edit: a merged-away id edits the
// winner; PUT on an unknown id creates a contact under a new id.
func (s *Server) edit(id int, in contactInput, mode saveMode) editResult {
	writes := in.writes(mode)
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.resolve(id)
	if !ok && mode == modePatch {
		return editResult{status: 404}
	}
	if errs := validate(writes); len(errs) > 0 {
		return editResult{status: 400, errs: errs}
	}
	self := 0
	if ok {
		self = r.id
	}
	if owner := s.st.emailOwner(writes["email"], self); owner != nil {
		res := editResult{status: 422, errs: []fieldError{{"email", msgMustBeUnique}}}
		if ok {
			res.id, res.contact = r.id, s.st.renderContact(r, view{noAll: true})
		}
		return res
	}
	now := s.now()
	if !ok {
		r = &record{fields: make(map[string]string), dateAdded: now, createdByAdmin: true}
		s.st.insert(r)
		v, evs := s.applySave(r, in, writes, view{fresh: true}, now)
		return editResult{status: 201, id: r.id, contact: s.st.renderContact(r, v), events: evs}
	}
	r.dateModified, r.modifiedBy = now, 1
	v, evs := s.applySave(r, in, writes, view{}, now)
	return editResult{status: 200, id: r.id, contact: s.st.renderContact(r, v), events: evs}
}

func (st *store) addTags(r *record, tags []string) {
	addTags(r, tags)
	for _, t := range r.tags {
		st.tagID(t)
	}
}

func (st *store) addIP(r *record, ip string) {
	addIP(r, ip)
	st.ipID(ip)
}
