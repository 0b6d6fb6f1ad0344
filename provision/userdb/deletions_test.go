package userdb_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// A confirmed deletion tombstones the contact's users and unlinks them in
// one step; the rescan skips them until a visit after the deletion clears
// a tombstone that is not permanent. A second handle (another Caddy
// instance, or a restart) sees the same.
func TestDeleteContactTombstonesUntilAVisit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		week := time.Now().Add(7 * 24 * time.Hour)
		gone := f.AddUser(t, userdb.User{ID: "gone", MauticID: 41})
		f.AddSession(t, gone.ID, "tg", week)
		kept := f.AddUser(t, userdb.User{ID: "kept", MauticID: 42})
		f.AddSession(t, kept.ID, "tk", week)
		erased := f.AddUser(t, userdb.User{ID: "erased", MauticID: 43})
		f.AddSession(t, erased.ID, "te", week)
		at := time.UnixMilli(time.Now().UnixMilli())
		// All three allowed tracking: only the tombstones hold them back.
		for _, id := range []string{gone.ID, kept.ID, erased.ID} {
			if err := db.SetConsent(ctxT(t), id, true, at.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
		}

		users, err := db.DeleteContact(ctxT(t), 41, at, false)
		if err != nil || !slices.Equal(users, []string{"gone"}) {
			t.Fatalf("DeleteContact = %v, %v", users, err)
		}
		if _, err := db.DeleteContact(ctxT(t), 43, at, true); err != nil {
			t.Fatal(err)
		}
		if id, _ := f.MauticID(t, gone.ID); id != 0 {
			t.Errorf("deleted user still linked to %d", id)
		}
		other := open(t, f)
		pending, err := other.PendingUsers(ctxT(t), time.Time{}, 10)
		if err != nil || len(pending) != 0 {
			t.Fatalf("PendingUsers = %v, %v; want none (tombstoned)", ids(pending), err)
		}
		ts, err := other.Tombstones(ctxT(t), []string{"gone", "kept", "erased"})
		want := map[string]userdb.Tombstone{
			"gone":   {UserID: "gone", ContactID: 41, DeletedAt: at},
			"erased": {UserID: "erased", ContactID: 43, DeletedAt: at, Permanent: true},
		}
		if err != nil || !reflect.DeepEqual(ts, want) {
			t.Fatalf("Tombstones = %+v, %v; want %+v", ts, err, want)
		}
		// Activity before the deletion clears nothing; after it, only the
		// tombstone that is not permanent.
		if free, err := other.ClearTombstone(ctxT(t), "gone", at.Add(-time.Second)); err != nil || free {
			t.Errorf("ClearTombstone before the deletion = %v, %v", free, err)
		}
		if free, err := other.ClearTombstone(ctxT(t), "gone", at.Add(time.Second)); err != nil || !free {
			t.Errorf("ClearTombstone after the deletion = %v, %v", free, err)
		}
		if free, err := other.ClearTombstone(ctxT(t), "erased", at.Add(time.Hour)); err != nil || free {
			t.Errorf("ClearTombstone of a permanent one = %v, %v", free, err)
		}
		// A link offered by a webhook is refused while a tombstone holds.
		if stored, err := db.LinkUnlessDeleted(ctxT(t), "erased", 50); err != nil || stored != 0 {
			t.Errorf("LinkUnlessDeleted of a tombstoned user = %d, %v; want 0", stored, err)
		}
		if stored, err := db.LinkUnlessDeleted(ctxT(t), "kept", 50); err != nil || stored != 42 {
			t.Errorf("LinkUnlessDeleted of a linked user = %d, %v; want 42", stored, err)
		}
		pending, err = db.PendingUsers(ctxT(t), time.Time{}, 10)
		if err != nil || !slices.Equal(ids(pending), []string{"gone"}) {
			t.Errorf("PendingUsers = %v, %v; want the cleared user only", ids(pending), err)
		}
	})
}

// Suspected deletions are kept until forgotten, once per contact, and
// UsersByMauticIDs finds the linked users of many contacts in one query.
func TestSuspectedDeletions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		f.AddUser(t, userdb.User{ID: "a", MauticID: 7})
		f.AddUser(t, userdb.User{ID: "b", MauticID: 9})
		f.AddUser(t, userdb.User{ID: "c"})
		users, err := db.UsersByMauticIDs(ctxT(t), []int{9, 7, 8, 7})
		if err != nil || !slices.Equal(ids(users), []string{"a", "b"}) {
			t.Fatalf("UsersByMauticIDs = %v, %v", ids(users), err)
		}
		now := time.Now()
		if err := db.SuspectDeleted(ctxT(t), []int{9, 7}, now); err != nil {
			t.Fatal(err)
		}
		if err := db.SuspectDeleted(ctxT(t), []int{7, 5}, now.Add(time.Second)); err != nil {
			t.Fatal(err) // 7 again: kept once
		}
		got, err := db.SuspectedDeletions(ctxT(t), 10)
		if err != nil || !slices.Equal(got, []int{7, 9, 5}) {
			t.Fatalf("SuspectedDeletions = %v, %v", got, err)
		}
		if err := db.ForgetSuspects(ctxT(t), []int{7, 9}); err != nil {
			t.Fatal(err)
		}
		if got, err := db.SuspectedDeletions(ctxT(t), 10); err != nil || !slices.Equal(got, []int{5}) {
			t.Fatalf("after ForgetSuspects: %v, %v", got, err)
		}
	})
}
