package spool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpenValidates(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	apply := func(context.Context, Entry) error { return nil }
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no dir", Config{Apply: apply}, "Dir is empty"},
		{"no apply", Config{Dir: t.TempDir()}, "Apply is nil"},
		{"dir is a file", Config{Dir: notDir, Apply: apply}, "permissions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.cfg)
			if err == nil {
				_ = s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.HasPrefix(err.Error(), "spool: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open = %q, want a spool error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestOpenRemovesUnacknowledgedTemporaries(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, tmpDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, tmpDir, "half-written"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	openSpool(t, dir, newRecorder().apply)
	if left := files(t, dir, tmpDir); len(left) != 0 {
		t.Errorf("tmp/ = %v, want empty", left)
	}
}

func TestOpenIgnoresStrayFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, pendingDir), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"README", "abc.hook", strings.Repeat("a", 64) + ".txt"} {
		if err := os.WriteFile(filepath.Join(dir, pendingDir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := openSpool(t, dir, newRecorder().apply)
	if st := s.Stats(); st.Pending != 0 {
		t.Errorf("Pending = %d, want 0: stray files are not entries", st.Pending)
	}
}

func TestCloseIsIdempotentAndRefusesPuts(t *testing.T) {
	s := openSpool(t, t.TempDir(), newRecorder().apply)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put([]byte("x"), Meta{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Put after Close = %v, want ErrClosed", err)
	}
	if err := s.Reject([]byte("x"), Meta{}, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Reject after Close = %v, want ErrClosed", err)
	}
}

func TestCloseKeepsPendingForNextOpenInArrivalOrder(t *testing.T) {
	dir := t.TempDir()
	// The first spool never manages to apply anything: Apply waits until
	// Close cancels it.
	blocked := func(ctx context.Context, _ Entry) error { <-ctx.Done(); return ctx.Err() }
	first := openSpool(t, dir, blocked)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []string{"e1", "e2", "e3", "e4", "e5"}
	// Put them out of order; each carries its arrival time.
	for _, i := range []int{3, 0, 4, 1, 2} {
		if _, err := first.Put([]byte(want[i]), Meta{ReceivedAt: base.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if n := len(files(t, dir, pendingDir)); n != 5 {
		t.Fatalf("%d pending files after Close, want 5", n)
	}
	rec := newRecorder()
	second := openSpool(t, dir, rec.apply)
	got := rec.waitApplied(t, 5)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("applied in order %v, want %v", got, want)
	}
	eventually(t, "pending folder empties", func() bool { return len(files(t, dir, pendingDir)) == 0 })
	if st := second.Stats(); st.Pending != 0 || st.Applied != 5 {
		t.Errorf("Stats = %+v, want 0 pending and 5 applied", st)
	}
}

func TestStats(t *testing.T) {
	rec := newRecorder()
	rec.setFail(func(Entry) error { return errors.New("database down") })
	s := openSpool(t, t.TempDir(), rec.apply, func(c *Config) { c.MinBackoff, c.MaxBackoff = time.Hour, time.Hour })
	old := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.Put([]byte("a"), Meta{ReceivedAt: old.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put([]byte("b"), Meta{ReceivedAt: old}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a failed attempt", func() bool { return s.Stats().Failures >= 1 })
	st := s.Stats()
	if st.Pending != 2 || !st.Oldest.Equal(old) || st.Applied != 0 {
		t.Errorf("Stats = %+v, want 2 pending, oldest %v, none applied", st, old)
	}
	if ids := s.Pending(); len(ids) != 2 || ids[0] != Digest([]byte("b")) {
		t.Errorf("Pending() = %v, want b's digest first", ids)
	}
}
