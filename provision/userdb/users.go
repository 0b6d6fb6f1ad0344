package userdb

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
)

// User is the part of the application's user row this module needs.
type User struct {
	ID     string
	Email  string
	Name   string
	Locale string // "" when NULL or when the table has no locale column
	// MauticID is the Mautic contact id; 0 means NULL (not provisioned yet).
	MauticID int
	// EmailVerified is Better Auth's emailVerified: the user proved they
	// own Email. False when NULL or when the table has no such column.
	EmailVerified bool
}

// maxListArgs bounds the ids or emails sent in one query (MySQL allows 65535
// placeholders, SQLite 32766); longer lists take several queries.
const maxListArgs = 500

// userRow receives the user columns selected by every query of this package.
type userRow struct {
	id, email, name, locale sql.NullString
	mauticID                sql.NullInt64
	verified                sql.NullBool
}

func (r *userRow) dest(extra ...any) []any {
	return append([]any{&r.id, &r.email, &r.name, &r.locale, &r.mauticID, &r.verified}, extra...)
}

func (r *userRow) user() User {
	return User{
		ID:       r.id.String,
		Email:    r.email.String,
		Name:     r.name.String,
		Locale:   r.locale.String,
		MauticID: int(r.mauticID.Int64),
		// NullBool reads MySQL's TINYINT and SQLite's INTEGER 0/1 too.
		EmailVerified: r.verified.Valid && r.verified.Bool,
	}
}

// User returns the user with the given id, or ErrNotFound.
func (db *DB) User(ctx context.Context, id string) (User, error) {
	if id == "" {
		return User{}, ErrNotFound
	}
	var r userRow
	err := db.queryRow(ctx, db.q.userByID, id).Scan(r.dest()...)
	if errors.Is(err, sql.ErrNoRows) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, db.errorf(err, "reading user")
	}
	return r.user(), nil
}

// Users returns the users with the given ids, keyed by id; ids without a row
// are absent. Up to maxListArgs ids take one query.
func (db *DB) Users(ctx context.Context, ids []string) (map[string]User, error) {
	found := make(map[string]User, len(ids))
	err := db.eachChunk(uniqueNonEmpty(ids, false), func(chunk []any) error {
		return db.queryUsers(ctx, db.q.withList(db.q.usersByIDs, len(chunk)), chunk, func(u User) {
			found[u.ID] = u
		})
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// UsersByEmail returns the users whose email equals one of emails, ignoring
// case, ordered by id. Webhooks use it to link a contact to its user. The
// database folds case with LOWER(): on SQLite that folds ASCII letters only.
// It cannot use a plain index on email; add one on LOWER(email) where the
// user table is large and the dialect allows it.
func (db *DB) UsersByEmail(ctx context.Context, emails []string) ([]User, error) {
	var found []User
	err := db.eachChunk(uniqueNonEmpty(emails, true), func(chunk []any) error {
		return db.queryUsers(ctx, db.q.withList(db.q.usersByEmails, len(chunk)), chunk, func(u User) {
			found = append(found, u)
		})
	})
	if err != nil {
		return nil, err
	}
	sortUsersByID(found)
	return found, nil
}

// UsersByMauticID returns the users linked to a Mautic contact, ordered by
// id. More than one means several users share a contact (after a merge in
// Mautic, say).
func (db *DB) UsersByMauticID(ctx context.Context, contactID int) ([]User, error) {
	if contactID <= 0 {
		return nil, nil
	}
	var found []User
	err := db.queryUsers(ctx, db.q.usersByMauticID, []any{contactID}, func(u User) {
		found = append(found, u)
	})
	return found, err
}

// queryUsers runs a query selecting the user columns and calls add per row.
func (db *DB) queryUsers(ctx context.Context, query string, args []any, add func(User)) error {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return db.errorf(err, "reading users")
	}
	defer rows.Close()
	for rows.Next() {
		var r userRow
		if err := rows.Scan(r.dest()...); err != nil {
			return db.errorf(err, "reading users")
		}
		add(r.user())
	}
	if err := rows.Err(); err != nil {
		return db.errorf(err, "reading users")
	}
	return nil
}

// eachChunk calls fn with args in slices of at most maxListArgs.
func (db *DB) eachChunk(args []string, fn func(chunk []any) error) error {
	for len(args) > 0 {
		n := min(len(args), maxListArgs)
		chunk := make([]any, n)
		for i, a := range args[:n] {
			chunk[i] = a
		}
		if err := fn(chunk); err != nil {
			return err
		}
		args = args[n:]
	}
	return nil
}

// uniqueNonEmpty drops empty and repeated values, lower-casing them first
// when fold is set.
func uniqueNonEmpty(values []string, fold bool) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if fold {
			v = strings.ToLower(strings.TrimSpace(v))
		}
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, v)
	}
	return out
}

func sortUsersByID(users []User) {
	slices.SortFunc(users, func(a, b User) int { return cmp.Compare(a.ID, b.ID) })
}
