package mautictest

import (
	"fmt"
	"testing"
	"time"
)

func TestRateLimit(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 25, 22, 42, 22, 0, time.UTC))
	s := NewServer(t, WithRateLimit(3, time.Hour), WithClock(clock.now), WithOAuth2Client("1_abc", "secret"))
	reset := fmt.Sprint(clock.now().Add(time.Hour).Unix())
	for i, wantRemaining := range []string{"2", "1", "0"} {
		a := call(t, s, "GET", "/api/contacts", "")
		if a.status != 200 || a.header.Get("X-RateLimit-Limit") != "3" ||
			a.header.Get("X-RateLimit-Remaining") != wantRemaining || a.header.Get("X-RateLimit-Reset") != reset {
			t.Fatalf("call %d: %d %v", i+1, a.status, a.header)
		}
	}
	over := call(t, s, "GET", "/api/contacts", "")
	want := `{ "errors": [ { "code": 429, "message": "You exceeded the rate limit of 3 API calls per hour.", "details": [] } ]}`
	if over.status != 429 || string(over.body) != want || over.header.Get("Retry-After") != "" ||
		over.header.Get("X-RateLimit-Remaining") != "0" || over.header.Get("Mautic-Version") != "" {
		t.Errorf("over the limit: %d %s %v", over.status, over.body, over.header)
	}
	if a := call(t, s, "GET", "/api/contacts", "", "Authorization", ""); a.status != 401 || a.header.Get("X-RateLimit-Limit") != "" {
		t.Errorf("an unauthenticated call is not limited: %d %v", a.status, a.header)
	}
	tok := call(t, s, "POST", "/oauth/v2/token", `{"grant_type":"client_credentials","client_id":"1_abc","client_secret":"secret"}`, "Authorization", "")
	if tok.header.Get("X-RateLimit-Limit") != "" {
		t.Error("the token endpoint is not limited")
	}
	bearer := "Bearer " + tok.json(t)["access_token"].(string)
	if a := call(t, s, "GET", "/api/contacts", "", "Authorization", bearer); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("a token has its own bucket: %d remaining %s", a.status, a.header.Get("X-RateLimit-Remaining"))
	}
	clock.add(time.Hour)
	if a := call(t, s, "GET", "/api/contacts", ""); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "2" {
		t.Errorf("after the window: %d remaining %s", a.status, a.header.Get("X-RateLimit-Remaining"))
	}
	s.SetRateLimit(0, 0)
	if a := call(t, s, "GET", "/api/contacts", ""); a.header.Get("X-RateLimit-Limit") != "" {
		t.Error("SetRateLimit(0) turns the limiter off")
	}
}
