package userdb

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// target is a parsed DSN: what to connect to, and what must never be shown.
type target struct {
	dialect   string
	connector driver.Connector
	secret    string // the password, scrubbed from every error
	maxConns  int    // a URL's connection_limit, 0 when absent
	path      string // SQLite: the absolute file path
}

// parseTarget works out the dialect from dialect and dsn and builds a
// connector. Errors never contain the password.
func parseTarget(dialect, dsn string) (target, error) {
	d, err := DialectOf(dialect, dsn)
	if err != nil {
		return target{}, err
	}
	_, isURL := urlDialect(dsn)
	switch d {
	case dialectMySQL:
		return mysqlTarget(dsn, isURL)
	case dialectPostgres:
		return postgresTarget(dsn, isURL)
	default:
		return sqliteTarget(dsn)
	}
}

// DialectOf returns the dialect Open uses for a configured dialect name
// (mysql, mariadb, postgres, postgresql, pg, sqlite, sqlite3, or "") and a
// DSN: mysql, postgres or sqlite. Its error says what to set. It reads only
// the DSN's scheme, so configuration checks can call it before connecting.
func DialectOf(dialect, dsn string) (string, error) {
	d, err := ParseDialect(dialect)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(dsn) == "" {
		return "", errors.New("userdb: dsn is empty: set it to the application's DATABASE_URL or a driver DSN")
	}
	fromURL, isURL := urlDialect(dsn)
	switch {
	case d == "" && !isURL:
		return "", errors.New("userdb: cannot tell the dialect of the DSN: set dialect to mysql, postgres or sqlite, or give a URL (mysql://…, postgresql://…, file:…)")
	case d == "":
		return fromURL, nil
	case isURL && fromURL != d:
		return "", fmt.Errorf("userdb: dialect %q does not match the DSN's URL scheme (%s): fix one of them", d, fromURL)
	}
	return d, nil
}

// urlDialect reports the dialect a URL-style DSN names by its scheme.
func urlDialect(dsn string) (string, bool) {
	lower := strings.ToLower(dsn)
	for _, p := range []struct{ prefix, dialect string }{
		{"mysql://", dialectMySQL},
		{"mariadb://", dialectMySQL},
		{"postgres://", dialectPostgres},
		{"postgresql://", dialectPostgres},
		{"file:", dialectSQLite},
		{"sqlite:", dialectSQLite},
	} {
		if strings.HasPrefix(lower, p.prefix) {
			return p.dialect, true
		}
	}
	return "", false
}

// quotedInError finds quoted fragments in a parser's message, which may be
// pieces of the DSN.
var quotedInError = regexp.MustCompile("\"[^\"]*\"|`[^`]*`|'[^']*'")

// parseURL parses a URL DSN; its errors keep the reason but drop every quoted
// fragment of the input, which could be part of the password.
func parseURL(dsn string) (*url.URL, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		var ue *url.Error
		reason := "malformed"
		if errors.As(err, &ue) {
			reason = quotedInError.ReplaceAllString(ue.Err.Error(), `"…"`)
		}
		return nil, fmt.Errorf("userdb: DSN is not a valid URL (%s): percent-encode special characters in the user name and password", reason)
	}
	return u, nil
}

// urlQuery parses u's query, refusing what url.Query would silently drop
// (a semicolon, a bad escape).
func urlQuery(u *url.URL) (url.Values, error) {
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		reason := quotedInError.ReplaceAllString(err.Error(), `"…"`)
		return nil, fmt.Errorf("userdb: DSN query is malformed (%s): percent-encode special characters", reason)
	}
	return q, nil
}

// urlPassword returns the password of a URL DSN, or "".
func urlPassword(u *url.URL) string {
	if u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

// positiveInt parses a URL parameter that must be a positive integer.
func positiveInt(key, value string) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("userdb: URL parameter %s=%q is not a positive integer", key, value)
	}
	return n, nil
}

// prismaPoolParams are Prisma's pool and timeout settings for its own engine:
// they mean nothing to this module's pool, so they are accepted and ignored.
var prismaPoolParams = map[string]bool{
	"pool_timeout":                 true,
	"socket_timeout":               true,
	"max_connection_lifetime":      true,
	"max_idle_connection_lifetime": true,
	"statement_cache_size":         true,
}

func unsupportedParam(dialect, key string, supported []string) error {
	sort.Strings(supported)
	return fmt.Errorf("userdb: %s URL parameter %q is not supported: remove it or give a driver DSN (supported: %s)",
		dialect, key, strings.Join(supported, ", "))
}
