package provision

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestScenarioNewUser(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	store := &countingStore{Store: v.db}
	cfg.Store = store
	e := v.engine(cfg)
	u := v.addUser("new.user@example.org", "Jane Doe")

	vis := visit(u)
	vis.AcceptLanguage = "de-CH,de;q=0.9"
	if _, ok := e.ContactFor(context.Background(), vis); ok {
		t.Fatal("ContactFor answered a new user at once with RequestWait 0")
	}
	id := v.waitProvisioned([]userdb.User{u}, 5*time.Second)[u.ID]

	c := v.contactOf(u.Email)
	if c.ID != id {
		t.Fatalf("mauticId %d, contact %d", id, c.ID)
	}
	want := map[string]string{"firstname": "Jane", "lastname": "Doe", "preferred_locale": "de_CH"}
	for k, val := range want {
		if c.Fields[k] != val {
			t.Errorf("contact %s = %q, want %q", k, c.Fields[k], val)
		}
	}
	if c.LastActive.IsZero() {
		t.Error("lastActive not set")
	}
	if n := v.m.Calls(routeBatchNew); n != 1 {
		t.Errorf("%d batch creates, want 1", n)
	}
	if n := v.m.Calls(routeNew) + v.m.Calls(routeEdit) + v.m.Calls(routeGet); n != 0 {
		t.Errorf("%d single-contact calls, want 0", n)
	}
	waitDecisions(t, e, RuleCreate, 1)

	// Linked now: a page view costs neither Mautic nor the database.
	waitFor(t, time.Second, func() bool { _, ok := e.ContactFor(context.Background(), vis); return ok }, "cache filled")
	apiBefore, storeBefore := v.m.TotalAPICalls(), store.calls.Load()
	for range 100 {
		got, ok := e.ContactFor(context.Background(), vis)
		if !ok || got != id {
			t.Fatalf("ContactFor = %d, %v; want %d", got, ok, id)
		}
	}
	if d := v.m.TotalAPICalls() - apiBefore; d != 0 {
		t.Errorf("%d Mautic calls for cached page views", d)
	}
	if d := store.calls.Load() - storeBefore; d != 0 {
		t.Errorf("%d database calls for cached page views", d)
	}
}

func TestScenarioReturningUser(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	store := &countingStore{Store: v.db}
	cfg.Store = store
	e := v.engine(cfg)
	contactID := v.m.AddContact(map[string]string{"email": "back@example.org", "firstname": "Back"})
	u := v.f.AddUser(t, userdb.User{Email: "back@example.org", Name: "Back Again", MauticID: contactID})
	v.m.ResetCounters()

	t.Run("fresh mauticId in the identity", func(t *testing.T) {
		vis := visit(u)
		vis.User.MauticID, vis.User.MauticIDFresh = contactID, true
		got, ok := e.ContactFor(context.Background(), vis)
		if !ok || got != contactID {
			t.Fatalf("ContactFor = %d, %v; want %d at once", got, ok, contactID)
		}
		if n := v.m.TotalAPICalls(); n != 0 {
			t.Errorf("%d Mautic calls", n)
		}
		if n := store.calls.Load(); n != 0 {
			t.Errorf("%d database calls", n)
		}
	})

	t.Run("stale null in a cookie cache", func(t *testing.T) {
		u2 := v.f.AddUser(t, userdb.User{Email: "back2@example.org", MauticID: v.m.AddContact(map[string]string{"email": "back2@example.org"})})
		v.m.ResetCounters()
		before := store.calls.Load()
		vis := visit(u2) // MauticID 0, not fresh: the cookie cache predates the link
		if _, ok := e.ContactFor(context.Background(), vis); ok {
			t.Fatal("answered before reading the row")
		}
		waitFor(t, 5*time.Second, func() bool { _, ok := e.ContactFor(context.Background(), vis); return ok }, "linked from the row")
		got, _ := e.ContactFor(context.Background(), vis)
		if got != v.mauticID(u2) {
			t.Errorf("ContactFor = %d, row holds %d", got, v.mauticID(u2))
		}
		if n := v.m.TotalAPICalls(); n != 0 {
			t.Errorf("%d Mautic calls for a user whose row holds mauticId", n)
		}
		if n := store.calls.Load() - before; n != 2 { // one lock, one read
			t.Errorf("%d database calls, want 2 (lock and read)", n)
		}
		if got := e.Stats().Decisions[RuleStored]; got != 1 {
			t.Errorf("Decisions[stored] = %d, want 1", got)
		}
	})
}

func TestScenarioAnonymousBecomesIdentified(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	anon := v.trackAnonymous(3)
	before, _ := v.m.Contact(anon)
	if before.Hits != 3 || before.Fields["email"] != "" {
		t.Fatalf("tracked contact: %d hits, email %q", before.Hits, before.Fields["email"])
	}
	u := v.addUser("anna@example.org", "Anna Smith")
	vis := v.fromBrowser(visit(u), anon)
	vis.ParaglideLocale = "fr"
	e.ContactFor(context.Background(), vis)
	id := v.waitProvisioned([]userdb.User{u}, 5*time.Second)[u.ID]

	if id != anon {
		t.Fatalf("user linked to %d, want the anonymous contact %d", id, anon)
	}
	after, _ := v.m.Contact(anon)
	if after.Hits != 3 {
		t.Errorf("history: %d hits on the contact, want 3", after.Hits)
	}
	want := map[string]string{"email": "anna@example.org", "firstname": "Anna", "lastname": "Smith", "preferred_locale": "fr_FR"}
	for k, val := range want {
		if after.Fields[k] != val {
			t.Errorf("contact %s = %q, want %q", k, after.Fields[k], val)
		}
	}
	if len(v.m.Contacts()) != 1 {
		t.Errorf("%d contacts, want the one", len(v.m.Contacts()))
	}
	if n := v.m.Calls(routeBatchNew) + v.m.Calls(routeNew); n != 0 {
		t.Errorf("%d creates, want 0", n)
	}
	waitDecisions(t, e, RuleAnonymous, 1)
}

func TestScenarioSharedBrowser(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	first := v.m.AddContact(map[string]string{"email": "first@example.org", "firstname": "First"})
	u := v.addUser("second@example.org", "Second Person")
	vis := visit(u)
	vis.MtcID = itoa(first) // the browser's previous user
	e.ContactFor(context.Background(), vis)
	id := v.waitProvisioned([]userdb.User{u}, 5*time.Second)[u.ID]

	if id == first {
		t.Fatal("the second person took the first person's contact")
	}
	if c := v.contactOf("first@example.org"); c.ID != first || c.Fields["firstname"] != "First" {
		t.Errorf("first person's contact changed: %+v", c)
	}
	if c := v.contactOf("second@example.org"); c.ID != id {
		t.Errorf("second person's contact %d, stored %d", c.ID, id)
	}
}

func TestScenarioSubstringEmailIsNotAMatch(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	joann := v.m.AddContact(map[string]string{"email": "joann@example.org", "firstname": "Joann", "company": "Jo Corp"})
	joannBefore, _ := v.m.Contact(joann)
	u := v.addUser("ann@example.org", "Ann Lee")
	e.ContactFor(context.Background(), visit(u))
	id := v.waitProvisioned([]userdb.User{u}, 5*time.Second)[u.ID]

	if id == joann {
		t.Fatal("ann was linked to joann's contact")
	}
	joannAfter, _ := v.m.Contact(joann)
	if !equalFields(joannBefore.Fields, joannAfter.Fields) || !joannAfter.LastActive.Equal(joannBefore.LastActive) {
		t.Errorf("joann's contact changed:\n before %v\n after  %v", joannBefore.Fields, joannAfter.Fields)
	}
	if c := v.contactOf("ann@example.org"); c.ID != id {
		t.Errorf("ann's contact %d, stored %d", c.ID, id)
	}
}

func TestScenarioPlusInEmail(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	existing := v.m.AddContact(map[string]string{"email": "jane+news@example.org"})
	v.m.AddContact(map[string]string{"email": "jane@example.org"}) // what a "+"-as-space bug would find
	known := v.addUser("jane+news@example.org", "Jane News")
	fresh := v.addUser("jane+shop@example.org", "Jane Shop")
	e.ContactFor(context.Background(), visit(known))
	e.ContactFor(context.Background(), visit(fresh))
	ids := v.waitProvisioned([]userdb.User{known, fresh}, 5*time.Second)

	if ids[known.ID] != existing {
		t.Errorf("jane+news linked to %d, want the existing %d", ids[known.ID], existing)
	}
	if c := v.contactOf("jane+shop@example.org"); c.ID != ids[fresh.ID] {
		t.Errorf("jane+shop: contact %d, stored %d", c.ID, ids[fresh.ID])
	}
	v.contactOf("jane+news@example.org") // exactly one
	v.contactOf("jane@example.org")
}

func TestScenarioMarketingFieldsStay(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	id := v.m.AddContact(map[string]string{
		"email": "lead@example.org", "company": "Acme", "phone": "+49 30 1234567",
		"firstname": "Marketing-Name", "preferred_locale": "en_GB",
	})
	u := v.addUser("Lead@Example.org", "Jane Lead")
	vis := visit(u)
	vis.AcceptLanguage = "de" // a browser hint: must not replace what Mautic holds
	e.ContactFor(context.Background(), vis)
	got := v.waitProvisioned([]userdb.User{u}, 5*time.Second)[u.ID]

	if got != id {
		t.Fatalf("linked to %d, want the existing %d", got, id)
	}
	c, _ := v.m.Contact(id)
	want := map[string]string{
		"email": "lead@example.org", "company": "Acme", "phone": "+49 30 1234567",
		"firstname":        "Marketing-Name", // set by marketing: kept
		"lastname":         "Lead",           // empty there: filled
		"preferred_locale": "en_GB",
	}
	for k, val := range want {
		if c.Fields[k] != val {
			t.Errorf("contact %s = %q, want %q", k, c.Fields[k], val)
		}
	}
	if n := v.m.Calls(routeBatchNew) + v.m.Calls(routeNew); n != 0 {
		t.Errorf("%d creates for a user whose email exists", n)
	}
	waitDecisions(t, e, RuleEmail, 1)
}

func TestScenarioConcurrentFirstRequestsMakeOneContact(t *testing.T) {
	v := newEnv(t, mautictest.WithCreateRaceWindow(20*time.Millisecond))
	cfg := v.config()
	cfg.RequestWait = 3 * time.Second
	e := v.engine(cfg)
	u := v.addUser("rush@example.org", "Rush Hour")

	var wg sync.WaitGroup
	answers := make(chan int, 100)
	for range 100 {
		wg.Go(func() {
			if id, ok := e.ContactFor(context.Background(), visit(u)); ok {
				answers <- id
			}
		})
	}
	wg.Wait()
	close(answers)

	c := v.contactOf(u.Email)
	n := 0
	for id := range answers {
		n++
		if id != c.ID {
			t.Fatalf("a request got contact %d, the user's is %d", id, c.ID)
		}
	}
	if n == 0 {
		t.Error("no request got the contact within RequestWait")
	}
	if creates := v.m.Calls(routeBatchNew) + v.m.Calls(routeNew); creates != 1 {
		t.Errorf("%d create calls, want 1", creates)
	}
	if got := v.mauticID(u); got != c.ID {
		t.Errorf("mauticId %d, contact %d", got, c.ID)
	}
}

func TestScenarioEmailFoundWhileCookieIsAnonymous(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	known := v.m.AddContact(map[string]string{"email": "known@example.org", "firstname": "Known"})
	anon := v.trackAnonymous(2)
	u := v.addUser("known@example.org", "Known Person")
	vis := v.fromBrowser(visit(u), anon)
	id := v.provisioned(e, vis)

	if id != known {
		t.Fatalf("linked to %d, want the contact with the email %d", id, known)
	}
	// No merge API: the anonymous contact keeps its history, untouched.
	a, ok := v.m.Contact(anon)
	if !ok || a.Hits != 2 || a.Fields["email"] != "" {
		t.Errorf("anonymous contact changed: %+v", a)
	}
	if got := e.Stats().AnonymousLeftBehind; got != 1 {
		t.Errorf("AnonymousLeftBehind = %d, want 1", got)
	}
}

func TestScenarioTwoUsersShareOneAnonymousCookie(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	anon := v.trackAnonymous(1)
	a := v.addUser("first.of.two@example.org", "First Two")
	b := v.addUser("second.of.two@example.org", "Second Two")
	for _, u := range []userdb.User{a, b} {
		vis := v.fromBrowser(visit(u), anon)
		e.ContactFor(context.Background(), vis)
	}
	ids := v.waitProvisioned([]userdb.User{a, b}, 5*time.Second)
	claimed := 0
	for _, u := range []userdb.User{a, b} {
		if ids[u.ID] == anon {
			claimed++
			if c, _ := v.m.Contact(anon); c.Fields["email"] != u.Email {
				t.Errorf("anonymous contact has %q, claimed by %s", c.Fields["email"], u.Email)
			}
		}
		v.contactOf(u.Email)
	}
	if claimed != 1 {
		t.Errorf("%d users took the anonymous contact, want exactly 1", claimed)
	}
}

func TestScenarioAnonymousContactHeldElsewhereIsNotClaimed(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	anon := v.trackAnonymous(1)
	other := v.f.Open(t)
	held, release, err := other.LockUsers(context.Background(), []string{contactLockKey(anon)})
	if err != nil || len(held) != 1 {
		t.Fatalf("lock: %v %v", held, err)
	}
	defer release()
	u := v.addUser("late@example.org", "Late Comer")
	vis := v.fromBrowser(visit(u), anon)
	id := v.provisioned(e, vis)
	if id == anon {
		t.Fatal("claimed a contact another instance is claiming")
	}
	if c, _ := v.m.Contact(anon); c.Fields["email"] != "" {
		t.Errorf("anonymous contact got %q", c.Fields["email"])
	}
}

func equalFields(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
