package userdb_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// exerciseAll runs every method once on f's current names.
func exerciseAll(t *testing.T, f *dbtest.Fixture, wantLocale string) {
	t.Helper()
	db := open(t, f)
	ctx := ctxT(t)
	u := f.AddUser(t, userdb.User{Email: "Ann@Example.org", Name: "Ann", Locale: wantLocale})
	f.AddSession(t, u.ID, "tok", now.Add(time.Hour))
	want := userdb.User{ID: u.ID, Email: "Ann@Example.org", Name: "Ann", Locale: wantLocale}

	if got, err := db.User(ctx, u.ID); err != nil || got != want {
		t.Errorf("User = %+v, %v; want %+v", got, err, want)
	}
	if got, err := db.Users(ctx, []string{u.ID}); err != nil || got[u.ID] != want {
		t.Errorf("Users = %+v, %v", got, err)
	}
	if got, err := db.UsersByEmail(ctx, []string{"ann@example.org"}); err != nil || !reflect.DeepEqual(got, []userdb.User{want}) {
		t.Errorf("UsersByEmail = %+v, %v", got, err)
	}
	if got, err := db.LookupSession(ctx, "tok"); err != nil || got.User != want {
		t.Errorf("LookupSession = %+v, %v", got, err)
	}
	if err := db.SetConsent(ctx, u.ID, true, now); err != nil {
		t.Errorf("SetConsent: %v", err)
	}
	if got, err := db.PendingUsers(ctx, now.Add(-time.Hour), 5); err != nil || !reflect.DeepEqual(got, []userdb.User{want}) {
		t.Errorf("PendingUsers = %+v, %v", got, err)
	}
	if got, err := db.SetMauticID(ctx, u.ID, 31); err != nil || got != 31 {
		t.Errorf("SetMauticID = %d, %v", got, err)
	}
	if got, err := db.SetMauticID(ctx, u.ID, 32); err != nil || got != 31 {
		t.Errorf("stale SetMauticID = %d, %v", got, err)
	}
	want.MauticID = 31
	if got, err := db.UsersByMauticID(ctx, 31); err != nil || !reflect.DeepEqual(got, []userdb.User{want}) {
		t.Errorf("UsersByMauticID = %+v, %v", got, err)
	}
	if n, err := db.ReplaceMauticID(ctx, 31, 40); err != nil || n != 1 {
		t.Errorf("ReplaceMauticID = %d, %v", n, err)
	}
	if n, err := db.ClearMauticID(ctx, 40); err != nil || n != 1 {
		t.Errorf("ClearMauticID = %d, %v", n, err)
	}
	if id, ok := f.MauticID(t, u.ID); ok {
		t.Errorf("mauticId = %d after ClearMauticID", id)
	}
	held, release, err := db.LockUsers(ctx, []string{u.ID})
	if err != nil || len(held) != 1 {
		t.Errorf("LockUsers = %v, %v", held, err)
	}
	release()
}

// Prisma without @@map names the tables User and Session: distinct from
// user and session on MySQL (case-sensitive names) and PostgreSQL (quoted).
func TestPrismaDefaultTableNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		f.Rename(t, "User", "Session", userdb.Columns{})
		exerciseAll(t, f, "de")
		if f.Dialect != "sqlite" { // SQLite table names ignore case
			cfg := f.Config()
			cfg.UserTable, cfg.SessionTable = "user", "session"
			if _, err := userdb.Open(ctxT(t), cfg); err == nil {
				t.Error("Open with the lower-case names succeeded on a database that has only User and Session")
			}
		}
	})
}

func TestCustomColumnNames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		f.Rename(t, "app_user", "app_session", userdb.Columns{
			UserID: "uid", UserEmail: "mail", UserName: "full_name", UserLocale: "lang", UserMauticID: "mautic_contact_id",
			SessionToken: "session_token", SessionUserID: "user_ref", SessionExpiresAt: "expires_at", SessionUpdatedAt: "touched_at",
		})
		exerciseAll(t, f, "fr")
	})
}

func TestNoLocaleColumn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		f.Rename(t, "", "", userdb.Columns{UserLocale: userdb.NoColumn})
		exerciseAll(t, f, "")
		cfg := f.Config()
		cfg.Columns.UserLocale = "locale"
		if _, err := userdb.Open(ctxT(t), cfg); err == nil {
			t.Error("Open expecting a locale column succeeded without one")
		}
	})
}

func TestErrNotFoundIsComparable(t *testing.T) {
	f := dbtest.SQLite(t)
	db := open(t, f)
	_, err := db.SetMauticID(ctxT(t), "nobody", 1)
	if !errors.Is(err, userdb.ErrNotFound) {
		t.Errorf("SetMauticID on a missing user = %v", err)
	}
}
