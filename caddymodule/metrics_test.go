package caddymodule

import (
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestMetricsRegisterTwiceAndCarryTheInstance(t *testing.T) {
	h, _, _ := fullHandler(t, nil)
	reg := prometheus.NewPedanticRegistry()
	for i := 0; i < 2; i++ {
		if err := h.st.metrics.register(reg); err != nil {
			t.Fatalf("register #%d: %v", i+1, err)
		}
	}
	h.st.metrics.identity.WithLabelValues("anonymous").Inc()
	h.st.metrics.webhookEvents.WithLabelValues(triggerLabel("mautic.something_new"), "unknown").Inc()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range families {
		names = append(names, f.GetName())
		for _, m := range f.GetMetric() {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == "instance" && l.GetValue() == h.st.name)
			}
			if !found {
				t.Errorf("%s has no instance label", f.GetName())
			}
		}
	}
	sort.Strings(names)
	got := strings.Join(names, " ")
	for _, want := range []string{
		"caddy_mautic_identity_total", "caddy_mautic_webhook_events_total",
		"caddy_mautic_provisioning_queue_depth", "caddy_mautic_budget_remaining", "caddy_mautic_webhook_spool_depth",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%s not gathered: %s", want, got)
		}
	}
	if counterValue(h.st.metrics.webhookEvents.WithLabelValues("other", "unknown")) != 1 {
		t.Error("an unknown trigger is not counted as other")
	}
}
