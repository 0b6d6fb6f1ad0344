package provision

import (
	"context"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

const hookSecret = "lab-webhook-secret"

// hookRecorder receives the simulator's webhooks: it keeps each verified
// body and, when apply is set, applies it at once as the Caddy module does.
type hookRecorder struct {
	t      testing.TB
	mu     sync.Mutex
	bodies [][]byte
	apply  *Engine
	errs   []error
}

func (v *env) recordHooks(apply *Engine) *hookRecorder {
	r := &hookRecorder{t: v.t, apply: apply}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	v.t.Cleanup(srv.Close)
	v.m.AddWebhook(mautictest.Webhook{URL: srv.URL, Secret: hookSecret})
	return r
}

func (r *hookRecorder) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if !mautic.VerifySignature(body, req.Header.Get(mautic.WebhookSignatureHeader), hookSecret) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	if r.apply == nil {
		return
	}
	p, err := mautic.ParseWebhook(body)
	if err == nil {
		_, err = r.apply.ApplyWebhook(req.Context(), p)
	}
	if err != nil {
		r.mu.Lock()
		r.errs = append(r.errs, err)
		r.mu.Unlock()
		http.Error(w, "not stored", http.StatusInternalServerError)
	}
}

// take returns the bodies received so far and forgets them.
func (r *hookRecorder) take() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.bodies
	r.bodies = nil
	return out
}

func (r *hookRecorder) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}

// applyBodies parses and applies bodies in order, summing the results.
func applyBodies(t *testing.T, e *Engine, bodies [][]byte) WebhookResult {
	t.Helper()
	var sum WebhookResult
	for _, b := range bodies {
		p, err := mautic.ParseWebhook(b)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.ApplyWebhook(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		sum.Events += res.Events
		sum.Linked += res.Linked
		sum.Moved += res.Moved
		sum.Cleared += res.Cleared
		sum.Pending += res.Pending
		sum.Users = append(sum.Users, res.Users...)
		sum.Unknown = append(sum.Unknown, res.Unknown...)
	}
	return sum
}

// idle is an engine that is never started: webhook effects only, so no
// provisioning races the assertions.
func (v *env) idle() *Engine {
	e, err := New(v.config())
	if err != nil {
		v.t.Fatal(err)
	}
	return e
}

func TestWebhookDeleteUnlinksUntilTheNextVisit(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	hooks := v.recordHooks(nil)
	u := v.addUser("deleted@example.org", "Del Eted")
	old := v.provisioned(e, visit(u))
	hooks.take()

	deleteContact(t, v, old)
	res := applyBodies(t, e, hooks.take())
	if res.Pending != 1 || len(res.Users) != 0 {
		t.Fatalf("result %+v, want 1 delete pending confirmation", res)
	}
	v.settled(e)
	if got := e.Stats().Webhooks[EffectCleared]; got != 1 || v.mauticID(u) != 0 {
		t.Fatalf("%d deletes applied, user on %d; want 1, unlinked", got, v.mauticID(u))
	}
	// A cookie cache still claiming the old contact is not believed.
	stale := visit(u)
	stale.User.MauticID = old
	if id, ok := e.ContactFor(context.Background(), stale); ok && id == old {
		t.Fatal("ContactFor answered the deleted contact")
	}
	// That request was the user's visit: they get a new contact.
	waitFor(t, 5*time.Second, func() bool { id := v.mauticID(u); return id != 0 && id != old }, "provisioned again")
	if c := v.contactOf(u.Email); c.ID != v.mauticID(u) {
		t.Errorf("contact %d, stored %d", c.ID, v.mauticID(u))
	}
}

func TestWebhookMergeInEitherOrderLeavesUsersOnTheSurvivor(t *testing.T) {
	for _, order := range []string{"as sent (survivor saved, then loser deleted)", "loser deleted first"} {
		t.Run(order, func(t *testing.T) {
			v := newEnv(t)
			e := v.idle()
			hooks := v.recordHooks(nil)
			winner := v.trackAnonymous(2) // the tracked browser wins a form-submit merge
			loser := v.m.AddContact(map[string]string{"email": "merge@example.org", "firstname": "Merge"})
			u := v.f.AddUser(t, userdb.User{Email: "merge@example.org", Name: "Merge Me", MauticID: loser})
			other := v.f.AddUser(t, userdb.User{Email: "bystander@example.org", MauticID: v.m.AddContact(map[string]string{"email": "bystander@example.org"})})
			hooks.take()

			if err := v.m.Merge(winner, loser); err != nil {
				t.Fatal(err)
			}
			bodies := hooks.take()
			if len(bodies) != 2 {
				t.Fatalf("%d webhook bodies from a merge, want 2", len(bodies))
			}
			if order == "loser deleted first" {
				slices.Reverse(bodies)
			}
			res := applyBodies(t, e, bodies)
			if got := v.mauticID(u); got != winner {
				t.Fatalf("user on %d, want the survivor %d (result %+v)", got, winner, res)
			}
			if res.Moved != 1 || res.Cleared != 0 {
				t.Errorf("result %+v, want exactly one move", res)
			}
			if got := v.mauticID(other); got == 0 || got == winner {
				t.Errorf("a bystander's link changed to %d", got)
			}
			// Applying the same payloads again changes nothing.
			again := applyBodies(t, e, bodies)
			if again.Moved+again.Linked+again.Cleared != 0 || len(again.Users) != 0 {
				t.Errorf("second application changed something: %+v", again)
			}
			if got := v.mauticID(u); got != winner {
				t.Errorf("after the replay the user is on %d", got)
			}
		})
	}
}

func TestWebhookSaveLinksByEmail(t *testing.T) {
	v := newEnv(t)
	e := v.idle()
	hooks := v.recordHooks(nil)
	u := v.f.AddUser(t, userdb.User{Email: "Marketing.Made@Example.org", EmailVerified: true})
	made := v.m.AddContact(map[string]string{"email": "marketing.made@example.org", "firstname": "Made"})
	bodies := hooks.take()

	res := applyBodies(t, e, bodies)
	if got := v.mauticID(u); got != made {
		t.Fatalf("user on %d, want %d", got, made)
	}
	if res.Linked != 1 || !slices.Equal(res.Users, []string{u.ID}) {
		t.Errorf("result %+v", res)
	}
	if id, ok := e.ContactFor(context.Background(), visit(u)); !ok || id != made {
		t.Errorf("ContactFor = %d, %v; want %d from the cache", id, ok, made)
	}
	if again := applyBodies(t, e, bodies); again.Linked != 0 || len(again.Users) != 0 {
		t.Errorf("second application: %+v", again)
	}
}

// TestWebhookSaveLinksNoImpostorAndNoSecondUser: a webhook about a saved
// contact links by email under the engine's rules: never a user whose
// email is unverified, never a contact another user has.
func TestWebhookSaveLinksNoImpostorAndNoSecondUser(t *testing.T) {
	v := newEnv(t)
	e := v.idle()
	hooks := v.recordHooks(nil)
	impostor := v.f.AddUser(t, userdb.User{Email: "victim@example.org"}) // unverified
	v.m.AddContact(map[string]string{"email": "victim@example.org", "firstname": "Vic"})
	owner := v.m.AddContact(map[string]string{"email": "old@example.org"})
	v.f.AddUser(t, userdb.User{Email: "new@example.org", EmailVerified: true, MauticID: owner}) // changed, not synced
	second := v.f.AddUser(t, userdb.User{Email: "old@example.org", EmailVerified: true})
	res := applyBodies(t, e, hooks.take())
	if id := v.mauticID(impostor); id != 0 {
		t.Errorf("unverified user linked to %d by a webhook", id)
	}
	if id := v.mauticID(second); id != 0 {
		t.Errorf("second user linked to %d, another user's contact", id)
	}
	if res.Linked != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestWebhookSaveMovesOnlyToAMergeSurvivor(t *testing.T) {
	v := newEnv(t)
	e := v.idle()
	hooks := v.recordHooks(nil)
	// Mautic's own create race left two contacts with the user's email.
	first := v.m.AddContact(map[string]string{"email": "dup@example.org"})
	u := v.f.AddUser(t, userdb.User{Email: "dup@example.org", MauticID: first})
	second := v.m.AddContact(map[string]string{"email": "dup@example.org"})
	res := applyBodies(t, e, hooks.take())
	if got := v.mauticID(u); got != first || res.Moved != 0 {
		t.Fatalf("user moved to %d while %d still exists (result %+v)", got, first, res)
	}

	// Once the user's contact is gone, an update of the other unlinks
	// them, but does not move them onto it: anyone can put an email into
	// Mautic (a form, a tracking hit), and a webhook is not the user coming
	// back. Their next signed-in request provisions them.
	deleteContact(t, v, first)
	hooks.take() // the delete's own event is not applied: only the update below tells
	patch := v.client(nil)
	if _, err := patch.Contacts.Patch(context.Background(), second, mautic.Fields{"firstname": "Dup"}); err != nil {
		t.Fatal(err)
	}
	res = applyBodies(t, e, hooks.take())
	if got := v.mauticID(u); got != 0 || res.Moved != 0 || res.Cleared != 1 {
		t.Fatalf("user on %d, want unlinked (result %+v)", got, res)
	}
	if ts, err := v.db.Tombstones(context.Background(), []string{u.ID}); err != nil || ts[u.ID].ContactID != first {
		t.Fatalf("tombstone %+v, %v; want one for contact %d", ts, err, first)
	}
}

func TestWebhookTriggersWithoutEffect(t *testing.T) {
	v := newEnv(t)
	e := v.idle()
	var seen []string
	e.cfg.Hooks.Webhook = func(trigger string, effect WebhookEffect) { seen = append(seen, trigger+"="+string(effect)) }
	body := []byte(`{
		"mautic.lead_points_change": [{"contact": {"id": 5, "fields": {"core": {"email": {"value": "p@example.org"}}}}, "points": {"old_points": 0, "new_points": 5}}],
		"mautic.some_plugin_event": [{"thing": 1}, {"thing": 2}],
		"mautic.lead_post_save_update": [{"contact": {"id": 7, "fields": {"core": {"email": {"value": "nobody@example.org"}}}}}]
	}`)
	p, err := mautic.ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.ApplyWebhook(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 4 || !slices.Equal(res.Unknown, []string{"mautic.some_plugin_event"}) || len(res.Users) != 0 {
		t.Errorf("result %+v", res)
	}
	want := []string{
		"mautic.lead_points_change=ignored",
		"mautic.some_plugin_event=unknown", "mautic.some_plugin_event=unknown",
		"mautic.lead_post_save_update=unchanged",
	}
	if !slices.Equal(seen, want) {
		t.Errorf("hooks saw %v, want %v", seen, want)
	}
	if st := e.Stats().Webhooks; st[EffectUnknown] != 2 || st[EffectIgnored] != 1 || st[EffectUnchanged] != 1 {
		t.Errorf("stats %v", st)
	}
}

// failingStore fails the calls a webhook needs.
type failingStore struct{ Store }

var errDatabaseDown = errors.New("database is down")

func (failingStore) UsersByMauticID(context.Context, int) ([]userdb.User, error) {
	return nil, errDatabaseDown
}

func (failingStore) UsersByMauticIDs(context.Context, []int) ([]userdb.User, error) {
	return nil, errDatabaseDown
}

func (failingStore) UsersByEmail(context.Context, []string) ([]userdb.User, error) {
	return nil, errDatabaseDown
}

func TestWebhookReportsWhatCouldNotBeStored(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.Store = failingStore{v.db}
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"mautic.lead_post_delete": [{"id": 12, "contact": {"id": null, "fields": {}}}]}`,
		`{"mautic.lead_post_save_new": [{"contact": {"id": 13, "fields": {"core": {"email": {"value": "x@example.org"}}}}}]}`,
	} {
		p, err := mautic.ParseWebhook([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.ApplyWebhook(context.Background(), p); !errors.Is(err, errDatabaseDown) {
			t.Errorf("ApplyWebhook error %v, want the database's", err)
		}
	}
}

func TestWebhooksLiveDuringABurst(t *testing.T) {
	// Mautic sends its webhooks inside the API calls the engine makes: the
	// engine's own creates come back as lead_post_save_new while it links.
	v := newEnv(t)
	e := v.engine(v.config())
	hooks := v.recordHooks(e)
	users := v.addUsers("live", 300)
	for _, u := range users {
		e.ContactFor(context.Background(), visit(u))
	}
	ids := v.waitProvisioned(users, 20*time.Second)
	for _, u := range users {
		if c := v.contactOf(u.Email); c.ID != ids[u.ID] {
			t.Fatalf("user %s: stored %d, contact %d", u.ID, ids[u.ID], c.ID)
		}
	}
	// The simulator posts one event per POST inside its batch/new answer.
	// On a loaded machine every row can hold its id (stored by the engine
	// or by a webhook) while it is still posting the last ones: the count is
	// an eventual effect.
	applied := func() uint64 { return e.Stats().Webhooks[EffectLinked] + e.Stats().Webhooks[EffectUnchanged] }
	waitFor(t, 20*time.Second, func() bool { return applied() >= 300 }, "one webhook event applied per new contact")
	if errs := hooks.errors(); len(errs) != 0 {
		t.Errorf("webhooks failed: %v", errs)
	}
}

func TestWebhookPayloadRetriedAfterAFailureIsCountedOnce(t *testing.T) {
	v := newEnv(t)
	var mu sync.Mutex
	counted := map[string]int{}
	cfg := v.config()
	cfg.Hooks.Webhook = func(trigger string, _ WebhookEffect) {
		mu.Lock()
		counted[trigger]++
		mu.Unlock()
	}
	// The first event has no effect to store; the second needs the
	// database, which is down on the first attempt.
	body := `{"mautic.lead_points_change": [{"contact": {"id": 7, "fields": {}}, "points": {"old_points": 0, "new_points": 5}}],
		"mautic.lead_post_delete": [{"id": 12, "contact": {"id": null, "fields": {}}}]}`
	p, err := mautic.ParseWebhook([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, store := range []Store{failingStore{v.db}, v.db} {
		cfg.Store = store
		e, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.ApplyWebhook(context.Background(), p)
		if _, down := store.(failingStore); down != errors.Is(err, errDatabaseDown) {
			t.Fatalf("ApplyWebhook with store %T: %v", store, err)
		}
	}
	want := map[string]int{mautic.TriggerPointsChanged: 1, mautic.TriggerContactDeleted: 1}
	mu.Lock()
	defer mu.Unlock()
	if !maps.Equal(counted, want) {
		t.Errorf("events counted %v, want %v (each once, after the payload applied)", counted, want)
	}
}
