package mautic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

const (
	// maxURLLen keeps list URLs well under common server limits (nginx's
	// default header buffer is 8 KiB).
	maxURLLen = 6 << 10
	// pageLimit is the page size of list calls; Mautic's default is 30.
	pageLimit = 200
	// maxPages stops a list that never ends (a server bug) from looping.
	maxPages = 1000
)

// ErrUnsupportedEmail is returned for an email that cannot be stored or
// looked up exactly in Mautic: it has characters Mautic strips when it
// saves an email (FILTER_SANITIZE_EMAIL keeps only ASCII letters, digits
// and !#$%&'*+-=?^_`{|}~@.[]), so no contact can hold it as given.
var ErrUnsupportedEmail = errors.New("mautic: email has characters Mautic strips on save; it cannot be looked up exactly")

// CheckEmail reports whether email can be looked up exactly: nil, or an
// error wrapping ErrUnsupportedEmail.
func CheckEmail(email string) error {
	e := strings.TrimSpace(email)
	if e == "" {
		return errors.New("mautic: email is empty")
	}
	for i := 0; i < len(e); i++ {
		if !emailByte(e[i]) {
			return fmt.Errorf("%w (byte %d)", ErrUnsupportedEmail, i)
		}
	}
	return nil
}

func emailByte(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-=?^_`{|}~@.[]", b) >= 0
}

// needsSearch reports an email Mautic 5's where filter cannot match: it
// HTML-encodes ' and & in where values (FILTER_SANITIZE_SPECIAL_CHARS).
func needsSearch(email string) bool { return strings.ContainsAny(email, "'&") }

// FindByEmail returns the contact whose email equals email, ignoring case,
// or ErrNotFound (IsNotFound). When Mautic holds several (its create race),
// it returns the oldest (lowest id) and lists the others in DuplicateIDs.
// See FindByEmails for how the lookup is made.
func (s *ContactsService) FindByEmail(ctx context.Context, email string) (*Contact, error) {
	all, err := s.FindAllByEmail(ctx, email)
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, ErrNotFound
	}
	first := all[0]
	for _, d := range all[1:] {
		first.DuplicateIDs = append(first.DuplicateIDs, d.ID)
	}
	return first, nil
}

// FindAllByEmail returns every contact whose email equals email, ignoring
// case, oldest (lowest id) first; none is an empty result, not an error.
func (s *ContactsService) FindAllByEmail(ctx context.Context, email string) ([]*Contact, error) {
	m, err := s.FindByEmails(ctx, []string{email})
	if err != nil {
		return nil, err
	}
	return m[strings.ToLower(strings.TrimSpace(email))], nil
}

// FindByEmails looks up many emails at once and returns the contacts keyed
// by lowercased email, each list oldest first; emails without a contact
// are absent. It uses where[0][expr]=in (eq for one email), never search=,
// whose matches are substrings or prefixes; the list is split so no URL
// passes 6 KiB, and pages are read until Mautic's total is reached. Mautic
// 5 HTML-encodes ' and & in where values, so emails with those characters
// are looked up one by one with a strict email: search instead. Either
// way, only exact (case-insensitive) matches are returned. An email that
// fails CheckEmail makes the whole call fail before anything is sent.
func (s *ContactsService) FindByEmails(ctx context.Context, emails []string) (map[string][]*Contact, error) {
	want := make(map[string]bool, len(emails))
	var plain, special []string
	for _, e := range emails {
		if err := CheckEmail(e); err != nil {
			return nil, err
		}
		key := strings.ToLower(strings.TrimSpace(e))
		if want[key] {
			continue
		}
		want[key] = true
		if needsSearch(key) {
			special = append(special, key)
		} else {
			plain = append(plain, key)
		}
	}
	out := map[string][]*Contact{}
	keep := func(c *Contact) {
		if key := strings.ToLower(c.Email()); want[key] {
			out[key] = append(out[key], c)
		}
	}
	for _, chunk := range s.chunkForURL(plain, "email") {
		if err := s.list(ctx, whereQuery("email", chunk), keep); err != nil {
			return nil, err
		}
	}
	for _, e := range special {
		q := url.Values{"search": {"email:+" + e}}
		if err := s.list(ctx, q, keep); err != nil {
			return nil, err
		}
	}
	for k, list := range out {
		slices.SortFunc(list, func(a, b *Contact) int { return a.ID - b.ID })
		out[k] = slices.CompactFunc(list, func(a, b *Contact) bool { return a.ID == b.ID })
	}
	return out, nil
}

// FindByIDs returns the contacts with the given ids, keyed by id, in one
// call per 6 KiB of URL (where id in ...). Ids that do not exist, or that
// Mautic merged into another contact, are absent: use Get to follow a
// merge.
func (s *ContactsService) FindByIDs(ctx context.Context, ids []int) (map[int]*Contact, error) {
	seen := make(map[int]bool, len(ids))
	var list []string
	for _, id := range ids {
		if err := checkID(id); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			list = append(list, strconv.Itoa(id))
		}
	}
	out := make(map[int]*Contact, len(list))
	for _, chunk := range s.chunkForURL(list, "id") {
		err := s.list(ctx, whereQuery("id", chunk), func(c *Contact) {
			if seen[c.ID] {
				out[c.ID] = c
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// whereQuery is where[0][col]=col&where[0][expr]=eq|in&where[0][val]=v1,v2.
// The val is a comma-separated string: Mautic answers 500 to val[].
func whereQuery(col string, vals []string) url.Values {
	expr := "in"
	if len(vals) == 1 {
		expr = "eq"
	}
	return url.Values{
		"where[0][col]":  {col},
		"where[0][expr]": {expr},
		"where[0][val]":  {strings.Join(vals, ",")},
	}
}

// chunkForURL splits vals so that each list URL stays under maxURLLen.
func (s *ContactsService) chunkForURL(vals []string, col string) [][]string {
	if len(vals) == 0 {
		return nil
	}
	q := whereQuery(col, []string{"", ""})
	setPage(q, 0)
	fixed := len(s.c.apiRoot) + len("/contacts?") + len(q.Encode())
	var chunks [][]string
	var cur []string
	size := fixed
	for _, v := range vals {
		n := len(url.QueryEscape(v)) + len("%2C")
		if len(cur) > 0 && size+n > maxURLLen {
			chunks = append(chunks, cur)
			cur, size = nil, fixed
		}
		cur = append(cur, v)
		size += n
	}
	return append(chunks, cur)
}

func setPage(q url.Values, start int) {
	q.Set("limit", strconv.Itoa(pageLimit))
	q.Set("start", strconv.Itoa(start))
	q.Set("orderBy", "id")
	q.Set("orderByDir", "ASC")
}

// list pages through GET /contacts with q, calling fn for each contact in
// Mautic's order.
func (s *ContactsService) list(ctx context.Context, q url.Values, fn func(*Contact)) error {
	start := 0
	for page := 0; page < maxPages; page++ {
		setPage(q, start)
		req := &request{method: http.MethodGet, route: "/contacts", path: "/contacts", query: q, repeatable: true}
		resp, err := s.c.do(ctx, req)
		if err != nil {
			return err
		}
		total, contacts, err := decodeContactList(resp.body)
		if err != nil {
			return badAnswer(req, resp, err)
		}
		for _, c := range contacts {
			fn(c)
		}
		start += len(contacts)
		if len(contacts) == 0 || start >= total {
			return nil
		}
	}
	return fmt.Errorf("mautic: GET /contacts: more than %d pages; giving up", maxPages)
}

// decodeContactList reads {"total": "N" or N, "contacts": {id: {...}} or
// [...] or {}} keeping Mautic's order.
func decodeContactList(body []byte) (int, []*Contact, error) {
	var w struct {
		Total    flexInt         `json:"total"`
		Contacts json.RawMessage `json:"contacts"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return 0, nil, err
	}
	var out []*Contact
	err := forEachEntry(w.Contacts, func(key string, val json.RawMessage) error {
		c := new(Contact)
		if err := json.Unmarshal(val, c); err != nil {
			return fmt.Errorf("contact %s: %w", key, err)
		}
		out = append(out, c)
		return nil
	})
	return int(w.Total), out, err
}
