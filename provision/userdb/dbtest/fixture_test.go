package dbtest

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestFixturesHoldTheSchema(t *testing.T) {
	Each(t, func(t *testing.T, f *Fixture) {
		for _, table := range []string{"user", "session", "account", "verification", "jwks"} {
			var n int
			if err := f.DB.QueryRow("SELECT COUNT(*) FROM " + f.Quote(table)).Scan(&n); err != nil || n != 0 {
				t.Errorf("table %s: %d rows, %v", table, n, err)
			}
		}
		// session.token is UNIQUE, as Better Auth makes it.
		u := f.AddUser(t, userdb.User{})
		f.AddSession(t, u.ID, "dup", time.Now().Add(time.Hour))
		_, err := f.DB.Exec("INSERT INTO "+f.Quote("session")+" ("+f.Quote("id")+", "+f.Quote("expiresAt")+", "+f.Quote("token")+", "+
			f.Quote("createdAt")+", "+f.Quote("updatedAt")+", "+f.Quote("userId")+") VALUES ("+
			f.placeholder(1)+", "+f.placeholder(2)+", "+f.placeholder(3)+", "+f.placeholder(4)+", "+f.placeholder(5)+", "+f.placeholder(6)+")",
			"s2", f.timeValue(time.Now()), "dup", f.timeValue(time.Now()), f.timeValue(time.Now()), u.ID)
		if err == nil {
			t.Error("a second session with the same token was accepted")
		}
	})
}

func TestRowHelpers(t *testing.T) {
	Each(t, func(t *testing.T, f *Fixture) {
		at := time.Date(2026, 11, 25, 22, 47, 22, 123e6, time.UTC)
		f.Now = func() time.Time { return at }
		u := f.AddUser(t, userdb.User{Locale: "de"})
		if len(u.ID) != 32 || u.Email != strings.ToLower(u.ID)+"@example.test" || u.Name != "Test User" {
			t.Errorf("defaults: %+v", u)
		}
		if id, ok := f.MauticID(t, u.ID); ok || id != 0 {
			t.Errorf("new user's mauticId = %d, %v; want NULL", id, ok)
		}
		f.SetMauticID(t, u.ID, 99)
		if id, ok := f.MauticID(t, u.ID); !ok || id != 99 {
			t.Errorf("mauticId = %d, %v; want 99", id, ok)
		}
		f.SetMauticID(t, u.ID, 0)
		if _, ok := f.MauticID(t, u.ID); ok {
			t.Error("SetMauticID(0) should store NULL")
		}

		f.AddSession(t, u.ID, "tok", at.Add(time.Hour))
		later := at.Add(30 * time.Minute)
		f.SetSessionUpdatedAt(t, "tok", later)
		var token, userID string
		var updated time.Time
		err := f.DB.QueryRow("SELECT "+f.Quote("token")+", "+f.Quote("userId")+", "+f.Quote("updatedAt")+" FROM "+f.Quote("session")).
			Scan(&token, &userID, &updated)
		if err != nil || token != "tok" || userID != u.ID || !updated.Equal(later) {
			t.Fatalf("session row: %q %q %v %v; want updatedAt %v", token, userID, updated, err, later)
		}
		if f.Dialect == "sqlite" {
			var kind, text string
			if err := f.DB.QueryRow(`SELECT typeof("updatedAt"), "updatedAt" || '' FROM "session"`).Scan(&kind, &text); err != nil {
				t.Fatal(err)
			}
			if kind != "text" || text != "2026-11-25T23:17:22.123Z" {
				t.Errorf("SQLite date stored as %s %q, not as Better Auth's ISO text", kind, text)
			}
		}
	})
}

// Cleanup drops what the fixture created.
func TestCleanupRemovesTheDatabase(t *testing.T) {
	for _, open := range []func(testing.TB) *Fixture{MySQL, Postgres, SQLite} {
		var f *Fixture
		var name string
		t.Run("fixture", func(t *testing.T) {
			f = open(t)
			switch f.Dialect {
			case "mysql":
				f.DB.QueryRow("SELECT DATABASE()").Scan(&name)
			case "postgres":
				f.DB.QueryRow("SELECT current_database()").Scan(&name)
			default:
				f.DB.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&name)
			}
		})
		if f == nil || name == "" {
			t.Fatal("fixture did not start")
		}
		switch f.Dialect {
		case "mysql":
			admin := MySQL(t)
			var n int
			admin.DB.QueryRow("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", name).Scan(&n)
			if n != 0 {
				t.Errorf("MySQL database %s still exists", name)
			}
		case "postgres":
			admin := Postgres(t)
			var n int
			admin.DB.QueryRow("SELECT COUNT(*) FROM pg_database WHERE datname = $1", name).Scan(&n)
			if n != 0 {
				t.Errorf("PostgreSQL database %s still exists", name)
			}
		default:
			if _, err := os.Stat(name); !os.IsNotExist(err) {
				t.Errorf("SQLite file %s still exists (%v)", name, err)
			}
		}
	}
}

// recorder stands in for a test to see whether a fixture skips or fails.
type recorder struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func runFixture(t *testing.T, open func(testing.TB) *Fixture) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		open(r)
	}()
	<-done
	return r
}

func TestUnreachableServerSkipsOrFails(t *testing.T) {
	t.Setenv(MySQLEnv, "root@tcp(127.0.0.1:1)/")
	t.Setenv(PostgresEnv, "postgres://root@127.0.0.1:1/test?connect_timeout=2")
	for _, open := range []func(testing.TB) *Fixture{MySQL, Postgres} {
		t.Setenv(RequireEnv, "")
		r := runFixture(t, open)
		if !r.skipped || r.failed || !strings.Contains(r.msg, "not reachable") || !strings.Contains(r.msg, RequireEnv) {
			t.Errorf("without %s: skipped=%v failed=%v %q", RequireEnv, r.skipped, r.failed, r.msg)
		}
		t.Setenv(RequireEnv, "1")
		r = runFixture(t, open)
		if !r.failed || r.skipped || !strings.Contains(r.msg, "not reachable") {
			t.Errorf("with %s=1: skipped=%v failed=%v %q", RequireEnv, r.skipped, r.failed, r.msg)
		}
	}
}

func TestOpenGivesAWorkingDB(t *testing.T) {
	Each(t, func(t *testing.T, f *Fixture) {
		db := f.Open(t)
		u := f.AddUser(t, userdb.User{})
		got, err := db.User(t.Context(), u.ID)
		if err != nil || got != u {
			t.Errorf("User = %+v, %v", got, err)
		}
	})
}
