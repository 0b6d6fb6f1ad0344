package userdb

import (
	"fmt"
	"strings"
	"time"
)

// queries holds the SQL of a DB, written once at Open from its dialect and
// names. Statements whose length depends on the number of arguments are
// built per call from the prefixes here.
type queries struct {
	d sqlDialect

	userByID        string
	usersByIDs      string // + placeholders + ")"
	usersByEmails   string // + placeholders + ")"
	usersByMauticID string
	usersOfIDs      string // + placeholders + ")": by mauticId
	lookupSession   string
	setMauticID     string
	readMauticID    string
	replaceMauticID string
	clearMauticID   string
	pendingUsers    string
	probeUser       string
	probeSession    string
}

// fixed returns the statements whose text never changes, to prepare once
// where the driver would otherwise compile them on every call (SQLite).
func (q queries) fixed() []string {
	return []string{q.userByID, q.usersByMauticID, q.lookupSession, q.setMauticID, q.readMauticID,
		q.replaceMauticID, q.clearMauticID, q.pendingUsers}
}

func buildQueries(dialect string, cfg Config) queries {
	d := sqlDialect{name: dialect}
	c := cfg.Columns
	ut := d.quote(cfg.UserTable)
	st := d.quote(cfg.SessionTable)
	uid := d.col("u", c.UserID)
	mid := d.col("u", c.UserMauticID)
	locale := "NULL"
	if c.UserLocale != NoColumn {
		locale = d.col("u", c.UserLocale)
	}
	verified := "NULL"
	if c.UserEmailVerified != NoColumn {
		verified = d.col("u", c.UserEmailVerified)
	}
	userCols := strings.Join([]string{uid, d.col("u", c.UserEmail), d.col("u", c.UserName), locale, mid, verified}, ", ")
	// PostgreSQL refuses a constant (the NULL locale) in GROUP BY.
	groupCols := []string{uid, d.col("u", c.UserEmail), d.col("u", c.UserName), mid}
	if c.UserLocale != NoColumn {
		groupCols = append(groupCols, locale)
	}
	if c.UserEmailVerified != NoColumn {
		groupCols = append(groupCols, verified)
	}
	fromUser := "SELECT " + userCols + " FROM " + ut + " u WHERE "
	sExpires := d.timeExpr(d.col("s", c.SessionExpiresAt))
	sUpdated := d.timeExpr(d.col("s", c.SessionUpdatedAt))
	sessionJoin := " FROM " + st + " s JOIN " + ut + " u ON " + uid + " = " + d.col("s", c.SessionUserID)
	// The UPDATEs name columns without an alias: MySQL and SQLite allow
	// none in a single-table UPDATE's SET list.
	mauticID := d.quote(c.UserMauticID)
	update := "UPDATE " + ut + " SET " + mauticID + " = "

	return queries{
		d:               d,
		userByID:        fromUser + uid + " = " + d.placeholder(1),
		usersByIDs:      fromUser + uid + " IN (",
		usersByEmails:   fromUser + "LOWER(" + d.col("u", c.UserEmail) + ") IN (",
		usersByMauticID: fromUser + mid + " = " + d.placeholder(1) + " ORDER BY " + uid,
		usersOfIDs:      fromUser + mid + " IN (",
		lookupSession: "SELECT " + userCols + ", " + d.col("s", c.SessionExpiresAt) + sessionJoin +
			" WHERE " + d.col("s", c.SessionToken) + " = " + d.placeholder(1) +
			" AND " + sExpires + " > " + d.placeholder(2) + exactToken(d, d.col("s", c.SessionToken)),
		// Only a NULL is written: an equal id needs no write (PostgreSQL
		// would still write a row version and flush a commit), and another
		// id must not be overwritten. SetMauticID reads the outcome back.
		setMauticID: update + d.placeholder(1) + " WHERE " + d.quote(c.UserID) + " = " + d.placeholder(2) +
			" AND " + mauticID + " IS NULL",
		readMauticID:    "SELECT " + mauticID + " FROM " + ut + " WHERE " + d.quote(c.UserID) + " = " + d.placeholder(1),
		replaceMauticID: update + d.placeholder(1) + " WHERE " + mauticID + " = " + d.placeholder(2),
		clearMauticID:   update + "NULL WHERE " + mauticID + " = " + d.placeholder(1),
		pendingUsers: "SELECT " + userCols + sessionJoin +
			" WHERE " + mid + " IS NULL AND " + d.notTombstoned(uid) + " AND " + sExpires + " > " + d.placeholder(1) +
			" AND " + sUpdated + " >= " + d.placeholder(2) +
			" AND " + d.consentAllowed(uid) +
			" GROUP BY " + strings.Join(groupCols, ", ") +
			" ORDER BY MAX(" + sUpdated + ") DESC, " + uid +
			" LIMIT " + d.placeholder(3),
		probeUser: fromUser + "1 = 0",
		probeSession: fmt.Sprintf("SELECT %s, %s, %s, %s FROM %s s WHERE 1 = 0",
			d.col("s", c.SessionToken), d.col("s", c.SessionUserID),
			d.col("s", c.SessionExpiresAt), d.col("s", c.SessionUpdatedAt), st),
	}
}

// exactToken adds, on MySQL, a byte-wise comparison of the token: its
// default collations ignore case, and a session token is case-sensitive. The
// plain comparison before it keeps the unique index in use. The token is
// bound a second time as parameter 3.
func exactToken(d sqlDialect, column string) string {
	if d.name != dialectMySQL {
		return ""
	}
	return " AND CAST(" + column + " AS BINARY) = CAST(" + d.placeholder(3) + " AS BINARY)"
}

// lookupSessionArgs binds the parameters of lookupSession.
func (q queries) lookupSessionArgs(token string, now time.Time) []any {
	if q.d.name == dialectMySQL {
		return []any{token, q.d.timeArg(now), token}
	}
	return []any{token, q.d.timeArg(now)}
}

// withList completes a prefix ending in "IN (" with n placeholders.
func (q queries) withList(prefix string, n int) string {
	return prefix + q.d.placeholders(1, n) + ")"
}
