package provision

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// waitOutcome waits until the engine counted at least n turns ending in o.
func waitOutcome(t testing.TB, e *Engine, o Outcome, n uint64) {
	t.Helper()
	waitFor(t, 5*time.Second, func() bool { return e.Stats().Outcomes[o] >= n }, "outcome "+string(o))
}

// TestScenarioImpostorWithVictimsEmail: someone signs up with the email of
// an existing contact and is signed in before verifying it. They get no
// link to the contact, no write to it, no contact id to set as mtc_id;
// once Better Auth marks the email verified, the link is made.
func TestScenarioImpostorWithVictimsEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		v := newEnvOn(t, f)
		cfg := v.config()
		cfg.RequestWait = 2 * time.Second
		e := v.engine(cfg)
		victim := v.m.AddContact(map[string]string{"email": "victim@example.org", "firstname": "Vic", "company": "Victim Ltd"})
		before, _ := v.m.Contact(victim)
		u := v.addUserVerified("victim@example.org", "Imposter Person", false)
		vis := visit(u)
		vis.ParaglideLocale = "fr"
		if id, ok := e.ContactFor(context.Background(), vis); ok {
			t.Fatalf("ContactFor = %d for an unverified email; want no contact", id)
		}
		waitOutcome(t, e, OutcomeUnverified, 1)
		if id := v.mauticID(u); id != 0 {
			t.Fatalf("impostor linked to contact %d", id)
		}
		after, _ := v.m.Contact(victim)
		if !equalFields(before.Fields, after.Fields) || !before.LastActive.Equal(after.LastActive) {
			t.Errorf("victim's contact written: %v -> %v", before.Fields, after.Fields)
		}
		if n := len(v.m.Contacts()); n != 1 {
			t.Errorf("%d contacts, want the victim's only", n)
		}
		// Later visits ask nothing of Mautic while the email is unverified.
		calls := v.m.TotalAPICalls()
		if _, ok := e.ContactFor(context.Background(), vis); ok || v.m.TotalAPICalls() != calls {
			t.Errorf("held user: ok %v, %d more Mautic calls", ok, v.m.TotalAPICalls()-calls)
		}

		// The owner verifies: the credential says so, and the link is made.
		f.SetEmailVerified(t, u.ID, true)
		vis.User.EmailVerified = true
		if id := v.provisioned(e, vis); id != victim {
			t.Fatalf("verified user linked to %d, want %d", id, victim)
		}
		if c, _ := v.m.Contact(victim); c.Fields["preferred_locale"] != "fr_FR" {
			t.Errorf("verified user's contact not updated: %v", c.Fields)
		}
	})
}

// TestUnverifiedNewEmailIsNotHeld: an unverified user whose email no
// contact has gets one of their own at once, and keeps it.
func TestUnverifiedNewEmailIsNotHeld(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	u := v.addUserVerified("fresh@example.org", "Fresh Person", false)
	id := v.provisioned(e, visit(u))
	if c := v.contactOf("fresh@example.org"); c.ID != id {
		t.Fatalf("contact %d, linked %d", c.ID, id)
	}
	recs, err := v.db.Links(context.Background(), []string{u.ID})
	if err != nil || !recs[u.ID].Created || recs[u.ID].ContactID != id {
		t.Errorf("link record %+v, %v; want created %d", recs[u.ID], err, id)
	}
}

// TestTrustUnverifiedEmails is the documented opt-out: a site that proves
// emails another way links unverified users by email at once.
func TestTrustUnverifiedEmails(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.TrustUnverifiedEmails = true
	e := v.engine(cfg)
	known := v.m.AddContact(map[string]string{"email": "known@example.org"})
	u := v.addUserVerified("known@example.org", "Known Person", false)
	if id := v.provisioned(e, visit(u)); id != known {
		t.Fatalf("linked to %d, want %d", id, known)
	}
}

// TestScenarioForgedMtcID: contact ids are sequential, so a new user may
// send any id as mtc_id. Without a record that this browser was tracked
// as that contact, the stranger's anonymous contact is not taken.
func TestScenarioForgedMtcID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		v := newEnvOn(t, f)
		e := v.engine(v.config())
		stranger := v.trackAnonymous(3)
		other := v.trackAnonymous(1) // the attacker's own tracked browser
		for name, forge := range map[string]func(Visit) Visit{
			"no device":         func(vis Visit) Visit { vis.MtcID = itoa(stranger); return vis },
			"made-up device":    func(vis Visit) Visit { vis.MtcID, vis.DeviceID = itoa(stranger), "abcdef0123456789abcdef0"; return vis },
			"own device, other": func(vis Visit) Visit { vis = v.fromBrowser(vis, other); vis.MtcID = itoa(stranger); return vis },
		} {
			t.Run(name, func(t *testing.T) {
				u := v.addUser(dbtest.RandomID(t)+"@example.org", "Attacker Person")
				id := v.provisioned(e, forge(visit(u)))
				if id == stranger {
					t.Fatal("took the stranger's anonymous contact")
				}
				c, _ := v.m.Contact(stranger)
				if c.Fields["email"] != "" || c.Hits != 3 {
					t.Errorf("stranger's contact changed: %+v", c)
				}
			})
		}
		// The stranger's own browser, with its evidence, still takes it.
		owner := v.addUser("stranger@example.org", "Stranger Person")
		if id := v.provisioned(e, v.fromBrowser(visit(owner), stranger)); id != stranger {
			t.Errorf("tracked browser: linked to %d, want %d", id, stranger)
		}
	})
}

// TestScenarioEmailChangeThenSignUpWithOldEmail: A changes their email;
// the contact follows; B signs up with A's old email and gets a contact
// of their own, never A's.
func TestScenarioEmailChangeThenSignUpWithOldEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		v := newEnvOn(t, f)
		e := v.engine(v.config())
		a := v.addUser("old@example.org", "Alice Old")
		one := v.provisioned(e, visit(a))

		f.SetEmail(t, a.ID, "new@example.org")
		a.Email = "new@example.org"
		e.ContactFor(context.Background(), visit(a))
		waitFor(t, 5*time.Second, func() bool {
			c, _ := v.m.Contact(one)
			return c.Fields["email"] == "new@example.org"
		}, "contact email follows the user")
		waitOutcome(t, e, OutcomeEmailSynced, 1)

		b := v.addUser("old@example.org", "Bob Second")
		two := v.provisioned(e, visit(b))
		if two == one {
			t.Fatalf("A -> %d, B -> %d: one contact, two users", one, two)
		}
		if got := v.mauticID(a); got != one {
			t.Errorf("A moved to %d", got)
		}
		if c := v.contactOf("old@example.org"); c.ID != two {
			t.Errorf("old email's contact %d, B has %d", c.ID, two)
		}
	})
}

// TestEmailChangeNotSyncedYet: B signs up with A's old email before A's
// change reached Mautic (A has not visited since). B is not linked to A's
// contact; A's change is synced, and B then gets a contact of their own.
func TestEmailChangeNotSyncedYet(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	a := v.addUser("before@example.org", "Alice Before")
	one := v.provisioned(e, visit(a))
	v.f.SetEmail(t, a.ID, "after@example.org")

	b := v.addUser("before@example.org", "Bob Later")
	two := v.provisioned(e, visit(b))
	if two == one {
		t.Fatalf("B linked to A's contact %d", one)
	}
	if e.Stats().Outcomes[OutcomeTaken] == 0 {
		t.Error("no held_taken outcome counted")
	}
	if c, _ := v.m.Contact(one); c.Fields["email"] != "after@example.org" {
		t.Errorf("A's contact has %q, want the new email", c.Fields["email"])
	}
	if got := v.mauticID(a); got != one {
		t.Errorf("A moved to %d", got)
	}
}

// TestEmailChangeClash: another contact already has the new email. The
// user stays on their contact, which keeps its email; nothing is merged.
func TestEmailChangeClash(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	a := v.addUser("mine@example.org", "Alice Mine")
	one := v.provisioned(e, visit(a))
	theirs := v.m.AddContact(map[string]string{"email": "taken@example.org", "firstname": "Someone"})
	v.f.SetEmail(t, a.ID, "taken@example.org")
	a.Email = "taken@example.org"
	e.ContactFor(context.Background(), visit(a))
	waitOutcome(t, e, OutcomeEmailClash, 1)
	if c, _ := v.m.Contact(one); c.Fields["email"] != "mine@example.org" {
		t.Errorf("user's contact email %q, want it unchanged", c.Fields["email"])
	}
	if c, _ := v.m.Contact(theirs); c.Fields["firstname"] != "Someone" {
		t.Errorf("other contact changed: %v", c.Fields)
	}
	if got := v.mauticID(a); got != one {
		t.Errorf("user moved to %d", got)
	}
	// The clash is not tried again on every visit.
	calls := v.m.TotalAPICalls()
	if id, ok := e.ContactFor(context.Background(), visit(a)); !ok || id != one {
		t.Errorf("ContactFor = %d, %v", id, ok)
	}
	if v.m.TotalAPICalls() != calls {
		t.Error("the clash was looked up again")
	}
}
