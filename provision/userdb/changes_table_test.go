package userdb_test

import (
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// TestChangeFeed appends, reads after a sequence number and after a time,
// and prunes, on every dialect.
func TestChangeFeed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		ctx := ctxT(t)
		clock := newStepClock()
		a, b := openAt(t, f, clock), openAt(t, f, clock)
		if seq, err := b.LastChange(ctx); err != nil || seq != 0 {
			t.Fatalf("empty feed: last = %d, %v", seq, err)
		}
		if err := a.AppendChanges(ctx, []userdb.Change{{UserID: "u1", OldContact: 5, NewContact: 7}, {OldContact: 9}}); err != nil {
			t.Fatal(err)
		}
		clock.add(time.Minute)
		if err := a.AppendChanges(ctx, []userdb.Change{{UserID: "u2"}}); err != nil {
			t.Fatal(err)
		}
		all, err := b.ChangesSince(ctx, 0, clock.now().Add(time.Hour), 100)
		if err != nil || len(all) != 3 {
			t.Fatalf("since 0 = %v, %v; want 3 changes", all, err)
		}
		if c := all[0]; c.UserID != "u1" || c.OldContact != 5 || c.NewContact != 7 || !c.At.Equal(now) {
			t.Fatalf("first change = %+v", c)
		}
		if all[1].UserID != "" || all[1].OldContact != 9 || all[0].Seq >= all[1].Seq || all[1].Seq >= all[2].Seq {
			t.Fatalf("changes out of order or wrong: %+v", all)
		}
		if last, _ := b.LastChange(ctx); last != all[2].Seq {
			t.Fatalf("last = %d; want %d", last, all[2].Seq)
		}
		after, _ := b.ChangesSince(ctx, all[2].Seq, clock.now().Add(time.Hour), 100)
		if len(after) != 0 {
			t.Fatalf("after the last = %v; want none", after)
		}
		recent, _ := b.ChangesSince(ctx, all[2].Seq, clock.now().Add(-time.Second), 100)
		if len(recent) != 1 || recent[0].UserID != "u2" {
			t.Fatalf("look-back = %v; want the change of the last second", recent)
		}
		if err := b.PruneChanges(ctx, clock.now()); err != nil {
			t.Fatal(err)
		}
		if left, _ := b.ChangesSince(ctx, 0, clock.now().Add(time.Hour), 100); len(left) != 1 {
			t.Fatalf("after prune = %v; want the newest only", left)
		}
	})
}
