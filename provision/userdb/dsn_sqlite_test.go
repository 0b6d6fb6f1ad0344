package userdb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSQLitePath(t *testing.T) {
	dir := t.TempDir()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dsn, path, query string
	}{
		{"file:" + dir + "/a.db", dir + "/a.db", ""},
		{"file://" + dir + "/a.db", dir + "/a.db", ""},
		{"sqlite:" + dir + "/a.db?_pragma=foreign_keys(1)", dir + "/a.db", "_pragma=foreign_keys%281%29"},
		{"sqlite://" + dir + "/a%20b.db", dir + "/a b.db", ""},
		{"file:./dev.db", filepath.Join(wd, "dev.db"), ""},
		{"dev.db", filepath.Join(wd, "dev.db"), ""},
		{dir + "/odd?x=1%41#", dir + "/odd?x=1%41#", ""},
		{"file:" + dir + "/odd%3Fx=1%2541%23", dir + "/odd?x=1%41#", ""},
	}
	for _, tt := range tests {
		path, q, err := sqlitePath(tt.dsn)
		if err != nil || path != tt.path || q.Encode() != tt.query {
			t.Errorf("sqlitePath(%q) = %q, %q, %v; want %q, %q", tt.dsn, path, q.Encode(), err, tt.path, tt.query)
		}
	}
	for _, bad := range []string{"file::memory:", "sqlite:", ":memory:", "file:x.db?mode=memory", "file:a%zz.db", "file:a.db?x=%zz"} {
		if _, _, err := sqlitePath(bad); err == nil {
			t.Errorf("sqlitePath(%q) should fail", bad)
		}
	}
}

func TestSQLiteTargetNeedsAnExistingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "typo.db")
	_, err := sqliteTarget("file:" + missing)
	if err == nil || !strings.Contains(err.Error(), "typo.db") {
		t.Fatalf("want an error naming the missing file, got %v", err)
	}
	if _, statErr := os.Stat(missing); statErr == nil {
		t.Error("a missing SQLite file was created")
	}
}
