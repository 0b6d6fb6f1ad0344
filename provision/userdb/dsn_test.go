package userdb

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secret is the password used in DSNs below; no error may contain it.
const secret = "Pw0rd-S3cret"

func TestParseTargetDialect(t *testing.T) {
	dbFile := filepath.Join(t.TempDir(), "dev.db")
	if err := os.WriteFile(dbFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dialect, dsn string
		want         string // dialect, or "" for an error
		errHas       string
	}{
		{"", "mysql://u:" + secret + "@db:3306/app", "mysql", ""},
		{"", "mariadb://u@db/app", "mysql", ""},
		{"", "postgresql://u:" + secret + "@db/app", "postgres", ""},
		{"", "postgres://u@db/app", "postgres", ""},
		{"", "file:" + dbFile, "sqlite", ""},
		{"", "sqlite:" + dbFile, "sqlite", ""},
		{"mysql", "u:" + secret + "@tcp(db:3306)/app", "mysql", ""},
		{"postgres", "host=db user=u password=" + secret + " dbname=app", "postgres", ""},
		{"sqlite", dbFile, "sqlite", ""},
		{"", "u:" + secret + "@tcp(db:3306)/app", "", "set dialect"},
		{"postgres", "mysql://u:" + secret + "@db/app", "", "does not match"},
		{"oracle", "mysql://u@db/app", "", "unknown dialect"},
		{"mysql", "  ", "", "dsn is empty"},
	}
	for _, tt := range tests {
		got, err := parseTarget(tt.dialect, tt.dsn)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("parseTarget(%q, …) = %v, want an error containing %q", tt.dialect, err, tt.errHas)
			}
		} else if err != nil || got.dialect != tt.want || got.connector == nil {
			t.Errorf("parseTarget(%q, %q) = %q, %v; want %q", tt.dialect, tt.dsn, got.dialect, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

func TestDSNErrorsNeverShowThePassword(t *testing.T) {
	tests := []struct {
		dialect, dsn, errHas string
	}{
		{"", "mysql://u:" + secret + "@db/", "database"},
		{"", "mysql://u:" + secret + "@db/a/b", "database"},
		{"", "mysql://u:" + secret + "@db/app?sslidentity=x.p12", "sslidentity"},
		{"", "mysql://u:" + secret + "@db/app?charset=latin1", "charset"},
		{"", "mysql://u:" + secret + "@db/app?connection_limit=zero", "connection_limit"},
		{"", "mysql://u:" + secret + "@db/app?sslaccept=sometimes", "sslaccept"},
		{"", "mysql://u:" + secret + "@db:port/app", "not a valid URL"},
		{"", "mysql://u:" + secret + "%zz@db/app", "not a valid URL"},
		{"", "postgresql://u:" + secret + "@db:99999999/app", "postgres DSN"},
		{"", "postgresql://u:" + secret + "@db/app?sslpassword=x", "sslpassword"},
		{"", "postgresql://u:" + secret + "@db/app?schema=a%3Bb", "schema"},
		{"", "postgresql://u:" + secret + "@db/app?schema=a;b", "query is malformed"},
		{"", "mysql://u:" + secret + "@db/app?x=%zz", "query is malformed"},
		{"", "postgresql://u:" + secret + "%zz@db/app", "not a valid URL"},
		{"postgres", "host=db password=" + secret + " port=notaport", "postgres DSN"},
		{"postgres", "host=db password='" + secret + " dbname=x", "postgres DSN"},
		{"mysql", "u:" + secret + "@tcp(db:3306/app", "mysql DSN"},
		{"mysql", "u:" + secret + "@tcp(db:3306)/app?parseTime=maybe", "mysql DSN"},
		{"mysql", "u:" + secret + "@tcp(db:3306)/app?tls=" + secret, "mysql DSN"},
	}
	for _, tt := range tests {
		_, err := parseTarget(tt.dialect, tt.dsn)
		if err == nil {
			t.Errorf("parseTarget(%q) succeeded, want an error", tt.errHas)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), tt.errHas) || !strings.HasPrefix(err.Error(), "userdb: ") {
			t.Errorf("error %q should start with userdb: and mention %q", err, tt.errHas)
		}
	}
}

// FuzzParseTarget feeds URL-shaped DSNs with a recognisable password: parsing
// never panics and an error never shows the password.
func FuzzParseTarget(f *testing.F) {
	f.Add("mysql", "u", "Pass1word", "db:3306", "/app?connection_limit=2")
	f.Add("postgresql", "u", "Xy9secretZ", "db", "/app?schema=public")
	f.Add("mysql", "u", "Ab1%zzzzzz", "db", "/")
	f.Add("postgres", "u", "Qq7qqqqqqq", "db:x", "/app")
	f.Add("mariadb", "", "Zz0zzzzzzz", "[::1]", "/a?sslaccept=x")
	f.Fuzz(func(t *testing.T, scheme, user, pass, host, rest string) {
		if !strongPassword(pass) || strings.Contains(user+host+rest+scheme, pass) {
			t.Skip()
		}
		dsn := scheme + "://" + user + ":" + pass + "@" + host + rest
		_, err := parseTarget("", dsn)
		if err != nil && strings.Contains(err.Error(), pass) {
			t.Fatalf("error shows the password %q: %v", pass, err)
		}
	})
}

// strongPassword limits the fuzzed passwords to ones no error text could
// contain by chance: 8 or more characters, with a digit, an upper- and a
// lower-case letter.
func strongPassword(p string) bool {
	if len(p) < 8 {
		return false
	}
	var digit, upper, lower bool
	for _, r := range p {
		digit = digit || (r >= '0' && r <= '9')
		upper = upper || (r >= 'A' && r <= 'Z')
		lower = lower || (r >= 'a' && r <= 'z')
	}
	return digit && upper && lower
}

func TestDialectOf(t *testing.T) {
	tests := []struct {
		dialect, dsn string
		want         string
		err          string // "" for none
	}{
		{"", "mysql://root@127.0.0.1:3306/app", "mysql", ""},
		{"", "MariaDB://root@db/app", "mysql", ""},
		{"", "postgresql://u@db/app?schema=public", "postgres", ""},
		{"", "file:./dev.db", "sqlite", ""},
		{"pg", "host=db user=u dbname=app", "postgres", ""},
		{"MySQL", "mysql://root@db/app", "mysql", ""},
		{"", "root:pw@tcp(db:3306)/app", "", "cannot tell the dialect"},
		{"oracle", "mysql://root@db/app", "", `unknown dialect "oracle"`},
		{"postgres", "mysql://root@db/app", "", "does not match"},
		{"mysql", "  ", "", "dsn is empty"},
	}
	for _, tt := range tests {
		got, err := DialectOf(tt.dialect, tt.dsn)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("DialectOf(%q, %q) = %q, %v; want %q", tt.dialect, tt.dsn, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("DialectOf(%q, %q) error = %v, want one containing %q", tt.dialect, tt.dsn, err, tt.err)
		}
	}
}
