package inject

import "bytes"

// This file holds the tokenizer states for markup that hides tags: comments
// (with DOCTYPE and bogus comments) and the raw text of script, style,
// textarea, title and their kin, where only the element's own end tag
// counts.

// inComment runs the comment states over p[i:] until the comment ends or p
// does, and returns where it stopped.
func (s *scanner) inComment(p []byte, i int) int {
	for i < len(p) {
		switch s.state {
		case stMarkupDecl:
			if p[i] == '-' {
				s.state = stMarkupDeclDash
				i++
			} else {
				s.state = stBogusComment // also DOCTYPE and CDATA: all end at '>'
			}

		case stMarkupDeclDash:
			if p[i] == '-' {
				s.state = stCommentStart
				i++
			} else {
				s.state = stBogusComment
			}

		case stBogusComment:
			j := bytes.IndexByte(p[i:], '>')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j + 1
			s.state = stData

		case stCommentStart, stCommentStartDash:
			switch p[i] {
			case '-':
				if s.state == stCommentStart {
					s.state = stCommentStartDash
				} else {
					s.state = stCommentEnd
				}
				i++
			case '>':
				s.state = stData // "<!-->" and "<!--->" are whole comments
				i++
			default:
				s.state = stComment
			}

		case stComment:
			// '<' only makes nested-comment parse errors; the comment still
			// ends at the first "-->" or "--!>".
			j := bytes.IndexByte(p[i:], '-')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j + 1
			s.state = stCommentEndDash

		case stCommentEndDash:
			if p[i] == '-' {
				s.state = stCommentEnd
				i++
			} else {
				s.state = stComment
			}

		case stCommentEnd:
			switch p[i] {
			case '>':
				s.state = stData
				i++
			case '!':
				s.state = stCommentEndBang
				i++
			case '-':
				i++
			default:
				s.state = stComment
			}

		case stCommentEndBang:
			switch p[i] {
			case '-':
				s.state = stCommentEndDash
				i++
			case '>':
				s.state = stData
				i++
			default:
				s.state = stComment
			}

		default:
			return i
		}
	}
	return i
}

// inRawText runs the raw text and script states over p[i:] until the
// element's end tag ends them or p ends, and returns where it stopped.
func (s *scanner) inRawText(p []byte, i int) int {
	for i < len(p) {
		switch s.state {
		case stRawText:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j + 1
			s.state = stRawLT

		case stRawLT:
			if p[i] == '/' {
				s.state = stRawEndTag
				s.n = 0
				i++
			} else {
				s.state = stRawText
			}

		case stRawEndTag, stScriptEndTag, stScriptEscapedEndTag:
			var ok bool
			if i, ok = s.matchRawName(p, i); !ok {
				continue
			}
			if i == len(p) {
				continue
			}
			if !isEndTagDelim(p[i]) {
				s.state = s.rawBase() // not the end tag after all: text
				continue
			}
			// The raw text's end tag: from here on an ordinary end tag.
			s.raw, s.endTag, s.cand, s.n = rawNone, true, false, 0
			c := p[i]
			i++
			switch c {
			case '>':
				s.state = stData
			case '/':
				s.state = stSelfClosing
			default:
				s.state = stBeforeAttrName
			}

		case stScript:
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				i = len(p)
				continue
			}
			i += j + 1
			s.state = stScriptLT

		case stScriptLT:
			switch p[i] {
			case '/':
				s.state = stScriptEndTag
				s.n = 0
				i++
			case '!':
				s.state = stScriptEscapeStart
				i++
			default:
				s.state = stScript
			}

		case stScriptEscapeStart, stScriptEscapeStartDash:
			if p[i] != '-' {
				s.state = stScript
				continue
			}
			i++
			if s.state == stScriptEscapeStart {
				s.state = stScriptEscapeStartDash
			} else {
				s.state = stScriptEscapedDashDash
			}

		case stScriptEscaped, stScriptDoubleEscaped:
			for i < len(p) && p[i] != '-' && p[i] != '<' {
				i++
			}
			if i == len(p) {
				continue
			}
			s.state = s.escapedNext(p[i])
			i++

		case stScriptEscapedDash, stScriptEscapedDashDash, stScriptDoubleEscapedDash, stScriptDoubleEscapedDashDash:
			s.state = s.escapedNext(p[i])
			i++

		case stScriptEscapedLT:
			switch c := p[i]; {
			case c == '/':
				s.state = stScriptEscapedEndTag
				s.n = 0
				i++
			case isAlpha(c):
				s.state = stScriptDoubleEscapeStart
				s.n = 0
			default:
				s.state = stScriptEscaped
			}

		case stScriptDoubleEscapedLT:
			if p[i] == '/' {
				s.state = stScriptDoubleEscapeEnd
				s.n = 0
				i++
			} else {
				s.state = stScriptDoubleEscaped
			}

		case stScriptDoubleEscapeStart, stScriptDoubleEscapeEnd:
			// "<script" inside an escaped script hides the next "</script>";
			// a later "</script" unhides it.
			var ok bool
			if i, ok = s.matchRawName(p, i); !ok {
				continue
			}
			if i < len(p) && (isSpace(p[i]) || p[i] == '/' || p[i] == '>') {
				i++
				if s.state == stScriptDoubleEscapeStart {
					s.state = stScriptDoubleEscaped
				} else {
					s.state = stScriptEscaped
				}
			} else if i < len(p) {
				s.state = s.rawBase()
			}

		default:
			return i
		}
	}
	return i
}

// escapedNext is the transition of the script escaped and double escaped
// states on c, which has just been read.
func (s *scanner) escapedNext(c byte) state {
	double := s.state >= stScriptDoubleEscaped
	switch c {
	case '-':
		switch s.state {
		case stScriptEscaped:
			return stScriptEscapedDash
		case stScriptDoubleEscaped:
			return stScriptDoubleEscapedDash
		case stScriptEscapedDash:
			return stScriptEscapedDashDash
		case stScriptDoubleEscapedDash:
			return stScriptDoubleEscapedDashDash
		}
		return s.state // a run of dashes
	case '<':
		if double {
			return stScriptDoubleEscapedLT
		}
		return stScriptEscapedLT
	case '>':
		if s.state == stScriptEscapedDashDash || s.state == stScriptDoubleEscapedDashDash {
			return stScript // "-->" leaves the escape
		}
	}
	if double {
		return stScriptDoubleEscaped
	}
	return stScriptEscaped
}

// rawBase is the state that reconsumes a byte that turned out not to
// continue a raw-text end tag or escape.
func (s *scanner) rawBase() state {
	switch s.state {
	case stRawEndTag:
		return stRawText
	case stScriptEndTag:
		return stScript
	case stScriptDoubleEscapeEnd:
		return stScriptDoubleEscaped
	}
	return stScriptEscaped // stScriptEscapedEndTag, stScriptDoubleEscapeStart
}

// matchRawName matches the raw element's name (or "script", for escapes)
// case-insensitively from p[i:]. It returns ok once the whole name has
// matched, and otherwise either needs more input (i == len(p)) or has
// switched back to rawBase to reconsume p[i].
func (s *scanner) matchRawName(p []byte, i int) (int, bool) {
	name := rawNames[rawScript]
	if s.state == stRawEndTag {
		name = rawNames[s.raw]
	}
	for int(s.n) < len(name) {
		if i == len(p) {
			return i, false
		}
		if lower(p[i]) != name[s.n] {
			s.state = s.rawBase()
			return i, false
		}
		s.n++
		i++
	}
	return i, true
}

func isEndTagDelim(c byte) bool { return isSpace(c) || c == '/' || c == '>' }
