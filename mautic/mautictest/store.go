package mautictest

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// record is one contact as Mautic's database holds it. Empty values are not
// stored: Mautic writes NULL for them.
type record struct {
	id             int
	fields         map[string]string // non-empty values only; points and last_active live below
	points         int
	tags           []string
	ips            []string
	utm            []utmTag
	devices        []string
	hits           int
	dateAdded      time.Time
	dateModified   time.Time
	dateIdentified time.Time
	lastActive     time.Time
	createdByAdmin bool // false for contacts the tracker created
	modifiedBy     int  // 0 none, 1 the API user
	tracked        bool // created by the tracker: gravatar image, modifiedByUser " "
}

// utmTag is a page hit that carried utm_* parameters.
type utmTag struct {
	id        int
	query     object
	referer   string
	url       string
	userAgent string
	utm       map[string]string // source, medium, campaign, content, term
}

// anonymous reports what Lead::isAnonymous does: no name, company, email or
// social id.
func (r *record) anonymous() bool {
	for _, a := range identifyingFields {
		if r.fields[a] != "" {
			return false
		}
	}
	return true
}

func (r *record) email() string { return r.fields["email"] }

// column returns a column's value as MySQL would compare it, and whether it is
// not NULL. ok is false for a column that does not exist.
func (r *record) column(col string) (val string, notNull, ok bool) {
	switch col {
	case "id":
		return strconv.Itoa(r.id), true, true
	case "points":
		return strconv.Itoa(r.points), true, true
	case "last_active", "lastActive":
		return dbTime(r.lastActive)
	case "date_identified", "dateIdentified":
		return dbTime(r.dateIdentified)
	case "date_added", "dateAdded":
		return dbTime(r.dateAdded)
	case "date_modified", "dateModified":
		return dbTime(r.dateModified)
	}
	if _, known := fieldsByAlias[col]; !known {
		return "", false, false
	}
	v, set := r.fields[col]
	return v, set, true
}

// timeColumn returns a date column's time, for ordering at full precision.
func (r *record) timeColumn(col string) (time.Time, bool) {
	switch col {
	case "last_active", "lastActive":
		return r.lastActive, true
	case "date_identified", "dateIdentified":
		return r.dateIdentified, true
	case "date_added", "dateAdded":
		return r.dateAdded, true
	case "date_modified", "dateModified":
		return r.dateModified, true
	}
	return time.Time{}, false
}

func dbTime(t time.Time) (string, bool, bool) {
	if t.IsZero() {
		return "", false, true
	}
	return t.UTC().Format(dbTimeLayout), true, true
}

const (
	dbTimeLayout  = "2006-01-02 15:04:05"
	isoTimeLayout = "2006-01-02T15:04:05-07:00"
)

func isoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(isoTimeLayout)
}

// store is the simulated database. Server.mu guards it.
type store struct {
	nextID      int
	contacts    map[int]*record
	merged      map[int]int    // loser id -> winner id
	devices     map[string]int // tracking device id -> contact id
	tagIDs      map[string]int
	ipIDs       map[string]int
	nextUTM     int
	nextHit     int
	publicField map[string]bool // field alias -> isPubliclyUpdatable
	uniqueField map[string]bool // field alias -> isUniqueIdentifier, as changed from the default
}

func newStore() *store {
	return &store{
		nextID:      1,
		contacts:    make(map[int]*record),
		merged:      make(map[int]int),
		devices:     make(map[string]int),
		tagIDs:      make(map[string]int),
		ipIDs:       map[string]int{"127.0.0.1": 1}, // the lab's first IP, as recorded
		publicField: make(map[string]bool),
		uniqueField: make(map[string]bool),
	}
}

// resolve follows merge records to the surviving contact, as
// LeadModel::getEntity does.
func (st *store) resolve(id int) (*record, bool) {
	for range 64 { // merge chains are short; the bound guards against a cycle
		if r, ok := st.contacts[id]; ok {
			return r, true
		}
		winner, ok := st.merged[id]
		if !ok {
			return nil, false
		}
		id = winner
	}
	return nil, false
}

// findByEmail is Mautic's dedupe lookup: exact, case-insensitive, lowest id
// first.
func (st *store) findByEmail(email string) *record {
	if email == "" {
		return nil
	}
	var found *record
	for _, r := range st.contacts {
		if strings.EqualFold(r.email(), email) && (found == nil || r.id < found.id) {
			found = r
		}
	}
	return found
}

// emailOwner returns another contact than id that has email, for the
// UniqueCustomField validator.
func (st *store) emailOwner(email string, id int) *record {
	for _, r := range st.contacts {
		if r.id != id && email != "" && strings.EqualFold(r.email(), email) {
			return r
		}
	}
	return nil
}

func (st *store) insert(r *record) {
	r.id = st.nextID
	st.nextID++
	st.contacts[r.id] = r
}

func (st *store) tagID(tag string) int {
	if id, ok := st.tagIDs[tag]; ok {
		return id
	}
	id := len(st.tagIDs) + 1
	st.tagIDs[tag] = id
	return id
}

func (st *store) ipID(ip string) int {
	if id, ok := st.ipIDs[ip]; ok {
		return id
	}
	id := len(st.ipIDs) + 1
	st.ipIDs[ip] = id
	return id
}

// sorted returns all contacts by id.
func (st *store) sorted() []*record {
	out := make([]*record, 0, len(st.contacts))
	for _, r := range st.contacts {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *record) int { return a.id - b.id })
	return out
}

// remove deletes a contact and forgets its devices.
func (st *store) remove(r *record) {
	delete(st.contacts, r.id)
	for _, d := range r.devices {
		delete(st.devices, d)
	}
}

// addTags applies Mautic's tag syntax: "name" adds, "-name" removes.
func addTags(r *record, tags []string) {
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if name, ok := strings.CutPrefix(t, "-"); ok {
			r.tags = slices.DeleteFunc(r.tags, func(x string) bool { return x == name })
			continue
		}
		if !slices.Contains(r.tags, t) {
			r.tags = append(r.tags, t)
		}
	}
}

func addIP(r *record, ip string) {
	if ip != "" && !slices.Contains(r.ips, ip) {
		r.ips = append(r.ips, ip)
	}
}
