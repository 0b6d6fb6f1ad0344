package spool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/spool"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// applied records bodies applied by any instance, in order.
type applied struct {
	mu     sync.Mutex
	counts map[string]int
	ch     chan string
}

func newApplied() *applied { return &applied{counts: map[string]int{}, ch: make(chan string, 1000)} }

func (a *applied) apply(_ context.Context, e spool.Entry) error {
	a.mu.Lock()
	a.counts[string(e.Body)]++
	a.mu.Unlock()
	a.ch <- string(e.Body)
	return nil
}

func (a *applied) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for range n {
		select {
		case <-a.ch:
		case <-deadline:
			t.Fatalf("fewer than %d bodies applied within 20 s", n)
		}
	}
}

// flaky is the real table with a switch that makes it fail, as a database
// that is down does.
type flaky struct {
	spool.Store
	down atomic.Bool
}

var errDown = errors.New("database down")

func (f *flaky) Insert(ctx context.Context, e spool.Entry) (spool.PutResult, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.Store.Insert(ctx, e)
}

func (f *flaky) Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]spool.Entry, error) {
	if f.down.Load() {
		return nil, errDown
	}
	return f.Store.Claim(ctx, owner, lease, max)
}

func openShared(t *testing.T, store spool.Store, dir string, apply func(context.Context, spool.Entry) error) *spool.Shared {
	t.Helper()
	s, err := spool.OpenShared(spool.SharedConfig{Store: store, Dir: dir, Apply: apply, Poll: 20 * time.Millisecond,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
		OnStoreError: func(op string, err error) { t.Logf("store %s: %v", op, err) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestSharedSurvivesLosingTheAcceptingInstance: instance A answers a body
// stored, then is gone with its disk (never applies anything); instance B,
// on the same database, applies every body exactly once.
func TestSharedSurvivesLosingTheAcceptingInstance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		never := func(ctx context.Context, _ spool.Entry) error { <-ctx.Done(); return ctx.Err() }
		a := openShared(t, f.Open(t).WebhookStore(), t.TempDir(), never)
		bodies := make([]string, 20)
		for i := range bodies {
			bodies[i] = fmt.Sprintf(`{"mautic.lead_post_delete":[{"id":%d}]}`, i)
			if res, err := a.Put([]byte(bodies[i]), spool.Meta{}); err != nil || res != spool.Stored {
				t.Fatalf("put = %v, %v", res, err)
			}
		}
		if err := a.Close(); err != nil { // A is lost: its disk dir is never read again
			t.Fatal(err)
		}
		got := newApplied()
		openShared(t, f.Open(t).WebhookStore(), t.TempDir(), got.apply)
		got.wait(t, len(bodies))
		got.mu.Lock()
		defer got.mu.Unlock()
		for _, b := range bodies {
			if got.counts[b] != 1 {
				t.Errorf("%s applied %d times; want 1", b, got.counts[b])
			}
		}
	})
}

// TestSharedFallsBackToDiskWhileTheDatabaseIsDown: Put still succeeds
// (on disk) while the table fails, and the body is applied once the
// database is back.
func TestSharedFallsBackToDiskWhileTheDatabaseIsDown(t *testing.T) {
	f := dbtest.SQLite(t)
	store := &flaky{Store: f.Open(t).WebhookStore()}
	store.down.Store(true)
	got := newApplied()
	s := openShared(t, store, t.TempDir(), got.apply)
	if res, err := s.Put([]byte(`{"a":1}`), spool.Meta{}); err != nil || res != spool.Stored {
		t.Fatalf("put while down = %v, %v; want stored (on disk)", res, err)
	}
	if st := s.Stats(); st.Pending != 1 {
		t.Fatalf("pending = %d; want 1 (on disk)", st.Pending)
	}
	store.down.Store(false)
	got.wait(t, 1)
	if res, err := s.Put([]byte(`{"a":1}`), spool.Meta{}); err != nil || res == spool.Stored {
		t.Fatalf("replay after apply = %v, %v; want a duplicate", res, err)
	}
}

// TestSharedRetriesAndRejects: a failing Apply is retried until it
// succeeds; a Permanent failure is rejected and never tried again.
func TestSharedRetriesAndRejects(t *testing.T) {
	f := dbtest.SQLite(t)
	var tries atomic.Int32
	got := newApplied()
	rejected := make(chan string, 1)
	s, err := spool.OpenShared(spool.SharedConfig{
		Store: f.Open(t).WebhookStore(), Dir: t.TempDir(), Poll: 20 * time.Millisecond,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		Apply: func(ctx context.Context, e spool.Entry) error {
			if string(e.Body) == "bad" {
				return spool.Permanent(errors.New("never"))
			}
			if tries.Add(1) < 3 {
				return errors.New("mautic down")
			}
			return got.apply(ctx, e)
		},
		OnReject: func(e spool.Entry, _ error) { rejected <- string(e.Body) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	for _, b := range []string{"bad", "good"} {
		if _, err := s.Put([]byte(b), spool.Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	got.wait(t, 1)
	select {
	case b := <-rejected:
		if b != "bad" {
			t.Fatalf("rejected %q", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("bad body never rejected")
	}
	if n := tries.Load(); n != 3 {
		t.Fatalf("good body tried %d times; want 3", n)
	}
}

// TestSharedLongApplyIsNotTakenOver: an Apply that runs for several
// leases keeps its entry: another instance polling meanwhile does not
// apply it too.
func TestSharedLongApplyIsNotTakenOver(t *testing.T) {
	f := dbtest.SQLite(t)
	const lease = 150 * time.Millisecond
	var count atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	apply := func(ctx context.Context, e spool.Entry) error {
		if count.Add(1) == 1 {
			close(started)
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}
	open := func() *spool.Shared {
		s, err := spool.OpenShared(spool.SharedConfig{Store: f.Open(t).WebhookStore(), Dir: t.TempDir(), Apply: apply,
			Poll: 10 * time.Millisecond, Lease: lease})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a := open()
	if _, err := a.Put([]byte(`{"long":1}`), spool.Meta{}); err != nil {
		t.Fatal(err)
	}
	<-started
	open()                // b polls every 10 ms while a applies
	time.Sleep(5 * lease) // five leases: without renewal b would take it over
	close(release)
	if n := count.Load(); n != 1 {
		t.Fatalf("applied %d times while the first Apply ran; want 1", n)
	}
}
