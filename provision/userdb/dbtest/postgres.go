package dbtest

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresEnv overrides the PostgreSQL server used by Postgres: a URL or a
// keyword/value DSN, naming a database the user may connect to and a user who
// may create databases.
const PostgresEnv = "CADDY_MAUTIC_TEST_POSTGRES"

const defaultPostgres = "postgres://root@127.0.0.1:5432/test?sslmode=disable&connect_timeout=5"

// Postgres creates a uniquely named database on the PostgreSQL server
// (127.0.0.1:5432 as root, or PostgresEnv), applies Better Auth's schema,
// and drops the database in Cleanup.
func Postgres(t testing.TB) *Fixture {
	t.Helper()
	server := defaultPostgres
	if v := os.Getenv(PostgresEnv); v != "" {
		server = v
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", PostgresEnv, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		unavailable(t, "dbtest: PostgreSQL is not reachable (%v): start it, or point %s at one", err, PostgresEnv)
		return nil
	}
	name := uniqueName(t)
	// template0 accepts no connections, so no other session can make the
	// copy fail ("source database is being accessed by other users").
	if _, err := admin.Exec(`CREATE DATABASE "` + name + `" TEMPLATE template0 ENCODING 'UTF8'`); err != nil {
		admin.Close()
		t.Fatalf("dbtest: creating PostgreSQL database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends sessions a test left open.
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`); err != nil {
			t.Errorf("dbtest: dropping PostgreSQL database %s: %v", name, err)
		}
		admin.Close()
	})
	dsn := withDatabase(server, name)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	applySchema(t, db, "postgres")
	return newFixture("postgres", dsn, db)
}

// withDatabase points a PostgreSQL URL or keyword/value DSN at database name.
func withDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			return u.String()
		}
	}
	// In keyword/value form a later keyword wins.
	return dsn + " dbname=" + name
}
