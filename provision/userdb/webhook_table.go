package userdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/spool"
)

// webhookTable is the shared webhook spool: every accepted webhook body is
// a row until it has been applied, so that losing the instance that
// accepted it loses nothing. Rows are keyed by the body's SHA-256, so a
// replay is stored once. A row is pending while applied_at and rejected_at
// are 0; an instance claims it by setting claimed_by and claimed_until (a
// lease), applies it, then sets applied_at. A lease that runs out (its
// instance died) makes the row claimable again.
func webhookTable() moduleTable {
	return moduleTable{name: "webhooks", ddl: func(d sqlDialect, t string) []string {
		ifNotExists := " IF NOT EXISTS"
		if d.name == dialectMySQL {
			ifNotExists = "" // MySQL before 8.0.29; a lost race is tolerated
		}
		return []string{
			"CREATE TABLE IF NOT EXISTS " + t + " (" +
				"id " + d.typeSerialPK() + ", " +
				"digest " + d.typeKey() + " NOT NULL UNIQUE, " +
				"body " + d.typeBytes() + " NOT NULL, " +
				"meta " + d.typeText() + " NOT NULL, " +
				"received_at " + d.typeTime() + " NOT NULL, " +
				"claimed_by " + d.typeKey() + " NOT NULL DEFAULT '', " +
				"claimed_until " + d.typeTime() + " NOT NULL DEFAULT 0, " +
				"attempts " + d.typeBigInt() + " NOT NULL DEFAULT 0, " +
				"applied_at " + d.typeTime() + " NOT NULL DEFAULT 0, " +
				"rejected_at " + d.typeTime() + " NOT NULL DEFAULT 0, " +
				"reason " + d.typeText() + " NULL)",
			"CREATE INDEX" + ifNotExists + " " + d.quote(ModuleTablePrefix+"webhooks_due") +
				" ON " + t + " (applied_at, rejected_at, claimed_until)",
		}
	}}
}

// typeBytes is a binary column: a webhook body is kept byte for byte,
// whatever its encoding.
func (d sqlDialect) typeBytes() string {
	switch d.name {
	case dialectMySQL:
		return "LONGBLOB"
	case dialectPostgres:
		return "BYTEA"
	default:
		return "BLOB"
	}
}

// webhookSQL renders a statement on the webhook table: {t} is the table,
// $n the n-th parameter in the dialect's style.
func (db *DB) webhookSQL(stmt string) string {
	d := db.q.d
	stmt = strings.ReplaceAll(stmt, "{t}", d.moduleTableName("webhooks"))
	for i := 9; i >= 1; i-- {
		stmt = strings.ReplaceAll(stmt, fmt.Sprintf("$%d", i), d.placeholder(i))
	}
	return stmt
}

// insertIgnore returns the dialect's insert that does nothing on a
// duplicate key.
func (db *DB) insertIgnore(table, cols, vals string) string {
	if db.q.d.name == dialectMySQL {
		return "INSERT IGNORE INTO " + table + " (" + cols + ") VALUES (" + vals + ")"
	}
	return "INSERT INTO " + table + " (" + cols + ") VALUES (" + vals + ") ON CONFLICT DO NOTHING"
}

// InsertWebhook stores e unless a row with its digest exists. It returns
// spool.Stored once the row is committed, or what became of the earlier
// copy: spool.AlreadyPending (not applied yet) or spool.AlreadyApplied.
func (db *DB) InsertWebhook(ctx context.Context, e spool.Entry) (spool.PutResult, error) {
	meta, err := json.Marshal(e.Meta)
	if err != nil {
		return 0, fmt.Errorf("userdb: encoding webhook metadata: %w", err)
	}
	recv := e.Meta.ReceivedAt
	if recv.IsZero() {
		recv = db.now()
	}
	q := db.webhookSQL(db.insertIgnore("{t}", "digest, body, meta, received_at", "$1, $2, $3, $4"))
	res, err := db.sql.ExecContext(ctx, q, e.ID, e.Body, string(meta), recv.UnixMilli())
	if err != nil {
		return 0, db.errorf(err, "storing webhook")
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return spool.Stored, nil
	}
	var applied, rejected int64
	err = db.sql.QueryRowContext(ctx, db.webhookSQL("SELECT applied_at, rejected_at FROM {t} WHERE digest = $1"), e.ID).Scan(&applied, &rejected)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// Pruned between the two statements: store it again.
		return db.InsertWebhook(ctx, e)
	case err != nil:
		return 0, db.errorf(err, "reading stored webhook")
	case applied > 0 || rejected > 0:
		return spool.AlreadyApplied, nil
	}
	return spool.AlreadyPending, nil
}

// ClaimWebhooks leases up to max pending rows, oldest first, to owner for
// lease, and returns them. A row is claimable when no lease on it runs;
// each is taken with a compare-and-set UPDATE, so two instances never
// both claim it within one lease. It works the same on every dialect
// (no SKIP LOCKED, which SQLite lacks).
func (db *DB) ClaimWebhooks(ctx context.Context, owner string, lease time.Duration, max int) ([]spool.Entry, error) {
	now := db.now().UnixMilli()
	rows, err := db.sql.QueryContext(ctx, db.webhookSQL(
		"SELECT digest FROM {t} WHERE applied_at = 0 AND rejected_at = 0 AND claimed_until < $1 ORDER BY id LIMIT "+fmt.Sprint(max)), now)
	if err != nil {
		return nil, db.errorf(err, "reading pending webhooks")
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, db.errorf(err, "reading pending webhooks")
		}
		ids = append(ids, id)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, db.errorf(err, "reading pending webhooks")
	}
	var out []spool.Entry
	for _, id := range ids {
		e, ok, err := db.claimWebhook(ctx, id, owner, now, now+lease.Milliseconds())
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// claimWebhook takes one row if it is still claimable, and reads it.
func (db *DB) claimWebhook(ctx context.Context, id, owner string, now, until int64) (spool.Entry, bool, error) {
	res, err := db.sql.ExecContext(ctx, db.webhookSQL(
		"UPDATE {t} SET claimed_by = $1, claimed_until = $2 WHERE digest = $3 AND applied_at = 0 AND rejected_at = 0 AND claimed_until < $4"),
		owner, until, id, now)
	if err != nil {
		return spool.Entry{}, false, db.errorf(err, "claiming webhook")
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return spool.Entry{}, false, nil // another instance was first
	}
	var (
		e    = spool.Entry{ID: id}
		meta string
		recv int64
		att  int64
	)
	err = db.sql.QueryRowContext(ctx, db.webhookSQL("SELECT body, meta, received_at, attempts FROM {t} WHERE digest = $1"), id).
		Scan(&e.Body, &meta, &recv, &att)
	if err != nil {
		return spool.Entry{}, false, db.errorf(err, "reading claimed webhook")
	}
	_ = json.Unmarshal([]byte(meta), &e.Meta) // metadata is advisory
	e.Meta.ReceivedAt = time.UnixMilli(recv)
	e.Attempts = int(att)
	return e, true, nil
}

// ExtendWebhookLease renews owner's claim on a row it is still applying.
func (db *DB) ExtendWebhookLease(ctx context.Context, id, owner string, lease time.Duration) error {
	_, err := db.sql.ExecContext(ctx, db.webhookSQL(
		"UPDATE {t} SET claimed_until = $1 WHERE digest = $2 AND claimed_by = $3 AND applied_at = 0"),
		db.now().Add(lease).UnixMilli(), id, owner)
	return db.wrapWebhook(err, "renewing webhook lease")
}

// FinishWebhook marks a row applied; it stays, for replay detection, until
// PruneWebhooks removes it.
func (db *DB) FinishWebhook(ctx context.Context, id string) error {
	_, err := db.sql.ExecContext(ctx, db.webhookSQL("UPDATE {t} SET applied_at = $1, claimed_by = '' WHERE digest = $2"),
		db.now().UnixMilli(), id)
	return db.wrapWebhook(err, "marking webhook applied")
}

// RetryWebhook releases a row after a failed attempt, to be claimed again
// (by any instance) after wait.
func (db *DB) RetryWebhook(ctx context.Context, id string, wait time.Duration) error {
	_, err := db.sql.ExecContext(ctx, db.webhookSQL(
		"UPDATE {t} SET attempts = attempts + 1, claimed_by = '', claimed_until = $1 WHERE digest = $2 AND applied_at = 0"),
		db.now().Add(wait).UnixMilli(), id)
	return db.wrapWebhook(err, "scheduling webhook retry")
}

// RejectWebhook marks a row as never applicable, with the reason; it is
// kept for an operator and never pruned.
func (db *DB) RejectWebhook(ctx context.Context, id string, reason error) error {
	msg := "rejected"
	if reason != nil {
		msg = reason.Error()
	}
	_, err := db.sql.ExecContext(ctx, db.webhookSQL("UPDATE {t} SET rejected_at = $1, reason = $2, claimed_by = '' WHERE digest = $3"),
		db.now().UnixMilli(), msg, id)
	return db.wrapWebhook(err, "rejecting webhook")
}

// PruneWebhooks deletes the rows applied before before.
func (db *DB) PruneWebhooks(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.sql.ExecContext(ctx, db.webhookSQL("DELETE FROM {t} WHERE applied_at > 0 AND applied_at < $1"), before.UnixMilli())
	if err != nil {
		return 0, db.errorf(err, "pruning applied webhooks")
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// WebhookStats counts pending and rejected rows and finds the oldest
// pending one.
func (db *DB) WebhookStats(ctx context.Context) (spool.Stats, error) {
	var (
		st       spool.Stats
		pending  int64
		oldest   sql.NullInt64
		rejected int64
	)
	err := db.sql.QueryRowContext(ctx, db.webhookSQL(
		"SELECT COUNT(*), MIN(received_at) FROM {t} WHERE applied_at = 0 AND rejected_at = 0")).Scan(&pending, &oldest)
	if err == nil {
		err = db.sql.QueryRowContext(ctx, db.webhookSQL("SELECT COUNT(*) FROM {t} WHERE rejected_at > 0")).Scan(&rejected)
	}
	if err != nil {
		return st, db.errorf(err, "counting webhooks")
	}
	st.Pending, st.Rejected = int(pending), int(rejected)
	if oldest.Valid {
		st.Oldest = time.UnixMilli(oldest.Int64)
	}
	return st, nil
}

func (db *DB) wrapWebhook(err error, what string) error {
	if err != nil {
		return db.errorf(err, "%s", what)
	}
	return nil
}

// WebhookStore returns db as a spool.Store: the shared webhook spool.
func (db *DB) WebhookStore() spool.Store { return webhookStore{db} }

// webhookStore adapts the webhook table's methods to spool.Store.
type webhookStore struct{ db *DB }

func (w webhookStore) Insert(ctx context.Context, e spool.Entry) (spool.PutResult, error) {
	return w.db.InsertWebhook(ctx, e)
}

func (w webhookStore) Claim(ctx context.Context, owner string, lease time.Duration, max int) ([]spool.Entry, error) {
	return w.db.ClaimWebhooks(ctx, owner, lease, max)
}

func (w webhookStore) Extend(ctx context.Context, id, owner string, lease time.Duration) error {
	return w.db.ExtendWebhookLease(ctx, id, owner, lease)
}

func (w webhookStore) Finish(ctx context.Context, id string) error {
	return w.db.FinishWebhook(ctx, id)
}

func (w webhookStore) Retry(ctx context.Context, id string, wait time.Duration) error {
	return w.db.RetryWebhook(ctx, id, wait)
}

func (w webhookStore) Reject(ctx context.Context, id string, reason error) error {
	return w.db.RejectWebhook(ctx, id, reason)
}

func (w webhookStore) Prune(ctx context.Context, before time.Time) error {
	_, err := w.db.PruneWebhooks(ctx, before)
	return err
}

func (w webhookStore) Stats(ctx context.Context) (spool.Stats, error) { return w.db.WebhookStats(ctx) }
