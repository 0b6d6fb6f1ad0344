package inject

import (
	"strings"
	"testing"
)

func TestMarkerFinder(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"", false},
		{Marker, true},
		{"xx" + Marker + "yy", true},
		{"MM" + Marker, true},
		{Marker[:len(Marker)-1], false},
		{Marker[:len(Marker)-1] + "x" + Marker[len(Marker)-1:], false},
		{strings.ToLower(Marker), false},
		{"Mautic" + " TrackingObject", false},
		{Marker[:5] + Marker, true},
		{strings.Repeat(Marker[:10], 5), false},
	}
	for _, tc := range cases {
		// Whole, every two-way split, and one byte at a time.
		if got := findInChunks(tc.in, len(tc.in)+1); got != tc.want {
			t.Errorf("%q whole: %v, want %v", tc.in, got, tc.want)
		}
		if got := findInChunks(tc.in, 1); got != tc.want {
			t.Errorf("%q by byte: %v, want %v", tc.in, got, tc.want)
		}
		for cut := 1; cut < len(tc.in); cut++ {
			var m markerFinder
			if got := m.find([]byte(tc.in[:cut])) || m.find([]byte(tc.in[cut:])); got != tc.want {
				t.Errorf("%q split at %d: %v, want %v", tc.in, cut, got, tc.want)
			}
		}
	}
}

func findInChunks(s string, size int) bool {
	var m markerFinder
	for len(s) > 0 {
		n := min(size, len(s))
		if m.find([]byte(s[:n])) {
			return true
		}
		s = s[n:]
	}
	return false
}
