package userdb_test

import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func lock(t *testing.T, db *userdb.DB, ids ...string) ([]string, func()) {
	t.Helper()
	held, release, err := db.LockUsers(ctxT(t), ids)
	if err != nil {
		t.Fatalf("LockUsers(%v): %v", ids, err)
	}
	if held == nil {
		held = []string{}
	}
	return held, release
}

func wantHeld(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if want == nil {
		want = []string{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: held %v, want %v", what, got, want)
	}
}

// Two handles stand for two Caddy instances sharing the database.
func TestLocksAcrossInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		a, b := open(t, f), open(t, f)
		heldA, releaseA := lock(t, a, "u1", "u2", "u2", "")
		wantHeld(t, "a takes u1, u2", heldA, "u1", "u2")
		heldB, releaseB := lock(t, b, "u2", "u3")
		wantHeld(t, "b cannot take a's u2", heldB, "u3")
		heldA2, _ := lock(t, a, "u1", "u3")
		wantHeld(t, "a's second call excludes like another instance", heldA2)

		releaseA()
		releaseA() // harmless twice
		heldB2, releaseB2 := lock(t, b, "u1", "u2", "u3")
		wantHeld(t, "after a's release b takes u1, u2", heldB2, "u1", "u2")
		releaseB()
		releaseB2()
		heldA3, releaseA3 := lock(t, a, "u1", "u2", "u3")
		wantHeld(t, "everything free again", heldA3, "u1", "u2", "u3")
		releaseA3()
		// Releases gave every connection back to the pool; none was dropped.
		if n := userdb.Discards(a) + userdb.Discards(b); n != 0 {
			t.Errorf("%d lock connections dropped on plain releases", n)
		}

		none, releaseNone := lock(t, a)
		wantHeld(t, "no ids", none)
		releaseNone()
	})
}

func TestCloseFreesLocks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		a, b := open(t, f), open(t, f)
		heldA, releaseA := lock(t, a, "u1", "u2")
		wantHeld(t, "a", heldA, "u1", "u2")
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		heldB, _ := lock(t, b, "u1", "u2")
		wantHeld(t, "b after a closed", heldB, "u1", "u2")
		releaseA() // after Close: a no-op that must not free b's locks
		c := open(t, f)
		heldC, _ := lock(t, c, "u1")
		wantHeld(t, "c while b holds", heldC)
	})
}

// A crashed instance's locks vanish with its connection, and its late
// release cannot free locks someone else took since.
func TestKilledConnectionFreesLocks(t *testing.T) {
	kill := map[string]string{
		"mysql":    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()",
		"postgres": "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
	}
	for _, open1 := range []func(testing.TB) *dbtest.Fixture{dbtest.MySQL, dbtest.Postgres} {
		f := open1(t)
		t.Run(f.Dialect, func(t *testing.T) {
			a := open(t, f)
			heldA, releaseA := lock(t, a, "u1")
			wantHeld(t, "a", heldA, "u1")
			rows, err := f.DB.Query(kill[f.Dialect])
			if err != nil {
				t.Fatal(err)
			}
			var sessions []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				sessions = append(sessions, id)
			}
			rows.Close()
			for _, id := range sessions {
				if f.Dialect == "mysql" {
					f.Exec(t, fmt.Sprintf("KILL CONNECTION %d", id))
				} else {
					f.Exec(t, "SELECT pg_terminate_backend($1)", id)
				}
			}
			b := open(t, f)
			var heldB []string
			deadline := time.Now().Add(10 * time.Second)
			for len(heldB) == 0 && time.Now().Before(deadline) {
				var release func()
				heldB, release = lock(t, b, "u1")
				if len(heldB) == 0 {
					release()
					time.Sleep(50 * time.Millisecond) // the server ends the killed session asynchronously
				}
			}
			wantHeld(t, "b after a's connection died", heldB, "u1")
			releaseA()
			if userdb.Discards(a) != 1 {
				t.Errorf("a dropped %d connections, want its dead one", userdb.Discards(a))
			}
			c := open(t, f)
			heldC, _ := lock(t, c, "u1")
			wantHeld(t, "c while b holds", heldC)
			// a recovers: its pool reconnects.
			if err := a.Ping(ctxT(t)); err != nil {
				t.Errorf("a after the kill: %v", err)
			}
		})
	}
}

func TestLocksAreScopedToTheDatabase(t *testing.T) {
	for _, open1 := range []func(testing.TB) *dbtest.Fixture{dbtest.MySQL, dbtest.Postgres, dbtest.SQLite} {
		f1, f2 := open1(t), open1(t)
		t.Run(f1.Dialect, func(t *testing.T) {
			held1, _ := lock(t, open(t, f1), "same-user")
			held2, _ := lock(t, open(t, f2), "same-user")
			wantHeld(t, "first database", held1, "same-user")
			wantHeld(t, "second database", held2, "same-user")
		})
	}
}

func TestLockManyAndLongIDs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		a, b := open(t, f), open(t, f)
		var ids []string
		for i := 0; i < 450; i++ {
			ids = append(ids, fmt.Sprintf("user-%03d", i))
		}
		long := strings.Repeat("x", 300)
		ids = append(ids, long, long+"y")
		heldA, releaseA := lock(t, a, ids...)
		wantHeld(t, "a takes all", heldA, ids...)
		heldB, _ := lock(t, b, ids[440:]...)
		wantHeld(t, "b takes none", heldB)
		releaseA()
		heldB2, releaseB2 := lock(t, b, ids...)
		wantHeld(t, "b takes all after release", heldB2, ids...)
		releaseB2()
	})
}

// Goroutines on two handles contend for one user; never two at once.
func TestLockMutualExclusion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		handles := []*userdb.DB{open(t, f), open(t, f)}
		var inside, entered, overlaps atomic.Int32
		var wg sync.WaitGroup
		for g := 0; g < 6; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				db := handles[g%2]
				for round := 0; round < 25; round++ {
					held, release, err := db.LockUsers(context.Background(), []string{"contended"})
					if err != nil {
						t.Error(err)
						return
					}
					if len(held) == 1 {
						if inside.Add(1) > 1 {
							overlaps.Add(1)
						}
						entered.Add(1)
						runtime.Gosched()
						inside.Add(-1)
					}
					release()
				}
			}()
		}
		wg.Wait()
		if overlaps.Load() > 0 {
			t.Errorf("two holders at once, %d times", overlaps.Load())
		}
		if entered.Load() == 0 {
			t.Error("nobody ever got the lock")
		}
	})
}

func TestLockCanceledContext(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		held, release, err := db.LockUsers(ctx, []string{"u1"})
		release()
		if err == nil {
			t.Errorf("LockUsers with a canceled context = %v, nil", held)
		}
		// Nothing stays locked after the failed attempt.
		other := open(t, f)
		heldOther, _ := lock(t, other, "u1")
		if err != nil {
			wantHeld(t, "after the failed attempt", heldOther, "u1")
		}
	})
}
