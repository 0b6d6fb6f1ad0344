package userdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"sync/atomic"
)

// serverLockCalls writes a dialect's lock statements.
type serverLockCalls struct {
	// key turns a namespaced user id into the lock's argument.
	key func(namespaced string) any
	// tryLock is the SQL expression taking lock number n (1-based
	// placeholder) without waiting; it yields 1/true when taken.
	tryLock func(d sqlDialect, n int) string
	// releaseAll gives back every lock the session holds.
	releaseAll string
	dialect    sqlDialect
}

// mysqlLockCalls: GET_LOCK names are server-wide and at most 64 characters,
// so they are a hash of the database, table and user id.
var mysqlLockCalls = serverLockCalls{
	key: func(namespaced string) any {
		sum := sha256.Sum256([]byte(namespaced))
		return "caddy-mautic:" + base64.RawURLEncoding.EncodeToString(sum[:]) // 56 characters
	},
	tryLock:    func(d sqlDialect, n int) string { return "GET_LOCK(" + d.placeholder(n) + ", 0)" },
	releaseAll: "SELECT RELEASE_ALL_LOCKS()",
	dialect:    sqlDialect{name: dialectMySQL},
}

// postgresLockCalls: advisory locks are per database and keyed by a 64-bit
// integer, a hash of the schema, table and user id.
var postgresLockCalls = serverLockCalls{
	key: func(namespaced string) any {
		sum := sha256.Sum256([]byte(namespaced))
		return int64(binary.BigEndian.Uint64(sum[:8]))
	},
	tryLock:    func(d sqlDialect, n int) string { return "pg_try_advisory_lock(" + d.placeholder(n) + "::bigint)" },
	releaseAll: "SELECT pg_advisory_unlock_all()",
	dialect:    sqlDialect{name: dialectPostgres},
}

// serverLocker takes session-level locks of the database server on one
// pinned connection per grant. A session may hold many locks; when the
// connection dies, the server frees them.
type serverLocker struct {
	pool      *sql.DB
	calls     serverLockCalls
	namespace string
	discards  atomic.Int64 // connections dropped instead of returned
}

func (l *serverLocker) tryLock(ctx context.Context, ids []string) ([]string, func(), error) {
	conn, err := l.pool.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	var held []string
	for start := 0; start < len(ids); start += maxLocksPerStatement {
		chunk := ids[start:min(start+maxLocksPerStatement, len(ids))]
		got, err := l.tryChunk(ctx, conn, chunk)
		if err != nil {
			// Which locks the server took is unknown: drop the session.
			l.discard(conn)
			return nil, nil, err
		}
		held = append(held, got...)
	}
	return held, func() { l.unlock(conn) }, nil
}

// tryChunk takes the locks of ids in one statement.
func (l *serverLocker) tryChunk(ctx context.Context, conn *sql.Conn, ids []string) ([]string, error) {
	calls := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		calls[i] = l.calls.tryLock(l.calls.dialect, i+1)
		args[i] = l.calls.key(l.namespace + id)
	}
	got := make([]sql.NullBool, len(ids))
	dest := make([]any, len(ids))
	for i := range got {
		dest[i] = &got[i]
	}
	if err := conn.QueryRowContext(ctx, "SELECT "+strings.Join(calls, ", "), args...).Scan(dest...); err != nil {
		return nil, err
	}
	var held []string
	for i, ok := range got {
		if ok.Valid && ok.Bool {
			held = append(held, ids[i])
		}
	}
	return held, nil
}

// unlock gives every lock of the session back and returns the connection to
// the pool, or drops the connection when that fails.
func (l *serverLocker) unlock(conn *sql.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if _, err := conn.ExecContext(ctx, l.calls.releaseAll); err != nil {
		l.discard(conn)
		return
	}
	_ = conn.Close()
}

// discard closes conn's underlying connection instead of returning it to the
// pool: the server then frees whatever the session still holds.
func (l *serverLocker) discard(conn *sql.Conn) {
	l.discards.Add(1)
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
