package userdb_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/spool"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// stepClock is a settable clock shared by two handles.
type stepClock struct{ ms atomic.Int64 }

func (c *stepClock) now() time.Time      { return time.UnixMilli(c.ms.Load()) }
func (c *stepClock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }
func newStepClock() *stepClock           { c := &stepClock{}; c.ms.Store(now.UnixMilli()); return c }
func openAt(t *testing.T, f *dbtest.Fixture, c *stepClock) *userdb.DB {
	cfg := f.Config()
	cfg.Now = c.now
	return f.OpenWith(t, cfg)
}

func hook(body string) spool.Entry {
	b := []byte(body)
	return spool.Entry{ID: spool.Digest(b), Body: b, Meta: spool.Meta{ReceivedAt: now, Header: map[string]string{"X-Origin-Base-URL": "https://m.example"}}}
}

// TestWebhookTableLifecycle walks one row through the shared spool on
// every dialect: stored once, claimed by one of two instances, retried,
// applied, recognised as a replay, pruned.
func TestWebhookTableLifecycle(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		ctx := ctxT(t)
		clock := newStepClock()
		a, b := openAt(t, f, clock), openAt(t, f, clock)
		e := hook(`{"mautic.lead_post_delete":[{"id":1}]}` + "\x00\xff")

		if res, err := a.InsertWebhook(ctx, e); err != nil || res != spool.Stored {
			t.Fatalf("first insert = %v, %v; want stored", res, err)
		}
		if res, err := b.InsertWebhook(ctx, e); err != nil || res != spool.AlreadyPending {
			t.Fatalf("second insert = %v, %v; want already_pending", res, err)
		}
		got, err := a.ClaimWebhooks(ctx, "a", time.Minute, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("claim by a = %v, %v; want the row", got, err)
		}
		if string(got[0].Body) != string(e.Body) || got[0].ID != e.ID || got[0].Meta.Header["X-Origin-Base-URL"] != "https://m.example" ||
			!got[0].Meta.ReceivedAt.Equal(now) {
			t.Fatalf("claimed %+v; want the stored entry byte for byte", got[0])
		}
		if got, err := b.ClaimWebhooks(ctx, "b", time.Minute, 10); err != nil || len(got) != 0 {
			t.Fatalf("claim by b during a's lease = %v, %v; want nothing", got, err)
		}
		if err := a.RetryWebhook(ctx, e.ID, 10*time.Second); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.ClaimWebhooks(ctx, "b", time.Minute, 10); len(got) != 0 {
			t.Fatalf("claimed before the retry wait: %v", got)
		}
		clock.add(11 * time.Second)
		got, err = b.ClaimWebhooks(ctx, "b", time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].Attempts != 1 {
			t.Fatalf("claim after the wait = %+v, %v; want the row with 1 attempt", got, err)
		}
		st, err := a.WebhookStats(ctx)
		if err != nil || st.Pending != 1 || !st.Oldest.Equal(now) {
			t.Fatalf("stats = %+v, %v; want 1 pending since %v", st, err, now)
		}
		if err := b.FinishWebhook(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		if res, err := a.InsertWebhook(ctx, e); err != nil || res != spool.AlreadyApplied {
			t.Fatalf("replay = %v, %v; want already_applied", res, err)
		}
		if got, _ := a.ClaimWebhooks(ctx, "a", time.Minute, 10); len(got) != 0 {
			t.Fatalf("applied row claimed again: %v", got)
		}
		clock.add(time.Hour)
		if n, err := a.PruneWebhooks(ctx, clock.now().Add(-30*time.Minute)); err != nil || n != 1 {
			t.Fatalf("prune = %d, %v; want 1", n, err)
		}
		if res, _ := a.InsertWebhook(ctx, e); res != spool.Stored {
			t.Fatalf("insert after prune = %v; want stored", res)
		}
	})
}

// TestWebhookTableExpiredLease: an instance that dies holding a claim
// delays the row by its lease, no more.
func TestWebhookTableExpiredLease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		ctx := ctxT(t)
		clock := newStepClock()
		a, b := openAt(t, f, clock), openAt(t, f, clock)
		e := hook(`{"x":1}`)
		if _, err := a.InsertWebhook(ctx, e); err != nil {
			t.Fatal(err)
		}
		if got, _ := a.ClaimWebhooks(ctx, "a", 30*time.Second, 1); len(got) != 1 {
			t.Fatal("a did not claim")
		}
		clock.add(20 * time.Second)
		if err := b.ExtendWebhookLease(ctx, e.ID, "b", time.Hour); err != nil { // not b's claim: no effect
			t.Fatal(err)
		}
		if err := a.ExtendWebhookLease(ctx, e.ID, "a", 30*time.Second); err != nil { // a is still applying
			t.Fatal(err)
		}
		clock.add(20 * time.Second)
		if got, _ := b.ClaimWebhooks(ctx, "b", 30*time.Second, 1); len(got) != 0 {
			t.Fatal("b took over a renewed lease")
		}
		clock.add(11 * time.Second) // a was killed
		if got, _ := b.ClaimWebhooks(ctx, "b", 30*time.Second, 1); len(got) != 1 {
			t.Fatal("b could not take over the expired lease")
		}
		if err := b.RejectWebhook(ctx, e.ID, errors.New("no such trigger")); err != nil {
			t.Fatal(err)
		}
		st, _ := b.WebhookStats(ctx)
		if st.Pending != 0 || st.Rejected != 1 {
			t.Fatalf("stats = %+v; want 0 pending, 1 rejected", st)
		}
	})
}

// TestWebhookTableConcurrentClaims: many claimers, many rows: every row
// is claimed exactly once.
func TestWebhookTableConcurrentClaims(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		ctx := ctxT(t)
		clock := newStepClock()
		dbs := []*userdb.DB{openAt(t, f, clock), openAt(t, f, clock), openAt(t, f, clock)}
		const rows = 60
		for i := range rows {
			if _, err := dbs[i%3].InsertWebhook(ctx, hook(`{"n":`+string(rune('0'+i%10))+`,"i":"`+time.Duration(i).String()+`"}`)); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		for i, db := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := db.ClaimWebhooks(ctx, string(rune('a'+i)), time.Hour, 7)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						st, _ := db.WebhookStats(ctx)
						mu.Lock()
						done := len(seen) == rows
						mu.Unlock()
						if done || st.Pending == 0 {
							return
						}
						continue
					}
					mu.Lock()
					for _, e := range got {
						seen[e.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != rows {
			t.Fatalf("%d rows claimed; want %d", len(seen), rows)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("row %s claimed %d times", id[:8], n)
			}
		}
	})
}
