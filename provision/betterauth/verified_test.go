package betterauth

import (
	"encoding/json"
	"testing"
)

// TestEmailVerifiedRead reads user.emailVerified as Better Auth writes it
// (a JSON boolean); any other value is false and never fails the payload.
func TestEmailVerifiedRead(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"id":"u","emailVerified":true}`:   true,
		`{"id":"u","emailVerified":false}`:  false,
		`{"id":"u","emailVerified":null}`:   false,
		`{"id":"u","emailVerified":1}`:      false,
		`{"id":"u","emailVerified":"true"}`: false,
		`{"id":"u"}`:                        false,
	} {
		var u userFields
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if got := u.identity(SourceCookieCacheCompact).EmailVerified; got != want {
			t.Errorf("%s: EmailVerified = %v, want %v", raw, got, want)
		}
	}
}
