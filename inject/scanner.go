package inject

import "bytes"

// scanner is a resumable HTML tokenizer that only tracks structure: where tags
// start and end, and which bytes are comments or raw text. Its states follow
// the WHATWG tokenizer (section 13.2.5); states that differ only in what they
// emit, not in where tokens end, are merged. It never allocates, and it skips
// runs of uninteresting bytes with bytes.IndexByte.
type scanner struct {
	state    state
	raw      rawKind // the element whose raw text is being read
	endTag   bool    // the current tag is an end tag
	cand     bool    // the current tag, name complete, is a before-target
	meta     bool    // the current tag is a <meta> start tag before <body>
	inBody   bool    // a <body> start tag has been seen
	n        uint8   // tag name length, or bytes of a raw end tag name matched
	name     [maxName]byte
	want     targets
	tagStart int64 // offset of the current tag's '<'
	off      int64 // offset of the next byte to scan
	mc       metaCapture
}

type state uint8

const (
	stData state = iota
	stTagOpen
	stEndTagOpen
	stTagName
	stBeforeAttrName
	stAttrName
	stAfterAttrName
	stBeforeAttrValue
	stAttrValueDQ
	stAttrValueSQ
	stAttrValueUnquoted
	stAfterAttrValueQuoted
	stSelfClosing
	stMarkupDecl
	stMarkupDeclDash
	stBogusComment
	stCommentStart
	stCommentStartDash
	stComment
	stCommentEndDash
	stCommentEnd
	stCommentEndBang
	stRawText // RCDATA and RAWTEXT alike: only their end tag matters
	stRawLT
	stRawEndTag
	stScript
	stScriptLT
	stScriptEndTag
	stScriptEscapeStart
	stScriptEscapeStartDash
	stScriptEscaped
	stScriptEscapedDash
	stScriptEscapedDashDash
	stScriptEscapedLT
	stScriptEscapedEndTag
	stScriptDoubleEscapeStart
	stScriptDoubleEscaped
	stScriptDoubleEscapedDash
	stScriptDoubleEscapedDashDash
	stScriptDoubleEscapedLT
	stScriptDoubleEscapeEnd
	stPlaintext
)

// maxName is the longest tag name the scanner needs to tell apart
// ("plaintext"); longer names are only known not to matter.
const maxName = 9

// rawKind names an element whose content is raw text; it indexes rawNames.
type rawKind uint8

const (
	rawNone rawKind = iota
	rawScript
	rawStyle
	rawTextarea
	rawTitle
	rawXmp
	rawIframe
	rawNoembed
	rawNoframes
	rawNoscript
)

var rawNames = [...]string{"", "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}

// targets is the set of tags that can be the insertion point.
type targets uint8

const (
	tEndHead   targets = 1 << iota // insert before </head>
	tStartBody                     // insert before <body>
	tEndBody                       // insert before </body>
	tStartHead                     // insert after <head>

	beforeTargets = tEndHead | tStartBody | tEndBody
	endTargets    = tEndHead | tEndBody
)

func targetsFor(p Placement) targets {
	switch p {
	case AfterHeadStart:
		return tStartHead | tStartBody
	case BeforeBodyEnd:
		return tEndBody
	}
	return tEndHead | tStartBody
}

// event is what a scan stopped for.
type event uint8

const (
	evNone   event = iota // p ended first
	evBefore              // the tag at tagStart is the insertion point
	evAfter               // the insertion point is right after the tag that ended
	evStop                // <plaintext>: no tag can follow
)

// Byte classes, as the tokenizer sees them.
var (
	spaceTab        = byteSet(" \t\n\f\r")
	tagNameStop     = byteSet(" \t\n\f\r/>")
	attrNameStop    = byteSet(" \t\n\f\r/>=")
	unquotedValStop = byteSet(" \t\n\f\r>")
)

func byteSet(s string) (set [256]bool) {
	for i := 0; i < len(s); i++ {
		set[s[i]] = true
	}
	return set
}

func isSpace(c byte) bool { return spaceTab[c] }

func isAlpha(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// scan advances over p. It stops early when a target tag ends, returning the
// index just past its '>' and the kind of insertion; otherwise it returns
// len(p) and evNone.
func (s *scanner) scan(p []byte) (int, event) {
	i := 0
	defer func() { s.off += int64(i) }()
	for i < len(p) {
		switch s.state {
		case stData:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j
			s.tagStart = s.off + int64(i)
			i++
			s.state = stTagOpen
			if i < len(p) && isAlpha(p[i]) { // the common case, without a round trip
				s.startName(p[i], false)
				i++
			}

		case stTagOpen:
			switch c := p[i]; {
			case isAlpha(c):
				s.startName(c, false)
				i++
			case c == '/':
				s.state = stEndTagOpen
				i++
			case c == '!':
				s.state = stMarkupDecl
				i++
			case c == '?':
				s.state = stBogusComment
			default:
				s.state = stData // a lone '<' is text
			}

		case stEndTagOpen:
			switch c := p[i]; {
			case isAlpha(c):
				s.startName(c, true)
				i++
			case c == '>':
				s.state = stData // "</>" is dropped
				i++
			default:
				s.state = stBogusComment
			}

		case stTagName, stBeforeAttrName, stAttrName, stAfterAttrName, stBeforeAttrValue,
			stAttrValueDQ, stAttrValueSQ, stAttrValueUnquoted, stAfterAttrValueQuoted, stSelfClosing:
			var ended bool
			if i, ended = s.inTag(p, i); ended {
				if ev := s.emitTag(); ev != evNone {
					return i, ev
				}
			}

		case stMarkupDecl, stMarkupDeclDash, stBogusComment, stCommentStart, stCommentStartDash,
			stComment, stCommentEndDash, stCommentEnd, stCommentEndBang:
			i = s.inComment(p, i)

		case stPlaintext:
			i = len(p)

		default: // raw text and script states
			i = s.inRawText(p, i)
		}
	}
	return i, evNone
}

// inTag runs the tag states, from the tag name to the self-closing flag,
// over p[i:] in a tight loop of its own, since tags are most of a page's
// bytes. It returns where the tag ended, or len(p) and false.
func (s *scanner) inTag(p []byte, i int) (int, bool) {
	st := s.state
	for i < len(p) {
		switch st {
		case stTagName:
			j := i
			for j < len(p) && !tagNameStop[p[j]] {
				j++
			}
			s.appendName(p[i:j])
			if i = j; i == len(p) {
				continue
			}
			s.nameDone()
			c := p[i]
			i++
			switch c {
			case '>':
				return i, true
			case '/':
				st = stSelfClosing
			default:
				st = stBeforeAttrName
			}

		case stBeforeAttrName:
			c := p[i]
			i++
			switch {
			case c == '>':
				return i, true
			case c == '/':
				st = stSelfClosing
			case !spaceTab[c]:
				st = stAttrName // even '=' starts a name here
				if s.meta {
					s.mc.attrStart(c)
				}
			}

		case stAttrName:
			start := i
			for i < len(p) && !attrNameStop[p[i]] {
				i++
			}
			if s.meta {
				s.mc.attrName(p[start:i])
				if i < len(p) {
					s.mc.nameEnd()
				}
			}
			if i == len(p) {
				continue
			}
			c := p[i]
			i++
			switch c {
			case '=':
				st = stBeforeAttrValue
			case '/':
				st = stSelfClosing
			case '>':
				return i, true
			default:
				st = stAfterAttrName
			}

		case stAfterAttrName:
			c := p[i]
			i++
			switch {
			case c == '/':
				st = stSelfClosing
			case c == '=':
				st = stBeforeAttrValue
			case c == '>':
				return i, true
			case !spaceTab[c]:
				st = stAttrName
				if s.meta {
					s.mc.attrStart(c)
				}
			}

		case stBeforeAttrValue:
			switch c := p[i]; {
			case spaceTab[c]:
				i++
			case c == '"':
				st = stAttrValueDQ
				i++
			case c == '\'':
				st = stAttrValueSQ
				i++
			case c == '>':
				return i + 1, true
			default:
				st = stAttrValueUnquoted
			}

		case stAttrValueDQ, stAttrValueSQ:
			quote := byte('"')
			if st == stAttrValueSQ {
				quote = '\''
			}
			j := indexQuote(p[i:], quote)
			if s.meta {
				end := len(p)
				if j >= 0 {
					end = i + j
				}
				s.mc.value(p[i:end])
			}
			if j < 0 {
				i = len(p)
				continue
			}
			i += j + 1
			st = stAfterAttrValueQuoted

		case stAttrValueUnquoted:
			start := i
			for i < len(p) && !unquotedValStop[p[i]] {
				i++
			}
			if s.meta {
				s.mc.value(p[start:i])
			}
			if i == len(p) {
				continue
			}
			if p[i] == '>' {
				return i + 1, true
			}
			i++
			st = stBeforeAttrName

		case stAfterAttrValueQuoted:
			switch c := p[i]; {
			case spaceTab[c]:
				st = stBeforeAttrName
				i++
			case c == '/':
				st = stSelfClosing
				i++
			case c == '>':
				return i + 1, true
			default:
				st = stBeforeAttrName
			}

		case stSelfClosing:
			if p[i] == '>' {
				return i + 1, true
			}
			st = stBeforeAttrName
		}
	}
	s.state = st
	return i, false
}

// indexQuote is bytes.IndexByte tuned for attribute values, which are
// mostly shorter than the call's set-up is worth.
func indexQuote(p []byte, quote byte) int {
	n := min(len(p), 16)
	for j := 0; j < n; j++ {
		if p[j] == quote {
			return j
		}
	}
	if j := bytes.IndexByte(p[n:], quote); j >= 0 {
		return n + j
	}
	return -1
}

func (s *scanner) startName(c byte, end bool) {
	s.state = stTagName
	s.endTag = end
	s.cand = false
	s.meta = false
	s.name[0] = lower(c)
	s.n = 1
}

func (s *scanner) appendName(b []byte) {
	for _, c := range b {
		if s.n >= maxName {
			s.n = maxName + 1 // marks a name too long to matter
			return
		}
		s.name[s.n] = lower(c)
		s.n++
	}
}

// nameIs reports whether the current tag's name is want.
func (s *scanner) nameIs(want string) bool {
	return int(s.n) == len(want) && string(s.name[:s.n]) == want
}

// nameDone records whether the tag whose name just ended is a before-target.
func (s *scanner) nameDone() {
	if s.n != 4 { // len("head"), len("body"), len("meta")
		s.cand = false
		return
	}
	if !s.endTag {
		if s.nameIs("meta") && !s.inBody {
			s.meta = true
			s.mc.begin()
		}
		s.inBody = s.inBody || s.nameIs("body")
	}
	if s.endTag {
		s.cand = s.want&tEndHead != 0 && s.nameIs("head") || s.want&tEndBody != 0 && s.nameIs("body")
	} else {
		s.cand = s.want&tStartBody != 0 && s.nameIs("body")
	}
}

// emitTag handles the end of a tag: raw text elements switch state, and
// target tags stop the scan.
func (s *scanner) emitTag() event {
	s.state = stData
	if s.meta {
		s.meta = false
		s.mc.end()
		return evNone
	}
	if s.endTag {
		if s.cand {
			return evBefore
		}
		return evNone
	}
	if s.cand {
		return evBefore
	}
	if s.want&tStartHead != 0 && s.nameIs("head") {
		return evAfter
	}
	if int(s.n) > maxName || s.n < 3 {
		return evNone
	}
	var kinds []rawKind
	switch s.name[0] {
	case 'i':
		kinds = []rawKind{rawIframe}
	case 'n':
		kinds = []rawKind{rawNoembed, rawNoframes, rawNoscript}
	case 'p':
		if s.nameIs("plaintext") {
			s.state = stPlaintext
			return evStop
		}
	case 's':
		kinds = []rawKind{rawScript, rawStyle}
	case 't':
		kinds = []rawKind{rawTextarea, rawTitle}
	case 'x':
		kinds = []rawKind{rawXmp}
	}
	for _, k := range kinds {
		if s.nameIs(rawNames[k]) {
			s.raw = k
			s.state = stRawText
			if k == rawScript {
				s.state = stScript
			}
			break
		}
	}
	return evNone
}

// holding reports whether the scanner is inside a tag that may yet turn out
// to be a before-target, whose bytes from tagStart must not be sent yet.
func (s *scanner) holding() bool {
	switch s.state {
	case stTagOpen:
		return s.want&beforeTargets != 0
	case stEndTagOpen:
		return s.want&endTargets != 0
	case stTagName:
		return s.namePrefixOfTarget()
	case stBeforeAttrName, stAttrName, stAfterAttrName, stBeforeAttrValue,
		stAttrValueDQ, stAttrValueSQ, stAttrValueUnquoted, stAfterAttrValueQuoted, stSelfClosing:
		return s.cand
	}
	return false
}

// namePrefixOfTarget reports whether the tag name read so far can still
// become a before-target's name.
func (s *scanner) namePrefixOfTarget() bool {
	if int(s.n) > 4 {
		return false
	}
	name := string(s.name[:s.n])
	if s.endTag {
		return s.want&tEndHead != 0 && name == "head"[:s.n] || s.want&tEndBody != 0 && name == "body"[:s.n]
	}
	return s.want&tStartBody != 0 && name == "body"[:s.n]
}
