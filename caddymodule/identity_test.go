package caddymodule

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// varsEcho is an upstream that shows the placeholders the module sets.
var varsEcho = caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
	repl := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	w.Header().Set("X-User", repl.ReplaceAll("{http.vars.mautic.user_id}", ""))
	w.Header().Set("X-Contact", repl.ReplaceAll("{http.vars.mautic.contact_id}", ""))
	return page(w, r)
})

func TestIdentityCookieAndPlaceholders(t *testing.T) {
	h, _, f := fullHandler(t, nil)
	linked := loadUser(t, "db-only")
	linked.seed(t, f, 4242)
	waiting := loadUser(t, "nojwtheader")
	waiting.seed(t, f, 0)
	tests := []struct {
		name       string
		cookie     string
		accept     string
		tls        bool
		header     map[string]string
		wantUser   string
		wantCookie string // "" for none
		secure     bool
	}{
		{"anonymous", "", navigation, false, nil, "", "", false},
		{"linked user, no mtc_id", linked.Cookie, navigation, false, nil, linked.ID, "4242", false},
		{"linked user over https", linked.Cookie, navigation, true, nil, linked.ID, "4242", true},
		{"linked user, other mtc_id", linked.Cookie + "; mtc_id=17", navigation, false, nil, linked.ID, "4242", false},
		{"linked user, right mtc_id", linked.Cookie + "; mtc_id=4242", navigation, false, nil, linked.ID, "", false},
		{"linked user, asset request", linked.Cookie, "image/avif,*/*", false, nil, linked.ID, "", false},
		{"linked user, do not track", linked.Cookie, navigation, false, map[string]string{"DNT": "1"}, linked.ID, "", false},
		{"forged token", "better-auth.session_token=" + linked.Token + ".AAAA", navigation, false, nil, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://site.example/", nil)
			r.Header.Set("Accept", tt.accept)
			if tt.cookie != "" {
				r.Header.Set("Cookie", tt.cookie)
			}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			rec := serve(h, varsEcho, r)
			if got := rec.Header().Get("X-User"); got != tt.wantUser {
				t.Errorf("{http.vars.mautic.user_id} = %q, want %q", got, tt.wantUser)
			}
			var got *http.Cookie
			for _, c := range rec.Result().Cookies() {
				if c.Name == mtcIDCookie {
					got = c
				}
			}
			switch {
			case tt.wantCookie == "" && got != nil:
				t.Errorf("mtc_id set to %s", got.Value)
			case tt.wantCookie != "" && got == nil:
				t.Errorf("mtc_id not set")
			case got != nil:
				if got.Value != tt.wantCookie || got.Path != "/" || got.HttpOnly || got.Secure != tt.secure || got.SameSite != http.SameSiteLaxMode {
					t.Errorf("mtc_id = %+v, want value %s, path /, not HttpOnly, Secure %v, SameSite=Lax", got, tt.wantCookie, tt.secure)
				}
				if rec.Header().Get("X-Contact") != tt.wantCookie {
					t.Errorf("{http.vars.mautic.contact_id} = %q", rec.Header().Get("X-Contact"))
				}
			}
		})
	}
	// A user without a contact is queued and provisioned in the background.
	r := httptest.NewRequest(http.MethodGet, "http://site.example/", nil)
	r.Header.Set("Cookie", waiting.Cookie)
	if rec := serve(h, varsEcho, r); rec.Code != 200 || rec.Header().Get("X-User") != waiting.ID {
		t.Fatalf("waiting user's page: %d, user %q", rec.Code, rec.Header().Get("X-User"))
	}
	eventually(t, 10*time.Second, "the waiting user gets a contact", func() bool {
		_, ok := f.MauticID(t, waiting.ID)
		return ok
	})
	if n := counterValue(h.st.metrics.identity.WithLabelValues("database")); n < 1 {
		t.Errorf("identity source database counted %v times", n)
	}
}

// A cookie signed with another secret is a forgery when real users'
// cookies verify meanwhile: it must not send the operator after the
// secret. Only when signature failures go on and none verifies is the
// secret the likely cause, and said so once (throttled).
func TestSignatureFailuresAreLoggedWithTheLikelyCause(t *testing.T) {
	h, _, f := fullHandler(t, nil)
	u := loadUser(t, "db-only")
	u.seed(t, f, 4242)
	core, logs := observer.New(zap.WarnLevel)
	h.st.core.set(core)

	// The app's real token, signed the way Better Auth signs it, but with a
	// secret Caddy was not given.
	mac := hmac.New(sha256.New, []byte("not the app's secret"))
	mac.Write([]byte(u.Token))
	signed := url.QueryEscape(u.Token + "." + base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	request := func(cookie string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://site.example/", nil)
		r.Header.Set("Accept", navigation)
		r.Header.Set("Cookie", cookie)
		return r
	}
	forged := func() {
		if rec := serve(h, varsEcho, request("better-auth.session_token="+signed)); rec.Code != 200 || rec.Header().Get("X-User") != "" {
			t.Fatalf("forged cookie: %d, user %q; want the page, anonymous", rec.Code, rec.Header().Get("X-User"))
		}
	}
	// A real user's cookie verifies, then a stranger forges several.
	if rec := serve(h, varsEcho, request(u.Cookie)); rec.Header().Get("X-User") != u.ID {
		t.Fatalf("the real user was not recognised")
	}
	for range 2 * secretSuspectAfter {
		forged()
	}
	if warned := logs.FilterMessageSnippet("BETTER_AUTH_SECRET").All(); len(warned) != 0 {
		t.Fatalf("forged cookies while real ones verify were blamed on the secret: %v", warned)
	}
	// A new window in which nothing verifies: the secret is suspect.
	h.st.secrets.reset()
	for range 3 * secretSuspectAfter {
		forged()
	}
	warned := logs.FilterMessageSnippet("BETTER_AUTH_SECRET").All()
	if len(warned) != 1 {
		t.Fatalf("%d warnings naming BETTER_AUTH_SECRET when no cookie verifies, want 1 (throttled): %v", len(warned), logs.All())
	}
	if got := warned[0].ContextMap()["reason"]; got != "token_signature" {
		t.Errorf("reason %v, want token_signature", got)
	}
	if strings.Contains(fmt.Sprint(warned[0].ContextMap()), u.Token) {
		t.Error("the warning holds the session token")
	}
}
