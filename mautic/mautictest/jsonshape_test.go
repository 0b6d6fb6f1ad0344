package mautictest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// jnode is a parsed JSON value that may be cut short: a recorder truncated
// some bodies, and their prefix still has a shape to compare.
type jnode struct {
	kind     byte // 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null
	keys     []string
	kids     []*jnode
	str      string
	complete bool
}

// parseLenient parses JSON; at the end of input it returns what it has, with
// open containers marked incomplete and a cut scalar left out.
func parseLenient(s string) (*jnode, error) {
	p := &lenient{s: s}
	p.ws()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if n == nil {
		return nil, fmt.Errorf("no JSON value")
	}
	p.ws()
	if p.i < len(p.s) && n.complete {
		return nil, fmt.Errorf("trailing data at %d", p.i)
	}
	return n, nil
}

type lenient struct {
	s string
	i int
}

func (p *lenient) ws() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// value returns nil (no error) when the input ends inside a scalar.
func (p *lenient) value() (*jnode, error) {
	if p.i >= len(p.s) {
		return nil, nil
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, ok, err := p.str()
		if err != nil || !ok {
			return nil, err
		}
		return &jnode{kind: 's', str: s, complete: true}, nil
	case c == 't' || c == 'f' || c == 'n':
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(p.s[p.i:], lit) {
				p.i += len(lit)
				kind := byte('b')
				if lit == "null" {
					kind = 'z'
				}
				return &jnode{kind: kind, str: lit, complete: true}, nil
			}
			if strings.HasPrefix(lit, p.s[p.i:]) {
				p.i = len(p.s)
				return nil, nil
			}
		}
		return nil, fmt.Errorf("bad literal at %d", p.i)
	case c == '-' || c >= '0' && c <= '9':
		j := p.i
		for j < len(p.s) && strings.IndexByte("+-0123456789.eE", p.s[j]) >= 0 {
			j++
		}
		if j == len(p.s) {
			p.i = j
			return nil, nil // may be cut
		}
		if _, err := strconv.ParseFloat(p.s[p.i:j], 64); err != nil {
			return nil, fmt.Errorf("bad number %q", p.s[p.i:j])
		}
		n := &jnode{kind: 'n', str: p.s[p.i:j], complete: true}
		p.i = j
		return n, nil
	}
	return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
}

func (p *lenient) str() (string, bool, error) {
	p.i++ // opening quote
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '"':
			p.i++
			return b.String(), true, nil
		case '\\':
			if p.i+1 >= len(p.s) {
				p.i = len(p.s)
				return "", false, nil
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
			if p.s[p.i-1] == 'u' {
				p.i += 4
			}
		default:
			b.WriteByte(c)
			p.i++
		}
	}
	return "", false, nil
}

func (p *lenient) object() (*jnode, error) {
	n := &jnode{kind: 'o'}
	p.i++
	for {
		p.ws()
		if p.i >= len(p.s) {
			return n, nil
		}
		if p.s[p.i] == '}' {
			p.i++
			n.complete = true
			return n, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			p.ws()
		}
		if p.i >= len(p.s) {
			return n, nil
		}
		if p.s[p.i] != '"' {
			return nil, fmt.Errorf("expected key at %d", p.i)
		}
		key, ok, err := p.str()
		if err != nil || !ok {
			return n, err
		}
		p.ws()
		if p.i >= len(p.s) {
			return n, nil
		}
		if p.s[p.i] != ':' {
			return nil, fmt.Errorf("expected ':' at %d", p.i)
		}
		p.i++
		p.ws()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if v == nil {
			return n, nil
		}
		n.keys = append(n.keys, key)
		n.kids = append(n.kids, v)
		if !v.complete {
			return n, nil
		}
	}
}

func (p *lenient) array() (*jnode, error) {
	n := &jnode{kind: 'a'}
	p.i++
	for {
		p.ws()
		if p.i >= len(p.s) {
			return n, nil
		}
		if p.s[p.i] == ']' {
			p.i++
			n.complete = true
			return n, nil
		}
		if p.s[p.i] == ',' {
			p.i++
			p.ws()
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if v == nil {
			return n, nil
		}
		n.kids = append(n.kids, v)
		if !v.complete {
			return n, nil
		}
	}
}

// idKeyed reports whether an object is keyed by ids or indexes (all keys are
// numbers), so that its keys may differ between two runs.
func (n *jnode) idKeyed() bool {
	if n.kind != 'o' || len(n.keys) == 0 {
		return false
	}
	for _, k := range n.keys {
		if _, err := strconv.Atoi(k); err != nil {
			return false
		}
	}
	return true
}

// compareShape reports where got's shape differs from want's: keys and value
// types must match; values, and the keys of id-keyed objects, may differ. A
// truncated want only constrains what it has.
func compareShape(path string, want, got *jnode) []string {
	if got == nil {
		return []string{path + ": missing"}
	}
	if want.kind != got.kind {
		return []string{fmt.Sprintf("%s: type %c, want %c", path, got.kind, want.kind)}
	}
	switch want.kind {
	case 'a':
		return compareSeq(path, want.kids, got.kids, want.complete, func(i int) string { return fmt.Sprintf("%s[%d]", path, i) })
	case 'o':
		if want.idKeyed() || (len(want.keys) > 0 && got.idKeyed()) {
			if !got.idKeyed() && len(got.keys) > 0 {
				return []string{path + ": want an object keyed by ids"}
			}
			return compareSeq(path, want.kids, got.kids, want.complete, func(i int) string { return fmt.Sprintf("%s.<%d>", path, i) })
		}
		var diffs []string
		for i, k := range want.keys {
			j := indexOf(got.keys, k)
			if j < 0 {
				diffs = append(diffs, path+"."+k+": missing")
				continue
			}
			diffs = append(diffs, compareShape(path+"."+k, want.kids[i], got.kids[j])...)
		}
		if want.complete {
			for _, k := range got.keys {
				if indexOf(want.keys, k) < 0 {
					diffs = append(diffs, path+"."+k+": unexpected key")
				}
			}
		}
		return diffs
	}
	return nil
}

func compareSeq(path string, want, got []*jnode, complete bool, at func(int) string) []string {
	if complete && len(want) != len(got) {
		return []string{fmt.Sprintf("%s: %d elements, want %d", path, len(got), len(want))}
	}
	if len(got) < len(want) {
		return []string{fmt.Sprintf("%s: %d elements, want at least %d", path, len(got), len(want))}
	}
	var diffs []string
	for i := range want {
		diffs = append(diffs, compareShape(at(i), want[i], got[i])...)
	}
	return diffs
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

func TestCompareShape(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		diffs     int
	}{
		{"same", `{"a":1,"b":"x","c":[true]}`, `{"a":2,"b":"y","c":[false]}`, 0},
		{"int and float are numbers", `{"a":0.0}`, `{"a":3}`, 0},
		{"type differs", `{"a":null}`, `{"a":"x"}`, 1},
		{"missing key", `{"a":1,"b":2}`, `{"a":1}`, 1},
		{"extra key", `{"a":1}`, `{"a":1,"b":2}`, 1},
		{"length differs", `[1,2]`, `[1]`, 1},
		{"id keys may differ", `{"1":{"x":1}}`, `{"7":{"x":2}}`, 0},
		{"id-keyed count differs", `{"1":{},"2":{}}`, `{"7":{}}`, 1},
		{"empty object vs array", `{}`, `[]`, 1},
		{"truncated allows more", `{"a":{"b":1,"c":"x`, `{"a":{"b":1,"c":"y","d":3},"e":1}`, 0},
		{"truncated still checks", `{"a":{"b":1,"c":"x`, `{"a":{"b":"1"}}`, 1},
	}
	values := []struct {
		name      string
		want, got string
		diffs     int
	}{
		{"equal", `{"a":"x","n":1.0}`, `{"a":"x","n":1}`, 0},
		{"string differs", `{"a":"x"}`, `{"a":"y"}`, 1},
		{"ids and dates may differ", `{"id":1,"dateAdded":"a","b":{"1":{"id":2}}}`, `{"id":5,"dateAdded":"b","b":{"9":{"id":7}}}`, 0},
		{"values under id keys compared", `{"b":{"1":{"c":2}}}`, `{"b":{"9":{"c":3}}}`, 1},
	}
	for _, tt := range values {
		t.Run("values "+tt.name, func(t *testing.T) {
			w, _ := parseLenient(tt.want)
			g, _ := parseLenient(tt.got)
			if d := compareValues("$", w, g); len(d) != tt.diffs {
				t.Errorf("diffs = %v, want %d", d, tt.diffs)
			}
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := parseLenient(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			g, err := parseLenient(tt.got)
			if err != nil {
				t.Fatal(err)
			}
			if d := compareShape("$", w, g); len(d) != tt.diffs {
				t.Errorf("diffs = %v, want %d", d, tt.diffs)
			}
		})
	}
}

func FuzzParseLenient(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `{"a":"x`, `[tru`, `{"1":{}}`, `-1.5e3`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseLenient(s)
		if err == nil && n == nil {
			t.Fatal("nil node without error")
		}
		if err == nil {
			_ = compareShape("$", n, n) // must not panic
		}
	})
}

// variableKeys hold values that differ between two runs by nature: ids,
// dates, device ids, tokens, counts and the receiver's address.
var variableKeys = map[string]bool{
	"id": true, "dateAdded": true, "dateModified": true, "dateIdentified": true, "lastActive": true,
	"timestamp": true, "sid": true, "device_id": true, "access_token": true, "total": true,
	"last_active": true, "webhookUrl": true,
}

// compareValues is compareShape plus equal scalars, except under
// variableKeys.
func compareValues(path string, want, got *jnode) []string {
	if d := compareShape(path, want, got); len(d) > 0 {
		return d
	}
	switch {
	case want.kind == 'a' || want.idKeyed():
		var diffs []string
		for i, w := range want.kids { // compareShape checked got has as many
			diffs = append(diffs, compareValues(fmt.Sprintf("%s[%d]", path, i), w, got.kids[i])...)
		}
		return diffs
	case want.kind == 'o':
		var diffs []string
		for i, k := range want.keys {
			if !variableKeys[k] {
				diffs = append(diffs, compareValues(path+"."+k, want.kids[i], got.kids[indexOf(got.keys, k)])...)
			}
		}
		return diffs
	case want.str != got.str && !(want.kind == 'n' && numEqual(want.str, got.str)):
		return []string{fmt.Sprintf("%s = %s, want %s", path, got.str, want.str)}
	}
	return nil
}

func numEqual(a, b string) bool {
	fa, ea := strconv.ParseFloat(a, 64)
	fb, eb := strconv.ParseFloat(b, 64)
	return ea == nil && eb == nil && fa == fb
}
