package provision

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// A locale nobody chose is not a choice: with the app's schema default
// declared ("en"), a row holding it does not overwrite the
// preferred_locale a marketer set in Mautic, but fills an empty one; a
// row the user changed, or the PARAGLIDE_LOCALE cookie of a language
// switch, does overwrite it.
func TestSchemaDefaultLocaleIsNoChoice(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.RequestWait = time.Hour
	cfg.LocaleDefault = "en"
	e := v.engine(cfg)
	tests := []struct {
		name      string
		rowLocale string
		paraglide string
		accept    string
		marketer  string // preferred_locale set in Mautic before; "" for none
		want      string
	}{
		{"default row keeps the marketer's value", "en", "", "en-US,en;q=0.9", "fr_FR", "fr_FR"},
		{"default row fills an empty value", "en", "", "", "", "en_US"},
		{"Accept-Language before the default, fill only", "en", "", "de-DE", "", "de_DE"},
		{"the Paraglide cookie is a choice", "en", "de", "", "fr_FR", "de_DE"},
		{"a switch away from the browser's language is a choice", "en", "de", "en-US", "fr_FR", "de_DE"},
		// Paraglide writes its cookie on the first page view, with the
		// browser's language or its base locale: that is nobody's choice.
		{"a Paraglide cookie repeating the default is no choice", "en", "en", "", "fr_FR", "fr_FR"},
		{"a Paraglide cookie repeating the browser's language is no choice", "en", "de", "de-DE,de;q=0.9", "fr_FR", "fr_FR"},
		{"a row other than the default is a choice", "de", "", "", "fr_FR", "de_DE"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			email := "locale" + itoa(i) + "@example.org"
			fields := map[string]string{"email": email}
			if tt.marketer != "" {
				fields["preferred_locale"] = tt.marketer
			}
			v.m.AddContact(fields)
			u := v.f.AddUser(t, userdb.User{Email: email, Name: "Lo Cale", Locale: tt.rowLocale, EmailVerified: true})
			v.f.AddSession(t, u.ID, dbtest.RandomID(t), time.Now().Add(time.Hour))
			vis := visit(u)
			vis.ParaglideLocale, vis.AcceptLanguage = tt.paraglide, tt.accept
			if _, ok := e.ContactFor(context.Background(), vis); !ok {
				t.Fatal("no contact")
			}
			waitIdle(t, e)
			if got := v.contactOf(email).Fields["preferred_locale"]; got != tt.want {
				t.Errorf("preferred_locale = %q, want %q", got, tt.want)
			}
		})
	}
}

// A linked user whose row holds the default does not queue a locale
// update on each visit; one who switches language (Paraglide) does.
func TestSchemaDefaultLocaleQueuesNoRefresh(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.RequestWait = time.Hour
	cfg.LocaleDefault = "en"
	e := v.engine(cfg)
	v.m.AddContact(map[string]string{"email": "mkt@example.org", "preferred_locale": "fr_FR"})
	u := v.f.AddUser(t, userdb.User{Email: "mkt@example.org", Name: "Mark Eter", Locale: "en", EmailVerified: true})
	v.f.AddSession(t, u.ID, dbtest.RandomID(t), time.Now().Add(time.Hour))
	if _, ok := e.ContactFor(context.Background(), visit(u)); !ok {
		t.Fatal("no contact")
	}
	waitIdle(t, e)
	e.ContactFor(context.Background(), visit(u)) // linked: from the cache
	if s := e.Stats(); s.Queued != 0 {
		t.Errorf("a visit with the default locale queued %d users", s.Queued)
	}
	switched := visit(u)
	switched.ParaglideLocale = "de"
	e.ContactFor(context.Background(), switched)
	waitFor(t, 10*time.Second, func() bool { return v.contactOf(u.Email).Fields["preferred_locale"] == "de_DE" }, "the switched language in Mautic")
}

func TestLocaleDefaultChecked(t *testing.T) {
	cfg := Config{Client: newEnv(t).client(nil), Store: emptyStore{}, LocaleDefault: "not a tag"}
	if _, err := New(cfg); err == nil {
		t.Error("New accepted LocaleDefault \"not a tag\"")
	}
}
