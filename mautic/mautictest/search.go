package mautictest

import (
	"slices"
	"strings"
)

// searchExpr is a parsed ?search= string.
type searchExpr interface {
	match(st *store, r *record) bool
}

type andExpr []searchExpr
type orExpr []searchExpr
type notExpr struct{ e searchExpr }

// termExpr is one term: a catch-all text or "command:value".
type termExpr struct {
	command string // "" for a plain term
	value   string
	strict  bool // leading "+": no wildcard added
}

func (a andExpr) match(st *store, r *record) bool {
	for _, e := range a {
		if !e.match(st, r) {
			return false
		}
	}
	return true
}

func (o orExpr) match(st *store, r *record) bool {
	for _, e := range o {
		if e.match(st, r) {
			return true
		}
	}
	return false
}

func (n notExpr) match(st *store, r *record) bool { return !n.e.match(st, r) }

// parseSearch reads a search string as SearchStringHelper does: tags
// stripped, terms lowercased, spaces meaning AND, "or" and "and" operators,
// "..." phrases, (...) groups, a leading "!" negating and "+" making strict.
// An empty search matches everything.
func parseSearch(s string) searchExpr {
	toks := tokenizeSearch(strings.ToLower(strings.TrimSpace(stripTags(s))))
	p := &searchParser{toks: toks}
	e := p.parseOr()
	for p.pos < len(p.toks) { // a stray ")": keep what follows, ANDed
		p.pos++
		e = andExpr{e, p.parseOr()}
	}
	return e
}

type searchToken struct {
	kind byte // 'w' word, '(' or ')', '|' or, '&' and
	text string
}

func tokenizeSearch(s string) []searchToken {
	var toks []searchToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, searchToken{kind: c})
			i++
		default:
			word, n := readSearchWord(s[i:])
			i += n
			switch word {
			case "or":
				toks = append(toks, searchToken{kind: '|'})
			case "and":
				toks = append(toks, searchToken{kind: '&'})
			default:
				toks = append(toks, searchToken{kind: 'w', text: word})
			}
		}
	}
	return toks
}

// readSearchWord reads one term; quotes group spaces into it and are dropped.
func readSearchWord(s string) (string, int) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '"' {
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				b.WriteString(s[i+1:])
				return b.String(), len(s)
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 2
			continue
		}
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '(' || c == ')' {
			break
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), i
}

type searchParser struct {
	toks []searchToken
	pos  int
}

func (p *searchParser) parseOr() searchExpr {
	var alts orExpr
	alts = append(alts, p.parseAnd())
	for p.pos < len(p.toks) && p.toks[p.pos].kind == '|' {
		p.pos++
		alts = append(alts, p.parseAnd())
	}
	if len(alts) == 1 {
		return alts[0]
	}
	return alts
}

func (p *searchParser) parseAnd() searchExpr {
	var all andExpr
	for p.pos < len(p.toks) {
		t := p.toks[p.pos]
		switch t.kind {
		case '|', ')':
			return all
		case '&':
			p.pos++
		case '(':
			p.pos++
			all = append(all, p.parseOr())
			if p.pos < len(p.toks) && p.toks[p.pos].kind == ')' {
				p.pos++
			}
		default:
			p.pos++
			all = append(all, parseTerm(t.text))
		}
	}
	return all
}

func parseTerm(word string) searchExpr {
	neg := false
	if rest, ok := strings.CutPrefix(word, "!"); ok {
		neg, word = true, rest
	}
	t := termExpr{}
	if rest, ok := strings.CutPrefix(word, "+"); ok {
		t.strict, word = true, rest
	}
	if cmd, val, ok := strings.Cut(word, ":"); ok && cmd != "" {
		if rest, ok := strings.CutPrefix(val, "+"); ok {
			t.strict, val = true, rest
		}
		t.command, t.value = cmd, val
	} else {
		t.value = word
	}
	if neg {
		return notExpr{t}
	}
	return t
}

func (t termExpr) match(st *store, r *record) bool {
	switch t.command {
	case "":
		return catchAll(r, t.pattern(true))
	case "email":
		return fieldLike(r, "email", t.pattern(false))
	case "ids":
		for _, s := range splitList(t.value) {
			if id, ok := parseID(s); ok && id == r.id {
				return true
			}
		}
		return false
	case "is":
		switch t.value {
		case "anonymous":
			return r.dateIdentified.IsZero()
		case "unowned":
			return true
		case "mine":
			return r.createdByAdmin
		}
		return false
	case "tag":
		return slices.ContainsFunc(r.tags, func(tag string) bool { return likeMatch(tag, t.value) })
	case "name":
		p := t.pattern(false)
		return fieldLike(r, "firstname", p) || fieldLike(r, "lastname", p)
	case "ip":
		return slices.ContainsFunc(r.ips, func(ip string) bool { return likeMatch(ip, t.pattern(false)) })
	case "segment", "owner", "stage", "common", "email_domain", "dnc":
		return false // the simulator has none of these
	}
	if _, field := fieldsByAlias[t.command]; field {
		return fieldLike(r, t.command, t.pattern(false))
	}
	// An unknown command is a strict catch-all on the literal text.
	return catchAll(r, t.command+":"+t.value)
}

// pattern is the LIKE pattern of a term: wrapped in "%" for a catch-all,
// "%"-suffixed for a command, as is when strict or already wildcarded.
func (t termExpr) pattern(catchAll bool) string {
	if t.strict || (catchAll && strings.Contains(t.value, "%")) {
		return t.value
	}
	if catchAll {
		return "%" + t.value + "%"
	}
	return t.value + "%"
}

func catchAll(r *record, pattern string) bool {
	for _, a := range catchAllFields {
		if fieldLike(r, a, pattern) {
			return true
		}
	}
	return false
}

func fieldLike(r *record, alias, pattern string) bool {
	v, ok := r.fields[alias]
	return ok && likeMatch(v, pattern)
}

// stripTags is PHP's strip_tags, enough for search input.
func stripTags(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			return b.String()
		}
		s = s[i+j+1:]
	}
}

// splitList splits a comma-separated value, trimming and dropping empties.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
