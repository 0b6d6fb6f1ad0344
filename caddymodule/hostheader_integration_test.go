package caddymodule

import (
	"net/http"
	"strings"
	"testing"
)

// TestIntegrationHostHeaderNeverReachesJavaScript: the URLs the module
// writes into mtc.js and into pages come from the configuration, never from
// the request's Host header, which anyone sets (and a shared cache would
// store what it produced for every visitor).
func TestIntegrationHostHeaderNeverReachesJavaScript(t *testing.T) {
	s := startSite(t, siteOptions{})
	const evil = "x'+alert(document.domain)+'"
	req, _ := http.NewRequest(http.MethodGet, siteURL+"/mtc-proxy/mtc.js", nil)
	req.Host = evil
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	resp, script := s.do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("mtc.js: %s", resp.Status)
	}
	if strings.Contains(script, "alert(document.domain)") {
		t.Errorf("the Host header was written into mtc.js")
	}
	for _, route := range []string{"/mtc/event", "/mtracking.gif", "/mtc"} {
		if !strings.Contains(script, "'/mtc-proxy"+route+"'") {
			t.Errorf("mtc.js does not send %s to the root-relative prefix", route)
		}
	}

	for _, host := range []string{"evil.example", evil, "evil.example:8443"} {
		req, _ = http.NewRequest(http.MethodGet, siteURL+"/", nil)
		req.Host = host
		req.Header.Set("Accept", navigation)
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
		_, page := s.do(t, req)
		if strings.Contains(page, "evil.example") || strings.Contains(page, "alert(") {
			t.Errorf("Host %q reached the page's loader", host)
		}
		if !strings.Contains(page, `"/mtc-proxy/mtc.js"`) {
			t.Errorf("Host %q: the loader is not root-relative", host)
		}
	}
}

// TestIntegrationPublicOrigin: with public_origin the URLs are absolute, to
// that origin, whatever the Host header says.
func TestIntegrationPublicOrigin(t *testing.T) {
	s := startSite(t, siteOptions{firstParty: "public_origin https://www.example.com"})
	req, _ := http.NewRequest(http.MethodGet, siteURL+"/mtc-proxy/mtc.js", nil)
	req.Host = "evil.example"
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	_, script := s.do(t, req)
	if !strings.Contains(script, "'https://www.example.com/mtc-proxy/mtc/event'") || strings.Contains(script, "evil.example") {
		t.Errorf("mtc.js does not name the public origin only")
	}
	req, _ = http.NewRequest(http.MethodGet, siteURL+"/", nil)
	req.Host = "evil.example"
	req.Header.Set("Accept", navigation)
	_, page := s.do(t, req)
	if !strings.Contains(page, `"https://www.example.com/mtc-proxy/mtc.js"`) || strings.Contains(page, "evil.example") {
		t.Errorf("the loader does not name the public origin only")
	}
}

// TestIntegrationAttributeFromCookieIsEscaped: a pageview attribute taken
// from a cookie is the visitor's to choose; it stays a string in the
// loader's JavaScript.
func TestIntegrationAttributeFromCookieIsEscaped(t *testing.T) {
	s := startSite(t, siteOptions{tracking: "attribute page_language {http.request.cookie.PARAGLIDE_LOCALE}"})
	for _, v := range []string{`</script><script>alert(1)</script>`, `'-alert(1)-'`, `<!--<script>`} {
		_, page := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": "PARAGLIDE_LOCALE=" + v})
		i := strings.Index(page, "MauticTrackingObject")
		if i < 0 {
			t.Fatalf("no loader for cookie %q", v)
		}
		end := strings.Index(page[i:], "</script>")
		loader := page[i : i+end]
		if strings.Contains(page, "<script>alert(1)") || strings.Contains(loader, "<") || !strings.Contains(loader, `"page_language":`) {
			t.Errorf("cookie %q broke out of the loader: %s", v, loader)
		}
	}
}
