package mautic_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: every
// client, database, pool and lock must be closed by its test's Cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
