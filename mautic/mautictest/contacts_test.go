package mautictest

import (
	"slices"
	"testing"
	"time"
)

func TestStoreAccessors(t *testing.T) {
	s := NewServer(t)
	a := s.AddContact(map[string]string{"email": "Dup@example.com", "firstname": "A", "unknown": "x", "city": ""})
	b := s.AddContact(map[string]string{"email": "dup@example.com"}) // seeding may duplicate
	c := s.AddContact(map[string]string{"city": "Oslo"})
	if a != 1 || b != 2 || c != 3 {
		t.Fatalf("ids = %d %d %d", a, b, c)
	}
	got, ok := s.Contact(a)
	if !ok || got.Fields["firstname"] != "A" || got.DateIdentified.IsZero() {
		t.Errorf("Contact(%d) = %+v", a, got)
	}
	if _, has := got.Fields["unknown"]; has {
		t.Error("unknown alias stored")
	}
	if anon, _ := s.Contact(c); !anon.DateIdentified.IsZero() {
		t.Error("a contact without name or email stays anonymous")
	}
	if dups := s.ContactsByEmail("DUP@example.com"); len(dups) != 2 || dups[0].ID != a {
		t.Errorf("ContactsByEmail = %+v", dups)
	}
	if len(s.ContactsByEmail("")) != 0 {
		t.Error("an empty email matches nothing")
	}
	all := s.Contacts()
	if len(all) != 3 || !slices.IsSortedFunc(all, func(x, y Contact) int { return x.ID - y.ID }) {
		t.Errorf("Contacts = %+v", all)
	}
	got.Fields["firstname"] = "changed"
	if again, _ := s.Contact(a); again.Fields["firstname"] != "A" {
		t.Error("Contact must return a copy")
	}
	if _, ok := s.Contact(99); ok {
		t.Error("Contact(99) found something")
	}
}

func TestMergeRules(t *testing.T) {
	clock := newClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := NewServer(t, WithClock(clock.now))
	loser := s.AddContact(map[string]string{"email": "old@example.com", "firstname": "Old", "city": "Oslo", "points": "5"})
	clock.add(time.Hour)
	winner := s.AddContact(map[string]string{"firstname": "New", "points": "3"})
	call(t, s, "PATCH", "/api/contacts/1/edit", `{"tags":["a"]}`)
	call(t, s, "PATCH", "/api/contacts/2/edit", `{"tags":["b","a"]}`)
	if err := s.Merge(winner, loser); err != nil {
		t.Fatal(err)
	}
	w, _ := s.Contact(winner)
	if w.Fields["email"] != "old@example.com" || w.Fields["city"] != "Oslo" || w.Points != 8 || w.Fields["firstname"] != "New" ||
		!slices.Equal(w.Tags, []string{"a", "b"}) || !w.DateIdentified.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("winner after merge = %+v", w)
	}
	if _, ok := s.Contact(loser); ok {
		t.Error("the loser is deleted")
	}
	for _, tt := range []struct{ w, l int }{{winner, winner}, {winner, 99}, {99, winner}, {winner, loser}} {
		if err := s.Merge(tt.w, tt.l); err == nil {
			t.Errorf("Merge(%d, %d) must fail", tt.w, tt.l)
		}
	}
	// Chains: merging the winner away again still resolves the first loser.
	third := s.AddContact(map[string]string{"firstname": "Third"})
	if err := s.Merge(third, winner); err != nil {
		t.Fatal(err)
	}
	if c := contactOf(t, call(t, s, "GET", "/api/contacts/1", "")); idOf(t, c) != third {
		t.Errorf("GET first loser = %v, want %d", c["id"], third)
	}
}

func TestMergeMovesDevices(t *testing.T) {
	s := NewServer(t)
	first := hit(t, s, pageview("a"), "").json(t)
	anon, device := int(first["id"].(float64)), first["device_id"].(string)
	known := s.AddContact(map[string]string{"email": "k@example.com"})
	if err := s.Merge(known, anon); err != nil {
		t.Fatal(err)
	}
	again := hit(t, s, pageview("b"), "mautic_device_id="+device).json(t)
	if int(again["id"].(float64)) != known {
		t.Errorf("after merge the device tracks %v, want %d", again["id"], known)
	}
	if c, _ := s.Contact(known); c.Hits != 2 || !slices.Contains(c.DeviceIDs, device) {
		t.Errorf("winner = %+v", c)
	}
}
