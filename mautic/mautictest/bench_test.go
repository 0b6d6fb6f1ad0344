package mautictest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// benchCall sends one request over a kept-alive connection and drains it.
func benchCall(b *testing.B, c *http.Client, method, url, body string) {
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.SetBasicAuth("admin", "mautic")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// seeded starts a simulator holding n contacts.
func seeded(b *testing.B, n int) (*Server, *http.Client) {
	s := NewServer(b)
	for i := range n {
		s.AddContact(map[string]string{"email": fmt.Sprintf("user%d@example.com", i), "firstname": "User"})
	}
	c := &http.Client{}
	b.Cleanup(c.CloseIdleConnections)
	return s, c
}

// BenchmarkBaselineRouteNotFound is the floor: an HTTP round trip that the
// router answers without touching the store.
func BenchmarkBaselineRouteNotFound(b *testing.B) {
	s, c := seeded(b, 0)
	for b.Loop() {
		benchCall(b, c, "GET", s.URL+"/api/nope", "")
	}
}

func BenchmarkGetContact(b *testing.B) {
	s, c := seeded(b, 1000)
	for b.Loop() {
		benchCall(b, c, "GET", s.URL+"/api/contacts/500", "")
	}
}

func BenchmarkFindByEmailWhere1000(b *testing.B) {
	s, c := seeded(b, 1000)
	q := "/api/contacts?where%5B0%5D%5Bcol%5D=email&where%5B0%5D%5Bexpr%5D=eq&where%5B0%5D%5Bval%5D=user500%40example.com"
	for b.Loop() {
		benchCall(b, c, "GET", s.URL+q, "")
	}
}

func BenchmarkUpsertExisting(b *testing.B) {
	s, c := seeded(b, 1000)
	for b.Loop() {
		benchCall(b, c, "POST", s.URL+"/api/contacts/new", `{"email":"user500@example.com","city":"Berlin"}`)
	}
}

func BenchmarkTrackingHit(b *testing.B) {
	s, c := seeded(b, 0)
	first, _ := http.NewRequest("POST", s.URL+"/mtc/event", strings.NewReader("page_url=x"))
	first.Header.Set("User-Agent", browserUA)
	first.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(first)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	device := cookieValue(resp, "mautic_device_id")
	for b.Loop() {
		req, _ := http.NewRequest("POST", s.URL+"/mtc/event", strings.NewReader("page_url=x&counter=1"))
		req.Header.Set("User-Agent", browserUA)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", "mautic_device_id="+device)
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

func cookieValue(resp *http.Response, name string) string {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// BenchmarkRenderContact measures building and encoding one contact.
func BenchmarkRenderContact(b *testing.B) {
	st := newStore()
	r := &record{fields: map[string]string{"email": "a@example.com", "firstname": "A"}, tags: []string{"x"}, ips: []string{"10.0.0.1"}}
	st.insert(r)
	for b.Loop() {
		_ = phpJSON(object{}.add("contact", st.renderContact(r, view{})))
	}
}
