package caddymodule

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/caddy-mautic/caddy-mautic/inject"
)

func trackingOnly(t testing.TB) *Handler {
	return provisioned(t, &Handler{Tracking: &TrackingConfig{URL: "https://m.example.com"}})
}

func TestInjectsHTMLNotJSON(t *testing.T) {
	h := trackingOnly(t)
	tests := []struct {
		name     string
		next     caddyhttp.Handler
		method   string
		header   map[string]string
		injected bool
	}{
		{"html page", page, "GET", nil, true},
		{"json", jsonAPI, "GET", nil, false},
		{"post", page, "POST", nil, false},
		{"do not track", page, "GET", map[string]string{"DNT": "1"}, false},
		{"global privacy control", page, "GET", map[string]string{"Sec-GPC": "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://site.example/", nil)
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := serve(h, tt.next, r)
			got := strings.Contains(rec.Body.String(), inject.Marker)
			if got != tt.injected {
				t.Errorf("injected = %v, want %v; body %q", got, tt.injected, rec.Body.String())
			}
		})
	}
}
