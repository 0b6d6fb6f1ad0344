package caddymodule

import (
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

func TestStateIsSharedAndReleased(t *testing.T) {
	m := mautictest.NewServer(t)
	f := dbtest.SQLite(t)
	spool := t.TempDir()
	conf := func() *Handler {
		return &Handler{
			API:        &APIConfig{URL: m.URL, BasicAuth: &BasicAuthConfig{Username: "admin", Password: "mautic"}},
			Tracking:   &TrackingConfig{URL: "https://m.example.com"},
			BetterAuth: &BetterAuthConfig{Secrets: []string{"s"}},
			Database:   &DatabaseConfig{DSN: f.DSN},
			Webhook:    &WebhookConfig{Secrets: []string{"w"}, SpoolDir: spool},
		}
	}
	a, b := conf(), conf()
	c := conf()
	c.API.Timeout = 3_000_000_000 // another configuration of the state
	for _, h := range []*Handler{a, b, c} {
		if err := h.Provision(caddyContext(t)); err != nil {
			t.Fatal(err)
		}
	}
	if a.st != b.st {
		t.Error("two handlers with one configuration got two states")
	}
	if a.st == c.st {
		t.Error("a changed configuration kept the old state")
	}
	if poolSize() != 2 {
		t.Errorf("%d states pooled, want 2", poolSize())
	}
	eventually(t, 5*time.Second, "database connected", func() bool { return a.st.db.Load() != nil })
	for _, h := range []*Handler{a, c} {
		if err := h.Cleanup(); err != nil {
			t.Fatal(err)
		}
	}
	if poolSize() != 1 || b.st.db.Load() == nil {
		t.Fatal("the state still used by b was released")
	}
	if err := b.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if err := b.Cleanup(); err != nil {
		t.Errorf("a second Cleanup: %v", err)
	}
	if poolSize() != 0 {
		t.Errorf("%d states left", poolSize())
	}
	waitNoGoroutines(t)
}

func TestProvisionFailureLeavesNothing(t *testing.T) {
	h := &Handler{
		API:          &APIConfig{URL: "http://127.0.0.1:1", BasicAuth: &BasicAuthConfig{Username: "u", Password: "p"}},
		BetterAuth:   &BetterAuthConfig{Secrets: []string{"s"}},
		Database:     &DatabaseConfig{DSN: "mysql://x@127.0.0.1:1/db"},
		Provisioning: &ProvisioningConfig{Locales: map[string]string{"de": "not a locale!"}},
	}
	if err := h.Provision(caddyContext(t)); err == nil {
		_ = h.Cleanup()
		t.Fatal("Provision accepted a locale Mautic does not know")
	}
	if poolSize() != 0 {
		t.Errorf("a failed Provision left %d states", poolSize())
	}
	waitNoGoroutines(t)
}
