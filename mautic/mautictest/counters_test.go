package mautictest

import "testing"

func TestCounters(t *testing.T) {
	s := NewServer(t, WithOAuth2Client("1_a", "b"))
	call(t, s, "GET", "/api/contacts", "")
	call(t, s, "GET", "/api/contacts", "", "Authorization", "")
	call(t, s, "POST", "/api/contacts/new", `{"email":"c@example.com"}`)
	call(t, s, "GET", "/api/contacts/1", "")
	call(t, s, "PATCH", "/api/contacts/1/edit", `{}`)
	call(t, s, "GET", "/api/nope", "")
	call(t, s, "POST", "/oauth/v2/token", "", "Authorization", "")
	call(t, s, "GET", "/mtc.js", "")
	want := map[string]int{
		"GET /api/contacts": 2, "POST /api/contacts/new": 1, "GET /api/contacts/{id}": 1,
		"PATCH /api/contacts/{id}/edit": 1, "GET /api/nope": 1, "POST /oauth/v2/token": 1, "GET /mtc.js": 1,
	}
	got := s.CallCounts()
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s = %d, want %d", k, got[k], n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("counters = %v", got)
	}
	if n := s.TotalAPICalls(); n != 7 {
		t.Errorf("TotalAPICalls = %d, want 7", n)
	}
	got["GET /api/contacts"] = 99
	if s.Calls("GET /api/contacts") != 2 {
		t.Error("CallCounts must return a copy")
	}
	s.ResetCounters()
	if s.TotalAPICalls() != 0 || len(s.CallCounts()) != 0 {
		t.Error("ResetCounters left counts")
	}
}
