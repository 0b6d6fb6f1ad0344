package mautictest

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Contact is a snapshot of a stored contact, for seeding and assertions.
type Contact struct {
	ID             int
	Fields         map[string]string // alias -> value; absent or "" means empty
	Tags           []string
	Points         int
	DateIdentified time.Time // zero while anonymous
	LastActive     time.Time
	DeviceIDs      []string // tracking device ids attributed to this contact
	Hits           int      // tracked page hits
}

func (r *record) snapshot() Contact {
	fields := maps.Clone(r.fields)
	if r.points != 0 {
		fields["points"] = strconv.Itoa(r.points)
	}
	if !r.lastActive.IsZero() {
		fields["last_active"] = r.lastActive.UTC().Format(dbTimeLayout)
	}
	tags := slices.Clone(r.tags)
	slices.Sort(tags)
	return Contact{
		ID:             r.id,
		Fields:         fields,
		Tags:           tags,
		Points:         r.points,
		DateIdentified: r.dateIdentified,
		LastActive:     r.lastActive,
		DeviceIDs:      slices.Clone(r.devices),
		Hits:           r.hits,
	}
}

// AddContact stores a new contact as an API create would, without the email
// dedupe (so tests can seed duplicates), and fires the same webhooks. Unknown
// aliases are ignored and values are stored as given. It returns the new id.
func (s *Server) AddContact(fields map[string]string) int {
	in := contactInput{values: make(map[string]string)}
	for k, v := range fields {
		if _, known := fieldsByAlias[k]; known && v != "" {
			in.values[k] = v
		}
	}
	writes := in.writes(modePost)
	s.mu.Lock()
	now := s.now()
	r := &record{fields: make(map[string]string), dateAdded: now, createdByAdmin: true}
	s.st.insert(r)
	_, evs := s.applySave(r, in, writes, view{fresh: true}, now)
	s.mu.Unlock()
	s.dispatch(evs)
	return r.id
}

// Contact returns the contact stored under id; merged-away ids are not
// followed.
func (s *Server) Contact(id int) (Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.st.contacts[id]
	if !ok {
		return Contact{}, false
	}
	return r.snapshot(), true
}

// Contacts returns every stored contact by id.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.st.sorted()
	out := make([]Contact, len(rs))
	for i, r := range rs {
		out[i] = r.snapshot()
	}
	return out
}

// ContactsByEmail returns the contacts whose email equals email, ignoring
// case, by id. More than one means Mautic made a duplicate.
func (s *Server) ContactsByEmail(email string) []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Contact
	for _, r := range s.st.sorted() {
		if email != "" && strings.EqualFold(r.email(), email) {
			out = append(out, r.snapshot())
		}
	}
	return out
}

// Merge does what a form-submit merge does: the loser's data goes to the
// winner, the loser is deleted (lead_post_delete fires) and a merge record
// makes GET /api/contacts/{loser} answer the winner.
func (s *Server) Merge(winnerID, loserID int) error {
	if winnerID == loserID {
		return fmt.Errorf("mautictest: merge %d into itself: pass two different contacts", winnerID)
	}
	s.mu.Lock()
	winner, ok := s.st.contacts[winnerID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("mautictest: merge: no contact %d", winnerID)
	}
	loser, ok := s.st.contacts[loserID]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("mautictest: merge: no contact %d", loserID)
	}
	now := s.now()
	deleted := s.deleteEvent(loser, now)
	writes, oldPoints := mergeInto(winner, loser)
	for _, d := range loser.devices {
		s.st.devices[d] = winner.id
	}
	delete(s.st.contacts, loser.id)
	s.st.merged[loser.id] = winner.id
	for l, w := range s.st.merged {
		if w == loser.id {
			s.st.merged[l] = winner.id
		}
	}
	winner.dateModified = now
	identified := false
	if winner.dateIdentified.IsZero() && !winner.anonymous() {
		winner.dateIdentified, identified = now, true
	}
	// ContactMerger saves the winner, then deletes the loser.
	evs := append(s.saveEvents(winner, view{touched: writes}, identified, oldPoints, now), deleted)
	s.mu.Unlock()
	s.dispatch(evs)
	return nil
}

// mergeInto applies ContactMerger's rules: the newer contact's values win,
// points add up, tags and devices join, the oldest identification and the
// newest activity stay. It returns the fields it wrote.
func mergeInto(winner, loser *record) (map[string]string, int) {
	writes := make(map[string]string)
	loserNewer := latest(loser).After(latest(winner))
	for k, v := range loser.fields {
		if _, has := winner.fields[k]; !has || loserNewer {
			if winner.fields[k] != v {
				winner.fields[k] = v
				writes[k] = v
			}
		}
	}
	oldPoints := winner.points
	winner.points += loser.points
	winner.tags = append(winner.tags, slices.DeleteFunc(slices.Clone(loser.tags), func(t string) bool {
		return slices.Contains(winner.tags, t)
	})...)
	for _, ip := range loser.ips {
		addIP(winner, ip)
	}
	winner.devices = append(winner.devices, loser.devices...)
	winner.utm = append(winner.utm, loser.utm...)
	winner.hits += loser.hits
	if !loser.dateIdentified.IsZero() && (winner.dateIdentified.IsZero() || loser.dateIdentified.Before(winner.dateIdentified)) {
		winner.dateIdentified = loser.dateIdentified
	}
	if loser.lastActive.After(winner.lastActive) {
		winner.lastActive = loser.lastActive
	}
	return writes, oldPoints
}

func latest(r *record) time.Time {
	if r.dateModified.After(r.dateAdded) {
		return r.dateModified
	}
	return r.dateAdded
}
