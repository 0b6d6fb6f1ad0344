package caddymodule

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// HEAD through the module answers the headers GET answers, Content-Length
// included (monitors and link checkers read it), for a proxied page and a
// static one.
func TestIntegrationHeadHeadersEqualGet(t *testing.T) {
	root := t.TempDir()
	page := `<!doctype html><html><head><title>Static</title></head><body>` + strings.Repeat("<p>static</p>", 50) + `</body></html>`
	if err := os.WriteFile(filepath.Join(root, "static.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	s := startSite(t, siteOptions{extra: "handle /static.html {\n\t\troot * " + root + "\n\t\tfile_server\n\t}"})
	for _, path := range []string{"/", "/static.html"} {
		headers := map[string]http.Header{}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, siteURL+path, nil)
			req.Header.Set("Accept", navigation)
			resp, _ := s.do(t, req)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %s", method, path, resp.Status)
			}
			headers[method] = resp.Header
		}
		get, head := headers[http.MethodGet], headers[http.MethodHead]
		// Vary is left out: Caddy's encode adds it on GET only.
		for _, k := range []string{"Content-Length", "Content-Type", "Etag", "Accept-Ranges", "Cache-Control"} {
			if g, h := get.Values(k), head.Values(k); strings.Join(g, ",") != strings.Join(h, ",") {
				t.Errorf("%s %s: GET %q, HEAD %q", path, k, g, h)
			}
		}
	}
}
