package userdb

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestQuotingAndPlaceholders(t *testing.T) {
	cfg := Config{}.withDefaults()
	tests := []struct {
		dialect string
		want    string
	}{
		{dialectMySQL, "UPDATE `user` SET `mauticId` = ? WHERE `id` = ? AND `mauticId` IS NULL"},
		{dialectPostgres, `UPDATE "user" SET "mauticId" = $1 WHERE "id" = $2 AND "mauticId" IS NULL`},
		{dialectSQLite, `UPDATE "user" SET "mauticId" = ? WHERE "id" = ? AND "mauticId" IS NULL`},
	}
	for _, tt := range tests {
		if got := buildQueries(tt.dialect, cfg).setMauticID; got != tt.want {
			t.Errorf("%s setMauticID:\n got %s\nwant %s", tt.dialect, got, tt.want)
		}
	}
}

func TestEveryNameIsQuoted(t *testing.T) {
	cfg := Config{UserTable: "User", SessionTable: "Session", Columns: Columns{UserLocale: NoColumn}}.withDefaults()
	q := buildQueries(dialectPostgres, cfg)
	for name, sql := range map[string]string{"lookupSession": q.lookupSession, "pendingUsers": q.pendingUsers, "userByID": q.userByID} {
		if strings.Contains(sql, " User ") || strings.Contains(sql, " Session ") || !strings.Contains(sql, `"User" u`) {
			t.Errorf("%s leaves a name unquoted: %s", name, sql)
		}
		if strings.Contains(sql, "locale") {
			t.Errorf("%s reads the locale column that is configured absent: %s", name, sql)
		}
	}
	if strings.Contains(q.pendingUsers, "GROUP BY") && strings.Contains(q.pendingUsers[strings.Index(q.pendingUsers, "GROUP BY"):], "NULL,") {
		t.Errorf("PostgreSQL refuses NULL in GROUP BY: %s", q.pendingUsers)
	}
}

func TestWithList(t *testing.T) {
	q := buildQueries(dialectPostgres, Config{}.withDefaults())
	got := q.withList(q.usersByIDs, 3)
	if !strings.HasSuffix(got, `"u"."id" IN ($1, $2, $3)`) && !strings.HasSuffix(got, `u."id" IN ($1, $2, $3)`) {
		t.Errorf("withList = %s", got)
	}
}

func TestTimeArg(t *testing.T) {
	at := time.Date(2026, 12, 3, 0, 47, 22, 554e6, time.FixedZone("X", 7200)) // 22:47:22.554Z
	if got := (sqlDialect{dialectSQLite}).timeArg(at).(float64); math.Abs(got-1796251642.554) > 1e-6 {
		t.Errorf("sqlite timeArg = %v", got)
	}
	if got := (sqlDialect{dialectSQLite}).timeArg(time.Time{}).(float64); got != -62135596800 {
		t.Errorf("sqlite timeArg of the zero time = %v", got)
	}
	if got := (sqlDialect{dialectMySQL}).timeArg(at).(time.Time); got.Location() != time.UTC || !got.Equal(at) {
		t.Errorf("mysql timeArg = %v", got)
	}
}
