package userdb

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestRedact(t *testing.T) {
	base := fmt.Errorf("dial: user=u password=hunter2x: %w", context.DeadlineExceeded)
	got := redact(base, "hunter2x")
	if got.Error() != "dial: user=u password=xxxxx: context deadline exceeded" {
		t.Errorf("redacted message = %q", got)
	}
	if !errors.Is(got, context.DeadlineExceeded) {
		t.Error("redact broke errors.Is")
	}
	if redact(base, "") != base || redact(base, "ab") != base || redact(base, "absent") != base {
		t.Error("redact should return err unchanged when there is nothing to hide")
	}
	if redact(nil, "secret") != nil {
		t.Error("redact(nil) should be nil")
	}
}
