package userdb

import (
	"context"
	"strings"
	"time"
)

// Link is the module's own record of a user's contact: which contact it
// linked, the email it last made that contact carry, and whether the
// module created the contact for this user. The user row's mauticId says
// which contact a user has; a Link says what the module knows about how
// it got there, which the row cannot hold.
type Link struct {
	UserID    string
	ContactID int
	// Email is the email (lower case) the module last linked or synced to
	// the contact: when the user's email differs, the user changed it.
	Email string
	// Created is true when the module created the contact for this user
	// (it did not exist before), so it holds nothing of anyone else.
	Created bool
	// UpdatedAt is when the record was last written.
	UpdatedAt time.Time
}

// linksDDL creates caddy_mautic_links: one row per linked user.
func linksDDL(d sqlDialect, table string) []string {
	return []string{"CREATE TABLE IF NOT EXISTS " + table + " (" +
		"user_id " + d.typeKey() + " NOT NULL PRIMARY KEY, " +
		"contact_id " + d.typeBigInt() + " NOT NULL, " +
		"email " + d.typeText() + " NOT NULL, " +
		"created " + d.typeBigInt() + " NOT NULL, " +
		"updated_at " + d.typeTime() + " NOT NULL)"}
}

// Links returns the records of the given users, keyed by user id; users
// without one are absent.
func (db *DB) Links(ctx context.Context, userIDs []string) (map[string]Link, error) {
	d := db.q.d
	found := make(map[string]Link, len(userIDs))
	prefix := "SELECT user_id, contact_id, email, created, updated_at FROM " + d.moduleTableName("links") + " WHERE user_id IN ("
	err := db.eachChunk(uniqueNonEmpty(userIDs, false), func(chunk []any) error {
		rows, err := db.query(ctx, db.q.withList(prefix, len(chunk)), chunk...)
		if err != nil {
			return db.errorf(err, "reading links")
		}
		defer rows.Close()
		for rows.Next() {
			var l Link
			var created, updated int64
			if err := rows.Scan(&l.UserID, &l.ContactID, &l.Email, &created, &updated); err != nil {
				return db.errorf(err, "reading links")
			}
			l.Created, l.UpdatedAt = created != 0, time.UnixMilli(updated)
			found[l.UserID] = l
		}
		if err := rows.Err(); err != nil {
			return db.errorf(err, "reading links")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// PutLink writes the user's record, replacing the one there. The email is
// stored in lower case. The caller holds the user's lock (LockUsers).
func (db *DB) PutLink(ctx context.Context, l Link) error {
	if l.UserID == "" {
		return ErrNotFound
	}
	if err := checkContactID(l.ContactID); err != nil {
		return err
	}
	d := db.q.d
	created := int64(0)
	if l.Created {
		created = 1
	}
	upsert := "INSERT INTO " + d.moduleTableName("links") + " (user_id, contact_id, email, created, updated_at) VALUES (" +
		d.placeholders(1, 5) + ") " + d.upsertTail("user_id", "contact_id", "email", "created", "updated_at")
	if _, err := db.exec(ctx, upsert, l.UserID, l.ContactID, strings.ToLower(strings.TrimSpace(l.Email)), created, db.now().UnixMilli()); err != nil {
		return db.errorf(err, "writing link")
	}
	return nil
}

// upsertTail completes an INSERT into a table whose primary key is key so
// that a row already there takes the new values of cols.
func (d sqlDialect) upsertTail(key string, cols ...string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		if d.name == dialectMySQL {
			set[i] = c + " = VALUES(" + c + ")"
		} else {
			set[i] = c + " = excluded." + c
		}
	}
	if d.name == dialectMySQL {
		return "ON DUPLICATE KEY UPDATE " + strings.Join(set, ", ")
	}
	return "ON CONFLICT (" + key + ") DO UPDATE SET " + strings.Join(set, ", ")
}
