package mautictest

import (
	"sync"
	"testing"
	"time"
)

// createConcurrently sends n identical creates at once and returns their
// statuses.
func createConcurrently(t *testing.T, s *Server, n int) []int {
	t.Helper()
	var wg sync.WaitGroup
	statuses := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, err := postJSON(s, "/api/contacts/new", `{"email":"race@example.com","firstname":"R"}`)
			if err != nil {
				t.Error(err)
			}
			statuses[i] = st
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

func TestCreateRaceWindowMakesDuplicates(t *testing.T) {
	s := NewServer(t, WithCreateRaceWindow(500*time.Millisecond))
	statuses := createConcurrently(t, s, 5)
	dups := s.ContactsByEmail("race@example.com")
	if len(dups) < 2 {
		t.Fatalf("with a race window, %d contacts (statuses %v); want duplicates", len(dups), statuses)
	}
	created := 0
	for _, st := range statuses {
		if st == 201 {
			created++
		}
	}
	if created != len(dups) {
		t.Errorf("%d answers were 201 but %d contacts exist", created, len(dups))
	}
	// Later lookups by email see the oldest duplicate, as Mautic's query does.
	if a := call(t, s, "POST", "/api/contacts/new", `{"email":"race@example.com"}`); a.status != 200 ||
		idOf(t, contactOf(t, a)) != dups[0].ID {
		t.Errorf("create after the race: %d", a.status)
	}
}

func TestCreateWithoutRaceWindowDedupes(t *testing.T) {
	s := NewServer(t)
	statuses := createConcurrently(t, s, 10)
	if n := len(s.ContactsByEmail("race@example.com")); n != 1 {
		t.Errorf("%d contacts (statuses %v), want 1", n, statuses)
	}
	s.SetCreateRaceWindow(300 * time.Millisecond)
	var wg sync.WaitGroup
	for _, e := range []string{"x@example.com", "x@example.com"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := postJSON(s, "/api/contacts/new", `{"email":"`+e+`"}`); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(s.ContactsByEmail("x@example.com")); n != 2 {
		t.Errorf("SetCreateRaceWindow: %d contacts, want the duplicate", n)
	}
}
