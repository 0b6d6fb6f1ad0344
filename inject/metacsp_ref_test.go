package inject

import (
	"bytes"
	"slices"
	"strings"

	"golang.org/x/net/html"
)

// refMetaPolicies lists, with x/net/html's tokenizer (written by others),
// the policies of the <meta http-equiv="Content-Security-Policy"> start tags
// that end at or before offset at and precede the first <body> start tag:
// the metas the writer must judge before inserting at at. ok is false for
// inputs where x/net departs from the standard in raw text.
func refMetaPolicies(in []byte, at int) (policies []string, ok bool) {
	if refTokenize(in).xnetDiverges {
		return nil, false
	}
	z := html.NewTokenizer(bytes.NewReader(in))
	off := 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return policies, true
		}
		raw := z.Raw()
		off += len(raw)
		if off > at {
			return policies, true
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, _ := z.TagName()
		switch string(name) {
		case "body":
			return policies, true
		case "meta":
		default:
			continue
		}
		var equiv, content *string
		for {
			k, v, more := z.TagAttr()
			s := string(v)
			switch {
			case string(k) == "http-equiv" && equiv == nil:
				equiv = &s
			case string(k) == "content" && content == nil:
				content = &s
			}
			if !more {
				break
			}
		}
		if equiv != nil && strings.EqualFold(*equiv, "content-security-policy") && content != nil && *content != "" {
			policies = append(policies, *content)
		}
	}
}

// normalizeInput is what HTML's input stream preprocessing and x/net do to
// newlines and NUL in attribute values, which CSP does not care about.
var normalizeInput = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\x00", "\ufffd")

// samePolicies compares captured policies with the reference's.
func samePolicies(got, want []string) bool {
	norm := func(ps []string) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = normalizeInput.Replace(p)
		}
		return out
	}
	return slices.Equal(norm(got), norm(want))
}

// refAttr returns the first value of attribute key on the first tag of in,
// as x/net/html decodes it.
func refAttr(in, key string) (string, bool) {
	z := html.NewTokenizer(strings.NewReader(in))
	z.Next()
	for {
		k, v, more := z.TagAttr()
		if string(k) == key {
			return string(v), true
		}
		if !more {
			return "", false
		}
	}
}
