package inject

import (
	"net/http"
	"strconv"
	"strings"
)

// Header checks index the map with canonical keys directly, as net/http does,
// to avoid canonicalising constant names on every response.

// isHTML reports whether the response's Content-Type is text/html, with any
// parameters.
func isHTML(h http.Header) bool {
	v := firstValue(h["Content-Type"])
	if i := strings.IndexByte(v, ';'); i >= 0 {
		v = v[:i]
	}
	return strings.EqualFold(strings.TrimSpace(v), "text/html")
}

// isIdentity reports whether the body is not content-encoded.
func isIdentity(h http.Header) bool {
	for _, v := range h["Content-Encoding"] {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if tok = strings.TrimSpace(tok); tok != "" && !strings.EqualFold(tok, "identity") {
				return false
			}
		}
	}
	return true
}

// hasToken reports whether a comma-separated header holds token, ignoring
// case and any "=value" parameter.
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for v != "" {
			var tok string
			tok, v, _ = strings.Cut(v, ",")
			if name, _, _ := strings.Cut(tok, "="); strings.EqualFold(strings.TrimSpace(name), token) {
				return true
			}
		}
	}
	return false
}

// prepareStreaming fixes the headers of a response the snippet may still be
// spliced into after they are sent: its length is unknown, its strong
// validator would lie, and byte ranges of it do not exist. Vary stays: the
// injection depends on nothing in the request.
func prepareStreaming(h http.Header) {
	delete(h, "Content-Length")
	delete(h, "Accept-Ranges")
	weakenETag(h)
}

// prepareInjected fixes the headers of a response that will carry exactly
// extra more bytes than the handler writes.
func prepareInjected(h http.Header, extra int) {
	n := contentLength(h)
	if n < 0 {
		prepareStreaming(h)
		return
	}
	h["Content-Length"][0] = strconv.FormatInt(n+int64(extra), 10)
	delete(h, "Accept-Ranges")
	weakenETag(h)
}

// weakenETag marks a strong ETag weak: the body changes with the snippet and
// its nonce, but stays semantically the same page. A weak validator still
// revalidates upstream, since If-None-Match compares weakly.
func weakenETag(h http.Header) {
	if v := h["Etag"]; len(v) > 0 && v[0] != "" && !strings.HasPrefix(v[0], "W/") {
		v[0] = "W/" + v[0]
	}
}

// weakenNotModified keeps a 304 consistent with the weak ETag the client
// holds from us: an upstream that compared weakly answers with its strong tag.
func weakenNotModified(h http.Header, r *http.Request) {
	v := h["Etag"]
	if len(v) == 0 || v[0] == "" || strings.HasPrefix(v[0], "W/") {
		return
	}
	for _, inm := range r.Header["If-None-Match"] {
		for inm != "" {
			var tok string
			tok, inm, _ = strings.Cut(inm, ",")
			tok = strings.TrimSpace(tok)
			if strings.HasPrefix(tok, "W/") && tok[2:] == v[0] {
				v[0] = "W/" + v[0]
				return
			}
		}
	}
}

// contentLength returns the declared body length, or -1.
func contentLength(h http.Header) int64 {
	cl := h["Content-Length"]
	if len(cl) != 1 {
		return -1
	}
	n, err := strconv.ParseInt(cl[0], 10, 64)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

func firstValue(values []string) string {
	if len(values) > 0 {
		return values[0]
	}
	return ""
}
