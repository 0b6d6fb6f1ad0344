package provision

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// maxFieldLen is Mautic's limit for text fields (VARCHAR(191)).
const maxFieldLen = 191

// lastActiveStep is how stale a contact's lastActive may be before a link
// updates it: a fresher one is left alone, so that linking a returning
// user costs no write.
const lastActiveStep = time.Hour

// timezonePattern is the shape of an IANA zone name ("Europe/Berlin",
// "America/Argentina/Buenos_Aires", "UTC"). Mautic checks the name itself;
// this only keeps junk from a browser out of the request.
var timezonePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_+\-]{0,40}(/[A-Za-z0-9_+\-]{1,40}){0,2}$`)

// Aliases of the fields the engine owns; it writes no other.
const (
	fieldEmail      = "email"
	fieldFirstName  = "firstname"
	fieldLastName   = "lastname"
	fieldLocale     = "preferred_locale"
	fieldTimezone   = "timezone"
	fieldLastActive = "lastActive" // Mautic's special key, not a field alias
)

// profile is what the engine knows of a user and may write to their
// contact.
type profile struct {
	email       string
	first, last string
	locale      string // Mautic locale; "" for none
	explicit    bool   // the user chose locale; else it only fills an empty field
	timezone    string
	lastActive  time.Time
	optional    bool // send preferred_locale and timezone (false after Mautic refused one)
}

// newProfile builds a user's profile from their row and what visits told.
// The row's locale field comes first when it is the user's own choice;
// when it holds def, the schema's default (see chosenLocale), it only
// fills in for a visit that told no locale, and is no choice.
func newProfile(row userdb.User, h hint, l locales, def string, optional bool, now time.Time) profile {
	p := profile{email: strings.TrimSpace(row.Email), lastActive: now, optional: optional}
	p.first, p.last = splitName(row.Name)
	p.locale, p.explicit = h.locale, h.explicit
	if loc := l.match(chosenLocale(row.Locale, def)); loc != "" {
		p.locale, p.explicit = loc, true
	} else if p.locale == "" {
		p.locale = l.match(row.Locale)
	}
	if timezonePattern.MatchString(h.timezone) {
		p.timezone = h.timezone
	}
	return p
}

// splitName splits a display name into first and last name at the first
// space, each cut to Mautic's field length.
func splitName(name string) (first, last string) {
	first, last, _ = strings.Cut(strings.Join(strings.Fields(name), " "), " ")
	return truncate(first), truncate(last)
}

// truncate cuts s to maxFieldLen characters.
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxFieldLen {
		return s
	}
	return string([]rune(s)[:maxFieldLen])
}

// newContactFields are the fields of a new contact, or of an anonymous one
// taking the user's email. withNames is false when the contact may hold
// names that marketing set (POST /contacts/new after a 422).
func (p profile) newContactFields(withNames bool) mautic.Fields {
	f := mautic.Fields{fieldEmail: p.email, fieldLastActive: formatTime(p.lastActive)}
	if withNames {
		f[fieldFirstName], f[fieldLastName] = p.first, p.last
	}
	if p.optional {
		f[fieldLocale], f[fieldTimezone] = p.locale, p.timezone
	}
	return dropEmpty(f)
}

// changesFor returns the fields of contact c the user's profile changes
// (each name part only where c has none, a browser locale only where c has
// none, lastActive when over an hour old), or nil when nothing would
// change.
func (p profile) changesFor(c *mautic.Contact) mautic.Fields {
	f := mautic.Fields{}
	if c.Fields[fieldFirstName] == "" {
		f[fieldFirstName] = p.first
	}
	if c.Fields[fieldLastName] == "" {
		f[fieldLastName] = p.last
	}
	if p.optional {
		if have := c.Fields[fieldLocale]; p.locale != have && (p.explicit || have == "") {
			f[fieldLocale] = p.locale
		}
		if p.timezone != c.Fields[fieldTimezone] {
			f[fieldTimezone] = p.timezone
		}
	}
	if c.LastActive == nil || p.lastActive.Sub(*c.LastActive) > lastActiveStep {
		f[fieldLastActive] = formatTime(p.lastActive)
	}
	if f = dropEmpty(f); len(f) == 0 {
		return nil
	}
	return f
}

// refreshFields are what a linked user's visit updates: the locale they
// chose (never one they did not), and the timezone when known. nil when
// there is nothing to send.
func (p profile) refreshFields() mautic.Fields {
	if !p.optional {
		return nil
	}
	locale := p.locale
	if !p.explicit {
		locale = ""
	}
	f := dropEmpty(mautic.Fields{fieldLocale: locale, fieldTimezone: p.timezone})
	if len(f) == 0 {
		return nil
	}
	f[fieldLastActive] = formatTime(p.lastActive)
	return f
}

// dropEmpty removes empty strings, so that a map's length says whether
// anything is sent (Fields would leave them out of the request anyway).
func dropEmpty(f mautic.Fields) mautic.Fields {
	for k, v := range f {
		if s, ok := v.(string); ok && s == "" {
			delete(f, k)
		}
	}
	return f
}

// formatTime is how lastActive is sent: UTC, to the second.
func formatTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}
