package mautic

import (
	"bytes"
	"context"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestWireLogsHoldNoSecrets(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/api/contacts/new" {
			reply(w, 400, recorded(t, "19_contact_create_bad_email"))
			return
		}
		reply(w, 503, server503)
	})
	var logs bytes.Buffer
	c := f.client(t, func(cfg *Config) {
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c.Contacts.FindByEmail(context.Background(), "private.person+tag@example.com")
	c.Contacts.Upsert(context.Background(), Fields{"email": "not-an-email"})
	out := logs.String()
	for _, secret := range []string{"pa55-secret", base64.StdEncoding.EncodeToString([]byte("admin:pa55-secret")), "private.person", "where", "not-an-email"} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	lines := strings.Count(out, "\n")
	if lines != 5 { // 4 attempts of the lookup + 1 rejected upsert
		t.Errorf("%d log lines, want 5:\n%s", lines, out)
	}
	for _, want := range []string{`"route":"/contacts"`, `"status":503`, `"attempt":4`, `"reason":"invalid fields: email"`} {
		if !strings.Contains(out, want) {
			t.Errorf("logs lack %s:\n%s", want, out)
		}
	}
}
