package provision

import (
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestSplitName(t *testing.T) {
	tests := []struct{ in, first, last string }{
		{"Jane Doe", "Jane", "Doe"},
		{"  Jane   Q.  Doe ", "Jane", "Q. Doe"},
		{"Cher", "Cher", ""},
		{"", "", ""},
		{strings.Repeat("é", 300), strings.Repeat("é", maxFieldLen), ""},
	}
	for _, tt := range tests {
		if f, l := splitName(tt.in); f != tt.first || l != tt.last {
			t.Errorf("splitName(%q) = %q, %q; want %q, %q", tt.in, f, l, tt.first, tt.last)
		}
	}
}

func TestNewProfile(t *testing.T) {
	l, _ := newLocales(DefaultLocales())
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		row      userdb.User
		h        hint
		locale   string
		explicit bool
		timezone string
	}{
		{"row locale wins", userdb.User{Email: "a@x.org", Locale: "fr"}, hint{locale: "de_DE", explicit: true}, "fr_FR", true, ""},
		{"unknown row locale falls back", userdb.User{Email: "a@x.org", Locale: "xx"}, hint{locale: "it_IT"}, "it_IT", false, ""},
		{"timezone kept", userdb.User{Email: "a@x.org"}, hint{timezone: "America/Argentina/Buenos_Aires"}, "", false, "America/Argentina/Buenos_Aires"},
		{"junk timezone dropped", userdb.User{Email: "a@x.org"}, hint{timezone: "Europe/Berlin; DROP"}, "", false, ""},
	}
	for _, tt := range tests {
		p := newProfile(tt.row, tt.h, l, "", true, now)
		if p.locale != tt.locale || p.explicit != tt.explicit || p.timezone != tt.timezone || !p.lastActive.Equal(now) {
			t.Errorf("%s: %+v", tt.name, p)
		}
	}
}

func TestChangesFor(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	recent, old := now.Add(-time.Minute), now.Add(-2*time.Hour)
	p := profile{email: "a@x.org", first: "Ann", last: "Lee", locale: "de_DE", explicit: true, timezone: "Europe/Berlin", lastActive: now, optional: true}
	full := map[string]string{"email": "a@x.org", "firstname": "Ann", "lastname": "Lee", "preferred_locale": "de_DE", "timezone": "Europe/Berlin"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range full {
			m[a] = b
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name       string
		p          profile
		fields     map[string]string
		lastActive *time.Time
		want       mautic.Fields
	}{
		{"nothing changes", p, full, &recent, nil},
		{"stale lastActive alone", p, full, &old, mautic.Fields{fieldLastActive: formatTime(now)}},
		{"marketing's first name stays", p, with("firstname", "Annie"), &recent, nil},
		{"empty last name filled", p, with("lastname", ""), &recent, mautic.Fields{fieldLastName: "Lee"}},
		{"chosen locale replaces", p, with("preferred_locale", "en_US"), &recent, mautic.Fields{fieldLocale: "de_DE"}},
		{"browser locale does not replace", profile{locale: "it_IT", lastActive: now, optional: true}, map[string]string{"preferred_locale": "en_US", "firstname": "x", "lastname": "y"}, &recent, nil},
		{"browser locale fills", profile{locale: "it_IT", lastActive: now, optional: true}, map[string]string{"firstname": "x", "lastname": "y"}, &recent, mautic.Fields{fieldLocale: "it_IT"}},
		{"timezone replaced", p, with("timezone", "UTC"), &recent, mautic.Fields{fieldTimezone: "Europe/Berlin"}},
		{"optional fields dropped after a refusal", profile{locale: "de_DE", explicit: true, timezone: "UTC", lastActive: now}, map[string]string{"firstname": "x", "lastname": "y"}, &recent, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.changesFor(&mautic.Contact{ID: 1, Fields: tt.fields, LastActive: tt.lastActive})
			if !sameFields(got, tt.want) {
				t.Errorf("changesFor = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewContactFields(t *testing.T) {
	now := time.Date(2026, 11, 25, 10, 0, 0, 500, time.UTC)
	p := profile{email: "a@x.org", first: "Ann", locale: "de_DE", lastActive: now, optional: true}
	want := mautic.Fields{fieldEmail: "a@x.org", fieldFirstName: "Ann", fieldLocale: "de_DE", fieldLastActive: "2026-11-25T10:00:00Z"}
	if got := p.newContactFields(true); !sameFields(got, want) {
		t.Errorf("with names: %v", got)
	}
	delete(want, fieldFirstName)
	if got := p.newContactFields(false); !sameFields(got, want) {
		t.Errorf("without names: %v", got)
	}
	p.optional = false
	delete(want, fieldLocale)
	if got := p.newContactFields(false); !sameFields(got, want) {
		t.Errorf("without optional fields: %v", got)
	}
}

func sameFields(a, b mautic.Fields) bool {
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
