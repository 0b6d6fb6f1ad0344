package mautictest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// answer is one HTTP exchange's result in a test.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value; tests fail on bad JSON.
func (a answer) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("body is not a JSON object (%v): %s", err, a.body)
	}
	return m
}

// call sends a request with the default Basic credentials unless the headers
// say otherwise ("Authorization": "" sends none).
func call(t testing.TB, s *Server, method, path, body string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", "mautic")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

// contactOf returns the "contact" object of an answer.
func contactOf(t testing.TB, a answer) map[string]any {
	t.Helper()
	c, ok := a.json(t)["contact"].(map[string]any)
	if !ok {
		t.Fatalf("no contact in %d %s", a.status, a.body)
	}
	return c
}

// allField returns fields.all[alias] of a contact object.
func allField(c map[string]any, alias string) any {
	fields, _ := c["fields"].(map[string]any)
	all, _ := fields["all"].(map[string]any)
	return all[alias]
}

// idOf returns a contact object's id as an int.
func idOf(t testing.TB, c map[string]any) int {
	t.Helper()
	f, ok := c["id"].(float64)
	if !ok {
		t.Fatalf("contact id is %v", c["id"])
	}
	return int(f)
}

// fixedClock is a settable clock for WithClock, safe to move while the
// server reads it.
type fixedClock struct{ ns atomic.Int64 }

func newClock(t time.Time) *fixedClock {
	c := &fixedClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fixedClock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fixedClock) add(d time.Duration) { c.ns.Add(int64(d)) }

func repeatJSON(item string, n int) string {
	return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
}

func fmtAny(v any) string { return fmt.Sprint(v) }
