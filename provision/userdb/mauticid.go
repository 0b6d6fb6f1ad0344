package userdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SetMauticID stores contactID on the user's row unless the row already
// holds an id (a compare-and-set: UPDATE … WHERE id = ? AND mauticId IS
// NULL, so a stale writer never replaces a newer id), and returns the id the row holds afterwards: contactID
// when it was stored (or was already there), else the id a concurrent writer
// stored first, which the caller should adopt. It returns ErrNotFound when
// the user does not exist.
func (db *DB) SetMauticID(ctx context.Context, userID string, contactID int) (stored int, err error) {
	if err := checkContactID(contactID); err != nil {
		return 0, err
	}
	if userID == "" {
		return 0, ErrNotFound
	}
	if _, err := db.exec(ctx, db.q.setMauticID, contactID, userID); err != nil {
		return 0, db.errorf(err, "storing Mautic id of user")
	}
	return db.readBackMauticID(ctx, userID)
}

// readBackMauticID returns the id a compare-and-set left in the user's
// row. Read back instead of trusting the affected-row count: MySQL counts
// only changed rows, so "already equal" and "held by another" look alike.
func (db *DB) readBackMauticID(ctx context.Context, userID string) (int, error) {
	var current sql.NullInt64
	err := db.queryRow(ctx, db.q.readMauticID, userID).Scan(&current)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	if err != nil {
		return 0, db.errorf(err, "reading Mautic id of user")
	}
	return int(current.Int64), nil
}

// ReplaceMauticID moves every user linked to contact from onto contact to,
// as when Mautic merges from into to. It returns the number of rows changed.
func (db *DB) ReplaceMauticID(ctx context.Context, from, to int) (int64, error) {
	if err := checkContactID(from); err != nil {
		return 0, err
	}
	if err := checkContactID(to); err != nil {
		return 0, err
	}
	if from == to {
		return 0, nil
	}
	return db.execCount(ctx, "replacing Mautic id", db.q.replaceMauticID, to, from)
}

// ClearMauticID sets mauticId to NULL on the rows that still hold contactID,
// as when the contact is deleted in Mautic; rows linked meanwhile to another
// contact are left alone. It returns the number of rows changed.
func (db *DB) ClearMauticID(ctx context.Context, contactID int) (int64, error) {
	if err := checkContactID(contactID); err != nil {
		return 0, err
	}
	return db.execCount(ctx, "clearing Mautic id", db.q.clearMauticID, contactID)
}

func (db *DB) execCount(ctx context.Context, what, query string, args ...any) (int64, error) {
	res, err := db.exec(ctx, query, args...)
	if err != nil {
		return 0, db.errorf(err, "%s", what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, db.errorf(err, "%s", what)
	}
	return n, nil
}

func checkContactID(id int) error {
	if id <= 0 {
		return fmt.Errorf("userdb: Mautic contact id %d is not positive", id)
	}
	return nil
}
