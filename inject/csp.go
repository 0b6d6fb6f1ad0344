package inject

import (
	"net/http"
	"strconv"
	"strings"
)

// cspVerdict is what a response's Content-Security-Policy means for the
// snippet.
type cspVerdict struct {
	nonce   string // to put on the snippet's <script> tags, or ""
	blocked string // the policy that would block the snippet, or ""
}

// evaluateCSP decides whether the snippet may run under the response's
// policies, those of its headers and meta, the policies of the
// <meta http-equiv="Content-Security-Policy"> tags before the insertion
// point, and with which nonce. It models what the snippet needs: its
// inline <script> must run (script-src-elem, else script-src, else
// default-src), the mtc.js element it creates must load, and Trusted Types
// must not be required for script URLs. Only enforced policies can block;
// a report-only policy may still lend its nonce. Endpoints that mtc.js talks
// to (connect-src, img-src) are baked into mtc.js by Mautic and not judged
// here. Meta policies are enforced ones; a meta cannot deliver a
// report-only policy. Nothing is allocated: every string is a slice of the
// header or of meta.
func evaluateCSP(h http.Header, meta []string, s *Snippet, r *http.Request) cspVerdict {
	enforced := h["Content-Security-Policy"]
	nonce := firstNonce(enforced)
	if nonce == "" {
		nonce = firstNonce(meta)
	}
	if nonce == "" {
		nonce = firstNonce(h["Content-Security-Policy-Report-Only"])
	}
	for _, list := range [...][]string{enforced, meta} {
		if p, ok := firstBlocking(list, s, nonce, r); !ok {
			return cspVerdict{blocked: p}
		}
	}
	return cspVerdict{nonce: nonce}
}

// firstBlocking returns the first of the comma-separated policies in values
// that does not admit the snippet with nonce, and false; or "", true.
func firstBlocking(values []string, s *Snippet, nonce string, r *http.Request) (string, bool) {
	for _, v := range values {
		if v == metaPolicyTooLong {
			return v, false
		}
		for v != "" {
			var policy string
			policy, v, _ = strings.Cut(v, ",")
			if !policyAdmits(policy, s, nonce, r) {
				return strings.TrimSpace(policy), false
			}
		}
	}
	return "", true
}

// firstNonce returns the first well-formed nonce of the script directives in
// the given policies.
func firstNonce(values []string) string {
	for _, v := range values {
		for v != "" {
			var policy string
			policy, v, _ = strings.Cut(v, ",")
			list, ok := scriptSources(policy)
			for ok && list != "" {
				var tok string
				tok, list = nextToken(list)
				if n, valid := nonceValue(tok); valid {
					return n
				}
			}
		}
	}
	return ""
}

// policyAdmits reports whether one policy lets the snippet run when its
// scripts carry nonce.
func policyAdmits(policy string, s *Snippet, nonce string, r *http.Request) bool {
	if tt, ok := directive(policy, "require-trusted-types-for"); ok && hasKeyword(tt, "'script'") {
		return false // the loader's a.src = u needs a TrustedScriptURL
	}
	list, ok := scriptSources(policy)
	if !ok {
		return true
	}
	var unsafeInline, strictDynamic, anyNonce, anyHash, nonceOK, hashOK, urlOK bool
	for list != "" {
		var tok string
		tok, list = nextToken(list)
		switch {
		case tok == "":
		case strings.EqualFold(tok, "'unsafe-inline'"):
			unsafeInline = true
		case strings.EqualFold(tok, "'strict-dynamic'"):
			strictDynamic = true
		case hasPrefixFold(tok, "'nonce-"):
			anyNonce = true
			if n, valid := nonceValue(tok); valid && nonce != "" && n == nonce {
				nonceOK = true
			}
		case hasPrefixFold(tok, "'sha256-"), hasPrefixFold(tok, "'sha384-"), hasPrefixFold(tok, "'sha512-"):
			anyHash = true
			if hasPrefixFold(tok, "'sha256-") && strings.HasSuffix(tok, "'") && sameBase64(tok[len("'sha256-"):len(tok)-1], s.hash) {
				hashOK = true
			}
		default:
			if sourceMatches(tok, s.scriptFor(r), r) {
				urlOK = true
			}
		}
	}
	// A nonce or hash source, or 'strict-dynamic', disables 'unsafe-inline'.
	inline := nonceOK || hashOK || (unsafeInline && !anyNonce && !anyHash && !strictDynamic)
	if !inline {
		return false
	}
	// 'strict-dynamic' trusts scripts created by a trusted script and ignores
	// host sources; otherwise mtc.js needs the nonce the loader copies to it,
	// or a source that lists its URL.
	return strictDynamic || nonceOK || urlOK
}

// scriptSources returns the source list that governs <script> elements.
func scriptSources(policy string) (string, bool) {
	for _, name := range [...]string{"script-src-elem", "script-src", "default-src"} {
		if list, ok := directive(policy, name); ok {
			return list, true
		}
	}
	return "", false
}

// directive returns the value of the first directive called name; later
// duplicates are ignored, as browsers do.
func directive(policy, name string) (string, bool) {
	for policy != "" {
		var d string
		d, policy, _ = strings.Cut(policy, ";")
		n, value := nextToken(d)
		if strings.EqualFold(n, name) {
			return value, true
		}
	}
	return "", false
}

// nextToken splits off the first ASCII-whitespace separated token of s.
func nextToken(s string) (tok, rest string) {
	start := 0
	for start < len(s) && isSpace(s[start]) {
		start++
	}
	end := start
	for end < len(s) && !isSpace(s[end]) {
		end++
	}
	return s[start:end], s[end:]
}

func hasKeyword(list, keyword string) bool {
	for list != "" {
		var tok string
		tok, list = nextToken(list)
		if strings.EqualFold(tok, keyword) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// nonceValue returns the value of a 'nonce-…' source if it is well formed,
// so it can go into an HTML attribute as it is.
func nonceValue(tok string) (string, bool) {
	if !hasPrefixFold(tok, "'nonce-") || len(tok) < len("'nonce-x'") || tok[len(tok)-1] != '\'' {
		return "", false
	}
	v := tok[len("'nonce-") : len(tok)-1]
	body := strings.TrimRight(v, "=")
	if body == "" || len(v)-len(body) > 2 {
		return "", false
	}
	for i := 0; i < len(body); i++ {
		if !isBase64Char(body[i]) {
			return "", false
		}
	}
	return v, true
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '+' || c == '/' || c == '-' || c == '_'
}

// sameBase64 compares base64 and base64url spellings of the same digest.
func sameBase64(a, b string) bool {
	a, b = strings.TrimRight(a, "="), strings.TrimRight(b, "=")
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if base64Std(a[i]) != base64Std(b[i]) {
			return false
		}
	}
	return true
}

func base64Std(c byte) byte {
	switch c {
	case '-':
		return '+'
	case '_':
		return '/'
	}
	return c
}

// sourceMatches reports whether a CSP source expression lists the script URL.
func sourceMatches(expr string, src source, r *http.Request) bool {
	switch {
	case strings.EqualFold(expr, "'self'"):
		return selfMatches(src, r)
	case expr == "*":
		return true // the script URL is always http(s)
	case strings.HasPrefix(expr, "'"):
		return false // other keywords list no URL
	}
	if i := strings.IndexByte(expr, ':'); i > 0 && i == len(expr)-1 {
		return schemeMatches(expr[:i], src.scheme) // scheme source, e.g. https:
	}
	rest := expr
	scheme, rest, found := strings.Cut(rest, "://")
	if !found {
		scheme, rest = pageScheme(r), expr
	}
	if !schemeMatches(scheme, src.scheme) {
		return false
	}
	hostPort, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostPort, path = rest[:i], rest[i:]
	}
	host, port := hostPort, ""
	if i := strings.LastIndexByte(hostPort, ':'); i >= 0 && !strings.Contains(hostPort[i:], "]") {
		host, port = hostPort[:i], hostPort[i+1:]
	}
	return hostMatches(host, src.host) && portMatches(port, src) && pathMatches(path, src.path)
}

// schemeMatches follows CSP: http also admits its secure upgrade.
func schemeMatches(expr, scheme string) bool {
	return strings.EqualFold(expr, scheme) || strings.EqualFold(expr, "http") && scheme == "https"
}

func hostMatches(expr, host string) bool {
	expr = strings.TrimSuffix(strings.TrimPrefix(expr, "["), "]")
	switch {
	case expr == "*":
		return true
	case strings.HasPrefix(expr, "*."):
		suffix := expr[1:] // ".example.com"
		return len(host) > len(suffix) && strings.EqualFold(host[len(host)-len(suffix):], suffix)
	}
	return strings.EqualFold(expr, host)
}

func portMatches(expr string, src source) bool {
	switch expr {
	case "":
		return src.port == defaultPort(src.scheme)
	case "*":
		return true
	}
	n, err := strconv.Atoi(expr)
	return err == nil && n == src.port
}

// pathMatches follows CSP: a path ending in "/" is a prefix, any other path
// must match exactly.
func pathMatches(expr, path string) bool {
	if expr == "" {
		return true
	}
	if strings.HasSuffix(expr, "/") {
		return strings.HasPrefix(path, expr)
	}
	return expr == path
}

// selfMatches reports whether the script URL has the page's origin, or its
// secure upgrade.
func selfMatches(src source, r *http.Request) bool {
	if r == nil {
		return false
	}
	scheme := pageScheme(r)
	host, port := r.Host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host, port = host[:i], host[i+1:]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if !strings.EqualFold(host, src.host) {
		return false
	}
	pagePort := defaultPort(scheme)
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return false
		}
		pagePort = n
	}
	if scheme == src.scheme {
		return pagePort == src.port
	}
	return scheme == "http" && src.scheme == "https" && pagePort == 80 && src.port == 443
}

func pageScheme(r *http.Request) string {
	if r != nil && r.TLS != nil {
		return "https"
	}
	return "http"
}
