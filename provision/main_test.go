package provision

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// Engine, Client, simulator and database must be closed by its test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
