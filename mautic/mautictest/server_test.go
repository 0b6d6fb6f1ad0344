package mautictest

import (
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	s := NewServer(t, WithLatency(time.Millisecond))
	rx := newCaptureServer(t)
	s.AddWebhook(Webhook{URL: rx.URL})
	call(t, s, "POST", "/api/contacts/new", `{"email":"g@example.com"}`)
	hit(t, s, pageview("a"), "")
	s.Close()
	s.Close() // idempotent
	rx.Close()
	if _, err := http.Get(s.URL + "/mtc.js"); err == nil {
		t.Error("a closed server still answers")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf)
	}
}

func TestAPIURL(t *testing.T) {
	s := NewServer(t)
	if s.APIURL() != s.URL+"/api" || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %s, APIURL %s", s.URL, s.APIURL())
	}
}

func TestMatchRoutes(t *testing.T) {
	tests := []struct {
		method, path, key string
		id                int
		found             bool
	}{
		{"GET", "/api/contacts", "GET /api/contacts", 0, true},
		{"GET", "/api/contacts/12", "GET /api/contacts/{id}", 12, true},
		{"PATCH", "/api/contacts/12/edit", "PATCH /api/contacts/{id}/edit", 12, true},
		{"PATCH", "/api/contacts/batch/edit", "PATCH /api/contacts/batch/edit", 0, true},
		{"GET", "/api/contacts/new", "", 0, false},
		{"GET", "/api/contacts/", "", 0, false},
		{"GET", "/api/contacts/1x", "", 0, false},
		{"POST", "/api/contacts/2", "", 0, false},
		{"GET", "/api/contacts/1234567890", "", 0, false},
	}
	for _, tt := range tests {
		rt, id, found := match(tt.method, tt.path)
		if found != tt.found || (found && (rt.key() != tt.key || id != tt.id)) {
			t.Errorf("match(%s %s) = %q %d %v", tt.method, tt.path, rt.key(), id, found)
		}
	}
}
