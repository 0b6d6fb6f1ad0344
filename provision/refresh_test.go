package provision

import (
	"context"
	"testing"
	"time"
)

func TestScenarioChosenLocaleIsSynced(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	u := v.addUser("polyglot@example.org", "Poly Glot")
	vis := visit(u)
	vis.ParaglideLocale = "de"
	id := v.provisioned(e, vis)
	if c, _ := v.m.Contact(id); c.Fields["preferred_locale"] != "de_DE" {
		t.Fatalf("preferred_locale %q after sign-up, want de_DE", c.Fields["preferred_locale"])
	}
	v.m.ResetCounters()

	// A browser language of another device changes nothing.
	vis.ParaglideLocale, vis.AcceptLanguage = "", "it"
	e.ContactFor(context.Background(), vis)
	// The user picks French: one cheap update in the next batch.
	vis.ParaglideLocale = "fr"
	for range 20 {
		if got, ok := e.ContactFor(context.Background(), vis); !ok || got != id {
			t.Fatalf("ContactFor = %d, %v during the refresh; want %d", got, ok, id)
		}
	}
	waitFor(t, 5*time.Second, func() bool {
		c, _ := v.m.Contact(id)
		return c.Fields["preferred_locale"] == "fr_FR"
	}, "preferred_locale fr_FR")
	waitFor(t, 10*time.Second, func() bool { return e.Stats().Queued == 0 }, "queue empty")
	if n := v.m.Calls(routeBatchEdit); n != 1 {
		t.Errorf("%d batch edits for one locale change, want 1", n)
	}
	if n := v.m.TotalAPICalls(); n != 1 {
		t.Errorf("%d Mautic calls, want the one edit: %v", n, v.m.CallCounts())
	}
	if got := e.Stats().Outcomes[OutcomeRefreshed]; got != 1 {
		t.Errorf("Outcomes[refreshed] = %d, want 1", got)
	}
	// Synced: the same choice costs nothing more.
	e.ContactFor(context.Background(), vis)
	time.Sleep(50 * time.Millisecond)
	if n := v.m.TotalAPICalls(); n != 1 {
		t.Errorf("%d Mautic calls after the locale was synced, want 1", n)
	}
}

func TestScenarioRefreshFollowsAMerge(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	u := v.addUser("merged@example.org", "Mer Ged")
	loser := v.provisioned(e, visit(u))
	winner := v.m.AddContact(map[string]string{"firstname": "Winner"})
	if err := v.m.Merge(winner, loser); err != nil { // no webhook subscribed: only the API tells
		t.Fatal(err)
	}
	vis := visit(u)
	vis.ParaglideLocale = "nl"
	e.ContactFor(context.Background(), vis)
	waitFor(t, 5*time.Second, func() bool { return v.mauticID(u) == winner }, "mauticId moved to the survivor")
	waitFor(t, 10*time.Second, func() bool { id, _ := e.ContactFor(context.Background(), vis); return id == winner }, "cache on the survivor")
	if c, _ := v.m.Contact(winner); c.Fields["preferred_locale"] != "nl_NL" {
		t.Errorf("survivor's preferred_locale %q, want nl_NL", c.Fields["preferred_locale"])
	}
}

func TestScenarioRefreshOfADeletedContactProvisionsAgain(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	u := v.addUser("vanished@example.org", "Van Ished")
	old := v.provisioned(e, visit(u))
	deleteContact(t, v, old)
	vis := visit(u)
	vis.ParaglideLocale = "es"
	// The refresh finds the contact gone: a deletion whose webhook was
	// lost. It is confirmed and applied as one; the page views after it
	// provision the user again.
	waitFor(t, 10*time.Second, func() bool {
		e.ContactFor(context.Background(), vis)
		id := v.mauticID(u)
		return id != 0 && id != old
	}, "linked to a new contact")
	c := v.contactOf(u.Email)
	if c.ID != v.mauticID(u) || c.Fields["preferred_locale"] != "es_ES" {
		t.Errorf("new contact %d (%q), stored %d", c.ID, c.Fields["preferred_locale"], v.mauticID(u))
	}
}

func TestScenarioRefusedLocaleIsDropped(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.Locales = map[string]string{"de": "de_DE", "tlh": "tlh_QO"} // well-formed, unknown to Mautic
	e := v.engine(cfg)
	u := v.addUser("klingon@example.org", "Kor Kargh")
	vis := visit(u)
	vis.ParaglideLocale = "tlh"
	vis.Timezone = "Europe/Berlin"
	id := v.provisioned(e, vis)
	c, _ := v.m.Contact(id)
	if c.Fields["email"] != u.Email || c.Fields["firstname"] != "Kor" {
		t.Errorf("contact fields %v", c.Fields)
	}
	if c.Fields["preferred_locale"] != "" || c.Fields["timezone"] != "" {
		t.Errorf("optional fields sent after Mautic refused them: %v", c.Fields)
	}
	if n := v.m.Calls(routeBatchNew); n != 2 {
		t.Errorf("%d batch creates, want 2 (refused, then without the optional fields)", n)
	}
	if got := len(v.m.Contacts()); got != 1 {
		t.Errorf("%d contacts, want 1", got)
	}
}

// provisioned links u and waits until ContactFor answers from the cache.
func (v *env) provisioned(e *Engine, vis Visit) int {
	v.t.Helper()
	e.ContactFor(context.Background(), vis)
	id := 0
	waitFor(v.t, 5*time.Second, func() bool {
		var ok bool
		id, ok = e.ContactFor(context.Background(), vis)
		return ok
	}, "user linked")
	return id
}

func deleteContact(t *testing.T, v *env, id int) {
	t.Helper()
	c := v.client(nil)
	if err := c.Contacts.Delete(context.Background(), id); err != nil {
		t.Fatal(err)
	}
}
