package caddymodule

import (
	"context"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// lazyChanges is the engine's change feed while the database may not be
// connected yet.
type lazyChanges struct{ st *state }

func (l lazyChanges) db() (*userdb.DB, error) {
	if db := l.st.db.Load(); db != nil {
		return db, nil
	}
	return nil, errDBNotConnected
}

func (l lazyChanges) AppendChanges(ctx context.Context, changes []userdb.Change) error {
	db, err := l.db()
	if err != nil {
		return err
	}
	return db.AppendChanges(ctx, changes)
}

func (l lazyChanges) ChangesSince(ctx context.Context, seq int64, since time.Time, limit int) ([]userdb.Change, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.ChangesSince(ctx, seq, since, limit)
}

func (l lazyChanges) LastChange(ctx context.Context) (int64, error) {
	db, err := l.db()
	if err != nil {
		return 0, err
	}
	return db.LastChange(ctx)
}

func (l lazyChanges) PruneChanges(ctx context.Context, before time.Time) error {
	db, err := l.db()
	if err != nil {
		return err
	}
	return db.PruneChanges(ctx, before)
}

// forgetUsers drops what the identity resolver caches about users whose
// contact changed.
func (st *state) forgetUsers(userIDs []string) {
	if st.resolver == nil {
		return
	}
	for _, uid := range userIDs {
		st.resolver.ForgetUser(uid)
	}
}
