package userdb

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// releaseTimeout bounds the statement that gives locks back.
const releaseTimeout = 5 * time.Second

// maxLocksPerStatement bounds the lock calls put in one SELECT.
const maxLocksPerStatement = 200

// locker takes per-user locks without waiting, in one dialect's way.
type locker interface {
	// tryLock returns the ids it locked and a function that unlocks them.
	tryLock(ctx context.Context, ids []string) (held []string, unlock func(), err error)
}

// lockSet is one LockUsers grant still outstanding.
type lockSet struct {
	once   sync.Once
	unlock func()
	db     *DB
}

func (ls *lockSet) release() {
	ls.once.Do(func() {
		ls.unlock()
		ls.db.mu.Lock()
		delete(ls.db.locks, ls)
		ls.db.mu.Unlock()
	})
}

// LockUsers tries to take, without waiting, a lock per user that excludes
// every other LockUsers call on the same users, in this process or in
// another instance sharing the database. It returns the ids it got (users
// locked elsewhere are left out: skip them for now) and a function that
// releases them; release is safe to call more than once. Close releases
// what is still held, and a crashed instance's locks vanish with its
// connection.
//
// MySQL/MariaDB: GET_LOCK; PostgreSQL: pg_try_advisory_lock; both on one
// connection pinned until release. SQLite: a lock table in this process.
func (db *DB) LockUsers(ctx context.Context, userIDs []string) (held []string, release func(), err error) {
	noop := func() {}
	ids := uniqueNonEmpty(userIDs, false)
	if len(ids) == 0 {
		return nil, noop, nil
	}
	if db.isClosed() {
		return nil, noop, fmt.Errorf("userdb: LockUsers on a closed DB")
	}
	if err := ctx.Err(); err != nil {
		return nil, noop, fmt.Errorf("userdb: locking users: %w", err)
	}
	held, unlock, err := db.locker.tryLock(ctx, ids)
	if err != nil {
		return nil, noop, db.errorf(err, "locking users")
	}
	if len(held) == 0 {
		unlock()
		return nil, noop, nil
	}
	ls := &lockSet{unlock: unlock, db: db}
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		unlock()
		return nil, noop, fmt.Errorf("userdb: LockUsers on a closed DB")
	}
	db.locks[ls] = struct{}{}
	db.mu.Unlock()
	return held, ls.release, nil
}

func (db *DB) isClosed() bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.closed
}

// newLocker returns the locker of t's dialect, its lock names scoped to the
// database, schema and user table in use.
func newLocker(ctx context.Context, pool *sql.DB, t target, userTable string) (locker, error) {
	switch t.dialect {
	case dialectMySQL:
		var schema sql.NullString
		if err := pool.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&schema); err != nil {
			return nil, err
		}
		return &serverLocker{pool: pool, calls: mysqlLockCalls, namespace: scope(schema.String, userTable)}, nil
	case dialectPostgres:
		var database, schema sql.NullString
		if err := pool.QueryRowContext(ctx, "SELECT current_database(), current_schema()").Scan(&database, &schema); err != nil {
			return nil, err
		}
		return &serverLocker{pool: pool, calls: postgresLockCalls, namespace: scope(database.String+"."+schema.String, userTable)}, nil
	default:
		return &fileLocker{namespace: scope(t.path, userTable)}, nil
	}
}

// scope joins the parts of a lock namespace unambiguously.
func scope(where, table string) string {
	return "caddy-mautic\x00" + where + "\x00" + table + "\x00"
}
