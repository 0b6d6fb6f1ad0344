package userdb

import (
	"context"
	"database/sql"
	"time"
)

// Deletions of Mautic contacts are kept in two module tables:
//
//   - caddy_mautic_deleted_contacts: contact ids a lead_post_delete webhook
//     named and that still wait to be confirmed with Mautic (a "send test
//     payload" or a replayed body names a contact that still exists). The
//     webhook's receiver writes them; the engine confirms them in batches.
//   - caddy_mautic_deletions: tombstones, one per user whose contact was
//     confirmed deleted. While a user has one, no contact is made for them:
//     the rescan skips them, and only their next signed-in request after
//     deleted_at clears a tombstone that is not permanent. A permanent one
//     is cleared only by an operator (DELETE FROM caddy_mautic_deletions
//     WHERE user_id = '…').
const (
	tableDeletedContacts = "deleted_contacts"
	tableDeletions       = "deletions"
)

// Tombstone says that a user's Mautic contact was deleted.
type Tombstone struct {
	UserID    string
	ContactID int
	DeletedAt time.Time
	// Permanent tombstones are never cleared by the module.
	Permanent bool
}

func deletedContactsTable() moduleTable {
	return moduleTable{name: tableDeletedContacts, ddl: func(d sqlDialect, table string) []string {
		return []string{"CREATE TABLE IF NOT EXISTS " + table + " (contact_id " + d.typeBigInt() +
			" NOT NULL PRIMARY KEY, received_at " + d.typeTime() + " NOT NULL)"}
	}}
}

func deletionsTable() moduleTable {
	return moduleTable{name: tableDeletions, ddl: func(d sqlDialect, table string) []string {
		return []string{"CREATE TABLE IF NOT EXISTS " + table + " (user_id " + d.typeKey() +
			" NOT NULL PRIMARY KEY, contact_id " + d.typeBigInt() + " NOT NULL, deleted_at " + d.typeTime() +
			" NOT NULL, permanent SMALLINT NOT NULL DEFAULT 0)"}
	}}
}

// notTombstoned is the condition, on a query aliasing the user table u,
// that the user has no tombstone.
func (d sqlDialect) notTombstoned(userIDCol string) string {
	return "NOT EXISTS (SELECT 1 FROM " + d.moduleTableName(tableDeletions) + " dt WHERE dt.user_id = " + userIDCol + ")"
}

// insertIgnore starts an INSERT that skips rows whose key exists; the
// statement ends with onConflict.
func (d sqlDialect) insertIgnore(table string) (prefix, suffix string) {
	if d.name == dialectMySQL {
		return "INSERT IGNORE INTO " + table, ""
	}
	return "INSERT INTO " + table, " ON CONFLICT DO NOTHING"
}

// UsersByMauticIDs returns the users linked to any of the contacts, in one
// query per 500 ids, ordered by id. Webhooks use it to drop at once the
// events of contacts no user is linked to.
func (db *DB) UsersByMauticIDs(ctx context.Context, contactIDs []int) ([]User, error) {
	var found []User
	err := eachIDChunk(contactIDs, func(chunk []any) error {
		return db.queryUsers(ctx, db.q.withList(db.q.usersOfIDs, len(chunk)), chunk, func(u User) {
			found = append(found, u)
		})
	})
	if err != nil {
		return nil, err
	}
	sortUsersByID(found)
	return found, nil
}

// SuspectDeleted records contacts a delete webhook named, to be confirmed
// with Mautic later; ids already recorded keep their first time.
func (db *DB) SuspectDeleted(ctx context.Context, contactIDs []int, at time.Time) error {
	d := db.q.d
	pre, suf := d.insertIgnore(d.moduleTableName(tableDeletedContacts))
	for _, id := range contactIDs {
		if err := checkContactID(id); err != nil {
			return err
		}
		q := pre + " (contact_id, received_at) VALUES (" + d.placeholders(1, 2) + ")" + suf
		if _, err := db.exec(ctx, q, id, at.UnixMilli()); err != nil {
			return db.errorf(err, "recording a deleted contact")
		}
	}
	return nil
}

// SuspectedDeletions returns up to limit contact ids waiting to be
// confirmed, oldest first.
func (db *DB) SuspectedDeletions(ctx context.Context, limit int) ([]int, error) {
	d := db.q.d
	q := "SELECT contact_id FROM " + d.moduleTableName(tableDeletedContacts) +
		" ORDER BY received_at, contact_id LIMIT " + d.placeholder(1)
	rows, err := db.query(ctx, q, limit)
	if err != nil {
		return nil, db.errorf(err, "reading deleted contacts")
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, db.errorf(err, "reading deleted contacts")
		}
		ids = append(ids, int(id))
	}
	if err := rows.Err(); err != nil {
		return nil, db.errorf(err, "reading deleted contacts")
	}
	return ids, nil
}

// ForgetSuspects removes contact ids whose deletion was dealt with.
func (db *DB) ForgetSuspects(ctx context.Context, contactIDs []int) error {
	return eachIDChunk(contactIDs, func(chunk []any) error {
		q := "DELETE FROM " + db.q.d.moduleTableName(tableDeletedContacts) + " WHERE contact_id IN (" +
			db.q.d.placeholders(1, len(chunk)) + ")"
		if _, err := db.exec(ctx, q, chunk...); err != nil {
			return db.errorf(err, "forgetting deleted contacts")
		}
		return nil
	})
}

// DeleteContact applies a confirmed deletion of contact: in one
// transaction, every user linked to it gets a tombstone (replacing an
// older one) and loses the link. It returns the users unlinked.
func (db *DB) DeleteContact(ctx context.Context, contactID int, at time.Time, permanent bool) ([]string, error) {
	if err := checkContactID(contactID); err != nil {
		return nil, err
	}
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.errorf(err, "deleting a contact's links")
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	users, err := txUserIDs(ctx, tx, db.q.usersByMauticID, contactID)
	if err != nil {
		return nil, db.errorf(err, "deleting a contact's links")
	}
	d := db.q.d
	table := d.moduleTableName(tableDeletions)
	perm := 0
	if permanent {
		perm = 1
	}
	for _, uid := range users {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE user_id = "+d.placeholder(1), uid); err != nil {
			return nil, db.errorf(err, "storing a tombstone")
		}
		ins := "INSERT INTO " + table + " (user_id, contact_id, deleted_at, permanent) VALUES (" + d.placeholders(1, 4) + ")"
		if _, err := tx.ExecContext(ctx, ins, uid, contactID, at.UnixMilli(), perm); err != nil {
			return nil, db.errorf(err, "storing a tombstone")
		}
	}
	if _, err := tx.ExecContext(ctx, db.q.clearMauticID, contactID); err != nil {
		return nil, db.errorf(err, "clearing Mautic id")
	}
	if err := tx.Commit(); err != nil {
		return nil, db.errorf(err, "deleting a contact's links")
	}
	return users, nil
}

func txUserIDs(ctx context.Context, tx *sql.Tx, query string, contactID int) ([]string, error) {
	rows, err := tx.QueryContext(ctx, query, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var r userRow
		if err := rows.Scan(r.dest()...); err != nil {
			return nil, err
		}
		ids = append(ids, r.id.String)
	}
	return ids, rows.Err()
}

// Tombstones returns the tombstones of the given users, keyed by user id.
func (db *DB) Tombstones(ctx context.Context, userIDs []string) (map[string]Tombstone, error) {
	out := make(map[string]Tombstone)
	d := db.q.d
	err := db.eachChunk(uniqueNonEmpty(userIDs, false), func(chunk []any) error {
		q := "SELECT user_id, contact_id, deleted_at, permanent FROM " + d.moduleTableName(tableDeletions) +
			" WHERE user_id IN (" + d.placeholders(1, len(chunk)) + ")"
		rows, err := db.query(ctx, q, chunk...)
		if err != nil {
			return db.errorf(err, "reading tombstones")
		}
		defer rows.Close()
		for rows.Next() {
			var t Tombstone
			var contact, at, perm int64
			if err := rows.Scan(&t.UserID, &contact, &at, &perm); err != nil {
				return db.errorf(err, "reading tombstones")
			}
			t.ContactID, t.DeletedAt, t.Permanent = int(contact), time.UnixMilli(at), perm != 0
			out[t.UserID] = t
		}
		if err := rows.Err(); err != nil {
			return db.errorf(err, "reading tombstones")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ClearTombstone removes the user's tombstone unless it is permanent or
// newer than activeAt (a deletion after the user's activity stands). It
// reports whether the user is now free of one.
func (db *DB) ClearTombstone(ctx context.Context, userID string, activeAt time.Time) (bool, error) {
	d := db.q.d
	table := d.moduleTableName(tableDeletions)
	q := "DELETE FROM " + table + " WHERE user_id = " + d.placeholder(1) + " AND permanent = 0 AND deleted_at < " + d.placeholder(2)
	if _, err := db.exec(ctx, q, userID, activeAt.UnixMilli()); err != nil {
		return false, db.errorf(err, "clearing a tombstone")
	}
	var n int64
	err := db.queryRow(ctx, "SELECT COUNT(*) FROM "+table+" WHERE user_id = "+d.placeholder(1), userID).Scan(&n)
	if err != nil {
		return false, db.errorf(err, "clearing a tombstone")
	}
	return n == 0, nil
}

// eachIDChunk calls fn with the distinct positive ids, as int64, in slices
// of at most maxListArgs.
func eachIDChunk(ids []int, fn func(chunk []any) error) error {
	seen := make(map[int]bool, len(ids))
	var args []any
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			args = append(args, int64(id))
		}
	}
	for len(args) > 0 {
		n := min(len(args), maxListArgs)
		if err := fn(args[:n]); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// LinkUnlessDeleted is SetMauticID for a user who has no tombstone: the
// compare-and-set also requires that no deletion holds the user back, in
// the same statement. It returns the id the row holds afterwards (0 when
// the tombstone refused the link), or ErrNotFound.
func (db *DB) LinkUnlessDeleted(ctx context.Context, userID string, contactID int) (stored int, err error) {
	if err := checkContactID(contactID); err != nil {
		return 0, err
	}
	if userID == "" {
		return 0, ErrNotFound
	}
	d := db.q.d
	dt := d.moduleTableName(tableDeletions)
	q := db.q.setMauticID + " AND NOT EXISTS (SELECT 1 FROM " + dt + " dt WHERE dt.user_id = " + d.placeholder(3) + ")"
	if _, err := db.exec(ctx, q, contactID, userID, userID); err != nil {
		return 0, db.errorf(err, "storing Mautic id of user")
	}
	return db.readBackMauticID(ctx, userID)
}
