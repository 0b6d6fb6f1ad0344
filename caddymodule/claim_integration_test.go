package caddymodule

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// TestIntegrationNoOneClaimsAContact: an anonymous visitor tries every
// channel by which Mautic 5.1 reads an identifying field from a tracking
// hit, through the first-party routes of a real Caddy. The simulator reads
// them all (mautictest TestTrackingIdentifyingChannels); none may reach it.
func TestIntegrationNoOneClaimsAContact(t *testing.T) {
	s := startSite(t, siteOptions{mautic: func(m *mautictest.Server) {
		m.SetPubliclyUpdatable("email", true)
		m.SetPubliclyUpdatable("phone", true)
		m.SetUniqueIdentifier("phone", true)
	}})
	waitIdentifiers(t, "phone")
	page := siteURL + "/welcome"
	cases := []struct {
		name, method, path, body, contentType, referer string
	}{
		{"email parameter", "POST", "/mtc/event", "page_title=t&email=V", formType, ""},
		{"email in capitals", "POST", "/mtc/event", "page_title=t&EMAIL=V", formType, ""},
		{"lead[email]", "POST", "/mtc/event", "page_title=t&lead%5Bemail%5D=V", formType, ""},
		{"name cut at NUL", "POST", "/mtc/event", "page_title=t&email%00x=V", formType, ""},
		{"leading space", "POST", "/mtc/event", "page_title=t&%20email=V", formType, ""},
		{"referer query", "POST", "/mtc/event", "page_title=t", formType, page + "?EMAIL=V"},
		{"referer query after a fragment-less path", "POST", "/mtc/event", "page_title=t", formType, page + "?a=1&e%6Dail=V"},
		{"page_url query, form", "POST", "/mtc/event", "page_title=t&page_url=" + url.QueryEscape(page+"?email=V"), formType, ""},
		{"page_url query, JSON", "POST", "/mtc/event", `{"page_title":"t","page_url":"` + page + `?x=1&email=V"}`, "application/json", ""},
		{"page_url query, pixel", "GET", "/mtracking.gif?page_title=t&page_url=" + url.QueryEscape(page+"?email=V"), "", "", ""},
		{"page_url query, bad escape", "POST", "/mtc/event", "page_title=t&page_url=" + url.QueryEscape(page+"?email=V&x=%zz"), formType, ""},
		{"unique phone", "POST", "/mtc/event", "page_title=t&phone=P", formType, ""},
		{"unique phone in page_url", "POST", "/mtc/event", "page_title=t&page_url=" + url.QueryEscape(page+"?phone=P"), formType, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			email := "victim" + strconv.Itoa(i) + "@example.com"
			phone := strconv.Itoa(5550100 + i)
			victim := s.mautic.AddContact(map[string]string{"email": email, "phone": phone})
			fill := strings.NewReplacer("V", url.QueryEscape(email), "P", phone)
			target := fill.Replace(c.path)
			var body *strings.Reader
			if c.method == "POST" {
				body = strings.NewReader(fill.Replace(c.body))
			} else {
				body = strings.NewReader("")
			}
			req, _ := http.NewRequest(c.method, siteURL+"/mtc-proxy"+target, body)
			req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.referer != "" {
				req.Header.Set("Referer", fill.Replace(c.referer))
			}
			resp, answer := s.do(t, req)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s", resp.Status, answer)
			}
			if got, _ := s.mautic.Contact(victim); got.Hits != 0 {
				t.Errorf("the anonymous hit reached the victim's contact %d: %s", victim, answer)
			}
		})
	}
}

const formType = "application/x-www-form-urlencoded"

// waitIdentifiers waits until the running module has read Mautic's unique
// identifier fields and knows aliases.
func waitIdentifiers(t *testing.T, aliases ...string) {
	t.Helper()
	eventually(t, 10*time.Second, "Mautic's unique identifiers read", func() bool {
		known := false
		pool.Range(func(_, v any) bool {
			ids := v.(*state).identifying()
			known = true
			for _, a := range aliases {
				known = known && contains(ids, a)
			}
			return true
		})
		return known
	})
}
