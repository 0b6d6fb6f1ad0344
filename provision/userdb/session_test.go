package userdb_test

import (
	"errors"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestLookupSession(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		alice := f.AddUser(t, userdb.User{Email: "alice@example.org", Name: "Alice Ä", Locale: "de", MauticID: 4242})
		bob := f.AddUser(t, userdb.User{Email: "bob@example.org"})
		live := now.Add(7 * 24 * time.Hour).Add(554 * time.Millisecond)
		f.AddSession(t, alice.ID, "K8WajdB9vXAQAAYwtjGUn6Z05z0AOYMm", live)
		f.AddSession(t, bob.ID, "bobLiveToken", now.Add(time.Minute))
		f.AddSession(t, bob.ID, "bobExpiredToken", now.Add(-time.Second))
		f.AddSession(t, bob.ID, "bobExpiresNow", now)
		tests := []struct {
			token string
			want  userdb.SessionUser
			err   error
		}{
			{"K8WajdB9vXAQAAYwtjGUn6Z05z0AOYMm", userdb.SessionUser{User: alice, SessionExpiresAt: live}, nil},
			{"bobLiveToken", userdb.SessionUser{User: bob, SessionExpiresAt: now.Add(time.Minute)}, nil},
			{"bobExpiredToken", userdb.SessionUser{}, userdb.ErrNotFound},
			{"bobExpiresNow", userdb.SessionUser{}, userdb.ErrNotFound},
			{"k8wajdb9vxaqaaywtjgun6z05z0aoymm", userdb.SessionUser{}, userdb.ErrNotFound},
			{"unknown", userdb.SessionUser{}, userdb.ErrNotFound},
			{"", userdb.SessionUser{}, userdb.ErrNotFound},
			{"' OR '1'='1", userdb.SessionUser{}, userdb.ErrNotFound},
		}
		for _, tt := range tests {
			got, err := db.LookupSession(ctxT(t), tt.token)
			if !errors.Is(err, tt.err) || got.User != tt.want.User || !got.SessionExpiresAt.Equal(tt.want.SessionExpiresAt) {
				t.Errorf("LookupSession(%q) = %+v, %v; want %+v, %v", tt.token, got, err, tt.want, tt.err)
			}
			if err == nil && got.SessionExpiresAt.Location() != time.UTC {
				t.Errorf("SessionExpiresAt is not UTC: %v", got.SessionExpiresAt)
			}
		}
	})
}

func TestLookupSessionSeesWritesAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		u := f.AddUser(t, userdb.User{})
		f.AddSession(t, u.ID, "tok", now.Add(time.Hour))
		if _, err := db.SetMauticID(ctxT(t), u.ID, 777); err != nil {
			t.Fatal(err)
		}
		got, err := db.LookupSession(ctxT(t), "tok")
		if err != nil || got.MauticID != 777 {
			t.Errorf("after SetMauticID, LookupSession = %+v, %v", got, err)
		}
	})
}

// Prisma stores SQLite dates as integer milliseconds, Better Auth's Kysely
// adapter as ISO text; both must work, also side by side.
func TestLookupSessionSQLiteDateForms(t *testing.T) {
	f := dbtest.SQLite(t)
	db := open(t, f)
	u := f.AddUser(t, userdb.User{})
	forms := []struct {
		token   string
		expires any
		live    bool
	}{
		{"prismaLive", now.Add(time.Hour).UnixMilli(), true},
		{"prismaExpired", now.Add(-time.Hour).UnixMilli(), false},
		{"secondsLive", now.Add(time.Hour).Unix(), true},
		{"isoLive", now.Add(time.Hour).Format("2006-01-02T15:04:05.000Z"), true},
		{"isoOffsetExpired", now.Add(-time.Minute).In(time.FixedZone("X", 5*3600)).Format("2006-01-02T15:04:05.000-07:00"), false},
		{"sqlTextLive", now.Add(time.Hour).Format("2006-01-02 15:04:05"), true},
	}
	for _, fm := range forms {
		f.AddSession(t, u.ID, fm.token, now)
		f.Exec(t, `UPDATE "session" SET "expiresAt" = ? WHERE "token" = ?`, fm.expires, fm.token)
		_, err := db.LookupSession(ctxT(t), fm.token)
		if fm.live && err != nil {
			t.Errorf("%s (%v): %v", fm.token, fm.expires, err)
		}
		if !fm.live && !errors.Is(err, userdb.ErrNotFound) {
			t.Errorf("%s (%v): want ErrNotFound, got %v", fm.token, fm.expires, err)
		}
	}
}
