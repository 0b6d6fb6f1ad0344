package dbtest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when goroutines outlive the tests: every DB, pool
// and lock must be closed by its test's Cleanup.
func TestMain(m *testing.M) {
	before := len(ownGoroutines())
	code := m.Run()
	if code == 0 {
		if leaked := waitForGoroutines(before, 5*time.Second); leaked != nil {
			fmt.Fprintf(os.Stderr, "goroutines leaked by the tests:\n%s\n", strings.Join(leaked, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// waitForGoroutines waits until no more than n goroutines of our own run,
// and returns the stacks of all of them if they do not end in time.
func waitForGoroutines(n int, wait time.Duration) []string {
	deadline := time.Now().Add(wait)
	for {
		own := ownGoroutines()
		if len(own) <= n {
			return nil
		}
		if time.Now().After(deadline) {
			return own
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ownGoroutines lists the stacks of the goroutines other than this one and
// those the runtime and the testing package own (signal handling, fuzzing).
func ownGoroutines() []string {
	buf := make([]byte, 1<<20)
	stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
	var own []string
	for _, g := range stacks[1:] { // the first is the caller
		if !strings.Contains(g, "os/signal.") && !strings.Contains(g, "testing.") {
			own = append(own, g)
		}
	}
	return own
}
