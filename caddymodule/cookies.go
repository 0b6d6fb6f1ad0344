package caddymodule

import "strings"

// maxRequestCookies is net/http's default limit (GODEBUG
// httpcookiemaxnum): a request with more cookies has none.
const maxRequestCookies = 3000

// trackingCookieValues reads the mtc_id and PARAGLIDE_LOCALE cookies from
// the Cookie header lines exactly as net/http's Request.Cookies would (the
// same trimming, quotes stripped, invalid values skipped, the last of a
// repeated name kept by the caller's loop), without allocating: on a
// signed-in request the header carries a kilobyte or more of session
// cookies, which Request.Cookies copies into a Cookie each.
func trackingCookieValues(lines []string) (mtcID, paraglide string) {
	n := 0
	for _, l := range lines {
		n += strings.Count(l, ";") + 1
	}
	if n > maxRequestCookies {
		return "", ""
	}
	for _, line := range lines {
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			name, val, _ := strings.Cut(trimASCIISpace(part), "=")
			name = trimASCIISpace(name)
			if name != mtcIDCookie && name != paraglideCookie {
				continue
			}
			val, ok := cookieValueOf(val)
			switch {
			case !ok:
			case name == mtcIDCookie:
				mtcID = val
			default:
				paraglide = val
			}
		}
	}
	return mtcID, paraglide
}

// cookieValueOf strips optional double quotes and checks the bytes, as
// net/http's parseCookieValue does.
func cookieValueOf(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	for i := 0; i < len(raw); i++ {
		if b := raw[i]; b < 0x20 || b >= 0x7f || b == '"' || b == ';' || b == '\\' {
			return "", false
		}
	}
	return raw, true
}

// trimASCIISpace trims what net/textproto.TrimString trims.
func trimASCIISpace(s string) string {
	for len(s) > 0 && isASCIISpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isASCIISpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isASCIISpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }
