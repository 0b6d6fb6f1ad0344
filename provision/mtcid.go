package provision

import "math"

// maxMtcIDLen is the most digits a Mautic contact id has: ids are 32-bit.
const maxMtcIDLen = 10

// ParseMtcID reads the value of the mtc_id cookie, which the browser
// controls: a positive decimal contact id, digits only, no sign, space or
// leading zero, at most 2^31-1. Anything else is (0, false) and must be
// treated as no cookie.
func ParseMtcID(raw string) (int, bool) {
	if raw == "" || len(raw) > maxMtcIDLen || raw[0] == '0' {
		return 0, false
	}
	n := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > math.MaxInt32 {
		return 0, false
	}
	return n, true
}
