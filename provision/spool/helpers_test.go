package spool

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// recorder is an Apply function that records what it was given and fails
// as told.
type recorder struct {
	mu      sync.Mutex
	bodies  []string
	fail    func(e Entry) error
	applied chan string
}

func newRecorder() *recorder { return &recorder{applied: make(chan string, 100)} }

func (r *recorder) apply(_ context.Context, e Entry) error {
	r.mu.Lock()
	fail := r.fail
	r.mu.Unlock()
	if fail != nil {
		if err := fail(e); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, string(e.Body))
	r.mu.Unlock()
	r.applied <- string(e.Body)
	return nil
}

func (r *recorder) setFail(f func(e Entry) error) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

// waitApplied waits for n applications and returns their bodies in order.
func (r *recorder) waitApplied(t *testing.T, n int) []string {
	t.Helper()
	var out []string
	deadline := time.After(10 * time.Second)
	for len(out) < n {
		select {
		case b := <-r.applied:
			out = append(out, b)
		case <-deadline:
			t.Fatalf("%d of %d entries applied after 10 s: %q", len(out), n, out)
		}
	}
	return out
}

// openSpool opens a spool in dir with fast backoff and closes it at the end.
func openSpool(t *testing.T, dir string, apply func(context.Context, Entry) error, mod ...func(*Config)) *Spool {
	t.Helper()
	cfg := Config{Dir: dir, Apply: apply, MinBackoff: 5 * time.Millisecond, MaxBackoff: 40 * time.Millisecond}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := Open(cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// files lists the names in dir/sub.
func files(t *testing.T, dir, sub string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, sub))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not true after 10 s: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
