package caddymodule

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
)

// TestCaddyfileExample adapts the repository's Caddyfile.example, checks
// that its mautic handler loads, and that secrets stay placeholders.
func TestCaddyfileExample(t *testing.T) {
	env := map[string]string{
		"MAUTIC_BASEURL": "https://mautic.example.com", "MAUTIC_USERNAME": "api", "MAUTIC_PASSWORD": "example-password",
		"PUBLIC_MAUTIC_URL": "https://mautic.example.com", "BETTER_AUTH_SECRET": "example-better-auth-secret",
		"DATABASE_URL": "mysql://root:example-db-password@127.0.0.1:1/caddy_mautic_demo", "MAUTIC_WEBHOOK_SECRET": "example-webhook-secret",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	src, err := os.ReadFile(filepath.Join(repoRoot, "Caddyfile.example"))
	if err != nil {
		t.Fatal(err)
	}
	out, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt(src, map[string]any{"filename": "Caddyfile.example"})
	if err != nil {
		t.Fatalf("Caddyfile.example does not adapt: %v", err)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %v", warnings)
	}
	for name, v := range env {
		secret := strings.Contains(name, "SECRET") || strings.Contains(name, "PASSWORD") || name == "DATABASE_URL"
		if secret && strings.Contains(string(out), v) {
			t.Errorf("adapted config holds the value of %s", name)
		}
		if !strings.Contains(string(out), "{env."+name+"}") {
			t.Errorf("adapted config does not use {env.%s}", name)
		}
	}
	raw := findHandler(t, out)
	var h Handler
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	h.Webhook.SpoolDir = t.TempDir()
	provisioned(t, &h)
	if h.path.prefix != "/mtc-proxy" || h.path.webhookPath != DefaultWebhookPath || !h.path.inject {
		t.Errorf("example configures %+v", h.path)
	}
}

// findHandler returns the mautic handler's JSON in an adapted config.
func findHandler(t *testing.T, cfg []byte) json.RawMessage {
	t.Helper()
	var found json.RawMessage
	var walk func(v json.RawMessage)
	walk = func(v json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) == nil {
			if string(obj["handler"]) == `"mautic"` {
				found = v
				return
			}
			for _, c := range obj {
				walk(c)
			}
			return
		}
		var arr []json.RawMessage
		if json.Unmarshal(v, &arr) == nil {
			for _, c := range arr {
				walk(c)
			}
		}
	}
	walk(cfg)
	if found == nil {
		t.Fatalf("no mautic handler in %s", cfg)
	}
	return found
}
