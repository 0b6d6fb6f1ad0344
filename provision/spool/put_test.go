package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPutAppliesOnceAndRemembers(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder()
	s := openSpool(t, dir, rec.apply)
	body := []byte(`{"mautic.lead_post_delete":[{"id":10}]}`)
	res, err := s.Put(body, Meta{Header: map[string]string{"X-Origin-Base-URL": "http://m"}})
	if err != nil || res != Stored {
		t.Fatalf("Put = %v, %v; want Stored", res, err)
	}
	rec.waitApplied(t, 1)
	eventually(t, "pending file removed", func() bool { return len(files(t, dir, pendingDir)) == 0 })
	if got := files(t, dir, appliedDir); len(got) != 1 || got[0] != Digest(body) {
		t.Errorf("applied/ = %v, want the body's digest", got)
	}
	res, err = s.Put(body, Meta{})
	if err != nil || res != AlreadyApplied {
		t.Errorf("replay: Put = %v, %v; want AlreadyApplied", res, err)
	}
	time.Sleep(20 * time.Millisecond)
	if n := len(rec.got()); n != 1 {
		t.Errorf("applied %d times, want 1", n)
	}
}

func TestPutWhilePendingStoresOnce(t *testing.T) {
	dir := t.TempDir()
	rec := newRecorder()
	down := errors.New("database down")
	rec.setFail(func(Entry) error { return down })
	s := openSpool(t, dir, rec.apply)
	for i, want := range []PutResult{Stored, AlreadyPending, AlreadyPending} {
		res, err := s.Put([]byte("same"), Meta{})
		if err != nil || res != want {
			t.Errorf("Put #%d = %v, %v; want %v", i+1, res, err, want)
		}
	}
	if n := len(files(t, dir, pendingDir)); n != 1 {
		t.Errorf("%d pending files, want 1", n)
	}
	rec.setFail(nil)
	rec.waitApplied(t, 1)
}

func TestPutRefusesBadBodies(t *testing.T) {
	s := openSpool(t, t.TempDir(), newRecorder().apply, func(c *Config) { c.MaxBody = 10 })
	tests := []struct {
		name string
		body []byte
		is   error
	}{
		{"empty", nil, nil},
		{"too large", []byte(strings.Repeat("x", 11)), ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Put(tt.body, Meta{})
			if err == nil || (tt.is != nil && !errors.Is(err, tt.is)) {
				t.Errorf("Put = %v, want an error (%v)", err, tt.is)
			}
		})
	}
	if st := s.Stats(); st.Pending != 0 {
		t.Errorf("a refused body was stored: %+v", st)
	}
}

func TestReplayAfterRememberIsAppliedAgain(t *testing.T) {
	dir := t.TempDir()
	var now atomic.Pointer[time.Time]
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now.Store(&start)
	clock := func() time.Time { return *now.Load() }
	rec := newRecorder()
	s := openSpool(t, dir, rec.apply, func(c *Config) { c.Now = clock; c.Remember = time.Hour })
	if _, err := s.Put([]byte("x"), Meta{}); err != nil {
		t.Fatal(err)
	}
	rec.waitApplied(t, 1)
	eventually(t, "applied recorded", func() bool { return s.Stats().Applied == 1 })
	later := start.Add(59 * time.Minute)
	now.Store(&later)
	if res, _ := s.Put([]byte("x"), Meta{}); res != AlreadyApplied {
		t.Errorf("within Remember: %v, want AlreadyApplied", res)
	}
	// A new variable: the clock may be read through the old pointer right
	// now, and writing through it would race.
	after := start.Add(61 * time.Minute)
	now.Store(&after)
	if res, _ := s.Put([]byte("x"), Meta{}); res != Stored {
		t.Errorf("after Remember: %v, want Stored", res)
	}
	rec.waitApplied(t, 1)
}

func TestPruneRemovesOldMarkers(t *testing.T) {
	dir := t.TempDir()
	applied := filepath.Join(dir, appliedDir)
	if err := os.MkdirAll(applied, 0o700); err != nil {
		t.Fatal(err)
	}
	oldID, newID := Digest([]byte("old")), Digest([]byte("new"))
	for _, id := range []string{oldID, newID} {
		if err := os.WriteFile(filepath.Join(applied, id), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stale := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(filepath.Join(applied, oldID), stale, stale); err != nil {
		t.Fatal(err)
	}
	openSpool(t, dir, newRecorder().apply)
	eventually(t, "old marker pruned at Open", func() bool {
		got := files(t, dir, appliedDir)
		return len(got) == 1 && got[0] == newID
	})
}

func TestConcurrentPutsApplyEachBodyOnce(t *testing.T) {
	rec := newRecorder()
	s := openSpool(t, t.TempDir(), rec.apply)
	const bodies, writers = 20, 8
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < bodies; i++ {
				if _, err := s.Put([]byte(fmt.Sprintf("body-%d", i)), Meta{}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	got := rec.waitApplied(t, bodies)
	time.Sleep(50 * time.Millisecond)
	if n := len(rec.got()); n != bodies {
		t.Errorf("%d applications of %d distinct bodies put %d times each: %v", n, bodies, writers, got)
	}
}

func TestReject(t *testing.T) {
	dir := t.TempDir()
	s := openSpool(t, dir, newRecorder().apply)
	body := []byte("{not json")
	for i := 0; i < 2; i++ {
		if err := s.Reject(body, Meta{}, errors.New("malformed JSON")); err != nil {
			t.Fatal(err)
		}
	}
	id := Digest(body)
	got := files(t, dir, rejectedDir)
	if len(got) != 2 || got[0] != id+hookExt || got[1] != id+reasonExt {
		t.Fatalf("rejected/ = %v, want the body and its reason", got)
	}
	reason, _ := os.ReadFile(filepath.Join(dir, rejectedDir, id+reasonExt))
	if !strings.Contains(string(reason), "malformed JSON") {
		t.Errorf("reason = %q", reason)
	}
	data, _ := os.ReadFile(filepath.Join(dir, rejectedDir, id+hookExt))
	if e, err := decodeFile(id, data); err != nil || string(e.Body) != string(body) {
		t.Errorf("rejected body = %q, %v", e.Body, err)
	}
	if st := s.Stats(); st.Rejected != 1 || st.Pending != 0 {
		t.Errorf("Stats = %+v, want 1 rejected and nothing pending", st)
	}
}

func TestPutResultString(t *testing.T) {
	for r, want := range map[PutResult]string{Stored: "stored", AlreadyPending: "already_pending", AlreadyApplied: "already_applied", 0: "unknown"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", r, r.String(), want)
		}
	}
}
