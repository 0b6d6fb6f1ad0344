package userdb_test

import (
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		if err := db.PutLink(ctxT(t), userdb.Link{UserID: "u1", ContactID: 5, Email: " Old@Example.org ", Created: true}); err != nil {
			t.Fatal(err)
		}
		if err := db.PutLink(ctxT(t), userdb.Link{UserID: "u2", ContactID: 6, Email: "b@example.org"}); err != nil {
			t.Fatal(err)
		}
		// A second write replaces the first: the email synced changes.
		if err := db.PutLink(ctxT(t), userdb.Link{UserID: "u1", ContactID: 5, Email: "new@example.org", Created: true}); err != nil {
			t.Fatal(err)
		}
		got, err := db.Links(ctxT(t), []string{"u1", "u2", "missing", ""})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("Links = %+v, want 2", got)
		}
		u1, u2 := got["u1"], got["u2"]
		if u1.ContactID != 5 || u1.Email != "new@example.org" || !u1.Created || !u1.UpdatedAt.Equal(pinnedNow().Truncate(time.Millisecond)) {
			t.Errorf("u1 = %+v", u1)
		}
		if u2.ContactID != 6 || u2.Email != "b@example.org" || u2.Created {
			t.Errorf("u2 = %+v", u2)
		}
		if err := db.PutLink(ctxT(t), userdb.Link{UserID: "u3", ContactID: 0}); err == nil {
			t.Error("PutLink took contact 0")
		}
	})
}

func TestDevices(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		start := pinnedNow().Add(-time.Second)
		for _, p := range []struct {
			device  string
			contact int
		}{{"dev-a", 11}, {"dev-b", 12}, {"dev-a", 13}} {
			if err := db.PutDevice(ctxT(t), p.device, p.contact); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.DeviceContacts(ctxT(t), []string{"dev-a", "dev-b", "dev-c", ""}, start)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got["dev-a"] != 13 || got["dev-b"] != 12 {
			t.Errorf("DeviceContacts = %v, want dev-a 13 (the later answer), dev-b 12", got)
		}
		later, err := db.DeviceContacts(ctxT(t), []string{"dev-a"}, pinnedNow().Add(time.Hour))
		if err != nil || len(later) != 0 {
			t.Errorf("DeviceContacts since the future = %v, %v; want none", later, err)
		}
		// The raw device id, a browser's secret, is not stored.
		var n int
		if err := f.DB.QueryRow("SELECT COUNT(*) FROM " + f.Quote(userdb.ModuleTablePrefix+"devices") +
			" WHERE device_hash = 'dev-a'").Scan(&n); err != nil || n != 0 {
			t.Errorf("raw device id stored: %d rows, %v", n, err)
		}
		pruned, err := db.PruneDevices(ctxT(t), pinnedNow().Add(time.Hour))
		if err != nil || pruned != 2 {
			t.Errorf("PruneDevices = %d, %v; want 2", pruned, err)
		}
	})
}
