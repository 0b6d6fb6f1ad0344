package userdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"
)

// pingTimeout bounds the connection check of Open and Ping when the
// context allows longer.
const pingTimeout = 5 * time.Second

// connMaxIdleTime lets idle connections go: the database is shared with the
// application.
const connMaxIdleTime = 2 * time.Minute

// DB is a handle on the application's user and session tables. It is safe
// for concurrent use.
type DB struct {
	sql     *sql.DB
	dialect string
	q       queries
	now     func() time.Time
	secret  string
	locker  locker

	// stmts holds prepared fixed statements, by SQL text (SQLite only).
	stmts map[string]*sql.Stmt

	mu     sync.Mutex
	closed bool
	locks  map[*lockSet]struct{} // outstanding LockUsers grants, released by Close
}

// Open connects to the application's database, checks that the configured
// tables and columns exist, creates the module's own tables (names starting
// with ModuleTablePrefix) when missing, and returns a handle. It never alters
// a table, nor creates any other.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	t, err := parseTarget(cfg.Dialect, cfg.DSN)
	if err != nil {
		return nil, err
	}
	if cfg.MaxOpenConns <= 0 && t.maxConns > 0 {
		cfg.MaxOpenConns = t.maxConns
	}
	cfg = cfg.withDefaults()
	if err := cfg.validateNames(); err != nil {
		return nil, err
	}
	pool := sql.OpenDB(t.connector)
	pool.SetMaxOpenConns(cfg.MaxOpenConns)
	pool.SetMaxIdleConns(cfg.MaxOpenConns)
	pool.SetConnMaxIdleTime(connMaxIdleTime)
	db := &DB{
		sql:     pool,
		dialect: t.dialect,
		q:       buildQueries(t.dialect, cfg),
		now:     cfg.Now,
		secret:  t.secret,
		locks:   make(map[*lockSet]struct{}),
	}
	if err := db.start(ctx, cfg, t); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// start checks the connection and the schema and prepares the locker.
func (db *DB) start(ctx context.Context, cfg Config, t target) error {
	if err := db.Ping(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := db.probe(ctx, db.q.probeUser); err != nil {
		c := cfg.Columns
		return db.errorf(err, "table %q with columns %s, %s, %s, %s, %s is not readable (set user_table and columns to the application's names)",
			cfg.UserTable, c.UserID, c.UserEmail, c.UserName, c.UserLocale, c.UserMauticID)
	}
	if err := db.probe(ctx, db.q.probeSession); err != nil {
		c := cfg.Columns
		return db.errorf(err, "table %q with columns %s, %s, %s, %s is not readable (set session_table and columns to the application's names)",
			cfg.SessionTable, c.SessionToken, c.SessionUserID, c.SessionExpiresAt, c.SessionUpdatedAt)
	}
	if err := db.ensureModuleTables(ctx); err != nil {
		return err
	}
	var err error
	db.locker, err = newLocker(ctx, db.sql, t, cfg.UserTable)
	if err != nil {
		return db.errorf(err, "preparing user locks")
	}
	if db.dialect == dialectSQLite {
		return db.prepare(ctx)
	}
	return nil
}

// prepare compiles the fixed statements once. Only SQLite gains: the MySQL
// connection interpolates parameters client-side (one round trip), and pgx
// caches prepared statements per connection by itself.
func (db *DB) prepare(ctx context.Context) error {
	db.stmts = make(map[string]*sql.Stmt)
	for _, q := range db.q.fixed() {
		st, err := db.sql.PrepareContext(ctx, q)
		if err != nil {
			return db.errorf(err, "preparing statements")
		}
		db.stmts[q] = st
	}
	return nil
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.stmts[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.sql.QueryRowContext(ctx, query, args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.stmts[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.sql.QueryContext(ctx, query, args...)
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := db.stmts[query]; st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.sql.ExecContext(ctx, query, args...)
}

func (db *DB) probe(ctx context.Context, query string) error {
	rows, err := db.sql.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	return errors.Join(rows.Err(), rows.Close())
}

// Ping checks that the database answers, within a few seconds at most.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := db.sql.PingContext(ctx); err != nil {
		return db.errorf(err, "cannot reach the %s database (check the DSN, and that the server runs)", db.dialect)
	}
	return nil
}

// Close releases every lock still held through this handle, then closes its
// connections.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	held := make([]*lockSet, 0, len(db.locks))
	for ls := range db.locks {
		held = append(held, ls)
	}
	db.mu.Unlock()
	for _, ls := range held {
		ls.release()
	}
	for _, st := range db.stmts {
		st.Close()
	}
	return db.sql.Close()
}

// Dialect returns "mysql", "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// errorf wraps err with a "userdb: " context and scrubs the password.
func (db *DB) errorf(err error, format string, args ...any) error {
	return redact(fmt.Errorf("userdb: "+format+": %w", append(args, err)...), db.secret)
}
