package dbtest

import (
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// AddUser inserts a user row as Better Auth would and returns it with the
// defaults it filled: a random 32-character id, an email made from the id,
// the name "Test User". Locale "" and MauticID 0 are stored as NULL.
func (f *Fixture) AddUser(t testing.TB, u userdb.User) userdb.User {
	t.Helper()
	if u.ID == "" {
		u.ID = RandomID(t)
	}
	if u.Email == "" {
		u.Email = strings.ToLower(u.ID) + "@example.test"
	}
	if u.Name == "" {
		u.Name = "Test User"
	}
	now := f.timeValue(f.Now())
	c := f.Columns
	cols := []string{c.UserID, c.UserName, c.UserEmail, c.UserEmailVerified, "createdAt", "updatedAt", c.UserMauticID}
	args := []any{u.ID, u.Name, u.Email, u.EmailVerified, now, now, nullInt(u.MauticID)}
	if c.UserLocale != userdb.NoColumn {
		cols = append(cols, c.UserLocale)
		args = append(args, nullString(u.Locale))
	}
	f.insert(t, f.UserTable, cols, args)
	return u
}

// AddSession inserts a session of userID with the given token, as Better
// Auth stores it (token verbatim, createdAt and updatedAt from f.Now).
func (f *Fixture) AddSession(t testing.TB, userID, token string, expiresAt time.Time) {
	t.Helper()
	now := f.timeValue(f.Now())
	c := f.Columns
	f.insert(t, f.SessionTable,
		[]string{"id", c.SessionExpiresAt, c.SessionToken, "createdAt", c.SessionUpdatedAt, "ipAddress", "userAgent", c.SessionUserID},
		[]any{RandomID(t), f.timeValue(expiresAt), token, now, now, "", "dbtest", userID})
}

// SetEmailVerified sets the user's emailVerified, as Better Auth does when
// the user follows the verification link.
func (f *Fixture) SetEmailVerified(t testing.TB, userID string, verified bool) {
	t.Helper()
	c := f.Columns
	f.Exec(t, "UPDATE "+f.Quote(f.UserTable)+" SET "+f.Quote(c.UserEmailVerified)+" = "+f.placeholder(1)+
		" WHERE "+f.Quote(c.UserID)+" = "+f.placeholder(2), verified, userID)
}

// SetEmail changes the user's email, as Better Auth's changeEmail does.
func (f *Fixture) SetEmail(t testing.TB, userID, email string) {
	t.Helper()
	c := f.Columns
	f.Exec(t, "UPDATE "+f.Quote(f.UserTable)+" SET "+f.Quote(c.UserEmail)+" = "+f.placeholder(1)+
		" WHERE "+f.Quote(c.UserID)+" = "+f.placeholder(2), email, userID)
}

// SetSessionUpdatedAt sets the updatedAt of the session with token, as Better
// Auth does when it refreshes a session.
func (f *Fixture) SetSessionUpdatedAt(t testing.TB, token string, at time.Time) {
	t.Helper()
	c := f.Columns
	f.Exec(t, "UPDATE "+f.Quote(f.SessionTable)+" SET "+f.Quote(c.SessionUpdatedAt)+" = "+f.placeholder(1)+
		" WHERE "+f.Quote(c.SessionToken)+" = "+f.placeholder(2), f.timeValue(at), token)
}

// MauticID reads the user's mauticId: the id and true, or 0 and false when
// it is NULL. A missing user fails the test.
func (f *Fixture) MauticID(t testing.TB, userID string) (int, bool) {
	t.Helper()
	c := f.Columns
	var id sql.NullInt64
	err := f.DB.QueryRow("SELECT "+f.Quote(c.UserMauticID)+" FROM "+f.Quote(f.UserTable)+
		" WHERE "+f.Quote(c.UserID)+" = "+f.placeholder(1), userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("dbtest: no user %q", userID)
	}
	if err != nil {
		t.Fatalf("dbtest: reading mauticId: %v", err)
	}
	return int(id.Int64), id.Valid
}

// SetMauticID writes the user's mauticId directly (0 stores NULL), as
// another writer would.
func (f *Fixture) SetMauticID(t testing.TB, userID string, contactID int) {
	t.Helper()
	c := f.Columns
	f.Exec(t, "UPDATE "+f.Quote(f.UserTable)+" SET "+f.Quote(c.UserMauticID)+" = "+f.placeholder(1)+
		" WHERE "+f.Quote(c.UserID)+" = "+f.placeholder(2), nullInt(contactID), userID)
}

// Rename renames the user and session tables and the columns userdb reads to
// the names given (empty ones keep their current name), and records them in
// f, so Config and the row helpers follow. UserLocale userdb.NoColumn drops
// the locale column.
func (f *Fixture) Rename(t testing.TB, userTable, sessionTable string, cols userdb.Columns) {
	t.Helper()
	f.renameTable(t, &f.UserTable, userTable)
	f.renameTable(t, &f.SessionTable, sessionTable)
	c := &f.Columns
	for _, r := range []struct {
		table    string
		cur      *string
		newName  string
		isLocale bool
	}{
		{f.UserTable, &c.UserID, cols.UserID, false},
		{f.UserTable, &c.UserEmail, cols.UserEmail, false},
		{f.UserTable, &c.UserName, cols.UserName, false},
		{f.UserTable, &c.UserLocale, cols.UserLocale, true},
		{f.UserTable, &c.UserMauticID, cols.UserMauticID, false},
		{f.UserTable, &c.UserEmailVerified, cols.UserEmailVerified, false},
		{f.SessionTable, &c.SessionToken, cols.SessionToken, false},
		{f.SessionTable, &c.SessionUserID, cols.SessionUserID, false},
		{f.SessionTable, &c.SessionExpiresAt, cols.SessionExpiresAt, false},
		{f.SessionTable, &c.SessionUpdatedAt, cols.SessionUpdatedAt, false},
	} {
		switch {
		case r.newName == "" || r.newName == *r.cur:
			continue
		case r.isLocale && r.newName == userdb.NoColumn:
			f.Exec(t, "ALTER TABLE "+f.Quote(r.table)+" DROP COLUMN "+f.Quote(*r.cur))
		default:
			f.Exec(t, "ALTER TABLE "+f.Quote(r.table)+" RENAME COLUMN "+f.Quote(*r.cur)+" TO "+f.Quote(r.newName))
		}
		*r.cur = r.newName
	}
}

func (f *Fixture) renameTable(t testing.TB, cur *string, name string) {
	t.Helper()
	if name == "" || name == *cur {
		return
	}
	switch {
	case f.Dialect == "mysql":
		f.Exec(t, "RENAME TABLE "+f.Quote(*cur)+" TO "+f.Quote(name))
	case f.Dialect == "sqlite" && strings.EqualFold(*cur, name):
		// SQLite names ignore case, so a change of case alone needs a detour.
		f.Exec(t, "ALTER TABLE "+f.Quote(*cur)+" RENAME TO "+f.Quote(*cur+"_renaming"))
		f.Exec(t, "ALTER TABLE "+f.Quote(*cur+"_renaming")+" RENAME TO "+f.Quote(name))
	default:
		f.Exec(t, "ALTER TABLE "+f.Quote(*cur)+" RENAME TO "+f.Quote(name))
	}
	*cur = name
}

// Exec runs a statement on the fixture's database, failing the test on error.
func (f *Fixture) Exec(t testing.TB, query string, args ...any) sql.Result {
	t.Helper()
	res, err := f.DB.Exec(query, args...)
	if err != nil {
		t.Fatalf("dbtest: %v\n%s", err, query)
	}
	return res
}

// Quote quotes an identifier for the fixture's dialect.
func (f *Fixture) Quote(name string) string {
	if f.Dialect == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

func (f *Fixture) placeholder(n int) string {
	if f.Dialect == "postgres" {
		return fmt.Sprintf("$%d", n)
	}
	return "?"
}

func (f *Fixture) insert(t testing.TB, table string, cols []string, args []any) {
	t.Helper()
	quoted := make([]string, len(cols))
	marks := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = f.Quote(c)
		marks[i] = f.placeholder(i + 1)
	}
	f.Exec(t, "INSERT INTO "+f.Quote(table)+" ("+strings.Join(quoted, ", ")+") VALUES ("+strings.Join(marks, ", ")+")", args...)
}

// sqliteTimeLayout is how Better Auth's Kysely adapter stores dates on
// SQLite: Date.toISOString().
const sqliteTimeLayout = "2006-01-02T15:04:05.000Z"

// timeValue returns t as the fixture's dialect stores it.
func (f *Fixture) timeValue(t time.Time) any {
	if f.Dialect == "sqlite" {
		return t.UTC().Format(sqliteTimeLayout)
	}
	return t.UTC()
}

// RandomID returns a random 32-character alphanumeric id or token, the form
// Better Auth generates.
func RandomID(t testing.TB) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("dbtest: random id: %v", err)
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func nullInt(v int) sql.NullInt64 {
	return sql.NullInt64{Int64: int64(v), Valid: v != 0}
}

func nullString(v string) sql.NullString {
	return sql.NullString{String: v, Valid: v != ""}
}
