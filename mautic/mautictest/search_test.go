package mautictest

import (
	"slices"
	"testing"
	"time"
)

// searchFixture is a small store for search and where tests.
func searchFixture() *store {
	st := newStore()
	add := func(fields map[string]string, identified bool, tags ...string) {
		r := &record{fields: fields, tags: tags}
		if identified {
			r.dateIdentified = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		st.insert(r)
	}
	add(map[string]string{"email": "someone@example.com", "firstname": "Some", "lastname": "One"}, true, "lab")
	add(map[string]string{"email": "some+tag@example.com", "firstname": "Plus"}, true)
	add(map[string]string{"email": "joann@x.com", "city": "Berlin"}, true)
	add(map[string]string{"email": "ann@x.com.au", "company": "Ann Corp"}, true)
	add(map[string]string{"email": "a_b@x.com"}, true)
	add(map[string]string{}, false) // anonymous
	return st
}

func searchIDs(st *store, q string) []int {
	e := parseSearch(q)
	var ids []int
	for _, r := range st.sorted() {
		if e.match(st, r) {
			ids = append(ids, r.id)
		}
	}
	return ids
}

func TestSearch(t *testing.T) {
	st := searchFixture()
	tests := []struct {
		q    string
		want []int
	}{
		{"", []int{1, 2, 3, 4, 5, 6}},
		{"someone@example.com", []int{1}},
		{"omeone@example.com", []int{1}}, // substring
		{"email:someone@example.co", []int{1}},
		{"email:+someone@example.co", nil}, // strict: no trailing %
		{"email:some", []int{1, 2}},        // prefix
		{"email:some tag@example.com", []int{2}},
		{"email:some+tag@example.com", []int{2}},
		{"ann@x.com", []int{3, 4}}, // joann@ and ann@...au
		{"+ann@x.com", nil},
		{"email:a_b@x.com", []int{5}},
		{"email:a%", []int{4, 5}},
		{"email:a\\_b%", []int{5}},
		{"berlin", []int{3}},
		{"ANN", []int{3, 4}},
		{`"ann corp"`, []int{4}},
		{"berlin or corp", []int{3, 4}},
		{"ann and !berlin", []int{4}},
		{"(berlin or corp) x.com", []int{3, 4}},
		{"ids:2,4", []int{2, 4}},
		{"is:anonymous", []int{6}},
		{"!is:anonymous", []int{1, 2, 3, 4, 5}},
		{"tag:lab", []int{1}},
		{"firstname:pl", []int{2}},
		{"name:one", []int{1}},
		{"segment:x", nil},
		{"foo:bar", nil},
		{"<b>berlin</b>", []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			if got := searchIDs(st, tt.q); !slices.Equal(got, tt.want) {
				t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"email:a@b.c", `"x y" or (z and !w)`, "+a:+b", "((", ")", `"`, "ids:1,,2"} {
		f.Add(s)
	}
	st := searchFixture()
	f.Fuzz(func(t *testing.T, q string) {
		e := parseSearch(q)
		for _, r := range st.sorted() {
			_ = e.match(st, r) // must not panic
		}
	})
}

func TestSearchCommandsOnStore(t *testing.T) {
	st := searchFixture()
	st.contacts[1].ips = []string{"10.1.2.3"}
	st.contacts[2].createdByAdmin = true
	tests := []struct {
		q    string
		want []int
	}{
		{"ip:10.1", []int{1}},
		{"is:mine", []int{2}},
		{"is:unowned", []int{1, 2, 3, 4, 5, 6}},
		{"is:whatever", nil},
		{"company:ann", []int{4}},
	}
	for _, tt := range tests {
		if got := searchIDs(st, tt.q); !slices.Equal(got, tt.want) {
			t.Errorf("search %q = %v, want %v", tt.q, got, tt.want)
		}
	}
}
