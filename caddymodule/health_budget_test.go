package caddymodule

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// While real traffic reaches Mautic, health reports its last outcome and
// spends no API call: a monitor must not eat the limit all Basic-auth
// clients share.
func TestHealthSpendsNoBudgetWhileTrafficFlows(t *testing.T) {
	h, m, _ := fullHandler(t, nil)
	eventually(t, 5*time.Second, "email flag read", func() bool { return h.st.emailUpd.Load() != emailFlagUnknown })
	if _, err := h.st.client.ContactField(context.Background(), "email"); err != nil { // real traffic
		t.Fatal(err)
	}
	calls := m.TotalAPICalls()
	for range 20 {
		getHealth(t)
	}
	if n := m.TotalAPICalls() - calls; n != 0 {
		t.Errorf("20 health requests right after real traffic made %d Mautic calls, want 0", n)
	}
	code, rep, raw := getHealth(t)
	mh := rep.Instances[0].Mautic
	if code != 200 || !rep.OK || mh.Status != "up" || mh.Source != "traffic" {
		t.Errorf("health: %d %s, want up from traffic", code, raw)
	}
	if mh.CheckedAt == "" || mh.EmailCheckedAt == nil {
		t.Errorf("health does not say when its figures were checked: %s", raw)
	}
}

// Mautic's rate limit is a hold, not an outage: health answers 200,
// "degraded", with the time the hold ends, so a liveness probe does not
// restart or unroute Caddy because Mautic rate-limited it.
func TestHealthRateLimitIsDegradedNotDown(t *testing.T) {
	h, m, _ := fullHandler(t, nil)
	eventually(t, 5*time.Second, "email flag read", func() bool { return h.st.emailUpd.Load() != emailFlagUnknown })
	m.SetRateLimit(1, time.Hour)
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, _ = h.st.client.ContactField(ctx, "email") // the second is refused: 429
		cancel()
	}
	if h.st.client.BudgetState().HeldUntil.IsZero() {
		t.Fatal("the client did not see Mautic's limit")
	}
	code, rep, raw := getHealth(t)
	if code != http.StatusOK || !rep.OK {
		t.Fatalf("health during a rate-limit hold: %d %s, want 200", code, raw)
	}
	mh := rep.Instances[0].Mautic
	if mh.Status != "degraded" || mh.RateLimitedUntil == nil || !mh.Reachable {
		t.Errorf("health during a rate-limit hold: %s, want degraded with rate_limited_until", raw)
	}
}
