package userdb

import (
	"context"
	"fmt"
	"time"
)

// PendingUsers returns up to limit users without a Mautic contact (mauticId
// NULL) who have an unexpired session updated at or after activeSince and
// whose last recorded consent decision (SetConsent) allowed tracking, most
// recently active first. After a restart the provisioning queue is rebuilt
// from it: the database is the queue's durable state. A user with no
// recorded decision is left out: they are provisioned on their next
// request that allows it. A zero activeSince means every user with an
// unexpired session.
//
// Better Auth refreshes session.updatedAt at most once per updateAge (a day
// by default), so activeSince should reach back at least that far.
func (db *DB) PendingUsers(ctx context.Context, activeSince time.Time, limit int) ([]User, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("userdb: PendingUsers limit %d is not positive", limit)
	}
	d := db.q.d
	var found []User
	err := db.queryUsers(ctx, db.q.pendingUsers,
		[]any{d.timeArg(db.now()), d.timeArg(activeSince), limit},
		func(u User) { found = append(found, u) })
	return found, err
}
