package userdb_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// The rescan provisions only users whose last request allowed tracking:
// not one who withheld consent, not one who withdrew it later, not one of
// whom nothing is known; and a late write of an older decision (another
// instance) does not undo a newer one. The decision survives a restart.
func TestPendingUsersOnlyWithConsent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		ctx := ctxT(t)
		add := func(id string) {
			f.AddUser(t, userdb.User{ID: id})
			f.AddSession(t, id, "tok-"+id, now.Add(time.Hour))
		}
		decide := func(id string, allowed bool, at time.Time) {
			t.Helper()
			if err := db.SetConsent(ctx, id, allowed, at); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{"allowed", "withheld", "withdrawn", "unknown", "late-older-write", "given-later"} {
			add(id)
		}
		decide("allowed", true, now)
		decide("withheld", false, now)
		decide("withdrawn", true, now.Add(-time.Hour))
		decide("withdrawn", false, now)
		decide("late-older-write", false, now)
		decide("late-older-write", true, now.Add(-time.Minute))
		decide("given-later", false, now.Add(-time.Hour))
		decide("given-later", true, now)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}

		restarted := open(t, f)
		got, err := restarted.PendingUsers(ctx, time.Time{}, 10)
		want := []string{"allowed", "given-later"}
		if err != nil || !reflect.DeepEqual(sorted(ids(got)), want) {
			t.Errorf("PendingUsers = %v, %v; want %v", ids(got), err, want)
		}
	})
}

// A second Open finds the table there and keeps its rows.
func TestConsentTableCreatedOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		f.AddUser(t, userdb.User{ID: "u"})
		f.AddSession(t, "u", "tok", now.Add(time.Hour))
		if err := db.SetConsent(ctxT(t), "u", true, now); err != nil {
			t.Fatal(err)
		}
		again := open(t, f)
		if got, err := again.PendingUsers(ctxT(t), time.Time{}, 10); err != nil || len(got) != 1 {
			t.Errorf("after a second Open, PendingUsers = %v, %v", ids(got), err)
		}
		if err := again.SetConsent(ctxT(t), "", true, now); err == nil {
			t.Error("SetConsent of no user succeeded")
		}
	})
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}
