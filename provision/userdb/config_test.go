package userdb

import (
	"strings"
	"testing"
)

func TestCheckIdentifier(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"user", true},
		{"User", true},
		{"mauticId", true},
		{"_private2", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"2user", false},
		{"user name", false},
		{"user;drop", false},
		{"user`", false},
		{`us"er`, false},
		{"public.user", false},
		{"usér", false},
		{"user-name", false},
	}
	for _, tt := range tests {
		err := checkIdentifier(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("checkIdentifier(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
}

func TestValidateNamesSaysWhichField(t *testing.T) {
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{UserTable: "user; DROP TABLE x"}, "user_table"},
		{Config{SessionTable: "ses sion"}, "session_table"},
		{Config{Columns: Columns{UserMauticID: "mautic-id"}}, "columns.user_mautic_id"},
		{Config{Columns: Columns{SessionExpiresAt: "1x"}}, "columns.session_expires_at"},
		{Config{Columns: Columns{UserLocale: "lo cale"}}, "columns.user_locale"},
	}
	for _, tt := range tests {
		err := tt.cfg.withDefaults().validateNames()
		if err == nil || !strings.Contains(err.Error(), tt.field) || !strings.HasPrefix(err.Error(), "userdb: ") {
			t.Errorf("validateNames(%+v) = %v, want an error naming %s", tt.cfg, err, tt.field)
		}
	}
	ok := Config{Columns: Columns{UserLocale: NoColumn}}.withDefaults()
	if err := ok.validateNames(); err != nil {
		t.Errorf("NoColumn locale: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	cfg := Config{}.withDefaults()
	want := Columns{
		UserID: "id", UserEmail: "email", UserName: "name", UserLocale: "locale", UserMauticID: "mauticId", UserEmailVerified: "emailVerified",
		SessionToken: "token", SessionUserID: "userId", SessionExpiresAt: "expiresAt", SessionUpdatedAt: "updatedAt",
	}
	if cfg.Columns != want || cfg.UserTable != "user" || cfg.SessionTable != "session" || cfg.MaxOpenConns != DefaultMaxOpenConns || cfg.Now == nil {
		t.Errorf("defaults = %+v", cfg)
	}
	custom := Config{UserTable: "User", Columns: Columns{UserMauticID: "mautic_id"}, MaxOpenConns: 2}.withDefaults()
	if custom.UserTable != "User" || custom.Columns.UserMauticID != "mautic_id" || custom.Columns.UserID != "id" || custom.MaxOpenConns != 2 {
		t.Errorf("custom values were not kept: %+v", custom)
	}
}

func TestParseDialect(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""}, {"mysql", "mysql"}, {"MariaDB", "mysql"}, {"postgres", "postgres"},
		{"postgresql", "postgres"}, {"pg", "postgres"}, {"sqlite", "sqlite"}, {" SQLite3 ", "sqlite"},
	}
	for _, tt := range tests {
		got, err := ParseDialect(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDialect(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	_, err := ParseDialect("oracle")
	if err == nil || !strings.Contains(err.Error(), "mysql") || !strings.Contains(err.Error(), "postgres") || !strings.Contains(err.Error(), "sqlite") {
		t.Errorf("unknown dialect error should list the valid ones: %v", err)
	}
}
