package betterauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseSessionResponse(t *testing.T) {
	s := loadSamples(t)["compact"]
	tests := []struct {
		name    string
		body    string
		token   string
		wantErr error
		wantID  string
	}{
		{"captured answer", string(s.getBody), s.session.Token, nil, s.user.ID},
		{"captured logged-out body", "null", s.session.Token, ErrNoSession, ""},
		{"null with newline", "null\n", s.session.Token, ErrNoSession, ""},
		{"answer for another token", string(s.getBody), "other", errSessionOther, ""},
		{"empty object", "{}", s.session.Token, ErrNoSession, ""},
		{"HTML error page", "<html>", s.session.Token, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := parseSessionResponse([]byte(tt.body), tt.token)
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) || tt.wantID != "" && err != nil {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && tt.wantID == "" && err == nil {
				t.Fatal("a body that is not JSON was accepted")
			}
			if id.UserID != tt.wantID {
				t.Errorf("user %q, want %q", id.UserID, tt.wantID)
			}
		})
	}
}

func TestGetSessionStatuses(t *testing.T) {
	s := loadSamples(t)["compact"]
	tests := []struct {
		status int
		body   string
		reason Reason
	}{
		{http.StatusUnauthorized, "null", RejectSessionUnknown},
		{http.StatusInternalServerError, `{"message":"boom"}`, RejectLookupFailed},
		{http.StatusNotFound, "", RejectLookupFailed},
		{http.StatusOK, "not json", RejectLookupFailed},
	}
	for _, tt := range tests {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.status)
			w.Write([]byte(tt.body))
		}))
		rj := &rejections{}
		r := newResolver(t, Config{GetSessionURL: srv.URL + "/api/auth/get-session", OnReject: rj.hook}, s.now)
		if _, ok := r.Resolve(context.Background(), request("", s.tokenCookie())); ok {
			t.Errorf("HTTP %d resolved", tt.status)
		}
		if got := rj.list(); len(got) != 1 || got[0] != tt.reason {
			t.Errorf("HTTP %d: reasons %v, want %s", tt.status, got, tt.reason)
		}
		r.Close()
		srv.Close()
	}
}

func TestGetSessionKeepsQueryAndSendsOnlyTheToken(t *testing.T) {
	s := loadSamples(t)["secure-compact-null-mautic"]
	var gotQuery, gotCookie string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotQuery, gotCookie = r.URL.RawQuery, r.Header.Get("Cookie")
		w.Write(s.getBody)
	}))
	defer srv.Close()
	r := newResolver(t, Config{GetSessionURL: srv.URL + "/api/auth/get-session?tenant=a"}, s.now)
	id, ok := r.Resolve(context.Background(), request("", "other=1", s.tokenCookie(), "mtc_id=5"))
	if !ok || id.Source != SourceGetSession || id.MauticID != 0 || !id.MauticIDFresh {
		t.Fatalf("got %+v ok=%v", id, ok)
	}
	for _, q := range []string{"tenant=a", "disableCookieCache=true", "disableRefresh=true"} {
		if !strings.Contains(gotQuery, q) {
			t.Errorf("query %q lacks %q", gotQuery, q)
		}
	}
	if gotCookie != s.tokenCookie() {
		t.Errorf("sent Cookie %q, want only the __Secure- session token", gotCookie)
	}
}

func TestGetSessionSlowUpstreamIsBounded(t *testing.T) {
	s := loadSamples(t)["compact"]
	block := make(chan struct{})
	defer close(block)
	srv := newSlowServer(t, block, s.getBody)
	r := newResolver(t, Config{GetSessionURL: srv.URL, LookupTimeout: 50 * time.Millisecond}, s.now)
	start := time.Now()
	if _, ok := r.Resolve(context.Background(), request("", s.tokenCookie())); ok {
		t.Fatal("resolved through a hung upstream")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a hung upstream held the request %v", d)
	}
}
