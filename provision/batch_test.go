package provision

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestScenarioTwoEnginesMakeNoDuplicates(t *testing.T) {
	run := func(t *testing.T, wrap func(Store) Store) (*env, []userdb.User) {
		v := newEnv(t, mautictest.WithCreateRaceWindow(2*time.Millisecond))
		users := v.addUsers("pair", 500)
		engines := make([]*Engine, 2)
		for i := range engines {
			cfg := v.config()
			cfg.Store = wrap(v.f.Open(t)) // each instance has its own pool
			engines[i] = v.engine(cfg)
		}
		var wg sync.WaitGroup
		for _, e := range engines {
			wg.Go(func() {
				for _, u := range users {
					e.ContactFor(context.Background(), visit(u))
				}
			})
		}
		wg.Wait()
		v.waitProvisioned(users, 60*time.Second)
		return v, users
	}

	t.Run("locked through the database", func(t *testing.T) {
		v, users := run(t, func(s Store) Store { return s })
		if d := v.duplicates(users); d != 0 {
			t.Errorf("%d of %d users have more than one contact", d, len(users))
		}
		ids := v.waitProvisioned(users, time.Second)
		for _, u := range users {
			if c := v.contactOf(u.Email); c.ID != ids[u.ID] {
				t.Fatalf("user %s: mauticId %d, contact %d", u.ID, ids[u.ID], c.ID)
			}
		}
		if got := len(v.m.Contacts()); got != len(users) {
			t.Errorf("%d contacts for %d users", got, len(users))
		}
	})

	// The control: the same race without the locks does make duplicates,
	// so the test above can fail.
	t.Run("control without locks", func(t *testing.T) {
		v, users := run(t, func(s Store) Store { return grantAll{s} })
		if d := v.duplicates(users); d == 0 {
			t.Error("no duplicates without locks: the race window is not exercised")
		} else {
			t.Logf("without locks, %d of %d users got duplicates", d, len(users))
		}
	})
}

// addUsers inserts n users with live sessions.
func (v *env) addUsers(prefix string, n int) []userdb.User {
	users := make([]userdb.User, n)
	for i := range users {
		users[i] = v.addUser(fmt.Sprintf("%s%04d@example.org", prefix, i), fmt.Sprintf("User %d", i))
	}
	return users
}

// duplicates counts the emails that more than one contact holds.
func (v *env) duplicates(users []userdb.User) int {
	n := 0
	for _, u := range users {
		if len(v.m.ContactsByEmail(u.Email)) > 1 {
			n++
		}
	}
	return n
}

// grantAll is a Store whose locks exclude nothing: an engine without
// cross-instance coordination, to show what the locks prevent.
type grantAll struct{ Store }

func (grantAll) LockUsers(_ context.Context, ids []string) ([]string, func(), error) {
	return ids, func() {}, nil
}

func TestScenarioUserHeldByAnotherInstanceWaits(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	u := v.addUser("held@example.org", "Held Elsewhere")
	other := v.f.Open(t)
	held, release, err := other.LockUsers(context.Background(), []string{u.ID})
	if err != nil || len(held) != 1 {
		t.Fatalf("lock: %v %v", held, err)
	}
	e.ContactFor(context.Background(), visit(u))
	waitFor(t, 5*time.Second, func() bool { return e.Stats().Outcomes[OutcomeDeferred] >= 2 }, "deferred while held")
	if n := v.m.TotalAPICalls(); n != 0 {
		t.Errorf("%d Mautic calls for a user another instance holds", n)
	}
	// The other instance links the user, then lets go.
	contact := v.m.AddContact(map[string]string{"email": u.Email})
	v.f.SetMauticID(t, u.ID, contact)
	release()
	waitFor(t, 5*time.Second, func() bool { id, ok := e.ContactFor(context.Background(), visit(u)); return ok && id == contact }, "adopted the other instance's contact")
	if n := v.m.TotalAPICalls(); n != 0 {
		t.Errorf("%d Mautic calls: the row already held the contact", n)
	}
}

func TestScenarioDeletedUserIsDropped(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	ghost := userdb.User{ID: "no-such-user-0000000000000000000", Email: "ghost@example.org"}
	e.ContactFor(context.Background(), visit(ghost))
	waitFor(t, 5*time.Second, func() bool { return e.Stats().Outcomes[OutcomeGone] == 1 }, "user gone")
	if s := e.Stats(); s.Queued != 0 {
		t.Errorf("%d queued after the user was found gone", s.Queued)
	}
	if n := v.m.TotalAPICalls(); n != 0 {
		t.Errorf("%d Mautic calls for a user that does not exist", n)
	}
}

func TestScenarioEachDialect(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		v := newEnvOn(t, f)
		u := v.addUser("dialect@example.org", "Dia Lect")
		pending := v.addUser("pending@example.org", "Pen Ding")
		if err := v.db.SetConsent(context.Background(), pending.ID, true, time.Now()); err != nil { // their last request allowed tracking
			t.Fatal(err)
		}
		e := v.engine(v.config())
		id := v.provisioned(e, visit(u))
		if c := v.contactOf(u.Email); c.ID != id || v.mauticID(u) != id {
			t.Errorf("contact %d, stored %d, answered %d", c.ID, v.mauticID(u), id)
		}
		v.waitProvisioned([]userdb.User{pending}, 5*time.Second) // found by the rescan at Start
	})
}
