package mautic

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Contact is a Mautic contact as the API or a webhook describes it, with the
// field values flattened to alias -> value.
type Contact struct {
	// ID is the contact's id. After Get of an id that Mautic merged away it
	// is the surviving contact's id, and MergedFrom holds the id asked for.
	ID int
	// MergedFrom is set by Get when Mautic answered with the contact the
	// asked-for id was merged into; 0 otherwise.
	MergedFrom int
	// DuplicateIDs is set by FindByEmail when Mautic holds more than one
	// contact with the email (its create race): the ids of the newer ones.
	DuplicateIDs []int

	// Fields maps field aliases (email, firstname, preferred_locale, ...) to
	// their values as Mautic stores them; empty fields are absent. It comes
	// from fields.all or, where Mautic omits that (webhooks), from the field
	// groups.
	Fields map[string]string
	Points int
	Tags   []string
	// OwnerID is the Mautic user who owns the contact; 0 for none.
	OwnerID int

	DateAdded      *time.Time
	DateModified   *time.Time
	DateIdentified *time.Time // nil while the contact is anonymous
	LastActive     *time.Time
}

// Email returns the contact's email, or "".
func (c *Contact) Email() string { return c.Fields["email"] }

// anonymityFields are the fields whose emptiness makes a contact anonymous
// in Mautic (Lead::isAnonymous: no name, company, email or social id).
var anonymityFields = []string{
	"firstname", "lastname", "company", "email",
	"facebook", "foursquare", "instagram", "linkedin", "skype", "twitter",
}

// IsAnonymous reports Mautic's rule: a contact with no first or last name,
// company, email or social id is an anonymous visitor.
func (c *Contact) IsAnonymous() bool {
	for _, alias := range anonymityFields {
		if c.Fields[alias] != "" {
			return false
		}
	}
	return true
}

// contactCommon is the part of a contact's JSON decoded on every path.
type contactCommon struct {
	ID             flexInt         `json:"id"`
	Points         flexInt         `json:"points"`
	Tags           json.RawMessage `json:"tags"`
	Owner          json.RawMessage `json:"owner"`
	DateAdded      json.RawMessage `json:"dateAdded"`
	DateModified   json.RawMessage `json:"dateModified"`
	DateIdentified json.RawMessage `json:"dateIdentified"`
	LastActive     json.RawMessage `json:"lastActive"`
}

// contactFast decodes an API contact in one pass: only fields.all is read
// and the field groups are skipped. When it does not fit (no "all", odd
// shapes), contactWire is the tolerant path.
type contactFast struct {
	contactCommon
	Fields struct {
		All map[string]json.RawMessage `json:"all"`
	} `json:"fields"`
}

// contactWire is the tolerant form: fields decoded by decodeFields.
type contactWire struct {
	contactCommon
	Fields json.RawMessage `json:"fields"`
}

// decodeContact decodes one contact object, fast path first.
func decodeContact(b []byte) (*Contact, error) {
	var fast contactFast
	if json.Unmarshal(b, &fast) == nil && fast.Fields.All != nil {
		return fast.contactCommon.contact(flattenAll(fast.Fields.All))
	}
	if b = bytes.TrimSpace(b); len(b) == 0 || b[0] != '{' {
		return nil, errors.New("mautic: contact: want a JSON object")
	}
	var w contactWire
	if err := json.Unmarshal(b, &w); err != nil {
		return nil, fmt.Errorf("mautic: contact: %w", err)
	}
	fields, err := decodeFields(w.Fields)
	if err != nil {
		return nil, err
	}
	return w.contactCommon.contact(fields)
}

// UnmarshalJSON decodes Mautic's contact object, tolerating its variants:
// ids as numbers or strings, groups as {} or [], tags as a list or an object.
func (c *Contact) UnmarshalJSON(b []byte) error {
	got, err := decodeContact(b)
	if err != nil {
		return err
	}
	*c = *got
	return nil
}

func (w *contactCommon) contact(fields map[string]string) (*Contact, error) {
	tags, err := decodeTags(w.Tags)
	if err != nil {
		return nil, err
	}
	return &Contact{
		ID:             int(w.ID),
		Fields:         fields,
		Points:         int(w.Points),
		Tags:           tags,
		OwnerID:        decodeOwnerID(w.Owner),
		DateAdded:      rawTime(w.DateAdded),
		DateModified:   rawTime(w.DateModified),
		DateIdentified: rawTime(w.DateIdentified),
		LastActive:     rawTime(w.LastActive),
	}, nil
}

// flattenAll reads fields.all: alias -> value, without Mautic's "id".
func flattenAll(all map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(all))
	for alias, val := range all {
		if v, ok := scalarString(val); ok && v != "" && alias != "id" {
			out[alias] = v
		}
	}
	return out
}

func rawTime(raw json.RawMessage) *time.Time {
	s, ok := scalarString(raw)
	if !ok {
		return nil
	}
	return parseTime(s)
}

// decodeFields flattens "fields": fields.all when present (the API), else
// every group's entries (webhooks, and batch items Mautic rejected).
func decodeFields(raw json.RawMessage) (map[string]string, error) {
	out := map[string]string{}
	groups, err := decodeMap(raw)
	if err != nil {
		return nil, fmt.Errorf("mautic: contact fields: %w", err)
	}
	if all, ok := groups["all"]; ok {
		values, err := decodeMap(all)
		if err != nil {
			return nil, fmt.Errorf("mautic: contact fields.all: %w", err)
		}
		return flattenAll(values), nil
	}
	for name, group := range groups {
		entries, err := decodeMap(group)
		if err != nil {
			return nil, fmt.Errorf("mautic: contact fields.%s: %w", name, err)
		}
		for alias, entry := range entries {
			var e struct {
				Alias string          `json:"alias"`
				Value json.RawMessage `json:"value"`
			}
			if json.Unmarshal(entry, &e) != nil {
				return nil, fmt.Errorf("mautic: contact fields.%s: field %q: want an object with a value", name, alias)
			}
			if e.Alias != "" {
				alias = e.Alias
			}
			if v, ok := scalarString(e.Value); ok && v != "" {
				out[alias] = v
			}
		}
	}
	return out, nil
}

// decodeMap reads a collection whose order does not matter, sent as an
// object or (when PHP saw a list, e.g. an empty group) an array.
func decodeMap(raw json.RawMessage) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("malformed JSON: %w", err)
		}
		return m, nil
	}
	var m map[string]json.RawMessage
	err := forEachEntry(raw, func(key string, val json.RawMessage) error {
		if m == nil {
			m = map[string]json.RawMessage{}
		}
		m[key] = val
		return nil
	})
	return m, err
}

// decodeTags reads tags as [{"tag": ...}], ["name"], or an object keyed by
// tag name (Doctrine collections indexed by tag).
func decodeTags(raw json.RawMessage) ([]string, error) {
	var tags []string
	err := forEachEntry(raw, func(key string, val json.RawMessage) error {
		var t struct {
			Tag string `json:"tag"`
		}
		if s, ok := scalarString(val); ok && len(bytes.TrimSpace(val)) > 0 && bytes.TrimSpace(val)[0] == '"' {
			tags = append(tags, s)
			return nil
		}
		if json.Unmarshal(val, &t) == nil && t.Tag != "" {
			tags = append(tags, t.Tag)
			return nil
		}
		return fmt.Errorf("tag %q: want a string or an object with a tag", key)
	})
	if err != nil {
		return nil, fmt.Errorf("mautic: contact tags: %w", err)
	}
	return tags, nil
}

// decodeOwnerID reads owner as {"id": n}, a bare id, or null.
func decodeOwnerID(raw json.RawMessage) int {
	var o struct {
		ID flexInt `json:"id"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return int(o.ID)
	}
	var id flexInt
	if json.Unmarshal(raw, &id) == nil {
		return int(id)
	}
	return 0
}
