package caddymodule

import "bytes"

// rewriteScript points the absolute Mautic URLs baked into mtc.js
// ("//mautic.example.com/mtc/event", from Mautic's site_url) at the site's
// own prefix ("//site.example/mtc-proxy/mtc/event"), so that the browser
// only ever talks to the site. An origin matches only as a whole host: the
// character after it must not continue a host name. Mautic picks the
// scheme from the page unless the page is http and its site_url https;
// that fallback is made to follow the page too.
func rewriteScript(body []byte, origins []string, replacement string) []byte {
	for _, o := range origins {
		body = replaceOrigin(body, []byte("//"+o), []byte("//"+replacement))
	}
	return bytes.ReplaceAll(body, []byte(`'https:' : 'https:'`), []byte(`'https:' : 'http:'`))
}

// replaceOrigin replaces each whole-host occurrence of old with repl.
func replaceOrigin(body, old, repl []byte) []byte {
	var out []byte
	rest := body
	for {
		i := bytes.Index(rest, old)
		if i < 0 {
			break
		}
		end := i + len(old)
		if end < len(rest) && isHostByte(rest[end]) {
			out = append(out, rest[:end]...)
			rest = rest[end:]
			continue
		}
		out = append(append(out, rest[:i]...), repl...)
		rest = rest[end:]
	}
	if out == nil {
		return body
	}
	return append(out, rest...)
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == ':'
}
