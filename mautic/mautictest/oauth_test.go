package mautictest

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("1_abc:secret"))
	tests := []struct {
		name, body, ctype, authz string
		wantStatus               int
		wantBody                 string
	}{
		{"form", "grant_type=client_credentials&client_id=1_abc&client_secret=secret", "application/x-www-form-urlencoded", "", 200, ""},
		{"json", `{"grant_type":"client_credentials","client_id":"1_abc","client_secret":"secret"}`, "application/json", "", 200, ""},
		{"basic client auth", "grant_type=client_credentials", "application/x-www-form-urlencoded", basic, 200, ""},
		{"bad secret", "grant_type=client_credentials&client_id=1_abc&client_secret=wrong", "application/x-www-form-urlencoded", "", 400,
			`{"errors":[{"message":"The client credentials are invalid","code":400,"type":"invalid_client"}]}`},
		{"unknown client", "grant_type=client_credentials&client_id=2_x&client_secret=secret", "application/x-www-form-urlencoded", "", 400, ""},
		{"password grant", "grant_type=password&client_id=1_abc&client_secret=secret&username=admin&password=x", "application/x-www-form-urlencoded", "", 400,
			`{"errors":[{"message":"The grant type is unauthorized for this client_id","code":400,"type":"unauthorized_client"}]}`},
		{"no grant", "client_id=1_abc&client_secret=secret", "application/x-www-form-urlencoded", "", 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, WithOAuth2Client("1_abc", "secret"))
			a := call(t, s, "POST", "/oauth/v2/token", tt.body, "Content-Type", tt.ctype, "Authorization", tt.authz)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", a.status, tt.wantStatus, a.body)
			}
			if tt.wantBody != "" && string(a.body) != tt.wantBody {
				t.Errorf("body %s\nwant %s", a.body, tt.wantBody)
			}
			if a.status != 200 {
				return
			}
			m := a.json(t)
			if m["token_type"] != "bearer" || m["expires_in"] != float64(3600) || m["scope"] != nil || len(m) != 4 {
				t.Errorf("token answer = %s", a.body)
			}
			if a.header.Get("Cache-Control") != "no-store, private" || a.header.Get("Pragma") != "no-cache" {
				t.Errorf("token headers = %v", a.header)
			}
			tok := m["access_token"].(string)
			if r := call(t, s, "GET", "/api/contacts", "", "Authorization", "Bearer "+tok); r.status != 200 {
				t.Errorf("API with the token: %d", r.status)
			}
			if r := call(t, s, "GET", "/api/contacts?access_token="+tok, "", "Authorization", ""); r.status != 200 {
				t.Errorf("API with access_token in the query: %d", r.status)
			}
		})
	}
}

func TestTokenExpiry(t *testing.T) {
	clock := newClock(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	s := NewServer(t, WithOAuth2Client("1_abc", "secret"), WithTokenLifetime(time.Minute), WithClock(clock.now))
	a := call(t, s, "POST", "/oauth/v2/token", "grant_type=client_credentials&client_id=1_abc&client_secret=secret",
		"Content-Type", "application/x-www-form-urlencoded", "Authorization", "")
	m := a.json(t)
	if m["expires_in"] != float64(60) {
		t.Errorf("expires_in = %v", m["expires_in"])
	}
	bearer := "Bearer " + m["access_token"].(string)
	clock.add(59 * time.Second)
	if r := call(t, s, "GET", "/api/contacts", "", "Authorization", bearer); r.status != 200 {
		t.Fatalf("before expiry: %d", r.status)
	}
	clock.add(time.Second)
	r := call(t, s, "GET", "/api/contacts", "", "Authorization", bearer)
	if r.status != 401 || !strings.Contains(string(r.body), `"type":"invalid_grant"`) {
		t.Errorf("after expiry: %d %s", r.status, r.body)
	}
}

func TestTokenWithoutBasic(t *testing.T) {
	s := NewServer(t, WithoutBasicAuth(), WithOAuth2Client("1_abc", "secret"))
	a := call(t, s, "GET", "/oauth/v2/token?grant_type=client_credentials&client_id=1_abc&client_secret=secret", "", "Authorization", "")
	if a.status != 200 {
		t.Fatalf("GET token: %d %s", a.status, a.body)
	}
	if r := call(t, s, "GET", "/api/contacts", "", "Authorization", "Bearer "+a.json(t)["access_token"].(string)); r.status != 200 {
		t.Errorf("bearer with Basic off: %d", r.status)
	}
	if r := call(t, s, "GET", "/api/contacts", ""); r.status != 403 || !strings.Contains(string(r.body), `"type":"access_denied"`) {
		t.Errorf("Basic with Basic off: %d %s", r.status, r.body)
	}
}
