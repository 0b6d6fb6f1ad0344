package betterauth

import (
	"context"
	"strings"
	"testing"
)

// twoUsers returns the captured sessions of two users signed with one
// secret: a (with a cookie cache) and b (database sessions only).
func twoUsers(t *testing.T) (a, b *sample) {
	t.Helper()
	all := loadSamples(t)
	a, b = all["compact"], all["db-only"]
	if a.secret != b.secret || a.user.ID == b.user.ID {
		t.Fatal("the compact and db-only samples should be two users of one secret")
	}
	return a, b
}

// secureName is the __Secure- form of a plain cookie name.
func secureName(name string) string { return "__Secure-" + name }

// The attacker's requests: the credentials of two users on one request.
// The module must pick the one the app picks, or none, and never the
// other user's.
func TestMixedCredentialsOfTwoUsers(t *testing.T) {
	a, b := twoUsers(t)
	plainA := a.tokenName + "=" + a.token
	secureB := secureName(b.tokenName) + "=" + b.token
	tests := []struct {
		name    string
		cfg     Config
		bearer  string
		cookies []string
		want    string // user id; "" for anonymous
		reason  Reason // the rejection counted, if any
	}{
		// Better Auth reads one cookie name, decided by its config
		// (baseURL https or useSecureCookies): the plain one on an http
		// app, the __Secure- one on an https app.
		{"secure B and plain A, app on http", Config{SecureCookies: SecureNever}, "", []string{secureB, plainA}, a.user.ID, ""},
		{"secure B and plain A, app on https", Config{SecureCookies: SecureAlways}, "", []string{secureB, plainA}, b.user.ID, ""},
		// auto cannot know which the app reads: neither is taken.
		{"secure B and plain A, auto", Config{}, "", []string{secureB, plainA}, "", RejectCookiesAmbiguous},
		{"plain A then secure B, auto", Config{}, "", []string{plainA, secureB}, "", RejectCookiesAmbiguous},
		{"secure B alone, auto", Config{}, "", []string{secureB}, b.user.ID, ""},
		{"the same session under both names, auto", Config{}, "", []string{plainA, secureName(a.tokenName) + "=" + a.token}, a.user.ID, ""},
		// A Bearer JWT never makes getSession see its user: by default
		// it is ignored.
		{"cookie A and Bearer JWT of B, default", Config{}, b.tokenJWT, []string{plainA}, a.user.ID, ""},
		{"Bearer JWT of B alone, default", Config{}, b.tokenJWT, nil, "", ""},
		// bearer jwt: for apps whose own routes take the JWT; a session
		// cookie still wins, as on the app's pages.
		{"cookie A and Bearer JWT of B, jwt", Config{Bearer: BearerJWT}, b.tokenJWT, []string{plainA}, a.user.ID, ""},
		{"cookie cache A and Bearer JWT of B, jwt", Config{Bearer: BearerJWT}, b.tokenJWT, []string{plainA, a.dataCookie()}, a.user.ID, ""},
		{"Bearer JWT of B alone, jwt", Config{Bearer: BearerJWT}, b.tokenJWT, nil, b.user.ID, ""},
		// bearer session: Better Auth's bearer() plugin puts a validly
		// signed Authorization token in place of the session cookie.
		{"cookie A and Bearer session of B, session", Config{Bearer: BearerSession}, b.token, []string{plainA}, b.user.ID, ""},
		{"cookie cache A and Bearer session of B, session", Config{Bearer: BearerSession}, b.token, []string{plainA, a.dataCookie()}, b.user.ID, ""},
		{"unsigned Bearer session of B, session", Config{Bearer: BearerSession}, b.session.Token, []string{plainA}, b.user.ID, ""},
		{"forged Bearer session of B, session", Config{Bearer: BearerSession}, flipIn(b.token, len(b.token)-20, len(b.token)-4), []string{plainA}, a.user.ID, ""},
		{"Bearer JWT of B, session", Config{Bearer: BearerSession}, b.tokenJWT, []string{plainA}, a.user.ID, ""},
		{"cookie A and Bearer session of B, default", Config{}, b.token, []string{plainA}, a.user.ID, ""},
	}
	up := newUpstream(t, b.jwks)
	db := newFakeDB(a, b)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rj rejections
			cfg := tt.cfg
			cfg.Secrets, cfg.JWKSURL, cfg.LookupSession, cfg.OnReject = []string{a.secret}, up.jwksURL(), db.lookup, rj.hook
			r := newResolver(t, cfg, a.now)
			id, ok := r.Resolve(context.Background(), request(tt.bearer, tt.cookies...))
			if ok != (tt.want != "") || id.UserID != tt.want {
				t.Errorf("Resolve = %q (ok=%v, source %v), want %q", id.UserID, ok, id.Source, tt.want)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(reasonsOf(rj.list()), ","), string(tt.reason)) {
				t.Errorf("rejections = %v, want %v among them", rj.list(), tt.reason)
			}
		})
	}
}

func reasonsOf(rs []Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
