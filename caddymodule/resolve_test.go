package caddymodule

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// full is a configuration with every section, its secrets from the
// environment.
func full() *Handler {
	return &Handler{
		API:        &APIConfig{URL: "{env.CM_T_URL}", BasicAuth: &BasicAuthConfig{Username: "{env.CM_T_USER}", Password: "{env.CM_T_PASS}"}},
		Tracking:   &TrackingConfig{URL: "https://m.example.com"},
		BetterAuth: &BetterAuthConfig{Secrets: []string{"{env.CM_T_BA}", "{env.CM_T_BA_OLD}"}, Upstream: "http://127.0.0.1:3000"},
		Database:   &DatabaseConfig{DSN: "{env.CM_T_DSN}"},
		Webhook:    &WebhookConfig{Secrets: []string{"{env.CM_T_HOOK}"}},
		FirstParty: &FirstPartyConfig{Prefix: "/mtc-proxy"},
	}
}

func setFullEnv(t *testing.T) {
	t.Setenv("CM_T_URL", "https://m.example.com")
	t.Setenv("CM_T_USER", "api")
	t.Setenv("CM_T_PASS", "pa55word-never-shown")
	t.Setenv("CM_T_BA", "better-auth-secret-never-shown")
	t.Setenv("CM_T_BA_OLD", "")
	t.Setenv("CM_T_DSN", "mysql://app:db-pass-never-shown@127.0.0.1:3306/app")
	t.Setenv("CM_T_HOOK", "hook-secret-never-shown")
}

func TestResolveReplacesEnvironment(t *testing.T) {
	setFullEnv(t)
	c, err := full().resolved(caddy.NewReplacer())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	if c.API.URL != "https://m.example.com" || c.API.BasicAuth.Password != "pa55word-never-shown" {
		t.Errorf("api not resolved: %+v", c.API)
	}
	if len(c.BetterAuth.Secrets) != 1 {
		t.Errorf("an older secret that is not set should be dropped: %q", c.BetterAuth.Secrets)
	}
	if c.webhookPath() != DefaultWebhookPath {
		t.Errorf("webhook path %q", c.webhookPath())
	}
}

func TestLoadTimeErrors(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		modify func(h *Handler)
		want   string
	}{
		{"missing password", map[string]string{"CM_T_PASS": ""}, nil, "api basic_auth password is empty: {env.CM_T_PASS} evaluates to nothing, set the environment variable CM_T_PASS"},
		{"missing better auth secret", map[string]string{"CM_T_BA": ""}, nil, "set the environment variable CM_T_BA"},
		{"missing webhook secret", map[string]string{"CM_T_HOOK": ""}, nil, "webhook secret is empty"},
		{"webhook without secret", nil, func(h *Handler) { h.Webhook.Secrets = nil }, "webhook secret is missing"},
		{"unparsable url", map[string]string{"CM_T_URL": "ht!tp://bad"}, nil, "api url does not parse"},
		{"url without scheme", map[string]string{"CM_T_URL": "m.example.com"}, nil, "api url is not http or https"},
		{"unknown dialect", nil, func(h *Handler) { h.Database.Dialect = "oracle" }, `unknown dialect "oracle"`},
		{"dialect from a driver DSN", map[string]string{"CM_T_DSN": "app:pw@tcp(127.0.0.1)/app"}, nil, "cannot tell the dialect of the DSN"},
		{"unknown placeholder", nil, func(h *Handler) { h.API.URL = "{http.request.host}" }, "api url holds an unknown placeholder"},
		{"no session source", nil, func(h *Handler) { h.Database, h.Webhook, h.BetterAuth.Upstream = nil, nil, "" }, "better_auth has no way to look sessions up"},
		{"handover without database", nil, func(h *Handler) { h.Database, h.Webhook = nil, nil; h.FirstParty.Handover = true }, "handover needs database"},
		{"webhook under the prefix", nil, func(h *Handler) { h.Webhook.Path = "/mtc-proxy/hook" }, "under the first_party prefix"},
		{"tracking without url", nil, func(h *Handler) { h.FirstParty = nil; h.Tracking.URL = "" }, "tracking url is missing"},
		{"nothing", nil, func(h *Handler) { *h = Handler{} }, "nothing configured"},
		{"both auths", nil, func(h *Handler) { h.API.OAuth2 = &OAuth2Config{ClientID: "a", ClientSecret: "b"} }, "both basic_auth and oauth2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setFullEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			h := full()
			if tt.modify != nil {
				tt.modify(h)
			}
			c, err := h.resolved(caddy.NewReplacer())
			if err == nil {
				err = c.validate()
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "mautic: ") {
				t.Errorf("error %q, want it to start with mautic: and say %q", err, tt.want)
			}
			for _, secret := range []string{"pa55word", "better-auth-secret", "db-pass", "hook-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a credential: %q", err)
				}
			}
			// Provision refuses it the same way.
			if perr := h.Provision(caddyContext(t)); perr == nil || perr.Error() != err.Error() {
				t.Errorf("Provision: %v, want %v", perr, err)
			}
		})
	}
}

func TestCleartextWarning(t *testing.T) {
	tests := []struct {
		url  string
		warn bool
	}{
		{"http://mautic.example.com", true},
		{"http://user:secret@mautic.example.com", true},
		{"https://mautic.example.com", false},
		{"http://127.0.0.1:8080", false},
		{"http://localhost:8080", false},
		{"http://[::1]:8080", false},
	}
	for _, tt := range tests {
		core, logs := observer.New(zap.WarnLevel)
		warnCleartext(zap.New(core), Handler{API: &APIConfig{URL: tt.url, BasicAuth: &BasicAuthConfig{"u", "p"}}})
		if got := logs.Len() == 1; got != tt.warn {
			t.Errorf("%s: warned %v, want %v", tt.url, got, tt.warn)
		}
		for _, e := range logs.All() {
			for _, f := range e.Context {
				if strings.Contains(f.String, "secret") {
					t.Errorf("warning shows the password: %v", f.String)
				}
			}
		}
	}
}

func TestAPIRoot(t *testing.T) {
	tests := []struct{ in, api, site string }{
		{"https://m.example.com", "https://m.example.com/api", "https://m.example.com"},
		{"https://m.example.com/", "https://m.example.com/api", "https://m.example.com"},
		{"https://m.example.com/api", "https://m.example.com/api", "https://m.example.com"},
		{"https://example.com/mautic/api/", "https://example.com/mautic/api", "https://example.com/mautic"},
		{"http://127.0.0.1:8080/mautic", "http://127.0.0.1:8080/mautic/api", "http://127.0.0.1:8080/mautic"},
	}
	for _, tt := range tests {
		api, err := apiRoot(tt.in)
		if err != nil || api.String() != tt.api {
			t.Errorf("apiRoot(%s) = %v, %v; want %s", tt.in, api, err, tt.api)
		}
		site, err := siteRoot(tt.in)
		if err != nil || site.String() != tt.site {
			t.Errorf("siteRoot(%s) = %v, %v; want %s", tt.in, site, err, tt.site)
		}
	}
}

func TestInstanceNameIgnoresSecrets(t *testing.T) {
	a := stateConfig{API: &APIConfig{URL: "https://m.example.com", BasicAuth: &BasicAuthConfig{"u", "one"}},
		Database: &DatabaseConfig{DSN: "mysql://app:one@db/app"}, WebhookPath: "/hook"}
	b := a
	b.API = &APIConfig{URL: "https://m.example.com", BasicAuth: &BasicAuthConfig{"u", "two"}}
	b.Database = &DatabaseConfig{DSN: "mysql://app:two@db/app"}
	if a.instanceName() != b.instanceName() {
		t.Error("the instance name changed with a password: spooled events would be left behind")
	}
	if a.poolKey() == b.poolKey() {
		t.Error("the pool key ignores a password: the old client would be kept")
	}
	c := a
	c.Database = &DatabaseConfig{DSN: "mysql://app:one@otherdb/app"}
	if a.instanceName() == c.instanceName() {
		t.Error("two databases share an instance name")
	}
	d := a
	d.Database = &DatabaseConfig{DSN: "app:one@tcp(db)/app", Dialect: "mysql"}
	e := d
	e.Database = &DatabaseConfig{DSN: "app:two@tcp(db)/app", Dialect: "mysql"}
	if d.instanceName() != e.instanceName() {
		t.Error("a driver DSN's password changes the instance name")
	}
}
