// Package wait holds the one context-aware sleep that the client's retries,
// the provisioning workers and the module's background checks share.
package wait

import (
	"context"
	"time"
)

// For waits d, or until ctx is done, whichever comes first. It returns nil
// after d, and ctx's error when ctx ended the wait (also when d <= 0 and
// ctx is already done).
func For(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
