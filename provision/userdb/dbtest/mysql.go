package dbtest

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQLEnv overrides the MariaDB/MySQL server used by MySQL: a go-sql-driver
// DSN such as "root@tcp(127.0.0.1:3306)/" (its database name is ignored).
const MySQLEnv = "CADDY_MAUTIC_TEST_MYSQL"

const defaultMySQL = "root@tcp(127.0.0.1:3306)/"

// reachTimeout bounds the first contact with a test database server.
const reachTimeout = 5 * time.Second

// MySQL creates a uniquely named database on the MariaDB/MySQL server
// (127.0.0.1:3306 as root, or MySQLEnv), applies Better Auth's schema, and
// drops the database in Cleanup.
func MySQL(t testing.TB) *Fixture {
	t.Helper()
	server := defaultMySQL
	if v := os.Getenv(MySQLEnv); v != "" {
		server = v
	}
	cfg, err := mysql.ParseDSN(server)
	if err != nil {
		t.Fatalf("dbtest: %s is not a go-sql-driver DSN: %v", MySQLEnv, err)
	}
	cfg.DBName = ""
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Timeout = reachTimeout
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		unavailable(t, "dbtest: MariaDB/MySQL at %s is not reachable (%v): start it, or point %s at one", cfg.Addr, err, MySQLEnv)
		return nil
	}
	name := uniqueName(t)
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		t.Fatalf("dbtest: creating MySQL database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("dbtest: dropping MySQL database %s: %v", name, err)
		}
		admin.Close()
	})
	cfg.DBName = name
	dsn := cfg.FormatDSN()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	applySchema(t, db, "mysql")
	return newFixture("mysql", dsn, db)
}
