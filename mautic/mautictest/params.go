package mautictest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxBody bounds what the simulator reads of a request body.
const maxBody = 8 << 20

// phpArray is a PHP array as parse_str builds it: ordered string keys, with
// "[]" appending the next integer key.
type phpArray struct {
	keys []string
	vals map[string]any // string or *phpArray
	next int
}

func newPHPArray() *phpArray { return &phpArray{vals: make(map[string]any)} }

func (a *phpArray) get(k string) (any, bool) {
	v, ok := a.vals[k]
	return v, ok
}

func (a *phpArray) set(k string, v any) {
	if _, ok := a.vals[k]; !ok {
		a.keys = append(a.keys, k)
	}
	a.vals[k] = v
	if n, ok := parseID(k); ok && n >= a.next {
		a.next = n + 1
	}
}

func (a *phpArray) push(v any) { a.set(itoa(a.next), v) }

// child returns the array under k, replacing a scalar there as PHP does.
func (a *phpArray) child(k string) *phpArray {
	if v, ok := a.vals[k]; ok {
		if c, ok := v.(*phpArray); ok {
			return c
		}
	}
	c := newPHPArray()
	a.set(k, c)
	return c
}

// parsePHPQuery is PHP's parse_str: "a[b][]=1" nests, "+" is a space, and
// later keys overwrite earlier ones.
func parsePHPQuery(raw string) *phpArray {
	root := newPHPArray()
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		// PHP's variable names are C strings without leading spaces.
		key, _, _ = strings.Cut(key, "\x00")
		key = strings.TrimLeft(key, " ")
		val, err := url.QueryUnescape(v)
		if err != nil {
			continue
		}
		assignPHP(root, key, val)
	}
	return root
}

func assignPHP(root *phpArray, key, val string) {
	base, rest, hasBracket := strings.Cut(key, "[")
	if base == "" {
		return // PHP drops "[x]=..." with no name
	}
	var path []string
	if hasBracket {
		rest = "[" + rest
		for strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				break
			}
			path = append(path, rest[1:end])
			rest = rest[end+1:]
		}
		if len(path) == 0 {
			// An unclosed "[" is part of the name, turned into "_" like PHP.
			base = strings.ReplaceAll(key, "[", "_")
		}
	}
	base = strings.NewReplacer(".", "_", " ", "_").Replace(base)
	if len(path) == 0 {
		root.set(base, val)
		return
	}
	cur := root.child(base)
	for i, seg := range path {
		last := i == len(path)-1
		switch {
		case last && seg == "":
			cur.push(val)
		case last:
			cur.set(seg, val)
		case seg == "":
			c := newPHPArray()
			cur.push(c)
			cur = c
		default:
			cur = cur.child(seg)
		}
	}
}

// params is a decoded request body or query: string keys to string,
// json.Number, bool, nil, []any, map[string]any or *phpArray values.
type params map[string]any

func (p params) str(k string) string {
	s, _ := scalar(p[k])
	return s
}

// scalar turns a JSON or form value into the string PHP would see; ok is
// false for arrays and objects.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case bool:
		if x {
			return "1", true
		}
		return "", true
	}
	return "", false
}

var errBadJSON = errors.New("invalid JSON body")

// readBody decodes a request body the way Mautic's JSON listener and PHP do:
// JSON when the Content-Type says so, form fields otherwise.
func readBody(r *http.Request) (any, error) {
	raw, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.Contains(mt, "json") {
		if len(bytes.TrimSpace(raw)) == 0 {
			return newPHPArray(), nil
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, errBadJSON
		}
		if dec.More() {
			return nil, errBadJSON
		}
		return v, nil
	}
	if mt == "application/x-www-form-urlencoded" {
		return parsePHPQuery(string(raw)), nil
	}
	return newPHPArray(), nil
}

// toParams turns a decoded body into key/value params; ok is false when the
// body is not an object (a JSON list, say).
func toParams(v any) (params, bool) {
	switch x := v.(type) {
	case map[string]any:
		return params(x), true
	case *phpArray:
		p := make(params, len(x.keys))
		for _, k := range x.keys {
			p[k] = x.vals[k]
		}
		return p, true
	case nil:
		return params{}, true
	}
	return nil, false
}

// readParams reads a body that must be an object.
func readParams(r *http.Request) (params, error) {
	v, err := readBody(r)
	if err != nil {
		return nil, err
	}
	p, ok := toParams(v)
	if !ok {
		return nil, errBadJSON
	}
	return p, nil
}

func queryParams(r *http.Request) params {
	p, _ := toParams(parsePHPQuery(r.URL.RawQuery))
	return p
}

// listItems returns the elements of a JSON list, a JSON object or a PHP array,
// in order, keyed by their index.
func listItems(v any) (keys []string, items []any, ok bool) {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			keys = append(keys, itoa(i))
			items = append(items, e)
		}
		return keys, items, true
	case *phpArray:
		for _, k := range x.keys {
			keys = append(keys, k)
			items = append(items, x.vals[k])
		}
		return keys, items, true
	case map[string]any:
		// JSON objects lose their order in Go; numeric keys sort back into it.
		ks := make([]string, 0, len(x))
		for k := range x {
			ks = append(ks, k)
		}
		slices.SortFunc(ks, compareIndexKeys)
		for _, k := range ks {
			keys = append(keys, k)
			items = append(items, x[k])
		}
		return keys, items, true
	}
	return nil, nil, false
}

// compareIndexKeys orders "2" before "10", and numbers before other keys.
func compareIndexKeys(a, b string) int {
	na, aok := parseID(a)
	nb, bok := parseID(b)
	switch {
	case aok && bok:
		return na - nb
	case aok:
		return -1
	case bok:
		return 1
	}
	return strings.Compare(a, b)
}
