package userdb_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestUser(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		full := f.AddUser(t, userdb.User{Email: "alice@example.org", Name: "Alice Ä", Locale: "de", MauticID: 4242})
		bare := f.AddUser(t, userdb.User{Email: "bob@example.org"})
		tests := []struct {
			id   string
			want userdb.User
			err  error
		}{
			{full.ID, full, nil},
			{bare.ID, userdb.User{ID: bare.ID, Email: "bob@example.org", Name: "Test User"}, nil},
			{"missing", userdb.User{}, userdb.ErrNotFound},
			{"", userdb.User{}, userdb.ErrNotFound},
			{"' OR '1'='1", userdb.User{}, userdb.ErrNotFound},
		}
		for _, tt := range tests {
			got, err := db.User(ctxT(t), tt.id)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("User(%q) = %+v, %v; want %+v, %v", tt.id, got, err, tt.want, tt.err)
			}
		}
	})
}

func TestUsers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		var ids []string
		want := map[string]userdb.User{}
		// More than one query's worth, to cross the chunk boundary.
		for i := 0; i < 1100; i++ {
			u := f.AddUser(t, userdb.User{Email: fmt.Sprintf("u%04d@example.org", i), MauticID: i % 3})
			if i%2 == 0 {
				ids = append(ids, u.ID)
				want[u.ID] = u
			}
		}
		ids = append(ids, "missing", "", ids[0])
		got, err := db.Users(ctxT(t), ids)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Users returned %d users, want %d", len(got), len(want))
		}
		empty, err := db.Users(ctxT(t), nil)
		if err != nil || len(empty) != 0 {
			t.Errorf("Users(nil) = %v, %v", empty, err)
		}
	})
}

func TestUsersByEmail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		ann := f.AddUser(t, userdb.User{ID: "u-ann", Email: "ann@example.org"})
		joann := f.AddUser(t, userdb.User{ID: "u-joann", Email: "joann@example.org"})
		bob := f.AddUser(t, userdb.User{ID: "u-bob", Email: "Bob+Tag@Example.ORG"})
		tests := []struct {
			name   string
			emails []string
			want   []userdb.User
		}{
			{"exact, not substring", []string{"ann@example.org"}, []userdb.User{ann}},
			{"case-insensitive", []string{"ANN@Example.org"}, []userdb.User{ann}},
			{"stored mixed case, plus sign", []string{"bob+tag@example.org"}, []userdb.User{bob}},
			{"several, repeated, padded", []string{" joann@example.org ", "Ann@example.org", "ann@example.org"}, []userdb.User{ann, joann}},
			{"no wildcards", []string{"%@example.org", "_nn@example.org"}, nil},
			{"unknown", []string{"carol@example.org"}, nil},
			{"none", nil, nil},
		}
		for _, tt := range tests {
			got, err := db.UsersByEmail(ctxT(t), tt.emails)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: UsersByEmail(%q) = %+v, %v; want %+v", tt.name, tt.emails, got, err, tt.want)
			}
		}
	})
}

func TestUsersByMauticID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db := open(t, f)
		a := f.AddUser(t, userdb.User{ID: "a", MauticID: 7})
		b := f.AddUser(t, userdb.User{ID: "b", MauticID: 7})
		c := f.AddUser(t, userdb.User{ID: "c", MauticID: 8})
		f.AddUser(t, userdb.User{ID: "d"})
		tests := []struct {
			id   int
			want []userdb.User
		}{
			{7, []userdb.User{a, b}},
			{8, []userdb.User{c}},
			{9, nil},
			{0, nil},
			{-1, nil},
		}
		for _, tt := range tests {
			got, err := db.UsersByMauticID(ctxT(t), tt.id)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("UsersByMauticID(%d) = %+v, %v; want %+v", tt.id, got, err, tt.want)
			}
		}
	})
}
