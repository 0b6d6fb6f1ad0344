package dbtest

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// SQLite creates a database file in t.TempDir() holding Better Auth's schema.
func SQLite(t testing.TB) *Fixture {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.db")
	// A subtest's directory may hold '#' or '?', which a file: URI would cut.
	uri := "file:" + strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	db, err := sql.Open("sqlite", uri+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	applySchema(t, db, "sqlite")
	return newFixture("sqlite", uri, db)
}
