package userdb_test

import (
	"testing"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// TestEmailVerified reads Better Auth's emailVerified through every user
// query, on each dialect's own boolean type (MySQL TINYINT, PostgreSQL
// boolean, SQLite integer), and under a renamed column.
func TestEmailVerified(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		yes := f.AddUser(t, userdb.User{Email: "yes@example.org", EmailVerified: true, MauticID: 7})
		no := f.AddUser(t, userdb.User{Email: "no@example.org"})
		got, err := db.Users(ctxT(t), []string{yes.ID, no.ID})
		if err != nil {
			t.Fatal(err)
		}
		if !got[yes.ID].EmailVerified || got[no.ID].EmailVerified {
			t.Errorf("Users: verified %v and %v, want true and false", got[yes.ID].EmailVerified, got[no.ID].EmailVerified)
		}
		f.SetEmailVerified(t, no.ID, true)
		u, err := db.User(ctxT(t), no.ID)
		if err != nil || !u.EmailVerified {
			t.Errorf("User after verification: %+v, %v; want verified", u, err)
		}
		linked, err := db.UsersByMauticID(ctxT(t), 7)
		if err != nil || len(linked) != 1 || !linked[0].EmailVerified {
			t.Errorf("UsersByMauticID: %+v, %v", linked, err)
		}
	})
}

func TestEmailVerifiedRenamedOrAbsent(t *testing.T) {
	f := dbtest.SQLite(t)
	f.Rename(t, "", "", userdb.Columns{UserEmailVerified: "email_verified"})
	u := f.AddUser(t, userdb.User{EmailVerified: true})
	got, err := open(t, f).User(ctxT(t), u.ID)
	if err != nil || !got.EmailVerified {
		t.Errorf("renamed column: %+v, %v", got, err)
	}
	cfg := f.Config()
	cfg.Columns.UserEmailVerified = userdb.NoColumn
	got, err = f.OpenWith(t, cfg).User(ctxT(t), u.ID)
	if err != nil || got.EmailVerified {
		t.Errorf("no column: %+v, %v; want unverified", got, err)
	}
}
