//go:build bench

package loadbench

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// pageSize is the size of the benchmarked HTML page.
const pageSize = 100 << 10

// sveltePage is a server-rendered SvelteKit-like page of about size bytes:
// modulepreload links in the head, a long body, the hydration script at
// its end.
func sveltePage(size int) []byte {
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`)
	for i := range 8 {
		fmt.Fprintf(&b, `<link rel="modulepreload" href="/_app/immutable/chunks/chunk-%d.B7xQ2k.js">`, i)
	}
	b.WriteString(`<link href="/_app/immutable/assets/0.CxT1.css" rel="stylesheet"><title>Shop</title></head><body data-sveltekit-preload-data="hover"><div style="display: contents">`)
	for i := 0; b.Len() < size-600; i++ {
		fmt.Fprintf(&b, `<article class="s-Xy12ab product"><h2 class="s-Xy12ab">Product %d</h2><p class="s-Xy12ab">A description long enough to look like real copy, with <a href="/p/%d">a link</a>.</p></article>`, i, i)
	}
	b.WriteString(`<script>{__sveltekit_1x2y3z={base:""};const element=document.currentScript.parentElement;Promise.all([import("/_app/immutable/entry/start.js"),import("/_app/immutable/entry/app.js")]).then(([kit,app])=>{kit.start(app,element)})}</script></div></body></html>`)
	return []byte(b.String())
}

// newUpstream serves the page at /, a small JSON document at /api/data,
// always uncompressed.
func newUpstream(t *testing.T) *httptest.Server {
	page := sveltePage(pageSize)
	json := []byte(`{"items":[{"id":1,"name":"Product 1","price":12.5},{"id":2,"name":"Product 2","price":7}],"total":2}`)
	mux := http.NewServeMux()
	mux.HandleFunc("/api/data", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(json)))
		w.Write(json)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Write(page)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}
