package userdb

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// SessionUser is the user a live session belongs to.
type SessionUser struct {
	User
	// SessionExpiresAt bounds how long the answer may be cached.
	SessionExpiresAt time.Time
}

// LookupSession returns the user of the unexpired session whose token is
// token (the part of the session_token cookie before the signature), or
// ErrNotFound.
func (db *DB) LookupSession(ctx context.Context, token string) (SessionUser, error) {
	if token == "" {
		return SessionUser{}, ErrNotFound
	}
	var (
		r       userRow
		expires anyTime
	)
	err := db.queryRow(ctx, db.q.lookupSession, db.q.lookupSessionArgs(token, db.now())...).
		Scan(r.dest(&expires)...)
	if errors.Is(err, sql.ErrNoRows) {
		return SessionUser{}, ErrNotFound
	}
	if err != nil {
		return SessionUser{}, db.errorf(err, "looking up session")
	}
	return SessionUser{User: r.user(), SessionExpiresAt: expires.t}, nil
}
