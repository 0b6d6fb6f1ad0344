package userdb_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
	"github.com/go-sql-driver/mysql"
)

func TestOpenChecksTheSchema(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		tests := []struct {
			name   string
			edit   func(*userdb.Config)
			errHas []string
		}{
			{"missing user table", func(c *userdb.Config) { c.UserTable = "members" }, []string{`"members"`, "user_table"}},
			{"missing session table", func(c *userdb.Config) { c.SessionTable = "sessions" }, []string{`"sessions"`, "session_table"}},
			{"missing mauticId column", func(c *userdb.Config) { c.Columns.UserMauticID = "mautic_id" }, []string{"mautic_id", "columns"}},
			{"missing expiresAt column", func(c *userdb.Config) { c.Columns.SessionExpiresAt = "expires" }, []string{"expires", "columns"}},
			{"invalid name", func(c *userdb.Config) { c.UserTable = "user`; DROP TABLE session; --" }, []string{"user_table", "letters, digits"}},
		}
		for _, tt := range tests {
			cfg := f.Config()
			tt.edit(&cfg)
			db, err := userdb.Open(ctxT(t), cfg)
			if err == nil {
				db.Close()
				t.Errorf("%s: Open succeeded", tt.name)
				continue
			}
			if !strings.HasPrefix(err.Error(), "userdb: ") {
				t.Errorf("%s: error lacks the package prefix: %v", tt.name, err)
			}
			for _, want := range tt.errHas {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s: error %q does not mention %q", tt.name, err, want)
				}
			}
		}
		// The session table is intact after the injection attempt.
		f.Exec(t, "SELECT COUNT(*) FROM "+f.Quote("session"))
	})
}

func TestOpenUnreachableServer(t *testing.T) {
	const pass = "Unreach4ble-Pw"
	for _, dsn := range []string{
		"mysql://root:" + pass + "@127.0.0.1:1/app",
		"postgresql://root:" + pass + "@127.0.0.1:1/app?connect_timeout=2",
	} {
		start := time.Now()
		db, err := userdb.Open(ctxT(t), userdb.Config{DSN: dsn})
		if err == nil {
			db.Close()
			t.Fatalf("Open(%s) succeeded", dsn[:10])
		}
		if strings.Contains(err.Error(), pass) || !strings.Contains(err.Error(), "cannot reach") {
			t.Errorf("error should say the server is unreachable without the password: %v", err)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("Open took %v to give up", time.Since(start))
		}
	}
}

func TestOpenWrongPasswordIsNotShown(t *testing.T) {
	f := dbtest.MySQL(t)
	cfg, err := mysql.ParseDSN(f.DSN)
	if err != nil {
		t.Fatal(err)
	}
	const pass = "Wr0ng-Passw0rd-x"
	cfg.Passwd = pass
	for _, dsn := range []string{cfg.FormatDSN(), "mysql://" + cfg.User + ":" + pass + "@" + cfg.Addr + "/" + cfg.DBName} {
		_, err = userdb.Open(ctxT(t), userdb.Config{Dialect: "mysql", DSN: dsn})
		if err == nil {
			t.Fatal("Open with a wrong password succeeded")
		}
		if strings.Contains(err.Error(), pass) {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), "Access denied") {
			t.Errorf("error should keep the server's reason: %v", err)
		}
	}
}

func TestPingCloseAndUseAfterClose(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, f *dbtest.Fixture) {
		db, err := userdb.Open(ctxT(t), f.Config())
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() != f.Dialect {
			t.Errorf("Dialect() = %q, want %q", db.Dialect(), f.Dialect)
		}
		if err := db.Ping(ctxT(t)); err != nil {
			t.Fatalf("Ping: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if err := db.Ping(ctxT(t)); err == nil {
			t.Error("Ping after Close succeeded")
		}
		if _, _, err := db.LockUsers(ctxT(t), []string{"u"}); err == nil {
			t.Error("LockUsers after Close succeeded")
		}
	})
}

func TestOpenFromURLs(t *testing.T) {
	// The application's DATABASE_URL works as given, without a dialect.
	t.Run("mysql", func(t *testing.T) {
		f := dbtest.MySQL(t)
		cfg, err := mysql.ParseDSN(f.DSN)
		if err != nil {
			t.Fatal(err)
		}
		url := "mysql://" + cfg.User + "@" + cfg.Addr + "/" + cfg.DBName + "?connection_limit=2&pool_timeout=5"
		db, err := userdb.Open(ctxT(t), userdb.Config{DSN: url})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if db.Dialect() != "mysql" {
			t.Errorf("dialect %q", db.Dialect())
		}
	})
	t.Run("postgres", func(t *testing.T) {
		f := dbtest.Postgres(t)
		url := strings.Replace(f.DSN, "postgres://", "postgresql://", 1) + "&schema=public"
		db, err := userdb.Open(ctxT(t), userdb.Config{DSN: url})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.User(ctxT(t), "nobody"); err != userdb.ErrNotFound {
			t.Errorf("User on an empty table: %v", err)
		}
	})
	t.Run("sqlite", func(t *testing.T) {
		f := dbtest.SQLite(t)
		db, err := userdb.Open(ctxT(t), userdb.Config{DSN: strings.Replace(f.DSN, "file:", "sqlite:", 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if db.Dialect() != "sqlite" {
			t.Errorf("dialect %q", db.Dialect())
		}
	})
}

// A SQLite path may hold characters a file: URI treats specially.
func TestSQLiteOddPath(t *testing.T) {
	f := dbtest.SQLite(t)
	u := f.AddUser(t, userdb.User{})
	dir := filepath.Join(t.TempDir(), "a#b?c%d e")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var src string
	if err := f.DB.QueryRow("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&src); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "app.db")
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := userdb.Open(ctxT(t), userdb.Config{Dialect: "sqlite", DSN: dst})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.User(ctxT(t), u.ID); err != nil || got.ID != u.ID {
		t.Errorf("User = %+v, %v", got, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dir))
	if len(entries) != 1 {
		t.Errorf("files appeared beside the database's folder: %v", entries)
	}
}
