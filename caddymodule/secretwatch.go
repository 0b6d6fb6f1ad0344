package caddymodule

import (
	"sync"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
)

// How a better_auth secret that is not the app's is told from forged
// cookies: within one window, at least secretSuspectAfter signature
// failures and no credential that the secret verified. Forged input fails
// a few requests while real users' cookies verify; a wrong secret fails
// them all.
const (
	secretSuspectAfter = 5
	secretWatchWindow  = 10 * time.Minute
)

// secretWatch counts, per window, credentials the secret verified and
// signature failures.
type secretWatch struct {
	mu       sync.Mutex
	start    time.Time
	verified int
	failed   int
}

// verifiedBy records an identity; only sources checked with the secret
// count (cookie caches and session tokens, not Bearer or EdDSA JWTs).
func (w *secretWatch) verifiedBy(s betterauth.Source) {
	switch s {
	case betterauth.SourceCookieCacheCompact, betterauth.SourceCookieCacheJWT, betterauth.SourceCookieCacheJWE,
		betterauth.SourceDatabase, betterauth.SourceGetSession:
	default:
		return
	}
	w.mu.Lock()
	w.roll(time.Now())
	w.verified++
	w.mu.Unlock()
}

// failedNow records a signature failure and reports whether the secret is
// now the likely cause.
func (w *secretWatch) failedNow() (suspect bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll(time.Now())
	w.failed++
	return w.verified == 0 && w.failed >= secretSuspectAfter
}

// reset starts a new window.
func (w *secretWatch) reset() {
	w.mu.Lock()
	w.start, w.verified, w.failed = time.Time{}, 0, 0
	w.mu.Unlock()
}

func (w *secretWatch) roll(now time.Time) {
	if now.Sub(w.start) >= secretWatchWindow {
		w.start, w.verified, w.failed = now, 0, 0
	}
}
