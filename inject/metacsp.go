package inject

import (
	"html"
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
		v = html.UnescapeString(v) // character references, as in any attribute
	}
	return v
}

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
