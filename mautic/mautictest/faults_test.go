package mautictest

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// postJSON sends a JSON POST with the default credentials; safe to call from
// any goroutine.
func postJSON(s *Server, path, body string) (int, error) {
	req, _ := http.NewRequest("POST", s.URL+path, strings.NewReader(body))
	req.SetBasicAuth("admin", "mautic")
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// rawGet sends a request that may fail at the transport.
func rawGet(s *Server, path string) (int, error) {
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.SetBasicAuth("admin", "mautic")
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestFailNext(t *testing.T) {
	s := NewServer(t)
	s.FailNext("GET /api/contacts", 2, 503)
	s.FailNext("", 1, 500)
	tests := []struct {
		path string
		want int
	}{
		{"/api/contacts", 503},
		{"/api/fields/contact", 500}, // the "" rule takes any route
		{"/api/contacts", 503},
		{"/api/contacts", 200},
		{"/api/fields/contact", 200},
	}
	for i, tt := range tests {
		a := call(t, s, "GET", tt.path, "")
		if a.status != tt.want {
			t.Fatalf("call %d %s: %d, want %d", i, tt.path, a.status, tt.want)
		}
		if tt.want >= 500 && !strings.Contains(string(a.body), "error #") {
			t.Errorf("injected error body = %s", a.body)
		}
	}
	if n := s.Calls("GET /api/contacts"); n != 3 {
		t.Errorf("Calls = %d, want 3 (failures count)", n)
	}
}

func TestResetNextAndDown(t *testing.T) {
	s := NewServer(t)
	s.ResetNext("GET /api/contacts/{id}", 1)
	if _, err := rawGet(s, "/api/contacts/1"); err == nil {
		t.Error("ResetNext: the request got an answer")
	}
	if st, err := rawGet(s, "/api/contacts/1"); err != nil || st != 404 {
		t.Errorf("after the reset: %d %v", st, err)
	}
	s.SetDown(true)
	for _, p := range []string{"/api/contacts", "/mtc.js"} {
		if _, err := rawGet(s, p); err == nil {
			t.Errorf("SetDown: %s answered", p)
		}
	}
	s.SetDown(false)
	if st, err := rawGet(s, "/api/contacts"); err != nil || st != 200 {
		t.Errorf("back up: %d %v", st, err)
	}
	if n := s.Calls("GET /api/contacts/{id}"); n != 2 {
		t.Errorf("Calls = %d, want 2 (resets count)", n)
	}
}

func TestLatency(t *testing.T) {
	s := NewServer(t, WithLatency(50*time.Millisecond))
	start := time.Now()
	call(t, s, "GET", "/api/contacts", "")
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered after %v, want at least the 50ms latency", d)
	}
	s.SetLatency(0)
	s.SetLatency(10 * time.Second)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = rawGet(s, "/api/contacts")
	}()
	time.Sleep(20 * time.Millisecond)
	s.Close() // must not wait out the latency
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waited for a delayed request")
	}
}
