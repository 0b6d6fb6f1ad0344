package mautic

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// seenRequest is what a fake Mautic received.
type seenRequest struct {
	Method, Path, RawQuery         string
	Auth, UserAgent, Accept, CType string
	Body                           []byte
}

// fakeMautic is an httptest server whose answers a test scripts, for
// wire-level tests (exact encoding, recorded bodies, faults).
type fakeMautic struct {
	srv    *httptest.Server
	answer func(w http.ResponseWriter, r *http.Request, n int) // n counts from 0

	mu   sync.Mutex
	seen []seenRequest
}

func newFake(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *fakeMautic {
	t.Helper()
	f := &fakeMautic{answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		n := len(f.seen)
		f.seen = append(f.seen, seenRequest{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
			Auth: r.Header.Get("Authorization"), UserAgent: r.UserAgent(),
			Accept: r.Header.Get("Accept"), CType: r.Header.Get("Content-Type"), Body: body,
		})
		f.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.answer(w, r, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMautic) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

func (f *fakeMautic) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

// client returns a Basic-auth client for the fake with fast retries.
func (f *fakeMautic) client(t *testing.T, edit ...func(*Config)) *Client {
	t.Helper()
	cfg := Config{
		BaseURL: f.srv.URL + "/api/",
		Auth:    testBasic,
		Retry:   Retry{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond},
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reply writes a JSON answer with optional header pairs.
func reply(w http.ResponseWriter, status int, body []byte, headers ...string) {
	for i := 0; i+1 < len(headers); i += 2 {
		w.Header().Set(headers[i], headers[i+1])
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Mautic-Version", "5.1.0")
	w.WriteHeader(status)
	w.Write(body)
}

// resetConn closes the connection without an answer.
func resetConn(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	conn.Close()
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func itoa(n int) string { return strconv.Itoa(n) }
