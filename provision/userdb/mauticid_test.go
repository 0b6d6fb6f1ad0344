package userdb_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestSetMauticIDCompareAndSet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		tests := []struct {
			name      string
			initial   int // 0 = NULL
			write     int
			wantRet   int
			wantRow   int
			wantErr   error
			missing   bool
			anyErrors bool
		}{
			{name: "NULL takes the id", initial: 0, write: 7, wantRet: 7, wantRow: 7},
			{name: "same id again", initial: 7, write: 7, wantRet: 7, wantRow: 7},
			{name: "stale write loses and learns the winner", initial: 7, write: 9, wantRet: 7, wantRow: 7},
			{name: "missing user", missing: true, write: 7, wantErr: userdb.ErrNotFound},
			{name: "zero id refused", initial: 0, write: 0, wantRow: 0, anyErrors: true},
			{name: "negative id refused", initial: 7, write: -3, wantRow: 7, anyErrors: true},
		}
		for _, tt := range tests {
			id := "missing"
			if !tt.missing {
				id = f.AddUser(t, userdb.User{MauticID: tt.initial}).ID
			}
			got, err := db.SetMauticID(ctxT(t), id, tt.write)
			switch {
			case tt.anyErrors:
				if err == nil {
					t.Errorf("%s: SetMauticID succeeded", tt.name)
				}
			case !errors.Is(err, tt.wantErr) || got != tt.wantRet:
				t.Errorf("%s: SetMauticID = %d, %v; want %d, %v", tt.name, got, err, tt.wantRet, tt.wantErr)
			}
			if !tt.missing {
				if row, _ := f.MauticID(t, id); row != tt.wantRow {
					t.Errorf("%s: row holds %d, want %d", tt.name, row, tt.wantRow)
				}
			}
		}
	})
}

// Many writers with different ids on one user, through two handles as two
// Caddy instances would: one id wins, and every writer learns that one.
func TestSetMauticIDConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		handles := []*userdb.DB{open(t, f), open(t, f)}
		const writers = 40
		for round := 0; round < 3; round++ {
			u := f.AddUser(t, userdb.User{})
			got := make([]int, writers)
			errs := make([]error, writers)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := 0; i < writers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					got[i], errs[i] = handles[i%2].SetMauticID(ctxT(t), u.ID, 1000+i)
				}()
			}
			close(start)
			wg.Wait()
			row, ok := f.MauticID(t, u.ID)
			if !ok || row < 1000 || row >= 1000+writers {
				t.Fatalf("row holds %d (set %v), not one of the written ids", row, ok)
			}
			for i := range got {
				if errs[i] != nil || got[i] != row {
					t.Errorf("writer %d learned %d, %v; the row holds %d", i, got[i], errs[i], row)
				}
			}
		}
	})
}

func TestReplaceMauticID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		a := f.AddUser(t, userdb.User{MauticID: 5})
		b := f.AddUser(t, userdb.User{MauticID: 5})
		c := f.AddUser(t, userdb.User{MauticID: 6})
		d := f.AddUser(t, userdb.User{})
		steps := []struct {
			from, to int
			want     int64
			rows     map[string]int
		}{
			{5, 9, 2, map[string]int{a.ID: 9, b.ID: 9, c.ID: 6, d.ID: 0}},
			{5, 9, 0, map[string]int{a.ID: 9, b.ID: 9, c.ID: 6, d.ID: 0}},
			{9, 9, 0, map[string]int{a.ID: 9, b.ID: 9, c.ID: 6, d.ID: 0}},
			{6, 9, 1, map[string]int{a.ID: 9, b.ID: 9, c.ID: 9, d.ID: 0}},
		}
		for _, s := range steps {
			n, err := db.ReplaceMauticID(ctxT(t), s.from, s.to)
			if err != nil || n != s.want {
				t.Errorf("ReplaceMauticID(%d, %d) = %d, %v; want %d", s.from, s.to, n, err, s.want)
			}
			for id, want := range s.rows {
				if got, _ := f.MauticID(t, id); got != want {
					t.Errorf("after ReplaceMauticID(%d, %d): user %s holds %d, want %d", s.from, s.to, id, got, want)
				}
			}
		}
		for _, bad := range [][2]int{{0, 5}, {5, 0}, {-1, 5}} {
			if _, err := db.ReplaceMauticID(ctxT(t), bad[0], bad[1]); err == nil {
				t.Errorf("ReplaceMauticID(%d, %d) succeeded", bad[0], bad[1])
			}
		}
	})
}

func TestClearMauticID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		a := f.AddUser(t, userdb.User{MauticID: 5})
		b := f.AddUser(t, userdb.User{MauticID: 6})
		n, err := db.ClearMauticID(ctxT(t), 5)
		if err != nil || n != 1 {
			t.Fatalf("ClearMauticID(5) = %d, %v", n, err)
		}
		if id, ok := f.MauticID(t, a.ID); ok {
			t.Errorf("a still holds %d", id)
		}
		if id, _ := f.MauticID(t, b.ID); id != 6 {
			t.Errorf("b holds %d, want 6", id)
		}
		// A late delete of a contact the user has left meanwhile changes nothing.
		f.SetMauticID(t, a.ID, 11)
		if n, err := db.ClearMauticID(ctxT(t), 5); err != nil || n != 0 {
			t.Errorf("late ClearMauticID(5) = %d, %v", n, err)
		}
		if id, _ := f.MauticID(t, a.ID); id != 11 {
			t.Errorf("a holds %d, want 11", id)
		}
		if _, err := db.ClearMauticID(ctxT(t), 0); err == nil {
			t.Error("ClearMauticID(0) succeeded")
		}
	})
}
