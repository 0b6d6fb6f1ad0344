package provision

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// twoInstances is two engines on one database, as two Caddy instances:
// a applies webhooks; b serves visits from its cache and is stepped
// through the change feed by hand (never started, so nothing races).
type twoInstances struct {
	v       *env
	a, b    *Engine
	changed chan []string // b's Hooks.UsersChanged
}

func newTwoInstances(t *testing.T, f *dbtest.Fixture) *twoInstances {
	v := newEnvOn(t, f)
	ti := &twoInstances{v: v, changed: make(chan []string, 10)}
	ca := v.config()
	ca.Changes = v.db
	ti.a = v.engine(ca)
	cb := v.config()
	dbB := f.Open(t)
	cb.Store, cb.Changes = dbB, dbB
	cb.Hooks.UsersChanged = func(u []string) { ti.changed <- u }
	var err error
	if ti.b, err = New(cb); err != nil {
		t.Fatal(err)
	}
	if err := ti.b.SyncChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ti
}

// cachedOn makes b cache u on contact id, as a visit whose cookie cache
// claims it does.
func (ti *twoInstances) cachedOn(t *testing.T, u userdb.User, id int) Visit {
	vis := visit(u)
	vis.User.MauticID = id
	if got, ok := ti.b.ContactFor(context.Background(), vis); !ok || got != id {
		t.Fatalf("b answered %d, %v; want the claimed %d", got, ok, id)
	}
	return vis
}

// TestChangeFeedCarriesADeleteToTheOtherInstance: a contact deleted in
// Mautic, applied on a, is no longer answered by b after one feed step,
// though b's cache held it for an hour.
func TestChangeFeedCarriesADeleteToTheOtherInstance(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		ti := newTwoInstances(t, f)
		v := ti.v
		hooks := v.recordHooks(nil)
		u := v.addUser("gone@example.org", "Gone")
		old := v.provisioned(ti.a, visit(u))
		vis := ti.cachedOn(t, u, old)
		hooks.take()

		deleteContact(t, v, old)
		applyBodies(t, ti.a, hooks.take())
		// a confirms the deletion with Mautic, then publishes it.
		if _, err := ti.a.ConfirmDeletions(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := ti.b.SyncChanges(context.Background()); err != nil {
			t.Fatal(err)
		}
		if id, ok := ti.b.ContactFor(context.Background(), vis); ok && id == old {
			t.Fatal("b still answers the deleted contact after the feed step")
		}
		select {
		case users := <-ti.changed:
			if !slices.Contains(users, u.ID) {
				t.Fatalf("UsersChanged(%v); want %s", users, u.ID)
			}
		default:
			t.Fatal("UsersChanged not called")
		}
	})
}

// TestChangeFeedCarriesAMergeWithoutMauticCalls: after a merge applied on
// a, b answers the survivor from the feed alone: no Mautic call, no
// database read by a visit.
func TestChangeFeedCarriesAMergeWithoutMauticCalls(t *testing.T) {
	ti := newTwoInstances(t, dbtest.MySQL(t))
	v := ti.v
	hooks := v.recordHooks(nil)
	winner := v.trackAnonymous(2)
	loser := v.m.AddContact(map[string]string{"email": "merge@example.org", "firstname": "Merge"})
	u := v.f.AddUser(t, userdb.User{Email: "merge@example.org", Name: "Merge Me", MauticID: loser})
	vis := ti.cachedOn(t, u, loser)
	hooks.take()
	if err := v.m.Merge(winner, loser); err != nil {
		t.Fatal(err)
	}
	applyBodies(t, ti.a, hooks.take())
	before := v.m.TotalAPICalls()
	if err := ti.b.SyncChanges(context.Background()); err != nil {
		t.Fatal(err)
	}
	if id, ok := ti.b.ContactFor(context.Background(), vis); !ok || id != winner {
		t.Fatalf("b answered %d, %v; want the survivor %d", id, ok, winner)
	}
	if n := v.m.TotalAPICalls() - before; n != 0 {
		t.Fatalf("b made %d Mautic calls to learn of the merge; want 0", n)
	}
}

// TestChangeFeedPollsWhileStarted: a started engine follows the feed by
// itself, within a few polls.
func TestChangeFeedPollsWhileStarted(t *testing.T) {
	f := dbtest.SQLite(t)
	v := newEnvOn(t, f)
	var mu sync.Mutex
	var got []string
	cfg := v.config()
	cfg.Changes, cfg.ChangePoll = v.db, 20*time.Millisecond
	cfg.Hooks.UsersChanged = func(u []string) { mu.Lock(); got = append(got, u...); mu.Unlock() }
	v.engine(cfg)
	other := f.Open(t)
	// Until the engine has read the feed's end once, an append would be
	// taken as history; keep appending until one is seen.
	waitFor(t, 10*time.Second, func() bool {
		if err := other.AppendChanges(context.Background(), []userdb.Change{{UserID: "u-remote"}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(got, "u-remote")
	}, "the engine applied a remote change")
}
