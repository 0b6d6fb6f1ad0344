package mautictest

import (
	"net/url"
	"testing"
)

// TestTrackingIdentifyingChannels: Mautic 5.1 reads an identifying field
// from more places than the hit's own email parameter (api-facts.md,
// "Seen on the real Mautic 5.1.0 (second round)"). With the field publicly
// updatable, each channel hands the hit over to the contact it names.
func TestTrackingIdentifyingChannels(t *testing.T) {
	const page = "http://127.0.0.1:9999/p"
	victimURL := url.QueryEscape(page + "?email=victim@example.com")
	cases := []struct {
		name, method, path, body string
		headers                  []string
	}{
		{"referer query, key in capitals", "POST", "/mtc/event", "page_title=t",
			[]string{"Referer", page + "?EMAIL=victim@example.com"}},
		{"page_url query, form", "POST", "/mtc/event", "page_title=t&page_url=" + victimURL, nil},
		{"page_url query, JSON", "POST", "/mtc/event", `{"page_url":"` + page + `?email=victim@example.com"}`, nil},
		{"page_url query, pixel", "GET", "/mtracking.gif?page_url=" + victimURL, "", nil},
		{"name cut at NUL", "POST", "/mtc/event", "page_title=t&email%00x=victim@example.com", nil},
		{"leading space and dot", "POST", "/mtc/event", "page_title=t&%20email=victim@example.com", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewServer(t)
			victim := s.AddContact(map[string]string{"email": "victim@example.com"})
			s.SetPubliclyUpdatable("email", true)
			h := append([]string{"User-Agent", browserUA, "Authorization", ""}, c.headers...)
			if c.method == "POST" && c.body != "" && c.body[0] != '{' {
				h = append(h, "Content-Type", "application/x-www-form-urlencoded")
			}
			if a := call(t, s, c.method, c.path, c.body, h...); a.status != 200 {
				t.Fatalf("%d %s", a.status, a.body)
			}
			if got, _ := s.Contact(victim); got.Hits != 1 {
				t.Errorf("the hit did not reach the victim's contact (hits %d): the channel is not modelled", got.Hits)
			}
		})
	}
}

// TestTrackingOtherUniqueIdentifier: a field an admin made a unique
// identifier identifies a hit like the email does.
func TestTrackingOtherUniqueIdentifier(t *testing.T) {
	s := NewServer(t)
	victim := s.AddContact(map[string]string{"email": "v@example.com", "phone": "5550100"})
	s.SetPubliclyUpdatable("phone", true)
	if a := hit(t, s, pageview("x", "phone", "5550100"), ""); a.status != 200 {
		t.Fatal(a.status)
	}
	if got, _ := s.Contact(victim); got.Hits != 0 {
		t.Fatalf("phone identified before it was unique")
	}
	s.SetUniqueIdentifier("phone", true)
	fields := call(t, s, "GET", "/api/fields/contact?limit=100", "").json(t)["fields"].(map[string]any)
	for _, f := range fields {
		if m := f.(map[string]any); m["alias"] == "phone" && m["isUniqueIdentifier"] != true {
			t.Errorf("fields API: phone not unique: %v", m)
		}
	}
	hit(t, s, pageview("y", "phone", "5550100"), "")
	if got, _ := s.Contact(victim); got.Hits != 1 {
		t.Errorf("a unique phone did not identify: %+v", got)
	}
}
