package userdb_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func ids(users []userdb.User) []string {
	out := []string{}
	for _, u := range users {
		out = append(out, u.ID)
	}
	return out
}

// The queue's state is the database: after a restart (a new handle),
// PendingUsers finds the users still without a contact, newest activity
// first, and no longer those provisioned before the restart.
func TestPendingUsersSurviveRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		f.Now = pinnedNow
		week := now.Add(7 * 24 * time.Hour)
		session := func(user, token string, updated, expires time.Time) {
			f.AddSession(t, user, token, expires)
			f.SetSessionUpdatedAt(t, token, updated)
		}
		hourAgo := f.AddUser(t, userdb.User{ID: "pending-1h"})
		session(hourAgo.ID, "t1", now.Add(-time.Hour), week)
		recent := f.AddUser(t, userdb.User{ID: "pending-10m", Locale: "fr"})
		session(recent.ID, "t2", now.Add(-10*time.Minute), week)
		twoSessions := f.AddUser(t, userdb.User{ID: "pending-2s"})
		session(twoSessions.ID, "t3a", now.Add(-48*time.Hour), week)
		session(twoSessions.ID, "t3b", now.Add(-30*time.Minute), week)
		done := f.AddUser(t, userdb.User{ID: "provisioned", MauticID: 5})
		session(done.ID, "t4", now.Add(-time.Minute), week)
		stale := f.AddUser(t, userdb.User{ID: "stale-3d"})
		session(stale.ID, "t5", now.Add(-72*time.Hour), week)
		expired := f.AddUser(t, userdb.User{ID: "expired"})
		session(expired.ID, "t6", now.Add(-time.Minute), now.Add(-time.Second))
		f.AddUser(t, userdb.User{ID: "no-session"})
		since := now.Add(-24 * time.Hour)

		first := open(t, f)
		for _, u := range []string{"pending-1h", "pending-10m", "pending-2s", "provisioned", "stale-3d", "expired"} {
			if err := first.SetConsent(ctxT(t), u, true, now); err != nil {
				t.Fatal(err)
			}
		}
		got, err := first.PendingUsers(ctxT(t), since, 10)
		if want := []string{"pending-10m", "pending-2s", "pending-1h"}; err != nil || !reflect.DeepEqual(ids(got), want) {
			t.Fatalf("PendingUsers = %v, %v; want %v", ids(got), err, want)
		}
		if got[0] != recent {
			t.Errorf("pending user = %+v, want %+v", got[0], recent)
		}
		if _, err := first.SetMauticID(ctxT(t), recent.ID, 100); err != nil {
			t.Fatal(err)
		}
		if err := first.Close(); err != nil {
			t.Fatal(err)
		}

		restarted := open(t, f)
		tests := []struct {
			since time.Time
			limit int
			want  []string
		}{
			{since, 10, []string{"pending-2s", "pending-1h"}},
			{since, 1, []string{"pending-2s"}},
			{time.Time{}, 10, []string{"pending-2s", "pending-1h", "stale-3d"}},
			{now, 10, []string{}},
		}
		for _, tt := range tests {
			got, err := restarted.PendingUsers(ctxT(t), tt.since, tt.limit)
			if err != nil || !reflect.DeepEqual(ids(got), tt.want) {
				t.Errorf("after restart, PendingUsers(%v, %d) = %v, %v; want %v", tt.since, tt.limit, ids(got), err, tt.want)
			}
		}
		if _, err := restarted.PendingUsers(ctxT(t), since, 0); err == nil {
			t.Error("PendingUsers with limit 0 succeeded")
		}
	})
}
