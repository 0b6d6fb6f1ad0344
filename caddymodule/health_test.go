package caddymodule

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func getHealth(t *testing.T) (int, HealthReport, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	if err := serveHealth(rec, httptest.NewRequest(http.MethodGet, "/mautic/health", nil)); err != nil {
		t.Fatal(err)
	}
	var rep HealthReport
	if err := json.Unmarshal(rec.Body.Bytes(), &rep); err != nil {
		t.Fatalf("health is not JSON: %v: %s", err, rec.Body)
	}
	return rec.Code, rep, rec.Body.String()
}

func TestHealth(t *testing.T) {
	h, m, _ := fullHandler(t, func(h *Handler) { h.FirstParty = &FirstPartyConfig{Prefix: "/p", Handover: true} })
	eventually(t, 5*time.Second, "email flag read", func() bool { return h.st.emailUpd.Load() != emailFlagUnknown })
	code, rep, raw := getHealth(t)
	if code != 200 || !rep.OK || len(rep.Instances) != 1 {
		t.Fatalf("health: %d %s", code, raw)
	}
	in := rep.Instances[0]
	if in.Instance != h.st.name || in.Mautic == nil || !in.Mautic.Reachable || in.Mautic.Version != "5.1.0" || in.Mautic.LatencyMS <= 0 {
		t.Errorf("mautic: %+v", in.Mautic)
	}
	if in.Mautic.EmailPubliclyUpdatable == nil || *in.Mautic.EmailPubliclyUpdatable || !in.Mautic.Handover {
		t.Errorf("email flag / handover: %+v", in.Mautic)
	}
	if in.Database == nil || !in.Database.Reachable || in.Provisioning == nil || in.Webhook == nil || in.Webhook.SpoolDepth != 0 {
		t.Errorf("database %+v provisioning %+v webhook %+v", in.Database, in.Provisioning, in.Webhook)
	}
	if strings.Contains(raw, "mautic\"") && strings.Contains(raw, `"password"`) {
		t.Errorf("health shows configuration secrets: %s", raw)
	}
	// A busy monitor costs at most one Mautic call per interval.
	calls := m.TotalAPICalls()
	for i := 0; i < 5; i++ {
		getHealth(t)
	}
	if n := m.TotalAPICalls() - calls; n > 1 {
		t.Errorf("%d probes within %v", n, idleProbeAfter)
	}
	m.SetDown(true)
	h.st.ping.last.Store(nil) // as if the interval had passed
	code, rep, raw = getHealth(t)
	if code != http.StatusServiceUnavailable || rep.OK || rep.Instances[0].Mautic.Reachable || rep.Instances[0].Mautic.Error == "" {
		t.Errorf("Mautic down: %d %s", code, raw)
	}
	if strings.Contains(raw, "admin:mautic") || strings.Contains(raw, `"mautic"}`) {
		t.Errorf("health shows credentials: %s", raw)
	}
}

func TestHealthDatabaseDown(t *testing.T) {
	h := provisioned(t, &Handler{
		API:        &APIConfig{URL: "http://127.0.0.1:1", BasicAuth: &BasicAuthConfig{Username: "u", Password: "p"}},
		Tracking:   &TrackingConfig{URL: "https://m.example.com"},
		BetterAuth: &BetterAuthConfig{Secrets: []string{betterAuthSecret(t)}},
		Database:   &DatabaseConfig{DSN: "mysql://root:db-secret@127.0.0.1:1/nothing"},
	})
	eventually(t, 5*time.Second, "a failed connection recorded", func() bool { return h.st.dbErr.Load() != nil })
	code, rep, raw := getHealth(t)
	in := rep.Instances[0]
	if code != http.StatusServiceUnavailable || in.Database.Connected || in.Database.Reachable || in.Database.Error == "" {
		t.Errorf("database down: %d %s", code, raw)
	}
	if strings.Contains(raw, "db-secret") {
		t.Errorf("health shows the database password: %s", raw)
	}
	// Pages are served meanwhile, signed-in ones included.
	u := loadUser(t, "db-only")
	r := httptest.NewRequest(http.MethodGet, "http://site.example/", nil)
	r.Header.Set("Cookie", u.Cookie)
	start := time.Now()
	if rec := serve(h, page, r); rec.Code != 200 || time.Since(start) > time.Second {
		t.Errorf("page with the database down: %d after %v", rec.Code, time.Since(start))
	}
}

func TestHealthMethod(t *testing.T) {
	err := serveHealth(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/mautic/health", nil))
	if err == nil || !strings.Contains(err.Error(), "GET") {
		t.Errorf("POST: %v", err)
	}
	if routes := (HealthAPI{}).Routes(); len(routes) != 1 || routes[0].Pattern != "/mautic/health" {
		t.Errorf("routes %+v", routes)
	}
}
