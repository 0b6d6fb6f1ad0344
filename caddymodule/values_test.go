package caddymodule

import (
	"strings"
	"testing"
)

func TestParseHTTPURL(t *testing.T) {
	tests := []struct {
		in   string
		want string // part of the error; "" for none
	}{
		{"https://m.example.com", ""},
		{"http://127.0.0.1:8080/mautic", ""},
		{"", "is empty"},
		{"m.example.com", "not http or https"},
		{"ftp://m.example.com", "not http or https"},
		{"https://", "no host"},
		{"https://m.example.com/?a=1", "query or fragment"},
		{"https://user:hunter2@m example.com", "does not parse"},
	}
	for _, tt := range tests {
		_, err := parseHTTPURL(tt.in)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		case err != nil && strings.Contains(err.Error(), "hunter2"):
			t.Errorf("%q: the error shows the password", tt.in)
		}
	}
	if got := redactURL("https://u:hunter2@m.example.com"); strings.Contains(got, "hunter2") {
		t.Errorf("redactURL = %s", got)
	}
}

func TestSmallValues(t *testing.T) {
	for _, h := range []string{"localhost", "app.localhost", "127.0.0.1", "::1"} {
		if !isLoopback(h) {
			t.Errorf("isLoopback(%s) = false", h)
		}
	}
	for _, h := range []string{"example.com", "10.0.0.1", "localhost.example.com"} {
		if isLoopback(h) {
			t.Errorf("isLoopback(%s) = true", h)
		}
	}
	for in, want := range map[string]bool{"{env.X}": true, "a{b}c": true, "{": false, "}{": false, "plain": false} {
		if got := hasPlaceholder(in); got != want {
			t.Errorf("hasPlaceholder(%q) = %v", in, got)
		}
	}
	for in, ok := range map[string]bool{"/mtc-proxy": true, "/a/b": true, "mtc": false, "/": false, "/mtc/": false, "/a b": false} {
		if got := checkPrefix(in) == nil; got != ok {
			t.Errorf("checkPrefix(%q) ok = %v, want %v", in, got, ok)
		}
	}
}
