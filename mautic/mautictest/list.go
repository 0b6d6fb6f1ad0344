package mautictest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// defaultPageLimit is Mautic's default_pagelimit.
const defaultPageLimit = 30

// listQuery is a parsed GET /api/contacts query.
type listQuery struct {
	search  searchExpr
	where   []whereCond
	start   int
	limit   int
	orderBy []string // columns; empty = last_active DESC
	desc    bool
	minimal bool
}

func parseListQuery(r *http.Request) (listQuery, error) {
	q := parsePHPQuery(r.URL.RawQuery)
	get := func(k string) string {
		v, _ := q.get(k)
		s, _ := v.(string)
		return s
	}
	lq := listQuery{search: parseSearch(get("search")), limit: defaultPageLimit}
	if w, ok := q.get("where"); ok {
		conds, err := parseWhere(w)
		if err != nil {
			return lq, err
		}
		lq.where = conds
	}
	if n, err := strconv.Atoi(get("start")); err == nil && n > 0 {
		lq.start = n
	}
	if n, err := strconv.Atoi(get("limit")); err == nil && n > 0 {
		lq.limit = n
	}
	for _, col := range splitList(get("orderBy")) {
		col = strings.TrimPrefix(col, "l.")
		if _, _, known := (&record{}).column(col); !known {
			return lq, errWhere
		}
		lq.orderBy = append(lq.orderBy, col)
	}
	lq.desc = strings.EqualFold(get("orderByDir"), "desc")
	m := strings.ToLower(get("minimal"))
	lq.minimal = m != "" && m != "0" && m != "false"
	return lq, nil
}

func (lq listQuery) matches(st *store, r *record) bool {
	if !lq.search.match(st, r) {
		return false
	}
	for _, c := range lq.where {
		if !c.match(r) {
			return false
		}
	}
	return true
}

// sortRecords orders like MySQL: NULLs first ascending and last descending;
// the default is last_active DESC. Ties keep id order.
func (lq listQuery) sortRecords(rs []*record) {
	cols, desc := lq.orderBy, lq.desc
	if len(cols) == 0 {
		cols, desc = []string{"last_active"}, true
	}
	slices.SortFunc(rs, func(a, b *record) int {
		for _, col := range cols {
			av, aok, _ := a.column(col)
			bv, bok, _ := b.column(col)
			c := 0
			switch {
			case !aok && !bok:
			case !aok:
				c = -1
			case !bok:
				c = 1
			default:
				c = compareColumn(col, av, bv)
				if at, isTime := a.timeColumn(col); isTime {
					bt, _ := b.timeColumn(col)
					c = at.Compare(bt)
				}
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return a.id - b.id
	})
}

// listContacts is GET /api/contacts: {"total":"N","contacts":{id:{...}}},
// total a string, contacts keyed by id in order.
func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, _ int) {
	lq, err := parseListQuery(r)
	if err != nil {
		writeServerError(w, http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	var hits []*record
	for _, rec := range s.st.contacts {
		if lq.matches(s.st, rec) {
			hits = append(hits, rec)
		}
	}
	lq.sortRecords(hits) // total order: ties fall back to id
	total := len(hits)
	page := hits[min(lq.start, total):min(lq.start+lq.limit, total)]
	contacts := object{}
	for _, rec := range page {
		contacts = contacts.add(itoa(rec.id), s.st.renderContact(rec, view{list: true, minimal: lq.minimal}))
	}
	s.mu.Unlock()
	writeOK(w, http.StatusOK, object{}.add("total", itoa(total)).add("contacts", contacts))
}
