package inject

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Marker is a string every rendered snippet contains, and so does Mautic's own
// tracking snippet. A response that already contains it before the insertion
// point is passed through unchanged, so a page is never tracked twice.
const Marker = "MauticTrackingObject"

// SnippetConfig describes the tracking loader to inject.
type SnippetConfig struct {
	// TrackingURL is the base URL that serves mtc.js: Mautic's site URL, or
	// the site's own first-party tracking prefix. It must be an absolute http
	// or https URL without credentials, query or fragment, or a root-relative
	// path such as "/mtc-proxy" (the page's own origin, whatever Host header
	// the request carried); "/mtc.js" is appended to it.
	TrackingURL string

	// Attributes are sent with every pageview, e.g. {"page_language": "de"}.
	// Keys must be non-empty; keys and values must be valid UTF-8.
	Attributes map[string]string
}

// Snippet is a tracking loader rendered once per configuration. It is safe
// for concurrent use.
type Snippet struct {
	html   []byte   // the rendered snippet, without nonce
	parts  [][]byte // html split right after each "<script", where a nonce goes
	hash   string   // base64 SHA-256 of the script text, for CSP hash sources
	script source   // where the loader fetches mtc.js from
}

// source is a parsed script URL, kept for matching CSP source expressions.
type source struct {
	relative bool   // a root-relative path: the page's origin
	scheme   string // "http" or "https"; "" when relative
	host     string // lower case, without port
	port     int    // explicit or the scheme's default
	path     string // escaped path, e.g. "/mtc.js"
}

// The loader is Mautic's documented snippet, plus copying the nonce of the
// running script to the script element it creates, so that a nonce-based CSP
// without 'strict-dynamic' also admits mtc.js.
const (
	loaderStart = `(function(w,d,t,u,n,a,m){w.` + Marker + `=n;w[n]=w[n]||function(){(w[n].q=w[n].q||[]).push(arguments)};` +
		`a=d.createElement(t);m=d.getElementsByTagName(t)[0];a.async=1;a.src=u;` +
		`if(d.currentScript&&d.currentScript.nonce)a.nonce=d.currentScript.nonce;` +
		`m.parentNode.insertBefore(a,m)})(window,document,"script",`
	loaderEnd = `,"mt");`
)

// NewSnippet validates cfg and renders the loader.
func NewSnippet(cfg SnippetConfig) (*Snippet, error) {
	src, err := parseTrackingURL(cfg.TrackingURL)
	if err != nil {
		return nil, err
	}
	attrs, err := attributesJSON(cfg.Attributes)
	if err != nil {
		return nil, err
	}
	srcURL := src.url()
	js := loaderStart + jsString(srcURL) + loaderEnd + `mt("send","pageview"` + attrs + `);`
	html := []byte("<script>" + js + "</script>")
	if err := checkRendered(html); err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(js))
	return &Snippet{
		html:   html,
		parts:  splitAfterScriptTags(html),
		hash:   base64.StdEncoding.EncodeToString(sum[:]),
		script: src,
	}, nil
}

// HTML returns the rendered snippet as it is injected without a nonce.
func (s *Snippet) HTML() string { return string(s.html) }

// CSPHash returns the snippet's CSP hash source, e.g. "'sha256-…'". A site
// whose Content-Security-Policy lists it in script-src admits the snippet
// without a nonce.
func (s *Snippet) CSPHash() string { return "'sha256-" + s.hash + "'" }

// ScriptURL returns the URL the loader fetches mtc.js from; a
// root-relative path when the tracking URL was one.
func (s *Snippet) ScriptURL() string { return s.script.url() }

// url renders the source as the loader names it.
func (s source) url() string {
	if s.relative {
		return s.path
	}
	return s.scheme + "://" + s.hostPort() + s.path
}

// scriptFor returns the script URL as the browser resolves it for the page
// r asked for: a root-relative one takes the page's origin.
func (s *Snippet) scriptFor(r *http.Request) source {
	if !s.script.relative || r == nil {
		return s.script
	}
	src := s.script
	src.scheme = pageScheme(r)
	src.port = defaultPort(src.scheme)
	host := r.Host
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		if n, err := strconv.Atoi(host[i+1:]); err == nil {
			src.port = n
		}
		host = host[:i]
	}
	src.host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return src
}

// appendHTML appends the snippet to dst with nonce on every <script> tag.
func (s *Snippet) appendHTML(dst []byte, nonce string) []byte {
	if nonce == "" {
		return append(dst, s.html...)
	}
	last := len(s.parts) - 1
	for i, part := range s.parts {
		dst = append(dst, part...)
		if i < last {
			dst = append(dst, ` nonce="`...)
			dst = append(dst, nonce...)
			dst = append(dst, '"')
		}
	}
	return dst
}

// size returns the length of the snippet rendered with nonce.
func (s *Snippet) size(nonce string) int {
	if nonce == "" {
		return len(s.html)
	}
	return len(s.html) + (len(s.parts)-1)*(len(` nonce=""`)+len(nonce))
}

// splitAfterScriptTags cuts html right after each "<script".
func splitAfterScriptTags(html []byte) [][]byte {
	var parts [][]byte
	for {
		i := bytes.Index(html, []byte("<script"))
		if i < 0 {
			return append(parts, html)
		}
		cut := i + len("<script")
		parts = append(parts, html[:cut])
		html = html[cut:]
	}
}

func parseTrackingURL(raw string) (source, error) {
	if raw == "" {
		return source{}, errors.New("inject: tracking URL is empty: set it to Mautic's base URL, e.g. https://mautic.example.com")
	}
	if !utf8.ValidString(raw) {
		return source{}, errors.New("inject: tracking URL is not valid UTF-8")
	}
	if strings.HasPrefix(raw, "/") && !strings.HasPrefix(raw, "//") {
		return parseRootPath(raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input, which may hold credentials.
		return source{}, errors.New("inject: tracking URL does not parse: set an absolute http(s) URL such as https://mautic.example.com")
	}
	if u.User != nil {
		return source{}, fmt.Errorf("inject: tracking URL %s contains credentials: remove them, mtc.js is public", u.Redacted())
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return source{}, fmt.Errorf("inject: tracking URL %q is not http or https: set an absolute URL such as https://mautic.example.com", raw)
	}
	if u.Host == "" || u.Opaque != "" {
		return source{}, fmt.Errorf("inject: tracking URL %q has no host: set an absolute URL such as https://mautic.example.com", raw)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return source{}, fmt.Errorf("inject: tracking URL %q has a query or fragment: give only the base URL, /mtc.js is appended", raw)
	}
	port := defaultPort(scheme)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return source{}, fmt.Errorf("inject: tracking URL %q has an invalid port", raw)
		}
		port = n
	}
	return source{
		scheme: scheme,
		host:   strings.ToLower(u.Hostname()),
		port:   port,
		path:   strings.TrimRight(u.EscapedPath(), "/") + "/mtc.js",
	}, nil
}

// parseRootPath reads a root-relative tracking URL: a path only, made of
// URL path characters, so that it reads the same in JavaScript and HTML.
func parseRootPath(raw string) (source, error) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~%", c) >= 0) {
			return source{}, fmt.Errorf("inject: tracking path %q may hold only letters, digits and /-._~%%", raw)
		}
	}
	return source{relative: true, path: strings.TrimRight(raw, "/") + "/mtc.js"}, nil
}

// hostPort returns the host with its port when the port is not the default.
func (s source) hostPort() string {
	host := s.host
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if s.port == defaultPort(s.scheme) {
		return host
	}
	return host + ":" + strconv.Itoa(s.port)
}

func defaultPort(scheme string) int {
	if strings.EqualFold(scheme, "https") {
		return 443
	}
	return 80
}

// attributesJSON renders the pageview attributes as a JavaScript argument,
// ",{…}", or "" when there are none.
func attributesJSON(attrs map[string]string) (string, error) {
	if len(attrs) == 0 {
		return "", nil
	}
	for k, v := range attrs {
		if k == "" {
			return "", errors.New("inject: attribute with an empty name: give every attribute a name such as page_language")
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return "", fmt.Errorf("inject: attribute %q is not valid UTF-8", strings.ToValidUTF8(k, "\uFFFD"))
		}
	}
	// json.Marshal sorts keys and escapes <, >, &, U+2028 and U+2029, so the
	// result is a JavaScript object literal that cannot end the <script>.
	b, err := json.Marshal(attrs)
	if err != nil {
		return "", fmt.Errorf("inject: attributes do not encode: %w", err)
	}
	return "," + string(b), nil
}

// jsString quotes s as a JavaScript string literal that is safe inside an
// HTML <script> element.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a valid UTF-8 string always encodes
	return string(b)
}

// checkRendered guards the escaping: the snippet must be one script element
// whose text cannot end it early or switch the tokenizer into an escaped
// state, and it must carry the marker.
func checkRendered(html []byte) error {
	body := html[len("<script>") : len(html)-len("</script>")]
	lower := bytes.ToLower(body)
	if bytes.Contains(lower, []byte("</script")) || bytes.Contains(lower, []byte("<!--")) || bytes.Contains(lower, []byte("<script")) {
		return errors.New("inject: rendered snippet would break out of its <script>: this is a bug, please report it")
	}
	if !bytes.Contains(body, []byte(Marker)) {
		return errors.New("inject: rendered snippet lacks its marker: this is a bug, please report it")
	}
	return nil
}
