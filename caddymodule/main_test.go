package caddymodule

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain keeps Caddy's files in a temporary folder, and after the tests
// unloads the test Caddy's configuration and fails when a goroutine of this
// module (or of the packages it runs) is still going, or a state is still
// pooled.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "caddymodule-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Setenv("XDG_DATA_HOME", dir)
	code := m.Run()
	if resp, err := http.Post("http://"+adminAddr+"/load", "application/json",
		strings.NewReader(`{"admin":{"listen":"`+adminAddr+`"}}`)); err == nil {
		resp.Body.Close()
	}
	if code == 0 {
		code = checkNothingLeft()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func checkNothingLeft() int {
	var left []string
	for i := 0; i < 150; i++ {
		if left = ownGoroutines(); len(left) == 0 && poolSize() == 0 {
			return 0
		}
		time.Sleep(20 * time.Millisecond)
	}
	fmt.Fprintf(os.Stderr, "after the tests: %d states pooled, %d goroutines left:\n%s\n", poolSize(), len(left), strings.Join(left, "\n\n"))
	return 1
}
