package fleettest

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// proxy, process watcher and client is stopped by its test's Cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
