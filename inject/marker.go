package inject

import "bytes"

var markerBytes = []byte(Marker)

// markerFinder finds Marker in a stream of chunks, including occurrences split
// across chunks. It relies on Marker's first byte occurring nowhere else in
// Marker, so at most one partial match can be pending at a chunk end.
type markerFinder struct {
	matched int // bytes of Marker that end the stream so far
}

// find reports whether Marker ends within p, given the bytes seen before it.
func (m *markerFinder) find(p []byte) bool {
	if m.matched > 0 {
		rest := markerBytes[m.matched:]
		n := min(len(rest), len(p))
		if bytes.Equal(p[:n], rest[:n]) {
			if n == len(rest) {
				return true
			}
			m.matched += n
			return false
		}
		m.matched = 0
	}
	if bytes.Contains(p, markerBytes) {
		return true
	}
	// Remember a marker prefix at the end of p. Only the last occurrence of
	// the first byte can start one, since that byte does not repeat.
	tail := p[max(0, len(p)-len(markerBytes)+1):]
	if i := bytes.LastIndexByte(tail, markerBytes[0]); i >= 0 && bytes.HasPrefix(markerBytes, tail[i:]) {
		m.matched = len(tail) - i
	}
	return false
}
