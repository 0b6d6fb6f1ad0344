package userdb

import (
	"strconv"
	"strings"
	"time"
)

// sqlDialect writes the few pieces of SQL that differ between the dialects:
// identifier quoting, placeholders, and time comparisons.
type sqlDialect struct {
	name string
}

// quote quotes a validated identifier (letters, digits, _ only), so quoting
// never needs escaping.
func (d sqlDialect) quote(name string) string {
	if d.name == dialectMySQL {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// col returns alias.column, quoted.
func (d sqlDialect) col(alias, name string) string {
	return alias + "." + d.quote(name)
}

// placeholder returns the n-th (1-based) bind parameter.
func (d sqlDialect) placeholder(n int) string {
	if d.name == dialectPostgres {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}

// placeholders returns count comma-separated parameters starting at first.
func (d sqlDialect) placeholders(first, count int) string {
	var b strings.Builder
	for i := 0; i < count; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.placeholder(first + i))
	}
	return b.String()
}

// sqliteUnixSeconds turns a SQLite date column into Unix seconds whatever it
// holds: ISO-8601 text (Better Auth's Kysely adapter), integer milliseconds
// (Prisma) or integer seconds.
const sqliteUnixSeconds = "(CASE WHEN typeof(%[1]s) IN ('integer', 'real') " +
	"THEN (CASE WHEN abs(%[1]s) < 100000000000 THEN %[1]s ELSE %[1]s / 1000.0 END) " +
	"ELSE (julianday(%[1]s) - 2440587.5) * 86400.0 END)"

// timeExpr returns a column as something comparable with timeArg values.
func (d sqlDialect) timeExpr(column string) string {
	if d.name == dialectSQLite {
		return strings.ReplaceAll(sqliteUnixSeconds, "%[1]s", column)
	}
	return column
}

// timeArg converts t for comparison with timeExpr: UTC for MySQL and
// PostgreSQL, Unix seconds for SQLite.
func (d sqlDialect) timeArg(t time.Time) any {
	if d.name == dialectSQLite {
		// Unix and Nanosecond, not UnixNano, which overflows for the zero time.
		return float64(t.Unix()) + float64(t.Nanosecond())/1e9
	}
	return t.UTC()
}
