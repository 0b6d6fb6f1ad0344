package inject

import (
	"html"
	"strconv"
	"strings"
)

// A page can carry its Content-Security-Policy in
// <meta http-equiv="Content-Security-Policy" content="…">, as SvelteKit does
// for prerendered pages. The HTML standard enforces such a policy from the
// moment the element is inserted, if it is a child of <head>; it governs what
// is fetched or run after that, not what already was. So the metas that
// matter are the ones before the insertion point: the scanner captures
// their attributes as it passes, and the writer evaluates them with the
// header policies before it writes the snippet.
//
// Which metas count is decided on tokens, not on a tree: every meta start
// tag before the first <body> start tag. Browsers honour a subset of these
// (not one inside <template>, or after content that implicitly opened the
// body), so the injector may be stricter than the browser, never laxer.

// maxMetaBytes bounds the attribute bytes captured from one meta tag. A CSP
// meta whose attributes exceed it cannot be judged, so it counts as
// blocking.
const maxMetaBytes = 16 << 10

// metaPolicyTooLong stands for a CSP meta too long to judge, in reports.
const metaPolicyTooLong = "<meta http-equiv=Content-Security-Policy> longer than 16 KiB"

// Which attribute's value is being captured.
const (
	attrOther uint8 = iota
	attrEquiv
	attrContent
)

// metaCapture collects, across write boundaries, the http-equiv and content
// attributes of the meta tag being scanned, and the policies of the CSP metas
// seen so far. The first of duplicate attributes wins, as in the tokenizer.
type metaCapture struct {
	buf      *[]byte // pooled; the captured values of the current tag
	name     [len("http-equiv")]byte
	nlen     int       // bytes of the current attribute name; len(name)+1 when longer
	target   uint8     // the attribute whose value is being read
	seen     [3]bool   // indexed by target: already on this tag
	span     [3][2]int // [start, end) in buf of the equiv and content values
	overflow [3]bool   // indexed by target: the value exceeded maxMetaBytes
	policies []string  // decoded policies of the CSP metas so far
}

// begin starts a new meta tag.
func (m *metaCapture) begin() {
	if m.buf != nil {
		*m.buf = (*m.buf)[:0]
	}
	m.nlen, m.target = 0, attrOther
	m.seen, m.overflow = [3]bool{}, [3]bool{}
}

// attrStart starts an attribute whose name begins with c.
func (m *metaCapture) attrStart(c byte) {
	m.target = attrOther
	m.name[0] = lower(c)
	m.nlen = 1
}

// attrName appends name bytes of the current attribute.
func (m *metaCapture) attrName(b []byte) {
	for _, c := range b {
		if m.nlen >= len(m.name) {
			m.nlen = len(m.name) + 1
			return
		}
		m.name[m.nlen] = lower(c)
		m.nlen++
	}
}

// nameEnd decides, once the attribute name is complete, whether its value is
// one to capture.
func (m *metaCapture) nameEnd() {
	m.target = attrOther
	switch name := string(m.name[:min(m.nlen, len(m.name))]); {
	case m.nlen > len(m.name):
	case name == "http-equiv":
		m.target = attrEquiv
	case name == "content":
		m.target = attrContent
	}
	if m.seen[m.target] {
		m.target = attrOther // a duplicate: the tokenizer drops it
		return
	}
	if m.target != attrOther {
		m.seen[m.target] = true
		n := m.len()
		m.span[m.target] = [2]int{n, n}
	}
}

func (m *metaCapture) len() int {
	if m.buf == nil {
		return 0
	}
	return len(*m.buf)
}

// value appends bytes of the current attribute's value.
func (m *metaCapture) value(b []byte) {
	if m.target == attrOther || len(b) == 0 || m.overflow[m.target] {
		return
	}
	if m.len()+len(b) > maxMetaBytes {
		m.overflow[m.target] = true
		return
	}
	if m.buf == nil {
		m.buf = heldPool.Get().(*[]byte)
	}
	*m.buf = append(*m.buf, b...)
	m.span[m.target][1] = len(*m.buf)
}

// attr returns the decoded value of a captured attribute.
func (m *metaCapture) attr(which uint8) string {
	s := m.span[which]
	if m.buf == nil || s[0] == s[1] {
		return ""
	}
	v := string((*m.buf)[s[0]:s[1]])
	if strings.IndexByte(v, '&') >= 0 {
		v = unescapeAttr(v)
	}
	return v
}

// unescapeAttr decodes the character references in an attribute value as
// the HTML tokenizer does. html.UnescapeString alone differs in two
// places: it leaves a one-digit numeric reference without ';' (&#9) alone,
// and it decodes a named reference without ';' that a letter, digit or '='
// follows, which attribute values keep as text (&notit, &amp=).
func unescapeAttr(v string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(v, '&')
		if i < 0 {
			b.WriteString(v)
			return b.String()
		}
		b.WriteString(v[:i])
		v = v[i:]
		n := numericRef(v)
		if n == 0 {
			n = namedRef(v)
		}
		if n == 0 {
			b.WriteByte('&')
			v = v[1:]
			continue
		}
		ref := v[:n]
		v = v[n:]
		if ref[1] == '#' {
			ref = normalizeNumeric(ref)
		}
		b.WriteString(html.UnescapeString(ref))
	}
}

// numericRef returns the length of the numeric character reference that v
// starts with, or 0.
func numericRef(v string) int {
	if len(v) < 3 || v[1] != '#' {
		return 0
	}
	i, hex := 2, v[2]|0x20 == 'x'
	if hex {
		i++
	}
	start := i
	for i < len(v) && (isDigit(v[i]) || hex && 'a' <= v[i]|0x20 && v[i]|0x20 <= 'f') {
		i++
	}
	if i == start {
		return 0
	}
	if i < len(v) && v[i] == ';' {
		i++
	}
	return i
}

// normalizeNumeric rewrites a numeric reference as "&#N;" with a value
// html.UnescapeString decodes as the tokenizer would (out of range values
// become U+FFFD there too).
func normalizeNumeric(ref string) string {
	digits, base := strings.TrimSuffix(ref[2:], ";"), 10
	if digits[0]|0x20 == 'x' {
		digits, base = digits[1:], 16
	}
	n := 0
	for i := 0; i < len(digits); i++ {
		d := int(digits[i] - '0')
		if c := digits[i] | 0x20; c >= 'a' {
			d = int(c-'a') + 10
		}
		n = min(n*base+d, 0x110000) // past the last code point: U+FFFD
	}
	return "&#" + strconv.Itoa(n) + ";"
}

// namedRef returns the length of the named character reference that v
// starts with as an attribute value reads it, or 0 when the text stays as
// it is: only a whole entity name counts (&notit; is text, not ¬it;), and
// without ';' only a whole legacy name that '=' does not follow.
func namedRef(v string) int {
	i := 1
	for i < len(v) && (isDigit(v[i]) || isAlpha(v[i])) {
		i++
	}
	if i == 1 {
		return 0
	}
	n := i
	if i < len(v) {
		switch v[i] {
		case ';':
			n = i + 1
		case '=':
			return 0
		}
	}
	// html.UnescapeString decodes the longest legacy name that begins the
	// reference and keeps the rest, so the reference's last bytes survive
	// unless the whole of it was a name. (No entity's value ends with a
	// letter or digit followed by ';', and no legacy one's with either.)
	if strings.HasSuffix(html.UnescapeString(v[:n]), v[i-1:n]) {
		return 0
	}
	return n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// end finishes the meta tag: a Content-Security-Policy meta with a non-empty
// content adds its policy.
func (m *metaCapture) end() {
	if !m.seen[attrEquiv] {
		return
	}
	if !m.overflow[attrEquiv] && !strings.EqualFold(m.attr(attrEquiv), "content-security-policy") {
		return
	}
	if m.overflow[attrEquiv] || m.overflow[attrContent] {
		// Judging a value cut short could be laxer than the browser, so
		// the tag counts as a policy that blocks.
		m.policies = append(m.policies, metaPolicyTooLong)
		return
	}
	if p := m.attr(attrContent); p != "" {
		m.policies = append(m.policies, p)
	}
}

// release returns the pooled buffer.
func (m *metaCapture) release() {
	if m.buf != nil {
		putBuf(&heldPool, m.buf)
		m.buf = nil
	}
}
