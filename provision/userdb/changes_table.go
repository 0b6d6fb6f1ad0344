package userdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// changesTable is the feed by which instances learn what another one
// changed: a user's contact (merged, deleted, relinked) or a contact that
// no longer exists. Every instance appends what it applies and reads what
// the others appended, so no cache outlives a change by more than one
// poll. Rows are pruned after an hour.
func changesTable() moduleTable {
	return moduleTable{name: "changes", ddl: func(d sqlDialect, t string) []string {
		ifNotExists := " IF NOT EXISTS"
		if d.name == dialectMySQL {
			ifNotExists = ""
		}
		return []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (" +
				"seq " + d.typeSerialPK() + ", " +
				"user_id " + d.typeKey() + " NOT NULL DEFAULT '', " +
				"old_contact " + d.typeBigInt() + " NOT NULL DEFAULT 0, " +
				"new_contact " + d.typeBigInt() + " NOT NULL DEFAULT 0, " +
				"at " + d.typeTime() + " NOT NULL)",
			"CREATE INDEX" + ifNotExists + " " + d.quote(ModuleTablePrefix+"changes_at") + " ON " + t + " (at)",
		}
	}}
}

// Change is one entry of the change feed.
type Change struct {
	// Seq orders the feed; set by AppendChanges.
	Seq int64
	// UserID is the user whose contact changed, or "" when the change is
	// about a contact alone.
	UserID string
	// OldContact is a contact that no longer exists (deleted or merged
	// away), or 0.
	OldContact int
	// NewContact is the user's contact now, or 0 when they have none.
	NewContact int
	// At is when the change was appended.
	At time.Time
}

func (db *DB) changesSQL(stmt string) string {
	d := db.q.d
	stmt = strings.ReplaceAll(stmt, "{t}", d.moduleTableName("changes"))
	for i := 9; i >= 1; i-- {
		stmt = strings.ReplaceAll(stmt, fmt.Sprintf("$%d", i), d.placeholder(i))
	}
	return stmt
}

// AppendChanges adds changes to the feed, stamped with the current time.
func (db *DB) AppendChanges(ctx context.Context, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	at := db.now().UnixMilli()
	q := db.changesSQL("INSERT INTO {t} (user_id, old_contact, new_contact, at) VALUES ($1, $2, $3, $4)")
	for _, c := range changes {
		if _, err := db.sql.ExecContext(ctx, q, c.UserID, c.OldContact, c.NewContact, at); err != nil {
			return db.errorf(err, "appending to the change feed")
		}
	}
	return nil
}

// ChangesSince returns, in order, the changes after seq, and those
// appended since since (sequence numbers are not committed in order: a
// change numbered below one already read may appear a moment later, so
// readers look back a little and skip what they saw). At most limit rows.
func (db *DB) ChangesSince(ctx context.Context, seq int64, since time.Time, limit int) ([]Change, error) {
	rows, err := db.sql.QueryContext(ctx, db.changesSQL(
		"SELECT seq, user_id, old_contact, new_contact, at FROM {t} WHERE seq > $1 OR at >= $2 ORDER BY seq LIMIT "+fmt.Sprint(limit)),
		seq, since.UnixMilli())
	if err != nil {
		return nil, db.errorf(err, "reading the change feed")
	}
	var out []Change
	for rows.Next() {
		var (
			c        Change
			old, new int64
			at       int64
		)
		if err := rows.Scan(&c.Seq, &c.UserID, &old, &new, &at); err != nil {
			rows.Close()
			return nil, db.errorf(err, "reading the change feed")
		}
		c.OldContact, c.NewContact, c.At = int(old), int(new), time.UnixMilli(at)
		out = append(out, c)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, db.errorf(err, "reading the change feed")
	}
	return out, nil
}

// LastChange returns the highest sequence number in the feed (0 if empty).
func (db *DB) LastChange(ctx context.Context) (int64, error) {
	var seq int64
	if err := db.sql.QueryRowContext(ctx, db.changesSQL("SELECT COALESCE(MAX(seq), 0) FROM {t}")).Scan(&seq); err != nil {
		return 0, db.errorf(err, "reading the change feed")
	}
	return seq, nil
}

// PruneChanges deletes the changes appended before before.
func (db *DB) PruneChanges(ctx context.Context, before time.Time) error {
	_, err := db.sql.ExecContext(ctx, db.changesSQL("DELETE FROM {t} WHERE at < $1"), before.UnixMilli())
	if err != nil {
		return db.errorf(err, "pruning the change feed")
	}
	return nil
}
