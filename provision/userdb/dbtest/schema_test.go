package dbtest

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitStatements(t *testing.T) {
	text := "-- comment; with a semicolon\ncreate table a (x int);\n\n-- another\ncreate index i on a (x);\ncreate table b (\n  y int\n);\n"
	want := []string{"create table a (x int)", "create index i on a (x)", "create table b (\n  y int\n)"}
	if got := splitStatements(text); !reflect.DeepEqual(got, want) {
		t.Errorf("splitStatements = %q, want %q", got, want)
	}
}

func TestSchemaFiles(t *testing.T) {
	for _, dialect := range []string{"mysql", "postgres", "sqlite"} {
		stmts, err := SchemaStatements(dialect)
		if err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(stmts, "\n")
		for _, table := range []string{"user", "session", "account", "verification", "jwks"} {
			if !strings.Contains(joined, "create table "+quote(dialect, table)) {
				t.Errorf("%s schema lacks table %s", dialect, table)
			}
		}
		for _, col := range []string{"locale", "mauticId", "token", "expiresAt", "updatedAt", "userId"} {
			if !strings.Contains(joined, quote(dialect, col)) {
				t.Errorf("%s schema lacks column %s", dialect, col)
			}
		}
		if len(stmts) != 8 {
			t.Errorf("%s schema has %d statements, want 5 tables and 3 indexes", dialect, len(stmts))
		}
	}
	if _, err := Schema("oracle"); err == nil {
		t.Error("Schema(oracle) succeeded")
	}
}

func quote(dialect, name string) string {
	if dialect == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

func TestWithDatabase(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://root@127.0.0.1:5432/test?sslmode=disable", "postgres://root@127.0.0.1:5432/cmt_x?sslmode=disable"},
		{"postgresql://u:p@h/", "postgresql://u:p@h/cmt_x"},
		{"host=h user=u dbname=test", "host=h user=u dbname=test dbname=cmt_x"},
	}
	for _, tt := range tests {
		if got := withDatabase(tt.in, "cmt_x"); got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
