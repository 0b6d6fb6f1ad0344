package caddymodule

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestMetaCSPCountedAsBlocked: a policy in a <meta> tag that blocks the
// loader counts as csp_blocked, like a header's, never as injected.
func TestMetaCSPCountedAsBlocked(t *testing.T) {
	h := trackingOnly(t)
	core, logs := observer.New(zap.WarnLevel)
	h.st.core.set(core)
	metaCSP := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/html")
		_, err := io.WriteString(w, `<html><head><meta http-equiv="Content-Security-Policy" content="script-src 'self'"></head><body></body></html>`)
		return err
	})
	rec := serve(h, metaCSP, httptest.NewRequest(http.MethodGet, "http://site.example/", nil))
	if body := rec.Body.String(); body == "" || strings.Contains(body, inject.Marker) {
		t.Fatalf("body %q", body)
	}
	for outcome, want := range map[string]float64{"csp_blocked": 1, "injected": 0} {
		if got := counterValue(h.st.metrics.injection.WithLabelValues(outcome)); got != want {
			t.Errorf("%s counted %v, want %v", outcome, got, want)
		}
	}
	// One line names the policy, and no more for the next such pages.
	serve(h, metaCSP, httptest.NewRequest(http.MethodGet, "http://site.example/other", nil))
	lines := logs.FilterField(zap.String("component", "csp_blocked")).All()
	if len(lines) != 1 || lines[0].ContextMap()["policy"] != "script-src 'self'" {
		t.Fatalf("log lines %+v", lines)
	}
}
