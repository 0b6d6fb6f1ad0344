package mautic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestWireFindByEmailEncoding(t *testing.T) {
	tests := []struct {
		name      string
		emails    []string
		wantQuery []string // decoded key=value pairs that must be present
		rawHas    string   // raw substring that proves the encoding
	}{
		{
			name:      "one email uses eq and encodes plus",
			emails:    []string{"Some+Tag@Example.com"},
			wantQuery: []string{"where[0][col]=email", "where[0][expr]=eq", "where[0][val]=some+tag@example.com", "limit=200", "orderBy=id"},
			rawHas:    "where%5B0%5D%5Bval%5D=some%2Btag%40example.com",
		},
		{
			name:      "several emails use in with a comma-separated string",
			emails:    []string{"a@x.com", "B@x.com", "a@x.com"},
			wantQuery: []string{"where[0][expr]=in", "where[0][val]=a@x.com,b@x.com"},
			rawHas:    "where%5B0%5D%5Bval%5D=a%40x.com%2Cb%40x.com",
		},
		{
			name:      "apostrophe falls back to a strict email search",
			emails:    []string{"O'Brien@x.com"},
			wantQuery: []string{"search=email:+o'brien@x.com"},
			rawHas:    "search=email%3A%2Bo%27brien%40x.com",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, listEmpty) })
			c := f.client(t)
			if _, err := c.Contacts.FindByEmails(context.Background(), tt.emails); err != nil {
				t.Fatal(err)
			}
			reqs := f.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			raw := reqs[0].RawQuery
			if !strings.Contains(raw, tt.rawHas) {
				t.Errorf("raw query %q lacks %q", raw, tt.rawHas)
			}
			if strings.Contains(raw, "val%5D%5B") || strings.Contains(raw, "val][") {
				t.Errorf("array form val[] used: %q", raw)
			}
			q, _ := url.ParseQuery(raw)
			for _, kv := range tt.wantQuery {
				k, v, _ := strings.Cut(kv, "=")
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if q.Has("search") && q.Has("where[0][col]") {
				t.Error("search and where mixed")
			}
		})
	}
}

func TestWireFindByEmailExactOnly(t *testing.T) {
	// Mautic's collation can match more than the exact email (trailing
	// spaces, accents); only exact, case-insensitive matches count. Two
	// exact matches are Mautic's create race: the oldest wins.
	body := `{"total":"3","contacts":{
		"9":{"id":9,"fields":{"all":{"email":"Jane@X.com"}}},
		"4":{"id":4,"fields":{"all":{"email":"jane@x.com"}}},
		"5":{"id":5,"fields":{"all":{"email":"jane@x.com.au"}}}}}`
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, []byte(body)) })
	c := f.client(t)
	got, err := c.Contacts.FindByEmail(context.Background(), "JANE@x.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 4 || !slices.Equal(got.DuplicateIDs, []int{9}) {
		t.Fatalf("got id %d duplicates %v, want 4 and [9]", got.ID, got.DuplicateIDs)
	}
	all, err := c.Contacts.FindAllByEmail(context.Background(), "jane@x.com")
	if err != nil || len(all) != 2 || all[0].ID != 4 || all[1].ID != 9 {
		t.Fatalf("FindAllByEmail = %v, %v", all, err)
	}
}

func TestWireFindByEmailNotFound(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 200, recorded(t, "01_contacts_list_empty"))
	})
	c := f.client(t)
	_, err := c.Contacts.FindByEmail(context.Background(), "nobody@example.com")
	if !errors.Is(err, ErrNotFound) || !IsNotFound(err) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	all, err := c.Contacts.FindAllByEmail(context.Background(), "nobody@example.com")
	if err != nil || len(all) != 0 {
		t.Fatalf("FindAllByEmail = %v, %v", all, err)
	}
}

func TestWireFindByEmailsRejectsBadInput(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, listEmpty) })
	c := f.client(t)
	for _, bad := range []string{"", "  ", `"a b"@x.com`, "jürgen@x.de", "a,b@x.com", "<a@x.com>"} {
		_, err := c.Contacts.FindByEmails(context.Background(), []string{"ok@x.com", bad})
		if err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if f.count() != 0 {
		t.Fatalf("%d requests sent for bad input", f.count())
	}
	if err := CheckEmail("jürgen@x.de"); !errors.Is(err, ErrUnsupportedEmail) {
		t.Errorf("CheckEmail = %v", err)
	}
}

func TestWireListPaging(t *testing.T) {
	// 27 holds 3 of a total of 4: the client must ask for the rest.
	last := `{"total":"4","contacts":{"5":{"id":5,"fields":{"all":{"email":"x@example.com"}}}}}`
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Query().Get("start") == "0" {
			reply(w, 200, recorded(t, "27_contacts_list_after"))
			return
		}
		reply(w, 200, []byte(last))
	})
	c := f.client(t)
	got, err := c.Contacts.FindByIDs(context.Background(), []int{2, 3, 4, 5, 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || got[5] == nil || got[2].Email() != "some+tag@example.com" {
		t.Fatalf("got %v", got)
	}
	reqs := f.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	q, _ := url.ParseQuery(reqs[1].RawQuery)
	if q.Get("start") != "3" || q.Get("where[0][col]") != "id" || q.Get("where[0][expr]") != "in" || q.Get("where[0][val]") != "2,3,4,5" {
		t.Errorf("second page query %v", q)
	}
}

func TestWireURLLengthSplit(t *testing.T) {
	var emails []string
	for i := range 600 {
		emails = append(emails, fmt.Sprintf("someone.with.a.long.address.%04d@example.com", i))
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, listEmpty) })
	c := f.client(t)
	if _, err := c.Contacts.FindByEmails(context.Background(), emails); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if len(reqs) < 2 {
		t.Fatalf("%d requests; 600 long emails must be split", len(reqs))
	}
	seen := 0
	for _, r := range reqs {
		full := f.srv.URL + r.Path + "?" + r.RawQuery
		if len(full) > maxURLLen {
			t.Errorf("URL of %d bytes, over %d", len(full), maxURLLen)
		}
		q, _ := url.ParseQuery(r.RawQuery)
		seen += len(strings.Split(q.Get("where[0][val]"), ","))
	}
	if seen != len(emails) {
		t.Fatalf("%d emails asked, want %d", seen, len(emails))
	}
}
