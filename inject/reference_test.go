package inject

import "bytes"

// This file holds a second, deliberately plain tokenizer that the tests judge
// the scanner against. It reads the whole input one character at a time and
// transcribes the WHATWG states (section 13.2.5) by name, with an explicit
// temporary buffer and "appropriate end tag" check, so it shares no code and
// no shortcuts with scanner.go. x/net/html checks it in turn (xnet_test.go).

// refTag is a start or end tag found by the reference tokenizer.
type refTag struct {
	start, end int // offsets of its '<' and just past its '>'
	name       string
	endTag     bool
}

// refResult is what the reference tokenizer found in an input.
type refResult struct {
	tags []refTag
	// xnetDiverges is set when the input took the one transition where
	// x/net/html departs from the standard: "<" followed by neither "/" nor
	// a letter in escaped script data, which x/net reads as unescaped.
	xnetDiverges bool
}

func refTokenize(in []byte) refResult {
	var (
		res         refResult
		state       = "data"
		rawBase     string // the state a failed raw end tag falls back to
		tagStart    int
		name        []byte
		endTag      bool
		lastStart   string
		tmp         []byte
		eof         = -1
		isWS        = func(c int) bool { return c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '\r' }
		isAlphaC    = func(c int) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
		lowerC      = func(c int) byte { return lower(byte(c)) }
		appropriate = func() bool { return string(name) == lastStart }
	)
	emit := func(end int) {
		t := refTag{start: tagStart, end: end, name: string(name), endTag: endTag}
		res.tags = append(res.tags, t)
		state = "data"
		if endTag {
			return
		}
		lastStart = t.name
		switch t.name {
		case "script":
			state = "script data"
		case "style", "xmp", "iframe", "noembed", "noframes", "noscript":
			state = "rawtext"
		case "textarea", "title":
			state = "rcdata"
		case "plaintext":
			state = "plaintext"
		}
	}
	for pos := 0; pos <= len(in); {
		c := eof
		if pos < len(in) {
			c = int(in[pos])
		}
		reconsume := false
		switch state {
		case "data":
			if c == '<' {
				tagStart = pos
				state = "tag open"
			}
		case "tag open":
			switch {
			case c == '!':
				state = "markup declaration open"
			case c == '/':
				state = "end tag open"
			case isAlphaC(c):
				name, endTag = name[:0], false
				state, reconsume = "tag name", true
			case c == '?':
				state, reconsume = "bogus comment", true
			default:
				state, reconsume = "data", true
			}
		case "end tag open":
			switch {
			case isAlphaC(c):
				name, endTag = name[:0], true
				state, reconsume = "tag name", true
			case c == '>':
				state = "data"
			case c == eof:
				state, reconsume = "data", true
			default:
				state, reconsume = "bogus comment", true
			}
		case "tag name":
			switch {
			case isWS(c):
				state = "before attribute name"
			case c == '/':
				state = "self-closing start tag"
			case c == '>':
				emit(pos + 1)
			case c == eof:
				return res
			case c == 0:
				name = append(name, "\uFFFD"...)
			default:
				name = append(name, lowerC(c))
			}
		case "before attribute name":
			switch {
			case isWS(c):
			case c == '/' || c == '>' || c == eof:
				state, reconsume = "after attribute name", true
			case c == '=':
				state = "attribute name" // the name starts with "="
			default:
				state, reconsume = "attribute name", true
			}
		case "attribute name":
			switch {
			case isWS(c) || c == '/' || c == '>' || c == eof:
				state, reconsume = "after attribute name", true
			case c == '=':
				state = "before attribute value"
			}
		case "after attribute name":
			switch {
			case isWS(c):
			case c == '/':
				state = "self-closing start tag"
			case c == '=':
				state = "before attribute value"
			case c == '>':
				emit(pos + 1)
			case c == eof:
				return res
			default:
				state, reconsume = "attribute name", true
			}
		case "before attribute value":
			switch {
			case isWS(c):
			case c == '"':
				state = "attribute value (double-quoted)"
			case c == '\'':
				state = "attribute value (single-quoted)"
			case c == '>':
				emit(pos + 1)
			default:
				state, reconsume = "attribute value (unquoted)", true
			}
		case "attribute value (double-quoted)", "attribute value (single-quoted)":
			quote := int('"')
			if state == "attribute value (single-quoted)" {
				quote = '\''
			}
			switch c {
			case quote:
				state = "after attribute value (quoted)"
			case eof:
				return res
			}
		case "attribute value (unquoted)":
			switch {
			case isWS(c):
				state = "before attribute name"
			case c == '>':
				emit(pos + 1)
			case c == eof:
				return res
			}
		case "after attribute value (quoted)":
			switch {
			case isWS(c):
				state = "before attribute name"
			case c == '/':
				state = "self-closing start tag"
			case c == '>':
				emit(pos + 1)
			case c == eof:
				return res
			default:
				state, reconsume = "before attribute name", true
			}
		case "self-closing start tag":
			switch c {
			case '>':
				emit(pos + 1)
			case eof:
				return res
			default:
				state, reconsume = "before attribute name", true
			}
		case "markup declaration open":
			rest := in[pos:]
			switch {
			case bytes.HasPrefix(rest, []byte("--")):
				pos += 2
				state = "comment start"
				continue
			case len(rest) >= 7 && bytes.EqualFold(rest[:7], []byte("DOCTYPE")):
				// Every DOCTYPE state, quoted identifiers included, ends
				// the token at the first '>'.
				pos += 7
				state = "bogus comment"
				continue
			default:
				state, reconsume = "bogus comment", true
			}
		case "bogus comment":
			switch c {
			case '>':
				state = "data"
			case eof:
				return res
			}
		case "comment start":
			switch c {
			case '-':
				state = "comment start dash"
			case '>':
				state = "data"
			default:
				state, reconsume = "comment", true
			}
		case "comment start dash":
			switch c {
			case '-':
				state = "comment end"
			case '>':
				state = "data"
			case eof:
				return res
			default:
				state, reconsume = "comment", true
			}
		case "comment":
			switch c {
			case '<':
				state = "comment less-than sign"
			case '-':
				state = "comment end dash"
			case eof:
				return res
			}
		case "comment less-than sign":
			switch c {
			case '!':
				state = "comment less-than sign bang"
			case '<':
			default:
				state, reconsume = "comment", true
			}
		case "comment less-than sign bang":
			if c == '-' {
				state = "comment less-than sign bang dash"
			} else {
				state, reconsume = "comment", true
			}
		case "comment less-than sign bang dash":
			if c == '-' {
				state = "comment less-than sign bang dash dash"
			} else {
				state, reconsume = "comment end dash", true
			}
		case "comment less-than sign bang dash dash":
			state, reconsume = "comment end", true
		case "comment end dash":
			switch c {
			case '-':
				state = "comment end"
			case eof:
				return res
			default:
				state, reconsume = "comment", true
			}
		case "comment end":
			switch c {
			case '>':
				state = "data"
			case '!':
				state = "comment end bang"
			case '-':
			case eof:
				return res
			default:
				state, reconsume = "comment", true
			}
		case "comment end bang":
			switch c {
			case '-':
				state = "comment end dash"
			case '>':
				state = "data"
			case eof:
				return res
			default:
				state, reconsume = "comment", true
			}
		case "rcdata", "rawtext":
			switch c {
			case '<':
				rawBase = state
				state = "raw less-than sign"
			case eof:
				return res
			}
		case "raw less-than sign":
			if c == '/' {
				tmp = tmp[:0]
				state = "raw end tag open"
			} else {
				state, reconsume = rawBase, true
			}
		case "raw end tag open":
			if isAlphaC(c) {
				name, endTag, tagStart = name[:0], true, pos-2
				state, reconsume = "raw end tag name", true
			} else {
				state, reconsume = rawBase, true
			}
		case "raw end tag name":
			switch {
			case isWS(c) && appropriate():
				state = "before attribute name"
			case c == '/' && appropriate():
				state = "self-closing start tag"
			case c == '>' && appropriate():
				emit(pos + 1)
			case isAlphaC(c):
				name = append(name, lowerC(c))
				tmp = append(tmp, byte(c))
			default:
				state, reconsume = rawBase, true
			}
		case "script data":
			switch c {
			case '<':
				state = "script data less-than sign"
			case eof:
				return res
			}
		case "script data less-than sign":
			switch c {
			case '/':
				tmp = tmp[:0]
				rawBase = "script data"
				state = "raw end tag open"
			case '!':
				state = "script data escape start"
			default:
				state, reconsume = "script data", true
			}
		case "script data escape start":
			if c == '-' {
				state = "script data escape start dash"
			} else {
				state, reconsume = "script data", true
			}
		case "script data escape start dash":
			if c == '-' {
				state = "script data escaped dash dash"
			} else {
				state, reconsume = "script data", true
			}
		case "script data escaped":
			switch c {
			case '-':
				state = "script data escaped dash"
			case '<':
				state = "script data escaped less-than sign"
			case eof:
				return res
			}
		case "script data escaped dash":
			switch c {
			case '-':
				state = "script data escaped dash dash"
			case '<':
				state = "script data escaped less-than sign"
			case eof:
				return res
			default:
				state = "script data escaped"
			}
		case "script data escaped dash dash":
			switch c {
			case '-':
			case '<':
				state = "script data escaped less-than sign"
			case '>':
				state = "script data"
			case eof:
				return res
			default:
				state = "script data escaped"
			}
		case "script data escaped less-than sign":
			switch {
			case c == '/':
				tmp = tmp[:0]
				rawBase = "script data escaped"
				state = "raw end tag open"
			case isAlphaC(c):
				tmp = tmp[:0]
				state, reconsume = "script data double escape start", true
			default:
				if c != eof {
					res.xnetDiverges = true
				}
				state, reconsume = "script data escaped", true
			}
		case "script data double escape start":
			switch {
			case isWS(c) || c == '/' || c == '>':
				if string(tmp) == "script" {
					state = "script data double escaped"
				} else {
					state = "script data escaped"
				}
			case isAlphaC(c):
				tmp = append(tmp, lowerC(c))
			default:
				state, reconsume = "script data escaped", true
			}
		case "script data double escaped":
			switch c {
			case '-':
				state = "script data double escaped dash"
			case '<':
				state = "script data double escaped less-than sign"
			case eof:
				return res
			}
		case "script data double escaped dash":
			switch c {
			case '-':
				state = "script data double escaped dash dash"
			case '<':
				state = "script data double escaped less-than sign"
			case eof:
				return res
			default:
				state = "script data double escaped"
			}
		case "script data double escaped dash dash":
			switch c {
			case '-':
			case '<':
				state = "script data double escaped less-than sign"
			case '>':
				state = "script data"
			case eof:
				return res
			default:
				state = "script data double escaped"
			}
		case "script data double escaped less-than sign":
			if c == '/' {
				tmp = tmp[:0]
				state = "script data double escape end"
			} else {
				state, reconsume = "script data double escaped", true
			}
		case "script data double escape end":
			switch {
			case isWS(c) || c == '/' || c == '>':
				if string(tmp) == "script" {
					state = "script data escaped"
				} else {
					state = "script data double escaped"
				}
			case isAlphaC(c):
				tmp = append(tmp, lowerC(c))
			default:
				state, reconsume = "script data double escaped", true
			}
		case "plaintext":
			return res
		default:
			panic("reference tokenizer: unknown state " + state)
		}
		if c == eof && !reconsume {
			return res
		}
		if !reconsume {
			pos++
		}
	}
	return res
}

// refInsertion returns where the snippet belongs in in under placement and
// look-ahead, or -1 when the input must pass through unchanged.
func refInsertion(in []byte, p Placement, lookAhead int) int {
	want := targetsFor(p)
	for _, t := range refTokenize(in).tags {
		if t.end > lookAhead {
			return -1
		}
		at := -1
		switch {
		case t.endTag && t.name == "head" && want&tEndHead != 0,
			t.endTag && t.name == "body" && want&tEndBody != 0,
			!t.endTag && t.name == "body" && want&tStartBody != 0:
			at = t.start
		case !t.endTag && t.name == "head" && want&tStartHead != 0:
			at = t.end
		}
		if at < 0 {
			continue
		}
		if bytes.Contains(in[:t.end], markerBytes) {
			return -1
		}
		return at
	}
	return -1
}
