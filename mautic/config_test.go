package mautic

import (
	"strings"
	"testing"
	"time"
)

var testBasic = BasicAuth{Username: "admin", Password: "pa55-secret"}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"ok", Config{BaseURL: "https://m.example.com/api", Auth: testBasic}, ""},
		{"trailing slash", Config{BaseURL: "https://m.example.com/api/", Auth: testBasic}, ""},
		{"subpath", Config{BaseURL: "http://127.0.0.1:8080/mautic/api", Auth: testBasic}, ""},
		{"oauth2", Config{BaseURL: "https://m.example.com/api", Auth: OAuth2{ClientID: "1_x", ClientSecret: "s"}}, ""},
		{"pointer auth", Config{BaseURL: "https://m.example.com/api", Auth: &testBasic}, ""},
		{"empty", Config{Auth: testBasic}, "BaseURL is empty"},
		{"no scheme", Config{BaseURL: "m.example.com/api", Auth: testBasic}, "scheme"},
		{"ftp", Config{BaseURL: "ftp://m.example.com/api", Auth: testBasic}, "scheme"},
		{"no host", Config{BaseURL: "https:///api", Auth: testBasic}, "no host"},
		{"site root", Config{BaseURL: "https://m.example.com", Auth: testBasic}, "does not end in /api"},
		{"credentials in URL", Config{BaseURL: "https://admin:hunter2@m.example.com/api", Auth: testBasic}, "carries credentials"},
		{"query", Config{BaseURL: "https://m.example.com/api?x=1", Auth: testBasic}, "no query"},
		{"no auth", Config{BaseURL: "https://m.example.com/api"}, "Auth is missing"},
		{"nil pointer auth", Config{BaseURL: "https://m.example.com/api", Auth: (*BasicAuth)(nil)}, "Auth is missing"},
		{"basic without password", Config{BaseURL: "https://m.example.com/api", Auth: BasicAuth{Username: "a"}}, "Username and Password"},
		{"oauth2 without secret", Config{BaseURL: "https://m.example.com/api", Auth: OAuth2{ClientID: "a"}}, "ClientID and ClientSecret"},
		{"oauth2 bad token URL", Config{BaseURL: "https://m.example.com/api", Auth: OAuth2{ClientID: "a", ClientSecret: "b", TokenURL: "/oauth"}}, "TokenURL"},
		{"budget half set", Config{BaseURL: "https://m.example.com/api", Auth: testBasic, Budget: Budget{Requests: 5}}, "both Requests and Per"},
		{"negative timeout", Config{BaseURL: "https://m.example.com/api", Auth: testBasic, Timeout: -1}, "negative"},
		{"negative retry", Config{BaseURL: "https://m.example.com/api", Auth: testBasic, Retry: Retry{MaxAttempts: -1}}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "mautic: ") {
				t.Fatalf("err %q, want it to contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatal("error echoes a password from the URL")
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, base, err := Config{BaseURL: "https://m.example.com/api/", Auth: testBasic}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if base.String() != "https://m.example.com/api" {
		t.Errorf("base %q", base)
	}
	want := Retry{MaxAttempts: 4, MaxElapsed: 30 * time.Second, BaseDelay: 200 * time.Millisecond, MaxDelay: 10 * time.Second}
	if cfg.Timeout != 10*time.Second || cfg.UserAgent != "caddy-mautic/"+Version || cfg.Retry != want || cfg.Budget.enabled() {
		t.Errorf("defaults %+v", cfg)
	}
}
