package mautictest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// listIDs returns the keys of "contacts" in answer order, and total.
func listIDs(t *testing.T, s *Server, query string) ([]string, string, answer) {
	t.Helper()
	a := call(t, s, "GET", "/api/contacts?"+query, "")
	if a.status != 200 {
		return nil, "", a
	}
	// Keys in order: read them from the raw body, not a Go map.
	w, err := parseLenient(string(a.body))
	if err != nil {
		t.Fatal(err)
	}
	var total string
	var ids []string
	for i, k := range w.keys {
		switch k {
		case "total":
			total = w.kids[i].str
		case "contacts":
			ids = w.kids[i].keys
			if w.kids[i].kind != 'o' {
				t.Errorf("contacts is %c, want an object", w.kids[i].kind)
			}
		}
	}
	return ids, total, a
}

func TestListContacts(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	s := NewServer(t, WithClock(clock.now))
	empty := call(t, s, "GET", "/api/contacts", "")
	if string(empty.body) != `{"total":"0","contacts":{}}` {
		t.Errorf("empty list = %s", empty.body)
	}
	ids := map[string]int{}
	for _, e := range []string{"c@example.com", "a@example.com", "b@example.com", "d@example.com"} {
		ids[e] = s.AddContact(map[string]string{"email": e, "firstname": strings.ToUpper(e[:1])})
	}
	// Activity: b newest, then a; c and d never active (NULL, last in DESC).
	call(t, s, "POST", "/api/contacts/new", `{"email":"a@example.com","lastActive":"2026-11-25 10:00:00"}`)
	call(t, s, "POST", "/api/contacts/new", `{"email":"b@example.com","lastActive":"2026-11-25 11:00:00"}`)

	tests := []struct {
		name, query string
		want        string // emails' first letters, in order
		total       string
	}{
		{"default order last_active desc", "", "BACD", "4"},
		{"orderBy id asc", "orderBy=id&orderByDir=asc", "CABD", "4"},
		{"orderBy firstname desc", "orderBy=firstname&orderByDir=DESC", "DCBA", "4"},
		{"limit", "limit=2", "BA", "4"},
		{"start", "start=1&limit=2", "AC", "4"},
		{"start past end", "start=10", "", "4"},
		{"search", "search=" + url.QueryEscape("email:a"), "A", "1"},
		{"where", "where[0][col]=email&where[0][expr]=in&where[0][val]=c@example.com,D@EXAMPLE.COM", "CD", "2"},
		{"search and where", "search=example&where[0][col]=firstname&where[0][expr]=eq&where[0][val]=b", "B", "1"},
		{"no match", "search=nobody", "", "0"},
	}
	letter := map[int]string{}
	for e, id := range ids {
		letter[id] = strings.ToUpper(e[:1])
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, a := listIDs(t, s, tt.query)
			if a.status != 200 {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			var order string
			for _, k := range got {
				id, _ := parseID(k)
				order += letter[id]
			}
			if order != tt.want || total != tt.total {
				t.Errorf("order %q total %q, want %q total %q", order, total, tt.want, tt.total)
			}
		})
	}
}

func TestListMinimal(t *testing.T) {
	s := NewServer(t)
	s.AddContact(map[string]string{"email": "m@example.com"})
	a := call(t, s, "GET", "/api/contacts?minimal=true", "")
	c := a.json(t)["contacts"].(map[string]any)
	for _, v := range c {
		contact := v.(map[string]any)
		if _, ok := contact["fields"]; !ok {
			t.Error("minimal keeps fields")
		}
		for _, gone := range []string{"lastActive", "tags", "ipAddresses", "dateIdentified"} {
			if _, ok := contact[gone]; ok {
				t.Errorf("minimal has %s", gone)
			}
		}
	}
}

func TestListErrors(t *testing.T) {
	s := NewServer(t)
	for _, q := range []string{
		"where[0][col]=email&where[0][expr]=in&where[0][val][]=a@example.com",
		"where[0][col]=nope&where[0][expr]=eq&where[0][val]=x",
		"orderBy=nope",
	} {
		a := call(t, s, "GET", "/api/contacts?"+q, "")
		if a.status != 500 || !strings.Contains(string(a.body), "error #500") {
			t.Errorf("%s: %d %s, want Mautic's 500", q, a.status, a.body)
		}
	}
}
