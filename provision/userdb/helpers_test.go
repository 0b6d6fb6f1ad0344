package userdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// now is the pinned clock of these tests (inside MySQL's TIMESTAMP range).
var now = time.Date(2026, 11, 25, 22, 47, 22, 0, time.UTC)

func pinnedNow() time.Time { return now }

// open returns a DB on f with the pinned clock; rows f adds get the same
// clock.
func open(t *testing.T, f *dbtest.Fixture) *userdb.DB {
	t.Helper()
	f.Now = pinnedNow
	cfg := f.Config()
	cfg.Now = pinnedNow
	return f.OpenWith(t, cfg)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
