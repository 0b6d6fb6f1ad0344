package mautictest

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// contactInput is a contact save request after Mautic's parsing: known field
// aliases with their cleaned values, and the special keys of
// LeadApiController::preSaveEntity. Unknown keys are dropped, as Mautic's form
// (allow_extra_fields) drops them.
type contactInput struct {
	values        map[string]string
	tags          []string
	ip            string
	lastActive    time.Time
	hasLastActive bool
	overwrite     bool // overwriteWithBlank
}

func parseContactInput(p params) contactInput {
	in := contactInput{values: make(map[string]string)}
	for k, v := range p {
		switch k {
		case "tags":
			in.tags = parseTags(v)
			continue
		case "ipAddress":
			in.ip, _ = scalar(v)
			continue
		case "lastActive":
			s, _ := scalar(v)
			if t, ok := parseDateTime(s); ok {
				in.lastActive, in.hasLastActive = t, true
			}
			continue
		case "overwriteWithBlank":
			s, _ := scalar(v)
			in.overwrite = s != "" && s != "0" && !strings.EqualFold(s, "false")
			continue
		}
		if _, known := fieldsByAlias[k]; !known {
			continue
		}
		s, ok := scalar(v)
		if !ok {
			continue
		}
		if k == "email" {
			s = cleanEmail(s)
		}
		in.values[k] = s
	}
	return in
}

// parseTags accepts a list or a comma-separated string.
func parseTags(v any) []string {
	if s, ok := scalar(v); ok {
		return strings.Split(s, ",")
	}
	_, items, ok := listItems(v)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range items {
		if s, ok := scalar(it); ok {
			out = append(out, s)
		}
	}
	return out
}

// cleanEmail is InputHelper::email: FILTER_SANITIZE_EMAIL, then trim.
func cleanEmail(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-=?^_`{|}~@.[]", c) >= 0 {
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// validEmail approximates Mautic's email validator: one address, a dotted
// domain, no display name.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
		for _, c := range l {
			if !(c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80) {
				return false
			}
		}
	}
	return true
}

// dropped is setCustomFieldValues' rule for POST and PATCH: empty values, and
// numbers whose int cast is 0, are left out unless overwriteWithBlank.
func dropped(v string) bool {
	if strings.TrimSpace(v) == "" {
		return true
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && int64(f) == 0
}

type saveMode int

const (
	modePost saveMode = iota
	modePatch
	modePut
)

// writes returns the field values a save writes, after the mode's rules: PUT
// blanks every field it is not sent, POST and PATCH leave out empty ones.
func (in contactInput) writes(mode saveMode) map[string]string {
	out := make(map[string]string, len(contactFields))
	if mode == modePut {
		for _, f := range contactFields {
			out[f.alias] = ""
		}
	}
	for k, v := range in.values {
		if mode != modePut && !in.overwrite && dropped(v) {
			continue
		}
		out[k] = v
	}
	return out
}

// validate checks the values a save writes, in field order, with Symfony's
// messages.
func validate(writes map[string]string) []fieldError {
	var errs []fieldError
	for _, f := range contactFields {
		v, ok := writes[f.alias]
		if !ok || v == "" {
			continue
		}
		if msg := validateValue(f, v); msg != "" {
			errs = append(errs, fieldError{f.alias, msg})
		}
	}
	return errs
}

const msgNotValid = "This value is not valid."

func validateValue(f fieldDef, v string) string {
	switch f.typ {
	case "email":
		if !validEmail(v) {
			return v + " is invalid."
		}
	case "locale":
		if !validLocale(v) {
			return msgNotValid
		}
	case "timezone":
		if !validTimezone(v) {
			return msgNotValid
		}
	case "number":
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return msgNotValid
		}
	case "datetime":
		if _, ok := parseDateTime(v); !ok {
			return msgNotValid
		}
	}
	if utf8.RuneCountInString(v) > maxTextLength {
		return "This value is too long. It should have 191 characters or less."
	}
	return ""
}

// parseDateTime accepts the formats DateTimeHelper reads.
func parseDateTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", dbTimeLayout, "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
