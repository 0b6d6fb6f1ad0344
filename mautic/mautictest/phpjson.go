package mautictest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// object is a JSON object that keeps its key order, because Mautic's answers
// are ordered (contacts by last_active, field groups by field order) and a Go
// map would sort them.
type object []member

type member struct {
	key string
	val any
}

// add appends a member and returns the object, for chaining.
func (o object) add(key string, val any) object { return append(o, member{key, val}) }

// with returns a copy of o with key's value replaced.
func (o object) with(key string, val any) object {
	out := make(object, len(o))
	copy(out, o)
	for i := range out {
		if out[i].key == key {
			out[i].val = val
		}
	}
	return out
}

// MarshalJSON writes the members in order; a nil object is {} like PHP's
// ArrayObject.
func (o object) MarshalJSON() ([]byte, error) { return encodePHP(o) }

// list is a JSON array that is [] rather than null when empty.
type list []any

// MarshalJSON writes the elements in order.
func (l list) MarshalJSON() ([]byte, error) { return encodePHP(l) }

// phpFloat is a number PHP encodes with JSON_PRESERVE_ZERO_FRACTION (0.0, not 0).
type phpFloat float64

// MarshalJSON keeps a fraction on whole numbers.
func (f phpFloat) MarshalJSON() ([]byte, error) { return encodePHP(f) }

// phpJSON encodes v the way PHP's json_encode does by default: "/" escaped
// as "\/", non-ASCII as \uXXXX, and "<", ">", "&" left alone.
func phpJSON(v any) []byte {
	b, err := encodePHP(v)
	if err != nil {
		// Every value encoded here is built by this package; failing is a bug.
		panic("mautictest: cannot encode JSON: " + err.Error())
	}
	return b
}

func encodePHP(v any) ([]byte, error) {
	var b bytes.Buffer
	if err := writePHP(&b, v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writePHP encodes the types this package builds directly, in one pass.
func writePHP(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case object:
		b.WriteByte('{')
		for i, m := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, m.key)
			b.WriteByte(':')
			if err := writePHP(b, m.val); err != nil {
				return fmt.Errorf("key %q: %w", m.key, err)
			}
		}
		b.WriteByte('}')
	case list:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writePHP(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case string:
		writeString(b, x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case phpFloat:
		s := strconv.FormatFloat(float64(x), 'f', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		b.WriteString(s)
	default:
		raw, err := json.Marshal(x)
		if err != nil {
			return err
		}
		b.Write(phpEscape(raw))
	}
	return nil
}

const hexDigits = "0123456789abcdef"

// writeString writes a JSON string with PHP's escapes.
func writeString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	if !needsEscape(s) {
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	for _, r := range s {
		switch {
		case r == '"' || r == '\\' || r == '/':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r >= utf8.RuneSelf:
			writeUnicode(b, r)
		default:
			b.WriteByte(byte(r))
		}
	}
	b.WriteByte('"')
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '/' {
			return true
		}
	}
	return false
}

func writeUnicode(b *bytes.Buffer, r rune) {
	if r >= 0x10000 {
		r -= 0x10000
		writeUnit(b, 0xd800+(r>>10))
		writeUnit(b, 0xdc00+(r&0x3ff))
		return
	}
	writeUnit(b, r)
}

func writeUnit(b *bytes.Buffer, u rune) {
	b.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(u>>shift)&0xf])
	}
}

// phpEscape rewrites Go's JSON output into PHP's escaping. "/" and non-ASCII
// bytes occur only inside strings in JSON, so a byte scan is enough.
func phpEscape(raw []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(raw) + len(raw)/16)
	for len(raw) > 0 {
		c := raw[0]
		switch {
		case c == '/':
			b.WriteString(`\/`)
			raw = raw[1:]
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			raw = raw[1:]
		default:
			r, size := utf8.DecodeRune(raw)
			raw = raw[size:]
			writeUnicode(&b, r)
		}
	}
	return b.Bytes()
}
