package betterauth

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsBadConfig(t *testing.T) {
	db := func(context.Context, string) (Identity, error) { return Identity{}, nil }
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error
	}{
		{"nothing to verify with", Config{}, "set Secrets, JWKSURL or GetSessionURL"},
		{"empty secret", Config{Secrets: []string{"a-secret", ""}}, "Secrets[1] is empty"},
		{"bad prefix", Config{Secrets: []string{"s"}, CookiePrefix: "a;b"}, "CookiePrefix"},
		{"unknown secure mode", Config{Secrets: []string{"s"}, SecureCookies: 7}, "SecureCookies 7"},
		{"relative JWKS URL", Config{JWKSURL: "/api/auth/jwks"}, "JWKSURL is not an absolute"},
		{"JWKS URL of another scheme", Config{JWKSURL: "ftp://x/jwks"}, "JWKSURL is not an absolute"},
		{"bad get-session URL", Config{GetSessionURL: "http://"}, "GetSessionURL is not an absolute"},
		{"database without secret", Config{GetSessionURL: "http://x/g", LookupSession: db}, "LookupSession needs Secrets"},
		{"negative TTL", Config{Secrets: []string{"s"}, CacheTTL: -time.Second}, "CacheTTL is negative"},
		{"negative lookup timeout", Config{Secrets: []string{"s"}, LookupTimeout: -1}, "LookupTimeout is negative"},
		{"negative cache size", Config{Secrets: []string{"s"}, MaxCacheEntries: -1}, "MaxCacheEntries is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.cfg)
			if err == nil {
				r.Close()
				t.Fatalf("New accepted %+v", tt.cfg)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "betterauth: ") {
				t.Errorf("error %q, want it to start with the package and contain %q", err, tt.want)
			}
		})
	}
}

func TestConfigErrorsDoNotEchoURLs(t *testing.T) {
	_, err := New(Config{JWKSURL: "ftp://user:hunter2@host/jwks"})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %v must not repeat the URL", err)
	}
}

func TestConfigDefaults(t *testing.T) {
	c, err := Config{Secrets: []string{"s"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.CookiePrefix != DefaultCookiePrefix || c.CookieCacheVersion != "1" || c.JWKSMinRefresh != DefaultJWKSMinRefresh ||
		c.CacheTTL != DefaultCacheTTL || c.NegativeTTL != DefaultNegativeTTL || c.LookupTimeout != DefaultLookupTimeout ||
		c.MaxCacheEntries != DefaultMaxCacheEntries || c.Now == nil || c.SecureCookies != SecureAuto {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestCookieFamilies(t *testing.T) {
	tests := []struct {
		mode SecureMode
		want []string
	}{
		{SecureAuto, []string{"__Secure-app.session_token", "app.session_token"}},
		{SecureAlways, []string{"__Secure-app.session_token"}},
		{SecureNever, []string{"app.session_token"}},
	}
	for _, tt := range tests {
		fams := cookieFamilies("app", tt.mode)
		var got []string
		for _, f := range fams {
			got = append(got, f.token)
			if !strings.HasSuffix(f.data, ".session_data") || strings.TrimSuffix(f.data, "session_data") != strings.TrimSuffix(f.token, "session_token") {
				t.Errorf("%v: data name %q does not match token name %q", tt.mode, f.data, f.token)
			}
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%v: names %v, want %v", tt.mode, got, tt.want)
		}
		if tt.mode.String() == "" {
			t.Error("empty SecureMode name")
		}
	}
}
