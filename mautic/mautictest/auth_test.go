package mautictest

import (
	"encoding/base64"
	"testing"
)

func TestBasicAuth(t *testing.T) {
	basic := func(u, p string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p)) }
	tests := []struct {
		name       string
		opts       []Option
		authz      string
		wantStatus int
		wantBody   string
	}{
		{"good", nil, basic("admin", "mautic"), 200, ""},
		{"custom user", []Option{WithBasicAuth("api", "s3cret")}, basic("api", "s3cret"), 200, ""},
		{"wrong password", nil, basic("admin", "nope"), 401,
			`{"errors":[{"message":"Authorization denied, invalid credentials.","code":401,"type":"access_denied"}]}`},
		{"unknown user", nil, basic("nobody", "mautic"), 401,
			`{"errors":[{"message":"Authorization denied, invalid credentials.","code":401,"type":"access_denied"}]}`},
		{"garbled header", nil, "Basic !!!", 401, ""},
		{"none", nil, "", 401, `{"errors":[{"message":"API authorization denied.","code":401,"type":"access_denied"}]}`},
		{"other scheme", nil, "Digest x", 401, ""},
		{"basic disabled", []Option{WithoutBasicAuth()}, basic("admin", "mautic"), 403, ""},
		{"api disabled", []Option{WithAPIDisabled()}, basic("admin", "mautic"), 403,
			`{"errors":[{"message":"API disabled. You need to enable the API in the API settings of Mautic's Configuration.","code":403,"type":"api_disabled"}]}`},
		{"bad bearer", nil, "Bearer nope", 401,
			`{"errors":[{"message":"The access token provided is invalid.","code":401,"type":"invalid_grant"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewServer(t, tt.opts...)
			a := call(t, s, "GET", "/api/contacts", "", "Authorization", tt.authz)
			if a.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", a.status, tt.wantStatus, a.body)
			}
			if tt.wantBody != "" && string(a.body) != tt.wantBody {
				t.Errorf("body %s\nwant %s", a.body, tt.wantBody)
			}
			if a.status >= 400 {
				if a.header.Get("WWW-Authenticate") != "" || a.header.Get("Mautic-Version") != "" {
					t.Errorf("firewall errors carry no WWW-Authenticate or Mautic-Version: %v", a.header)
				}
			}
		})
	}
}

func TestUnknownRoute(t *testing.T) {
	s := NewServer(t)
	for _, tt := range []struct{ method, path, msg string }{
		{"GET", "/api/nonexistent", "Requested URL not found: \\/api\\/nonexistent"},
		{"POST", "/api/contacts/2", "Requested URL not found: \\/api\\/contacts\\/2"},
		{"GET", "/api/contacts/new", "Requested URL not found: \\/api\\/contacts\\/new"},
	} {
		// No credentials: the router answers before the firewall.
		a := call(t, s, tt.method, tt.path, "", "Authorization", "")
		want := `{"errors":[{"message":"` + tt.msg + `","code":404,"type":null}]}`
		if a.status != 404 || string(a.body) != want || a.header.Get("Mautic-Version") != "" {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, a.status, a.body)
		}
	}
	if a := call(t, s, "GET", "/s/dashboard", ""); a.status != 404 {
		t.Errorf("non-API path: %d", a.status)
	}
}
