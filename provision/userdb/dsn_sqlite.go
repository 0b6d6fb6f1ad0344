package userdb

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	sqlite "modernc.org/sqlite"
)

// sqliteBusyTimeout is how long SQLite waits for another writer (in ms):
// the application writes to the same file.
const sqliteBusyTimeout = 5000

// sqliteTarget builds a modernc.org/sqlite connector for an existing file:
// mode=rw, so a mistyped path fails instead of creating an empty database.
func sqliteTarget(dsn string) (target, error) {
	path, query, err := sqlitePath(dsn)
	if err != nil {
		return target{}, err
	}
	if _, err := os.Stat(path); err != nil {
		return target{}, fmt.Errorf("userdb: sqlite database %s: %w: point the DSN at the application's database file", path, errors.Unwrap(err))
	}
	query.Set("mode", "rw")
	if !hasBusyTimeout(query) {
		query.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", sqliteBusyTimeout))
	}
	conn, err := sqlite.NewConnector("file:" + escapeSQLitePath(path) + "?" + query.Encode())
	if err != nil {
		return target{}, fmt.Errorf("userdb: sqlite DSN: %w", err)
	}
	return target{dialect: dialectSQLite, connector: conn, path: path}, nil
}

// sqlitePath splits a SQLite DSN into an absolute, clean path and its query.
// In the URI forms (file:x, sqlite:x) a '?' starts the query and %-escapes
// are decoded; a plain path is taken literally.
func sqlitePath(dsn string) (string, url.Values, error) {
	path, query := dsn, url.Values{}
	if _, isURI := urlDialect(dsn); isURI {
		rest := dsn[strings.IndexByte(dsn, ':')+1:]
		rest = strings.TrimPrefix(rest, "//")
		rawPath, rawQuery, _ := strings.Cut(rest, "?")
		var err error
		if path, err = url.PathUnescape(rawPath); err != nil {
			return "", nil, fmt.Errorf("userdb: sqlite DSN has a bad %%-escape in its path")
		}
		if query, err = url.ParseQuery(rawQuery); err != nil {
			return "", nil, fmt.Errorf("userdb: sqlite DSN has a malformed query: %w", err)
		}
	}
	if path == "" || path == ":memory:" || query.Get("mode") == "memory" {
		return "", nil, errors.New("userdb: sqlite DSN must name the application's database file (an in-memory database is not shared)")
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return "", nil, fmt.Errorf("userdb: sqlite path: %w", err)
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	return path, query, nil
}

func hasBusyTimeout(q url.Values) bool {
	if q.Has("_busy_timeout") || q.Has("_timeout") {
		return true
	}
	for _, p := range q["_pragma"] {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "busy_timeout") {
			return true
		}
	}
	return false
}

// escapeSQLitePath escapes the characters SQLite's URI parser treats
// specially in a path.
func escapeSQLitePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(filepath.ToSlash(p))
}
