package caddymodule

import "strings"

// match reports whether PHP, and then Mautic, would read the parameter
// name key as an identifying field. PHP ends a name at a NUL byte, drops
// leading spaces, reads "email[x]" as "email" and turns spaces and dots
// into underscores; Mautic compares the Referer's keys case-insensitively,
// so case is ignored everywhere. A nested name ("lead[email]") matches
// too: no hit needs one.
func (ids identifiers) match(key string) bool {
	k, _, _ := strings.Cut(key, "\x00")
	k = strings.TrimLeft(k, " ")
	base, nested, _ := strings.Cut(k, "[")
	if ids.has(base) {
		return true
	}
	for nested != "" {
		seg, rest, closed := strings.Cut(nested, "]")
		if !closed {
			return false
		}
		if ids.has(seg) {
			return true
		}
		_, nested, _ = strings.Cut(rest, "[")
	}
	return false
}

// phpName turns " " and "." into "_", as PHP does to a variable name. Built
// once: a hit can carry thousands of pairs.
var phpName = strings.NewReplacer(" ", "_", ".", "_")

// has reports whether name, as PHP turns it into a variable name, is one
// of ids.
func (ids identifiers) has(name string) bool {
	return contains(ids, strings.ToLower(phpName.Replace(name)))
}

// cleanURL removes the identifying pairs from the query of a URL, the way
// Mautic reads it (PHP's parse_url and parse_str: pairs split at "&", names
// decoded leniently). Every other byte is kept, so a URL without one is
// returned unchanged. A value without "?" is not a URL with a query and is
// returned as it is.
func (ids identifiers) cleanURL(raw string) string {
	q := strings.IndexByte(raw, '?')
	if q < 0 {
		return raw
	}
	var b strings.Builder
	rest, changed := raw[q+1:], false
	sep := ""
	for {
		// A pair ends at "&", and at "#", where the fragment begins; the
		// fragment is read as pairs too, which only ever removes more.
		end := strings.IndexAny(rest, "&#")
		pair, next := rest, ""
		if end >= 0 {
			pair, next = rest[:end], rest[end:]
		}
		name, _, _ := strings.Cut(pair, "=")
		if ids.match(phpUnescape(name)) {
			changed = true
		} else {
			b.WriteString(sep)
			b.WriteString(pair)
		}
		if next == "" {
			break
		}
		sep, rest = next[:1], next[1:]
	}
	if !changed {
		return raw
	}
	return raw[:q+1] + strings.TrimPrefix(b.String(), "&")
}

// phpUnescape decodes s as PHP's urldecode does: "+" is a space, a valid
// %XX a byte, and an invalid escape stays as it is (Go's unescaping would
// reject it, and the pair would escape the check).
func phpUnescape(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '+':
			out = append(out, ' ')
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
