package caddymodule

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// fullHandler provisions a handler with every section, against a simulated
// Mautic and a SQLite database.
func fullHandler(t testing.TB, modify func(h *Handler)) (*Handler, *mautictest.Server, *dbtest.Fixture) {
	t.Helper()
	m := mautictest.NewServer(t)
	f := dbtest.SQLite(t)
	h := &Handler{
		API:          &APIConfig{URL: m.URL, BasicAuth: &BasicAuthConfig{Username: "admin", Password: "mautic"}},
		Tracking:     &TrackingConfig{URL: "https://m.example.com"},
		BetterAuth:   &BetterAuthConfig{Secrets: []string{betterAuthSecret(t)}},
		Database:     &DatabaseConfig{DSN: f.DSN},
		Webhook:      &WebhookConfig{Secrets: []string{webhookSecret}, SpoolDir: t.TempDir()},
		Provisioning: &ProvisioningConfig{BatchDelay: 5_000_000},
	}
	if modify != nil {
		modify(h)
	}
	provisioned(t, h)
	eventually(t, 10*time.Second, "database connected", func() bool { return h.st.db.Load() != nil })
	return h, m, f
}

func webhookRequest(body []byte, sig, remote string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://site.example"+DefaultWebhookPath, bytes.NewReader(body))
	r.RemoteAddr = remote + ":40000"
	r.Header.Set("Content-Type", "application/json")
	if sig != "" {
		r.Header.Set(mautic.WebhookSignatureHeader, sig)
	}
	return r
}

const deleteOf10 = `{"mautic.lead_post_delete":[{"id":10,"contact":{"id":null,"fields":{"core":{"email":{"value":"hooked@example.com"}}}},"timestamp":"2026-11-25T22:40:01+00:00"}]}`

func TestWebhookAnswers(t *testing.T) {
	h, _, _ := fullHandler(t, func(h *Handler) {
		h.Webhook.Secrets = []string{"new-secret", webhookSecret} // rotating: the old one still works
		h.Webhook.MaxBody = 1024
	})
	body := []byte(deleteOf10)
	tests := []struct {
		name   string
		req    *http.Request
		status int
		result string
	}{
		{"get", httptest.NewRequest(http.MethodGet, "http://site.example"+DefaultWebhookPath, nil), 405, "method_not_allowed"},
		{"no signature", webhookRequest(body, "", "192.0.2.1"), 401, "bad_signature"},
		{"wrong secret", webhookRequest(body, mautic.SignWebhook(body, "guess"), "192.0.2.1"), 401, "bad_signature"},
		{"too large", webhookRequest(bytes.Repeat([]byte(" "), 2000), mautic.SignWebhook(bytes.Repeat([]byte(" "), 2000), webhookSecret), "192.0.2.2"), 413, "too_large"},
		{"malformed", webhookRequest([]byte("{not json"), mautic.SignWebhook([]byte("{not json"), webhookSecret), "192.0.2.2"), 400, "malformed"},
		{"old secret", webhookRequest(body, mautic.SignWebhook(body, webhookSecret), "192.0.2.2"), 200, "stored"},
		{"new secret, same body", webhookRequest(body, mautic.SignWebhook(body, "new-secret"), "192.0.2.2"), 200, "already_"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, page, tt.req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.result) {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.result)
			}
			if rec.Code == 405 && rec.Header().Get("Allow") != "POST" {
				t.Errorf("Allow = %q", rec.Header().Get("Allow"))
			}
			if strings.Contains(rec.Body.String(), "Hello") {
				t.Error("the webhook request reached the upstream")
			}
		})
	}
	m := h.st.metrics.webhookRequests
	if n := counterValue(m.WithLabelValues("bad_signature")); n != 2 {
		t.Errorf("bad_signature counted %v times, want 2", n)
	}
	// The malformed body is kept for an operator, not dropped.
	rejected, _ := os.ReadDir(filepath.Join(h.Webhook.SpoolDir, "rejected"))
	if len(rejected) != 2 { // the body and its reason
		t.Errorf("rejected/ holds %d files, want the malformed body and its reason", len(rejected))
	}
}

// A signed webhook is taken however many strangers failed from its
// address before: the limiter answers only requests that failed.
func TestWebhookSignedIsNeverLimited(t *testing.T) {
	h, _, _ := fullHandler(t, nil)
	body := []byte(deleteOf10)
	good := mautic.SignWebhook(body, webhookSecret)
	forged := mautic.SignWebhook(body, "not the secret")
	for i := 0; i < failedSigBurst; i++ {
		if rec := serve(h, page, webhookRequest(body, forged, "198.51.100.7")); rec.Code != 401 {
			t.Fatalf("forged post %d: %d, want 401", i+1, rec.Code)
		}
	}
	rec := serve(h, page, webhookRequest(body, forged, "198.51.100.7"))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || rec.Header().Get("Connection") != "close" {
		t.Errorf("forged post over the burst: %d (Retry-After %q, Connection %q), want 429, Retry-After, close",
			rec.Code, rec.Header().Get("Retry-After"), rec.Header().Get("Connection"))
	}
	if rec := serve(h, page, webhookRequest(body, good, "198.51.100.7")); rec.Code != 200 {
		t.Errorf("signed post from the limited address: %d, want 200", rec.Code)
	}
	if n := counterValue(h.st.metrics.webhookRequests.WithLabelValues("rate_limited")); n != 1 {
		t.Errorf("rate_limited counted %v, want 1", n)
	}
}

// A header that cannot be a signature is refused without the body being
// read: a stranger cannot make us read or hash anything with it.
func TestWebhookMalformedSignatureRefusedUnread(t *testing.T) {
	h, _, _ := fullHandler(t, nil)
	for _, sig := range []string{"", "forged", "AAAA", strings.Repeat("A", 4096)} {
		body := &countingReader{r: strings.NewReader(deleteOf10)}
		req := webhookRequest(nil, sig, "198.51.100.9")
		req.Body = io.NopCloser(body)
		if rec := serve(h, page, req); rec.Code != 401 && rec.Code != 429 {
			t.Errorf("signature %.10q: %d, want 401 or 429", sig, rec.Code)
		}
		if body.n != 0 {
			t.Errorf("signature %.10q: %d body bytes read", sig, body.n)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestWebhookAppliedThroughTheSpool(t *testing.T) {
	h, m, f := fullHandler(t, nil)
	f.AddUser(t, userdb.User{ID: "u1", Email: "hooked@example.com", MauticID: 10})
	body := []byte(deleteOf10)
	if rec := serve(h, page, webhookRequest(body, mautic.SignWebhook(body, webhookSecret), "192.0.2.9")); rec.Code != 200 {
		t.Fatalf("webhook: %d %s", rec.Code, rec.Body)
	}
	eventually(t, 10*time.Second, "mauticId 10 cleared", func() bool {
		id, _ := f.MauticID(t, "u1")
		return id != 10
	})
	eventually(t, 5*time.Second, "event counted", func() bool {
		return counterValue(h.st.metrics.webhookEvents.WithLabelValues(mautic.TriggerContactDeleted, "cleared")) == 1
	})
	_ = m
}
