package betterauth

import (
	"errors"
	"net/http"
	"strings"
)

// maxChunks is Better Auth's limit on session_data chunks.
const maxChunks = 100

// cookieNames are the full names of one family (plain or "__Secure-").
type cookieNames struct {
	token string // <prefix>.session_token
	data  string // <prefix>.session_data
}

func newCookieNames(prefix string, secure bool) cookieNames {
	p := prefix + "."
	if secure {
		p = "__Secure-" + p
	}
	return cookieNames{token: p + "session_token", data: p + "session_data"}
}

// authCookies are the Better Auth cookies of one request, from one family.
type authCookies struct {
	token     string // raw session_token value, empty if absent
	data      string // raw session_data value, chunks joined
	chunkErr  error  // set when chunks were present but could not be joined
	secure    bool   // read from the "__Secure-" names
	tokenName string // the name the token was read under
	ambiguous bool   // both families hold a token, of different sessions
}

// familyCookies collects one family's cookies during the scan.
type familyCookies struct {
	names  cookieNames
	token  string
	data   string
	hasTok bool
	hasDat bool
	chunks []chunk
}

type chunk struct {
	index int
	value string
}

var (
	errChunkIndex = errors.New("betterauth: session_data chunk names are not .0 to .N without gaps")
	errChunkCount = errors.New("betterauth: more than 100 session_data chunks")
)

// readAuthCookies finds the session cookies in the Cookie headers. It
// parses only the pairs it needs and does not allocate unless chunks must
// be joined. With SecureAuto (two families) the one family holding a token
// is read; when both hold one and the tokens differ, the result is
// ambiguous: Better Auth reads exactly one name, decided by its
// configuration, and a wrong guess would take another user's session.
func readAuthCookies(h http.Header, fams []cookieNames) authCookies {
	var found [2]familyCookies
	n := min(len(fams), len(found))
	for i := 0; i < n; i++ {
		found[i].names = fams[i]
	}
	for _, line := range h["Cookie"] {
		scanCookieLine(line, found[:n])
	}
	if n == 2 && found[0].token != "" && found[1].token != "" && found[0].token != found[1].token {
		return authCookies{ambiguous: true}
	}
	for i := 0; i < n; i++ {
		f := &found[i]
		if f.token == "" { // absent, or cleared by a sign-out
			continue
		}
		c := authCookies{token: f.token, data: f.data, secure: strings.HasPrefix(f.names.token, "__Secure-"), tokenName: f.names.token}
		if !f.hasDat && len(f.chunks) > 0 {
			c.data, c.chunkErr = joinChunks(f.chunks)
		}
		return c
	}
	return authCookies{}
}

// scanCookieLine walks one Cookie header value ("a=1; b=2").
func scanCookieLine(line string, fams []familyCookies) {
	for len(line) > 0 {
		var pair string
		pair, line, _ = strings.Cut(line, ";")
		pair = strings.TrimSpace(pair)
		name, value, ok := strings.Cut(pair, "=")
		if !ok || name == "" {
			continue
		}
		value = unquoteCookieValue(value)
		for i := range fams {
			fams[i].add(name, value)
		}
	}
}

// add keeps the first value of each name, as net/http does.
func (f *familyCookies) add(name, value string) {
	switch {
	case name == f.names.token:
		if !f.hasTok {
			f.token, f.hasTok = value, true
		}
	case name == f.names.data:
		if !f.hasDat {
			f.data, f.hasDat = value, true
		}
	case len(name) > len(f.names.data)+1 && name[len(f.names.data)] == '.' && strings.HasPrefix(name, f.names.data):
		if idx, ok := chunkIndex(name[len(f.names.data)+1:]); ok && len(f.chunks) <= maxChunks {
			f.chunks = append(f.chunks, chunk{idx, value})
		}
	}
}

// chunkIndex parses the decimal suffix of a chunk name.
func chunkIndex(s string) (int, bool) {
	if len(s) == 0 || len(s) > 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// joinChunks joins chunks .0 … .N-1 in index order. Unlike the server,
// which sorts whatever it finds, it refuses gaps and duplicates: they
// cannot come from Better Auth and would only fail verification later.
func joinChunks(chunks []chunk) (string, error) {
	if len(chunks) > maxChunks {
		return "", errChunkCount
	}
	ordered := make([]string, len(chunks))
	size := 0
	for _, c := range chunks {
		if c.index >= len(chunks) || ordered[c.index] != "" || c.value == "" {
			return "", errChunkIndex
		}
		ordered[c.index] = c.value
		size += len(c.value)
	}
	var b strings.Builder
	b.Grow(size)
	for _, v := range ordered {
		b.WriteString(v)
	}
	return b.String(), nil
}

// unquoteCookieValue strips the optional double quotes of RFC 6265.
func unquoteCookieValue(v string) string {
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(h http.Header) string {
	v := h.Get("Authorization")
	if len(v) < 7 || !strings.EqualFold(v[:7], "bearer ") {
		return ""
	}
	return strings.TrimSpace(v[7:])
}
