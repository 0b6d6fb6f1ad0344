package userdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// BenchmarkQueries measures the hot calls against a baseline round trip
// (SELECT 1 on a plain pool of the same server) in the same run; compare
// each figure with its dialect's baseline.
func BenchmarkQueries(b *testing.B) {
	for _, fixture := range []func(testing.TB) *dbtest.Fixture{dbtest.MySQL, dbtest.Postgres, dbtest.SQLite} {
		f := fixture(b)
		b.Run(f.Dialect, func(b *testing.B) {
			ctx := context.Background()
			db := f.Open(b)
			u := f.AddUser(b, userdb.User{Locale: "de"})
			f.AddSession(b, u.ID, "benchToken", time.Now().Add(time.Hour))
			if _, err := db.SetMauticID(ctx, u.ID, 4242); err != nil {
				b.Fatal(err)
			}
			b.Run("baseline-select-1", func(b *testing.B) {
				var n int
				for b.Loop() {
					if err := f.DB.QueryRowContext(ctx, "SELECT 1").Scan(&n); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("LookupSession", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.LookupSession(ctx, "benchToken"); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("SetMauticID-first-write", func(b *testing.B) {
				fresh := f.AddUser(b, userdb.User{})
				for b.Loop() {
					b.StopTimer()
					f.SetMauticID(b, fresh.ID, 0)
					b.StartTimer()
					if got, err := db.SetMauticID(ctx, fresh.ID, 77); err != nil || got != 77 {
						b.Fatal(got, err)
					}
				}
			})
			b.Run("SetMauticID-already-set", func(b *testing.B) {
				for b.Loop() {
					if got, err := db.SetMauticID(ctx, u.ID, 4242); err != nil || got != 4242 {
						b.Fatal(got, err)
					}
				}
			})
			b.Run("LockUsers-1", func(b *testing.B) {
				for b.Loop() {
					held, release, err := db.LockUsers(ctx, []string{u.ID})
					if err != nil || len(held) != 1 {
						b.Fatal(held, err)
					}
					release()
				}
			})
		})
	}
}
