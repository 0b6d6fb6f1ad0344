package mautictest

import "strings"

// likeMatch is MySQL's LIKE under a case-insensitive collation: "%" matches
// any run, "_" one character, "\" escapes the next one.
func likeMatch(value, pattern string) bool {
	return likeRunes([]rune(strings.ToLower(value)), []rune(strings.ToLower(pattern)))
}

func likeRunes(v, p []rune) bool {
	// Iterative matching with backtracking to the last "%", linear in practice.
	vi, pi := 0, 0
	starP, starV := -1, 0
	for vi < len(v) {
		if pi < len(p) {
			switch c := p[pi]; {
			case c == '%':
				starP, starV = pi, vi
				pi++
				continue
			case c == '\\' && pi+1 < len(p):
				if p[pi+1] == v[vi] {
					pi += 2
					vi++
					continue
				}
			case c == '_' || c == v[vi]:
				pi++
				vi++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		starV++
		vi, pi = starV, starP+1
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// sqlEqual is "=" under utf8mb4_unicode_ci: case-insensitive, trailing spaces
// ignored.
func sqlEqual(a, b string) bool {
	return strings.EqualFold(strings.TrimRight(a, " "), strings.TrimRight(b, " "))
}
