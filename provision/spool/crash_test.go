package spool

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const (
	crashEnv  = "SPOOL_TEST_CRASH_DIR"
	crashBody = `{"mautic.lead_post_delete":[{"id":10,"contact":{"id":null},"timestamp":"2026-11-25T22:40:01+00:00"}]}`
)

// crashHelper runs in a child process: it stores a body, says so, and dies
// at once, before its applier could finish, without closing anything.
func crashHelper() {
	s, err := Open(Config{Dir: os.Getenv(crashEnv), Apply: func(ctx context.Context, _ Entry) error {
		<-ctx.Done() // never finishes in time
		return ctx.Err()
	}})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(2)
	}
	if _, err := s.Put([]byte(crashBody), Meta{}); err != nil {
		fmt.Println("put:", err)
		os.Exit(2)
	}
	fmt.Println("stored")
	os.Exit(3)
}

// TestCrashBetweenPutAndApply kills a process right after Put returned and
// checks that the next Open applies the event.
func TestCrashBetweenPutAndApply(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 || !strings.Contains(out.String(), "stored") {
		t.Fatalf("child: %v, output %q; want exit 3 after storing", err, out.String())
	}
	rec := newRecorder()
	s := openSpool(t, dir, rec.apply)
	if got := rec.waitApplied(t, 1); got[0] != crashBody {
		t.Errorf("applied %q, want the stored body", got[0])
	}
	eventually(t, "pending folder empties", func() bool { return len(files(t, dir, pendingDir)) == 0 })
	if res, err := s.Put([]byte(crashBody), Meta{}); err != nil || res != AlreadyApplied {
		t.Errorf("replay after recovery: %v, %v; want AlreadyApplied", res, err)
	}
}
