package mautictest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// whereCond is one where[n] clause: col/expr/val, or andX/orX of nested ones.
type whereCond struct {
	col  string
	expr string // lowercased: PHP method names ignore case
	val  string
	vals []string    // in, notIn, between
	subs []whereCond // andX, orX
}

// errWhere makes the list answer 500, as the SQL error does on a real Mautic.
var errWhere = errors.New("mautictest: unusable where clause")

// parseWhere reads the where parameter. Values are HTML-encoded first, as
// InputHelper::cleanArray (FILTER_SANITIZE_SPECIAL_CHARS) does in 5.x.
func parseWhere(v any) ([]whereCond, error) {
	arr, ok := v.(*phpArray)
	if !ok {
		return nil, fmt.Errorf("%w: where must be an array", errWhere)
	}
	var conds []whereCond
	for _, k := range arr.keys {
		c, err := parseWhereClause(arr.vals[k])
		if err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	return conds, nil
}

func parseWhereClause(v any) (whereCond, error) {
	arr, ok := v.(*phpArray)
	if !ok {
		return whereCond{}, fmt.Errorf("%w: clause must be an array", errWhere)
	}
	expr, _ := arr.get("expr")
	exprS, ok := expr.(string)
	if !ok {
		return whereCond{}, fmt.Errorf("%w: expr missing", errWhere)
	}
	c := whereCond{expr: strings.ToLower(sanitizeSpecialChars(exprS))}
	val, _ := arr.get("val")
	if c.expr == "andx" || c.expr == "orx" {
		subs, err := parseWhere(val)
		if err != nil {
			return whereCond{}, err
		}
		c.subs = subs
		return c, nil
	}
	col, _ := arr.get("col")
	colS, ok := col.(string)
	if !ok {
		return whereCond{}, fmt.Errorf("%w: col missing", errWhere)
	}
	c.col = strings.TrimPrefix(sanitizeSpecialChars(colS), "l.")
	if _, _, known := (&record{}).column(c.col); !known {
		return whereCond{}, fmt.Errorf("%w: unknown column %q", errWhere, c.col)
	}
	return c, parseWhereValue(&c, val)
}

// parseWhereValue reads val for a comparison expr.
func parseWhereValue(c *whereCond, val any) error {
	switch c.expr {
	case "isnull", "isnotnull", "isempty", "isnotempty":
		return nil
	case "eq", "neq", "lt", "lte", "gt", "gte", "like", "notlike", "in", "notin":
		s, ok := val.(string)
		if !ok {
			// val[]=... reaches SQL as an array: a 500 on a real Mautic.
			return fmt.Errorf("%w: val must be a string", errWhere)
		}
		c.val = sanitizeSpecialChars(s)
		if c.expr == "in" || c.expr == "notin" {
			c.vals = strings.Split(c.val, ",")
		}
		return nil
	case "between", "notbetween":
		c.vals = stringItems(val)
		if len(c.vals) != 2 {
			return fmt.Errorf("%w: between needs two values", errWhere)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown expr %q", errWhere, c.expr)
}

func stringItems(v any) []string {
	if s, ok := v.(string); ok {
		return strings.Split(sanitizeSpecialChars(s), ",")
	}
	_, items, _ := listItems(v)
	var out []string
	for _, it := range items {
		if s, ok := it.(string); ok {
			out = append(out, sanitizeSpecialChars(s))
		}
	}
	return out
}

// sanitizeSpecialChars is PHP's FILTER_SANITIZE_SPECIAL_CHARS: ' " < > &
// and control characters become numeric entities.
func sanitizeSpecialChars(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 32 || strings.ContainsRune(`'"<>&`, r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 32 || strings.ContainsRune(`'"<>&`, r) {
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (c whereCond) match(r *record) bool {
	switch c.expr {
	case "andx":
		for _, sub := range c.subs {
			if !sub.match(r) {
				return false
			}
		}
		return true
	case "orx":
		for _, sub := range c.subs {
			if sub.match(r) {
				return true
			}
		}
		return false
	}
	v, notNull, _ := r.column(c.col)
	switch c.expr {
	case "isnull":
		return !notNull
	case "isnotnull":
		return notNull
	case "isempty":
		return !notNull || v == ""
	case "isnotempty":
		return notNull && v != ""
	}
	// Any comparison with NULL is not true.
	return notNull && c.compare(v)
}

// compare applies a comparison expr to a non-NULL column value.
func (c whereCond) compare(v string) bool {
	switch c.expr {
	case "eq":
		return compareColumn(c.col, v, c.val) == 0
	case "neq":
		return compareColumn(c.col, v, c.val) != 0
	case "lt":
		return compareColumn(c.col, v, c.val) < 0
	case "lte":
		return compareColumn(c.col, v, c.val) <= 0
	case "gt":
		return compareColumn(c.col, v, c.val) > 0
	case "gte":
		return compareColumn(c.col, v, c.val) >= 0
	case "like", "notlike":
		return likeMatch(v, c.val) == (c.expr == "like")
	case "in", "notin":
		in := slices.ContainsFunc(c.vals, func(x string) bool { return compareColumn(c.col, v, x) == 0 })
		return in == (c.expr == "in")
	case "between", "notbetween":
		inside := compareColumn(c.col, v, c.vals[0]) >= 0 && compareColumn(c.col, v, c.vals[1]) <= 0
		return inside == (c.expr == "between")
	}
	return false
}

// compareColumn compares numerically for number columns, by collation
// otherwise.
func compareColumn(col, a, b string) int {
	if col == "id" || col == "points" {
		fa, _ := strconv.ParseFloat(strings.TrimSpace(a), 64)
		fb, _ := strconv.ParseFloat(strings.TrimSpace(b), 64)
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	if sqlEqual(a, b) {
		return 0
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}
