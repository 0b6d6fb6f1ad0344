package caddymodule

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestIsIdentifying(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"email", true}, {"Email", true}, {" email", true}, {"email[]", true}, {"email[x]", true},
		{"e.mail", false}, {"email_", false}, {"emails", false}, {"page_url", false}, {"mautic_device_id", false},
	}
	for _, tt := range tests {
		if got := isIdentifying(tt.key); got != tt.want {
			t.Errorf("isIdentifying(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestReadHit(t *testing.T) {
	tests := []struct {
		name, method, ctype, body, query string
		wantErr                          bool
		wantBody, wantQuery              string
		device                           string
	}{
		{name: "form", method: "POST", ctype: "application/x-www-form-urlencoded",
			body: "page_url=%2F&email=victim%40example.com&Email=x&mautic_device_id=d1", wantBody: "mautic_device_id=d1&page_url=%2F", device: "d1"},
		{name: "json", method: "POST", ctype: "application/json",
			body: `{"page_url":"/","email":"victim@example.com","mautic_device_id":"d2"}`, wantBody: `{"mautic_device_id":"d2","page_url":"/"}`, device: "d2"},
		{name: "empty json", method: "POST", ctype: "application/json", body: "", wantBody: "{}"},
		{name: "bad json", method: "POST", ctype: "application/json", body: "[1,2]", wantErr: true},
		{name: "too large", method: "POST", ctype: "application/x-www-form-urlencoded", body: strings.Repeat("a", maxHitBody+1), wantErr: true},
		{name: "pixel query", method: "GET", query: "page_url=%2F&email%5B%5D=v%40x&x=%zz", wantQuery: "page_url=%2F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "http://site/mtc-proxy/mtc/event?"+tt.query, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			hit, err := readHit(r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.method == http.MethodPost {
				if got := string(hit.encodeBody()); got != tt.wantBody {
					t.Errorf("body %s, want %s", got, tt.wantBody)
				}
			} else if got := hit.query.Encode(); got != tt.wantQuery {
				t.Errorf("query %s, want %s", got, tt.wantQuery)
			}
			if hit.device() != tt.device {
				t.Errorf("device %q, want %q", hit.device(), tt.device)
			}
			hit.set("email", "user@example.com")
			if hit.param("email") != "user@example.com" {
				t.Error("set email did not stick")
			}
		})
	}
}

// FuzzReadHit checks that no identifying field survives the reading of a
// hit, whatever its body.
func FuzzReadHit(f *testing.F) {
	f.Add("email=a%40b&page_url=x", false)
	f.Add(`{"email":"a@b"," email":"c"}`, true)
	f.Add("email%5B0%5D=a&%20email=b", false)
	f.Fuzz(func(t *testing.T, body string, asJSON bool) {
		r := httptest.NewRequest(http.MethodPost, "http://site/mtc/event", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if asJSON {
			r.Header.Set("Content-Type", "application/json")
		}
		hit, err := readHit(r)
		if err != nil {
			return
		}
		for k := range hit.query {
			if isIdentifying(k) {
				t.Fatalf("identifying key %q survived", k)
			}
		}
		for k := range hit.object {
			if isIdentifying(k) {
				t.Fatalf("identifying key %q survived", k)
			}
		}
	})
}
