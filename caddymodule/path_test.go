package caddymodule

import (
	"net/http/httptest"
	"testing"

	"github.com/caddy-mautic/caddy-mautic/provision"
)

func TestRoutes(t *testing.T) {
	p := &requestPath{webhookPath: "/api/webhooks/mautic", prefix: "/mtc-proxy"}
	tests := []struct {
		path    string
		webhook bool
		route   string
		tracked bool
	}{
		{"/api/webhooks/mautic", true, "", false},
		{"/api/webhooks/mautic/x", false, "", false},
		{"/mtc-proxy/mtc.js", false, "/mtc.js", true},
		{"/mtc-proxy/mtc/event", false, "/mtc/event", true},
		{"/mtc-proxy", false, "", true},
		{"/mtc-proxyx/mtc.js", false, "", false},
		{"/", false, "", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", tt.path, nil)
		if got := p.isWebhook(r); got != tt.webhook {
			t.Errorf("isWebhook(%s) = %v", tt.path, got)
		}
		route, ok := p.firstPartyRoute(r)
		if ok != tt.tracked || route != tt.route {
			t.Errorf("firstPartyRoute(%s) = %q, %v; want %q, %v", tt.path, route, ok, tt.route, tt.tracked)
		}
	}
}

func TestMayTrack(t *testing.T) {
	tests := []struct {
		name          string
		p             requestPath
		header, value string
		cookie        string
		want          bool
	}{
		{"plain", requestPath{}, "", "", "", true},
		{"dnt", requestPath{}, "DNT", "1", "", false},
		{"dnt 0", requestPath{}, "DNT", "0", "", true},
		{"gpc", requestPath{}, "Sec-GPC", "1", "", false},
		{"gpc ignored", requestPath{consent: provision.Consent{IgnorePrivacySignals: true}}, "Sec-GPC", "1", "", true},
		{"consent missing", requestPath{consent: provision.Consent{Cookie: "ok"}}, "", "", "", false},
		{"consent given", requestPath{consent: provision.Consent{Cookie: "ok"}}, "", "", "ok=1", true},
		{"consent value wrong", requestPath{consent: provision.Consent{Cookie: "ok", Value: "yes"}}, "", "", "ok=no", false},
		{"consent value right", requestPath{consent: provision.Consent{Cookie: "ok", Value: "yes"}}, "", "", "ok=yes", true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			r.Header.Set(tt.header, tt.value)
		}
		if tt.cookie != "" {
			r.Header.Set("Cookie", tt.cookie)
		}
		if got := tt.p.mayTrack(r); got != tt.want {
			t.Errorf("%s: mayTrack = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWantsHTML(t *testing.T) {
	tests := []struct {
		method, accept string
		want           bool
	}{
		{"GET", "", true},
		{"GET", navigation, true},
		{"HEAD", "text/html", true},
		{"GET", "*/*", false},
		{"GET", "image/avif,image/webp,*/*;q=0.8", false},
		{"GET", "text/css,*/*;q=0.1", false},
		{"POST", "text/html", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest(tt.method, "/", nil)
		r.Header.Set("Accept", tt.accept)
		if got := wantsHTML(r); got != tt.want {
			t.Errorf("%s %q: %v, want %v", tt.method, tt.accept, got, tt.want)
		}
	}
}
