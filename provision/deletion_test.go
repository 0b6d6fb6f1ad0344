package provision

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// testClock is a wall clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// settled waits until the deletions received are confirmed and nobody is
// queued: what the engine will do without a visit, it has done.
func (v *env) settled(e *Engine) {
	v.t.Helper()
	waitFor(v.t, 20*time.Second, func() bool {
		ids, err := v.db.SuspectedDeletions(context.Background(), 1)
		queued, _ := e.queue.counts()
		return err == nil && len(ids) == 0 && queued == 0
	}, "deletions confirmed and the queue idle")
}

// batchDelete deletes contacts in Mautic with one API call, as a
// marketer's bulk action does; Mautic sends one webhook per contact.
func (v *env) batchDelete(ids []int) {
	v.t.Helper()
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = itoa(id)
	}
	req, _ := http.NewRequest(http.MethodDelete, v.m.APIURL()+"/contacts/batch/delete?ids="+strings.Join(list, ","), nil)
	req.SetBasicAuth("admin", "mautic")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		v.t.Fatalf("batch delete: %s", resp.Status)
	}
}

// A marketer deletes a user's contact: no contact is made for that user
// while they do not come back, however long (30 s of simulated time and a
// rescan here); their next signed-in request provisions them again.
// On every dialect (the tombstone tables are the module's own).
func TestDeletedContactWaitsForTheUsersNextVisit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) { deletedWaitsForVisit(t, newEnvOn(t, f)) })
}

func deletedWaitsForVisit(t *testing.T, v *env) {
	clock := &testClock{now: time.Now()}
	cfg := v.config()
	cfg.Now = clock.Now
	e := v.engine(cfg)
	hooks := v.recordHooks(nil)
	u := v.addUser("erase.me@example.org", "Erase Me")
	old := v.provisioned(e, visit(u))
	hooks.take()

	deleteContact(t, v, old)
	applyBodies(t, e, hooks.take())
	v.settled(e)
	clock.Advance(30 * time.Second)
	e.rescan(context.Background())
	v.settled(e)
	if n := len(v.m.ContactsByEmail(u.Email)); n != 0 || v.mauticID(u) != 0 {
		t.Fatalf("without a visit: %d contacts with the user's email, user linked to %d; want none", n, v.mauticID(u))
	}
	if id, ok := e.ContactFor(context.Background(), visit(u)); ok && id == old {
		t.Fatal("ContactFor answered the deleted contact")
	}

	clock.Advance(time.Second)
	e.ContactFor(context.Background(), visit(u))
	waitFor(t, 10*time.Second, func() bool { id := v.mauticID(u); return id != 0 && id != old }, "provisioned again after a visit")
	if c := v.contactOf(u.Email); c.ID != v.mauticID(u) {
		t.Errorf("contact %d, stored %d", c.ID, v.mauticID(u))
	}
}

// Mautic's "send test payload", or a replayed body, names a contact that
// still exists: nobody is unlinked.
func TestDeleteEventForAContactThatExistsUnlinksNobody(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	u := v.addUser("still.here@example.org", "Still Here")
	id := v.provisioned(e, visit(u))
	body := `{"mautic.lead_post_delete": [{"id": ` + itoa(id) + `, "contact": {"id": null, "fields": {}}, "timestamp": "2026-12-02T10:00:00+00:00"}]}`
	p, err := mautic.ParseWebhook([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.ApplyWebhook(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	v.settled(e)
	st := e.Stats()
	if res.Cleared != 0 || st.Webhooks[EffectCleared] != 0 || st.Decisions[RuleEmail] != 0 {
		t.Errorf("the user was unlinked and provisioned again: result %+v, effects %v, decisions %v", res, st.Webhooks, st.Decisions)
	}
	if got := v.mauticID(u); got != id {
		t.Fatalf("user linked to %d after a delete event for an existing contact, want %d", got, id)
	}
	if got, ok := e.ContactFor(context.Background(), visit(u)); !ok || got != id {
		t.Errorf("ContactFor = %d, %v; want %d", got, ok, id)
	}
}

// The delete webhook was lost: the user's link names a contact Mautic no
// longer has. Their next sign-in finds it out in a batched lookup (no
// call per page view), and the request after that provisions them again.
func TestLostDeleteIsRepairedOnTheNextSignIn(t *testing.T) {
	v := newEnv(t)
	first := v.engine(v.config())
	u := v.addUser("lost.delete@example.org", "Lost Delete")
	old := v.provisioned(first, visit(u))
	deleteContact(t, v, old) // no webhook reaches anyone
	first.Close()
	v.m.ResetCounters()

	// A fresh instance (or a restart): the user signs in, their session
	// still carries the old id.
	e := v.engine(v.config())
	signIn := visit(u)
	signIn.User.MauticID = old
	signIn.User.MauticIDFresh = true
	for range 20 { // page views
		e.ContactFor(context.Background(), signIn)
	}
	waitFor(t, 10*time.Second, func() bool { return v.mauticID(u) == 0 }, "the link to the vanished contact repaired")
	lookups := v.m.TotalAPICalls()
	if lookups > 3 {
		t.Errorf("%d Mautic calls to find the contact gone, want at most 3 (batched, not per page view): %v", lookups, v.m.CallCounts())
	}
	waitFor(t, 10*time.Second, func() bool {
		e.ContactFor(context.Background(), visit(u)) // the next page views
		id := v.mauticID(u)
		return id != 0 && id != old
	}, "provisioned again")
}

// Events for contacts no user is linked to cost no Mautic call.
func TestDeleteEventsOfUnlinkedContactsCostNoCall(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	hooks := v.recordHooks(nil)
	var ids []int
	for i := range 50 {
		ids = append(ids, v.m.AddContact(map[string]string{"email": "lead" + itoa(i) + "@example.org"}))
	}
	v.batchDelete(ids)
	v.m.ResetCounters()
	applyBodies(t, e, hooks.take())
	v.settled(e)
	if n := v.m.TotalAPICalls(); n != 0 {
		t.Errorf("%d Mautic calls for deletes of contacts no user has, want 0: %v", n, v.m.CallCounts())
	}
}

// A marketer deletes a segment of 1,000 contacts, all linked to users:
// Mautic sends 1,000 webhooks, applied one by one as the spool does. The
// engine confirms them in batches: at most 20 Mautic calls.
func TestBulkDeleteIsConfirmedInBatches(t *testing.T) {
	const n = 1000
	v := newEnv(t)
	e := v.engine(v.config())
	hooks := v.recordHooks(nil)
	users := make([]userdb.User, n)
	ids := make([]int, n)
	for i := range n {
		email := "bulk" + itoa(i) + "@example.org"
		ids[i] = v.m.AddContact(map[string]string{"email": email})
		users[i] = v.f.AddUser(t, userdb.User{Email: email, MauticID: ids[i]})
	}
	hooks.take() // the creates' own events
	v.batchDelete(ids)
	bodies := hooks.take()
	if len(bodies) != n {
		t.Fatalf("%d webhook bodies, want %d", len(bodies), n)
	}
	v.m.ResetCounters()
	v.m.SetLatency(latencyPerCall)

	start := time.Now()
	applyBodies(t, e, bodies)
	received := time.Since(start)
	waitFor(t, 120*time.Second, func() bool {
		got, err := v.db.UsersByMauticIDs(context.Background(), ids)
		return err == nil && len(got) == 0
	}, "every user unlinked")
	applied := time.Since(start)
	v.settled(e)
	calls := v.m.TotalAPICalls()
	t.Logf("%d delete webhooks at %s per Mautic call: received in %s, all applied after %s, %d Mautic calls %v",
		n, latencyPerCall, received.Round(time.Millisecond), applied.Round(time.Millisecond), calls, v.m.CallCounts())
	if calls > 20 {
		t.Errorf("%d Mautic calls for %d deletes, want at most 20", calls, n)
	}
	if created := v.m.Calls(routeBatchNew) + v.m.Calls(routeNew); created != 0 {
		t.Errorf("%d creates after a bulk delete, want none", created)
	}
}

// latencyPerCall is the simulated Mautic's delay per API call in the bulk
// test: a tenth of a small real install's (0.5 s), to keep the old
// per-event path measurable in the same run.
const latencyPerCall = 50 * time.Millisecond

// With OnDelete permanent, a deleted user never gets a contact again: not
// from the rescan, not from their visits, not from a webhook offering a
// contact with their email.
func TestPermanentDeletionHoldsAcrossVisits(t *testing.T) {
	v := newEnv(t)
	clock := &testClock{now: time.Now()}
	cfg := v.config()
	cfg.Now = clock.Now
	cfg.OnDelete = DeletePermanent
	e := v.engine(cfg)
	hooks := v.recordHooks(nil)
	u := v.addUser("forget.me@example.org", "Forget Me")
	old := v.provisioned(e, visit(u))
	hooks.take()

	deleteContact(t, v, old)
	applyBodies(t, e, hooks.take())
	v.settled(e)
	for range 3 {
		clock.Advance(time.Hour)
		e.rescan(context.Background())
		e.ContactFor(context.Background(), visit(u))
		v.settled(e)
	}
	// Marketing makes a contact with the user's email: it is not linked.
	v.m.AddContact(map[string]string{"email": u.Email})
	applyBodies(t, e, hooks.take())
	if n := len(v.m.ContactsByEmail(u.Email)); n != 1 || v.mauticID(u) != 0 {
		t.Fatalf("%d contacts with the user's email, user linked to %d; want only marketing's, unlinked", n, v.mauticID(u))
	}
	if got := e.Stats().Outcomes[OutcomeDeleted]; got < 3 {
		t.Errorf("%d visits turned away as deleted, want 3", got)
	}
	// The operator clears the tombstone: the next visit provisions.
	v.f.Exec(t, "DELETE FROM "+v.f.Quote(userdb.ModuleTablePrefix+"deletions")+" WHERE user_id = ?", u.ID)
	clock.Advance(time.Second)
	waitFor(t, 10*time.Second, func() bool {
		e.ContactFor(context.Background(), visit(u))
		return v.mauticID(u) != 0
	}, "provisioned after the operator cleared the deletion")
}
