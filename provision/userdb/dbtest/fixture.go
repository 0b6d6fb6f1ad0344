// Package dbtest gives tests a fresh database holding Better Auth's schema,
// on the local MariaDB, PostgreSQL, or a SQLite file, and removes it
// afterwards.
//
// MySQL and Postgres skip the test when their server cannot be reached,
// unless CADDY_MAUTIC_REQUIRE_DB=1, which makes that a failure (CI sets it).
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// RequireEnv, set to 1, turns an unreachable database server into a test
// failure instead of a skip.
const RequireEnv = "CADDY_MAUTIC_REQUIRE_DB"

// Fixture is one fresh database with Better Auth's tables.
type Fixture struct {
	Dialect string  // "mysql", "postgres" or "sqlite"
	DSN     string  // for userdb.Config.DSN (a driver DSN, or file: for SQLite)
	DB      *sql.DB // a connection pool of the test's own, closed in Cleanup

	// The names in use; Rename changes them. Columns has every field set.
	UserTable, SessionTable string
	Columns                 userdb.Columns

	// Now stamps createdAt and updatedAt of added rows; default time.Now.
	Now func() time.Time
}

// Each runs fn as a subtest per dialect ("mysql", "postgres", "sqlite"),
// each with its own fresh fixture.
func Each(t *testing.T, fn func(t *testing.T, f *Fixture)) {
	t.Helper()
	for _, dialect := range []struct {
		name string
		open func(testing.TB) *Fixture
	}{{"mysql", MySQL}, {"postgres", Postgres}, {"sqlite", SQLite}} {
		t.Run(dialect.name, func(t *testing.T) {
			fn(t, dialect.open(t))
		})
	}
}

func newFixture(dialect, dsn string, db *sql.DB) *Fixture {
	return &Fixture{
		Dialect:      dialect,
		DSN:          dsn,
		DB:           db,
		UserTable:    userdb.DefaultUserTable,
		SessionTable: userdb.DefaultSessionTable,
		Columns: userdb.Columns{
			UserID: "id", UserEmail: "email", UserName: "name", UserLocale: "locale", UserMauticID: "mauticId", UserEmailVerified: "emailVerified",
			SessionToken: "token", SessionUserID: "userId", SessionExpiresAt: "expiresAt", SessionUpdatedAt: "updatedAt",
		},
		Now: time.Now,
	}
}

// Config returns a userdb.Config for this database and its current names.
func (f *Fixture) Config() userdb.Config {
	return userdb.Config{
		Dialect:      f.Dialect,
		DSN:          f.DSN,
		UserTable:    f.UserTable,
		SessionTable: f.SessionTable,
		Columns:      f.Columns,
	}
}

// Open opens a userdb.DB on this database with Config, closed in Cleanup.
func (f *Fixture) Open(t testing.TB) *userdb.DB {
	t.Helper()
	return f.OpenWith(t, f.Config())
}

// OpenWith opens a userdb.DB with cfg, closed in Cleanup.
func (f *Fixture) OpenWith(t testing.TB, cfg userdb.Config) *userdb.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := userdb.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("dbtest: opening %s: %v", f.Dialect, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// uniqueName returns a fresh database name that also says which test made
// it, in lower case (PostgreSQL folds unquoted names).
func uniqueName(t testing.TB) string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("dbtest: random name: %v", err)
	}
	var suffix strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		if suffix.Len() >= 30 {
			break
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			suffix.WriteRune(r)
		} else {
			suffix.WriteByte('_')
		}
	}
	return "cmt_" + hex.EncodeToString(b[:]) + "_" + suffix.String()
}

// unavailable skips the test, or fails it when RequireEnv is 1.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 requires it)", msg, RequireEnv)
	}
	t.Skipf("%s; set %s=1 to fail instead of skipping", msg, RequireEnv)
}

// applySchema creates Better Auth's tables in db.
func applySchema(t testing.TB, db *sql.DB, dialect string) {
	t.Helper()
	stmts, err := SchemaStatements(dialect)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range stmts {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("dbtest: applying %s schema: %v\n%s", dialect, err, stmt)
		}
	}
}
