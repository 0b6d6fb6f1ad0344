package provision

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestConsentAllows(t *testing.T) {
	tests := []struct {
		name          string
		c             Consent
		header, value string
		cookie        string
		want          bool
	}{
		{"plain", Consent{}, "", "", "", true},
		{"dnt", Consent{}, "DNT", "1", "", false},
		{"dnt 0", Consent{}, "DNT", "0", "", true},
		{"gpc", Consent{}, "Sec-GPC", "1", "", false},
		{"gpc ignored", Consent{IgnorePrivacySignals: true}, "Sec-GPC", "1", "", true},
		{"gpc beats the consent cookie", Consent{Cookie: "ok"}, "Sec-GPC", "1", "ok=1", false},
		{"consent missing", Consent{Cookie: "ok"}, "", "", "", false},
		{"consent given", Consent{Cookie: "ok"}, "", "", "ok=1", true},
		{"consent value wrong", Consent{Cookie: "ok", Value: "yes"}, "", "", "ok=no", false},
		{"consent value right", Consent{Cookie: "ok", Value: "yes"}, "", "", "ok=yes", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			r.Header.Set(tt.header, tt.value)
		}
		if tt.cookie != "" {
			r.Header.Set("Cookie", tt.cookie)
		}
		if got := tt.c.Allows(r); got != tt.want {
			t.Errorf("%s: Allows = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// withheld is a visit of u whose request refused tracking.
func withheld(u userdb.User) Visit {
	v := visit(u)
	v.ConsentWithheld = true
	return v
}

// waitIdle waits until the engine has nothing queued or in flight.
func waitIdle(t *testing.T, e *Engine) {
	t.Helper()
	waitFor(t, 10*time.Second, func() bool { s := e.Stats(); return s.Queued == 0 && s.InFlight == 0 }, "an idle queue")
}

// A visitor who refuses tracking gets no contact: nothing with their
// email, name, locale or last-active time reaches Mautic, while a
// consenting user of the same moment is provisioned. When they consent
// later, they are provisioned then.
func TestConsentWithheldSendsNothing(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.RequestWait = time.Hour // a consenting visit waits for its contact
	e := v.engine(cfg)
	refuser := v.addUser("gpc@example.org", "Gee Pee")
	consenter := v.addUser("yes@example.org", "Yes Please")

	if id, ok := e.ContactFor(context.Background(), withheld(refuser)); ok || id != 0 {
		t.Fatalf("ContactFor without consent = %d, %v; want nothing", id, ok)
	}
	if id, ok := e.ContactFor(context.Background(), visit(consenter)); !ok || id == 0 {
		t.Fatalf("ContactFor with consent = %d, %v", id, ok)
	}
	waitIdle(t, e)
	if cs := v.m.ContactsByEmail(refuser.Email); len(cs) != 0 {
		t.Errorf("Mautic holds %d contacts of the user who refused tracking: %+v", len(cs), cs)
	}
	if id := v.mauticID(refuser); id != 0 {
		t.Errorf("refuser's mauticId = %d, want none", id)
	}

	if id, ok := e.ContactFor(context.Background(), visit(refuser)); !ok || id == 0 {
		t.Fatalf("ContactFor once consent is given = %d, %v", id, ok)
	}
	if c := v.contactOf(refuser.Email); c.Fields["firstname"] != "Gee" {
		t.Errorf("contact after consent = %+v", c)
	}
}

// A linked user who withdraws consent gets no contact id (so no mtc_id
// rewrite) and no field updates: a newly chosen locale is not sent. The
// contact stays in Mautic.
func TestConsentWithdrawnStopsUpdates(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.RequestWait = time.Hour
	e := v.engine(cfg)
	u := v.addUser("later@example.org", "Later Withdrawn")
	if _, ok := e.ContactFor(context.Background(), visit(u)); !ok {
		t.Fatal("no contact for a consenting user")
	}
	waitIdle(t, e)
	edits := v.m.Calls(routeBatchEdit) + v.m.Calls(routeEdit)

	w := withheld(u)
	w.User.Locale = "de"
	if id, ok := e.ContactFor(context.Background(), w); ok || id != 0 {
		t.Errorf("ContactFor after consent was withdrawn = %d, %v; want nothing", id, ok)
	}
	if s := e.Stats(); s.Queued != 0 {
		t.Errorf("a visit without consent queued %d users", s.Queued)
	}
	if got := v.m.Calls(routeBatchEdit) + v.m.Calls(routeEdit); got != edits {
		t.Errorf("edits after consent was withdrawn: %d, want %d", got, edits)
	}
	if c := v.contactOf(u.Email); c.Fields["preferred_locale"] == "de_DE" {
		t.Errorf("the locale chosen without consent reached Mautic: %+v", c.Fields)
	}
}

// The rescan, after a restart or on another instance, provisions only
// users whose last request allowed tracking: one who refused while Mautic
// was down is not provisioned when it is back; one who consented is.
func TestRescanHonoursConsent(t *testing.T) {
	v := newEnv(t)
	v.m.SetDown(true)
	first := v.engine(v.config())
	refuser := v.addUser("no@example.org", "No Thanks")
	consenter := v.addUser("ok@example.org", "Okay Fine")
	first.ContactFor(context.Background(), withheld(refuser))
	first.ContactFor(context.Background(), visit(consenter))
	if err := first.Close(); err != nil { // writes the decisions left
		t.Fatal(err)
	}

	v.m.SetDown(false)
	second := v.engine(v.config()) // its rescan at Start reads the database
	v.waitProvisioned([]userdb.User{consenter}, 10*time.Second)
	waitIdle(t, second)
	if cs := v.m.ContactsByEmail(refuser.Email); len(cs) != 0 {
		t.Errorf("the rescan provisioned the user who refused tracking: %+v", cs)
	}
	if id := v.mauticID(refuser); id != 0 {
		t.Errorf("refuser's mauticId = %d, want none", id)
	}
}
