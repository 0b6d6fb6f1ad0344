package caddymodule

import (
	"context"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// engineHooks are the metrics' hooks plus the resolver's: users whose
// contact changed (a confirmed deletion here, or any change another
// instance published) are read again on their next request.
func (st *state) engineHooks() provision.Hooks {
	h := st.metrics.hooks()
	h.UsersChanged = st.forgetUsers
	return h
}

// The deletion methods of the engine's Store (see background.go).

func (l lazyStore) UsersByMauticIDs(ctx context.Context, ids []int) ([]userdb.User, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.UsersByMauticIDs(ctx, ids)
}

func (l lazyStore) SuspectDeleted(ctx context.Context, ids []int, at time.Time) error {
	db, err := l.db()
	if err != nil {
		return err
	}
	return db.SuspectDeleted(ctx, ids, at)
}

func (l lazyStore) SuspectedDeletions(ctx context.Context, limit int) ([]int, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.SuspectedDeletions(ctx, limit)
}

func (l lazyStore) ForgetSuspects(ctx context.Context, ids []int) error {
	db, err := l.db()
	if err != nil {
		return err
	}
	return db.ForgetSuspects(ctx, ids)
}

func (l lazyStore) DeleteContact(ctx context.Context, id int, at time.Time, permanent bool) ([]string, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.DeleteContact(ctx, id, at, permanent)
}

func (l lazyStore) Tombstones(ctx context.Context, userIDs []string) (map[string]userdb.Tombstone, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.Tombstones(ctx, userIDs)
}

func (l lazyStore) ClearTombstone(ctx context.Context, userID string, activeAt time.Time) (bool, error) {
	db, err := l.db()
	if err != nil {
		return false, err
	}
	return db.ClearTombstone(ctx, userID, activeAt)
}

func (l lazyStore) LinkUnlessDeleted(ctx context.Context, userID string, contactID int) (int, error) {
	db, err := l.db()
	if err != nil {
		return 0, err
	}
	return db.LinkUnlessDeleted(ctx, userID, contactID)
}
