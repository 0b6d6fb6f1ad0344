package mautictest

import (
	"strings"
	"testing"
)

var lower = strings.ToLower

func TestLikeMatch(t *testing.T) {
	tests := []struct {
		value, pattern string
		want           bool
	}{
		{"someone@example.com", "someone@example.co%", true},
		{"someone@example.com", "someone@example.co", false},
		{"SOMEONE@example.com", "someone@%", true},
		{"joann@x.com", "%ann@x.com%", true},
		{"ann@x.com.au", "%ann@x.com%", true},
		{"a_b@x.com", "a_b@x.com", true},
		{"axb@x.com", "a_b@x.com", true}, // "_" is a wildcard
		{"axb@x.com", `a\_b@x.com`, false},
		{"a_b@x.com", `a\_b@x.com`, true},
		{"abc", "%", true},
		{"", "%", true},
		{"", "_", false},
		{"abc", "a%c", true},
		{"abc", "a%b", false},
		{"aXbXc", "%x%x%", true},
		{`a\b`, `a\`, false},
	}
	for _, tt := range tests {
		if got := likeMatch(tt.value, tt.pattern); got != tt.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", tt.value, tt.pattern, got, tt.want)
		}
	}
}

func TestSQLEqual(t *testing.T) {
	if !sqlEqual("Jane@X.com", "jane@x.com  ") || sqlEqual("jane@x.com", "jane@x.co") {
		t.Error("sqlEqual must ignore case and trailing spaces only")
	}
}

func FuzzLikeMatch(f *testing.F) {
	f.Add("someone@example.com", "some%")
	f.Add("a_b", `a\_b`)
	f.Fuzz(func(t *testing.T, value, pattern string) {
		got := likeMatch(value, pattern)
		// A pattern without wildcards or escapes matches exactly, ignoring case.
		if !containsAny(pattern, `%_\`) && got != equalFoldRunes(value, pattern) {
			t.Fatalf("likeMatch(%q, %q) = %v", value, pattern, got)
		}
		if !likeMatch(value, "%") {
			t.Fatalf("%% must match %q", value)
		}
	})
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, x := range s {
			if x == c {
				return true
			}
		}
	}
	return false
}

func equalFoldRunes(a, b string) bool {
	return string([]rune(lower(a))) == string([]rune(lower(b)))
}
