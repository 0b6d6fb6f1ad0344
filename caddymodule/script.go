package caddymodule

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// scriptRewriter points the tracking URLs baked into mtc.js at the site's
// first-party prefix. Mautic writes them from its site_url as
//
//	m.pageTrackingCORSUrl = (l.protocol == 'https:' ? 'https:' : 'http:') + '//mautic.example.com/mtc/event';
//
// and each such expression, or a bare "//host/route" or
// "https://host/route", becomes '/mtc-proxy/mtc/event' (or the configured
// public origin followed by the prefix). The replacement never depends on
// the request: a Host header cannot reach the script, and the result is
// the same for every visitor behind any cache.
//
// Only the tracking routes the prefix serves are rewritten (mtc.js,
// /mtc/event, /mtracking.gif, /mtc). The other absolute URLs in mtc.js and
// the scripts it loads (dynamic web content /dwc/…, forms /form/…, focus
// items, /video/hit, /media/…) keep pointing at Mautic, where those
// features work as they do without the module.
type scriptRewriter struct {
	re   *regexp.Regexp
	base string
}

// trackingRoutePattern matches the routes under the prefix, longest first,
// and the character after them, which must end the path.
const trackingRoutePattern = `(/mtc/event|/mtracking\.gif|/mtc\.js|/mtc)([^A-Za-z0-9._~%/-]|$)`

// schemeExprPattern is Mautic's choice of scheme in front of a tracking
// URL, up to the quote that opens the URL's string.
const schemeExprPattern = `\(\s*[A-Za-z_$][\w$.]*\.protocol\s*==\s*['"]https:['"]\s*\?\s*['"]https:['"]\s*:\s*['"]https?:['"]\s*\)\s*\+\s*(['"])`

// newScriptRewriter rewrites the URLs of origins (hosts with an optional
// port and path, as in Mautic's site_url) to base, a root-relative prefix
// or a public origin followed by it.
func newScriptRewriter(origins []string, base string) *scriptRewriter {
	var alts []string
	for _, o := range origins {
		// An origin from a parsed configuration is valid UTF-8; another
		// could not be in mtc.js as Mautic writes it.
		if o != "" && utf8.ValidString(o) {
			alts = append(alts, regexp.QuoteMeta(o))
		}
	}
	if len(alts) == 0 {
		return &scriptRewriter{base: base}
	}
	expr := `(?:` + schemeExprPattern + `)?(?i:https?:)?//(?i:` + strings.Join(alts, "|") + `)` + trackingRoutePattern
	return &scriptRewriter{re: regexp.MustCompile(expr), base: base}
}

// rewrite returns body with the tracking URLs pointed at the prefix.
func (s *scriptRewriter) rewrite(body []byte) []byte {
	if s.re == nil {
		return body
	}
	matches := s.re.FindAllSubmatchIndex(body, -1)
	if len(matches) == 0 {
		return body
	}
	out := make([]byte, 0, len(body))
	last := 0
	for _, m := range matches {
		out = append(out, body[last:m[0]]...)
		if m[2] >= 0 { // the scheme expression: its opening quote stays
			out = append(out, body[m[2]:m[3]]...)
		}
		out = append(out, s.base...)
		out = append(out, body[m[4]:m[5]]...) // the route
		out = append(out, body[m[6]:m[7]]...) // the character after it
		last = m[1]
	}
	return append(out, body[last:]...)
}
