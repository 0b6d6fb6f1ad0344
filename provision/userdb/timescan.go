package userdb

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// anyTime scans a date column into UTC whatever the driver hands over:
// time.Time (MySQL with parseTime, PostgreSQL, SQLite's parsed text), ISO-8601
// or SQL text, or an integer of Unix seconds or milliseconds (Prisma on
// SQLite).
type anyTime struct {
	t time.Time
}

// Scan implements sql.Scanner.
func (a *anyTime) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case time.Time:
		a.t = v.UTC()
	case int64:
		a.t = unixIntAuto(v)
	case float64:
		a.t = unixAuto(v)
	case string:
		a.t, err = parseDBTime(v)
	case []byte:
		a.t, err = parseDBTime(string(v))
	case nil:
		return fmt.Errorf("userdb: date column is NULL")
	default:
		return fmt.Errorf("userdb: date column holds %T, not a date", src)
	}
	return err
}

// unixMillisFrom is where integers stop being read as seconds: 1e11 seconds
// is the year 5138, 1e11 milliseconds is 1973. The SQL side (sqliteUnixSeconds)
// uses the same rule.
const unixMillisFrom = 1e11

func unixIntAuto(v int64) time.Time {
	if v >= unixMillisFrom || v <= -unixMillisFrom {
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

func unixAuto(v float64) time.Time {
	whole, frac := math.Modf(v)
	if math.Abs(v) >= unixMillisFrom {
		return time.UnixMilli(int64(whole)).Add(time.Duration(math.Round(frac * 1e6))).UTC()
	}
	return time.Unix(int64(whole), int64(math.Round(frac*1e9))).UTC()
}

// dbTimeLayouts are the text forms dates take in the supported databases,
// tried in order. Without a zone the value is UTC.
var dbTimeLayouts = []string{
	time.RFC3339Nano,                      // 2026-12-02T22:47:22.554Z (Better Auth on SQLite)
	"2006-01-02 15:04:05.999999999Z07:00", // SQLite with a zone
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999", // no zone: UTC
	"2006-01-02 15:04:05.999999999", // MySQL text
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseDBTime parses a date stored as text; numeric text is a Unix time.
func parseDBTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dbTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return unixIntAuto(n), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return unixAuto(f), nil
	}
	return time.Time{}, fmt.Errorf("userdb: date %q is in no known format: store ISO-8601 text or Unix milliseconds", truncate(s, 40))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
