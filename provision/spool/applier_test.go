package spool

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRetriesWithBackoffUntilApplied(t *testing.T) {
	rec := newRecorder()
	var mu sync.Mutex
	var waits []time.Duration
	var attempts []int
	failures := 4
	rec.setFail(func(e Entry) error {
		mu.Lock()
		defer mu.Unlock()
		attempts = append(attempts, e.Attempts)
		if failures > 0 {
			failures--
			return errors.New("database down")
		}
		return nil
	})
	s := openSpool(t, t.TempDir(), rec.apply, func(c *Config) {
		c.MinBackoff, c.MaxBackoff = 4*time.Millisecond, 16*time.Millisecond
		c.OnRetry = func(_ Entry, err error, wait time.Duration) {
			mu.Lock()
			waits = append(waits, wait)
			mu.Unlock()
		}
	})
	if _, err := s.Put([]byte("x"), Meta{}); err != nil {
		t.Fatal(err)
	}
	rec.waitApplied(t, 1)
	eventually(t, "4 failures and 1 applied in Stats", func() bool {
		st := s.Stats()
		return st.Failures == 4 && st.Applied == 1 && st.Pending == 0
	})
	mu.Lock()
	defer mu.Unlock()
	if len(waits) != 4 {
		t.Fatalf("%d retries reported, want 4", len(waits))
	}
	bounds := [][2]time.Duration{{2, 4}, {4, 8}, {8, 16}, {8, 16}} // ms: half to full backoff, capped
	for i, w := range waits {
		lo, hi := bounds[i][0]*time.Millisecond, bounds[i][1]*time.Millisecond
		if w < lo || w > hi {
			t.Errorf("wait %d = %v, want within [%v, %v]", i+1, w, lo, hi)
		}
	}
	if want := []int{0, 1, 2, 3, 4}; len(attempts) != 5 || attempts[4] != 4 {
		t.Errorf("Entry.Attempts seen = %v, want %v", attempts, want)
	}

}

func TestFailingEntryDoesNotBlockOthers(t *testing.T) {
	rec := newRecorder()
	rec.setFail(func(e Entry) error {
		if string(e.Body) == "stuck" {
			return errors.New("cannot store this one yet")
		}
		return nil
	})
	s := openSpool(t, t.TempDir(), rec.apply)
	base := time.Now()
	if _, err := s.Put([]byte("stuck"), Meta{ReceivedAt: base}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put([]byte("fine"), Meta{ReceivedAt: base.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if got := rec.waitApplied(t, 1); got[0] != "fine" {
		t.Errorf("applied %v, want fine", got)
	}
	eventually(t, "only the stuck entry left", func() bool { st := s.Stats(); return st.Applied == 1 && st.Pending == 1 })
}

func TestPermanentFailureMovesAside(t *testing.T) {
	dir := t.TempDir()
	var rejected []string
	var mu sync.Mutex
	rec := newRecorder()
	rec.setFail(func(e Entry) error { return Permanent(errors.New("unknown payload shape")) })
	s := openSpool(t, dir, rec.apply, func(c *Config) {
		c.OnReject = func(e Entry, reason error) {
			mu.Lock()
			rejected = append(rejected, string(e.Body)+": "+reason.Error())
			mu.Unlock()
		}
	})
	if _, err := s.Put([]byte("odd"), Meta{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "moved to rejected/ and reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return s.Stats().Rejected == 1 && len(rejected) == 1
	})
	if n := len(files(t, dir, pendingDir)); n != 0 {
		t.Errorf("%d files still pending", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(rejected) != 1 || rejected[0] != "odd: unknown payload shape" {
		t.Errorf("OnReject saw %q", rejected)
	}
	reason, err := os.ReadFile(filepath.Join(dir, rejectedDir, Digest([]byte("odd"))+reasonExt))
	if err != nil || !strings.Contains(string(reason), "unknown payload shape") {
		t.Errorf("reason file = %q, %v", reason, err)
	}
}

func TestDamagedPendingFileMovedAside(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, pendingDir), 0o700); err != nil {
		t.Fatal(err)
	}
	id := Digest([]byte("original"))
	if err := os.WriteFile(filepath.Join(dir, pendingDir, id+hookExt), []byte(magic+"{}\nedited"), 0o600); err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	s := openSpool(t, dir, rec.apply)
	eventually(t, "damaged file rejected", func() bool { return s.Stats().Rejected == 1 })
	if len(rec.got()) != 0 {
		t.Errorf("a damaged body was applied: %q", rec.got())
	}
}

func TestTwoSpoolsOnOneFolder(t *testing.T) {
	// A reload opens the new configuration's spool before the old one closes.
	dir := t.TempDir()
	rec := newRecorder()
	a := openSpool(t, dir, rec.apply)
	b := openSpool(t, dir, rec.apply)
	for _, body := range []string{"one", "two", "three"} {
		if _, err := a.Put([]byte(body), Meta{}); err != nil {
			t.Fatal(err)
		}
	}
	rec.waitApplied(t, 3)
	eventually(t, "pending folder empties", func() bool { return len(files(t, dir, pendingDir)) == 0 })
	if res, err := b.Put([]byte("two"), Meta{}); err != nil || res != AlreadyApplied {
		t.Errorf("the other spool sees the replay as %v, %v; want AlreadyApplied", res, err)
	}
}

func TestCloseCancelsApplyInProgress(t *testing.T) {
	started := make(chan struct{})
	s, err := Open(Config{Dir: t.TempDir(), Apply: func(ctx context.Context, _ Entry) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put([]byte("x"), Meta{}); err != nil {
		t.Fatal(err)
	}
	<-started
	done := make(chan struct{})
	go func() { _ = s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while Apply was running")
	}
	if st := s.Stats(); st.Pending != 1 {
		t.Errorf("Pending = %d after a cancelled Apply, want 1", st.Pending)
	}
}

func TestBackoffBounds(t *testing.T) {
	s := &Spool{cfg: Config{MinBackoff: time.Second, MaxBackoff: 10 * time.Second}}
	tests := []struct {
		n      int
		lo, hi time.Duration
	}{
		{1, 500 * time.Millisecond, time.Second},
		{2, time.Second, 2 * time.Second},
		{3, 2 * time.Second, 4 * time.Second},
		{4, 4 * time.Second, 8 * time.Second},
		{5, 5 * time.Second, 10 * time.Second},
		{60, 5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		for i := 0; i < 50; i++ {
			if d := s.backoff(tt.n); d < tt.lo || d > tt.hi {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", tt.n, d, tt.lo, tt.hi)
			}
		}
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("x")
	if !IsPermanent(Permanent(base)) || !errors.Is(Permanent(base), base) {
		t.Error("Permanent(err) is not recognised or does not wrap err")
	}
	if IsPermanent(base) || IsPermanent(nil) {
		t.Error("a plain error is reported permanent")
	}
	if Permanent(nil) == nil {
		t.Error("Permanent(nil) = nil")
	}
}
