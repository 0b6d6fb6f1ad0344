package caddymodule

import (
	"net/http"
	"strconv"
	"testing"
)

// The page that sets a user's mtc_id is that user's: a shared cache must
// not store it, whatever the upstream's Cache-Control said; a page the
// module did not personalise keeps the upstream's caching headers.
func TestIntegrationPersonalisedPagesAreNotShareable(t *testing.T) {
	s := startSite(t, siteOptions{extra: `header Cache-Control "public, max-age=600, s-maxage=3600"
	header CDN-Cache-Control "max-age=3600"
	header Vary Accept-Encoding`})
	u := loadUser(t, "mysql-db-only")
	u.seed(t, s.db, 4242)
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, siteURL+"/", nil)
		req.Header.Set("Accept", navigation)
		req.Header.Set("Cookie", u.Cookie+"; mtc_id=17")
		resp, _ := s.do(t, req)
		if c, ok := setCookie(resp, mtcIDCookie); !ok || c.Value != "4242" {
			t.Fatalf("%s: mtc_id not set to the user's contact: %v", method, c)
		}
		if got := resp.Header.Values("Cache-Control"); len(got) != 1 || got[0] != "private, max-age=600" {
			t.Errorf("%s: Cache-Control %q with the user's mtc_id, want \"private, max-age=600\"", method, got)
		}
		if got := resp.Header.Values("Vary"); len(got) != 2 || got[0] != "Accept-Encoding" || got[1] != "Cookie" {
			t.Errorf("%s: Vary %q, want Accept-Encoding and Cookie once", method, got)
		}
		if got := resp.Header.Get("CDN-Cache-Control"); got != "" {
			t.Errorf("%s: CDN-Cache-Control %q kept on a user's page", method, got)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, siteURL+"/", nil)
	req.Header.Set("Accept", navigation)
	req.Header.Set("Cookie", u.Cookie+"; mtc_id="+strconv.Itoa(4242))
	resp, _ := s.do(t, req)
	if _, ok := setCookie(resp, mtcIDCookie); ok {
		t.Fatal("mtc_id set although it was right")
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=600, s-maxage=3600" {
		t.Errorf("a page not personalised: Cache-Control %q, want the upstream's", got)
	}
	if got := resp.Header.Values("Vary"); len(got) != 1 || got[0] != "Accept-Encoding" {
		t.Errorf("a page not personalised: Vary %q, want the upstream's", got)
	}
}
