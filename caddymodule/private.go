package caddymodule

import (
	"io"
	"net/http"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// privateWriter marks a response the module made user-specific (it carries
// the visitor's mtc_id Set-Cookie) as not storable by shared caches. The
// upstream's caching headers are only known when the status is written, so
// they are merged then, not before the upstream runs.
type privateWriter struct {
	*caddyhttp.ResponseWriterWrapper
	done bool
}

func newPrivateWriter(w http.ResponseWriter) *privateWriter {
	return &privateWriter{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}}
}

// WriteHeader makes the headers private with the final status.
func (w *privateWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.mark()
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write makes the headers private when the body starts without a status.
func (w *privateWriter) Write(p []byte) (int, error) {
	w.mark()
	return w.ResponseWriter.Write(p)
}

// ReadFrom makes the headers private before the underlying ReadFrom sends
// them.
func (w *privateWriter) ReadFrom(r io.Reader) (int64, error) {
	w.mark()
	return w.ResponseWriterWrapper.ReadFrom(r)
}

// FlushError makes the headers private before a flush sends them.
func (w *privateWriter) FlushError() error {
	w.mark()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush is FlushError without the error, for http.Flusher.
func (w *privateWriter) Flush() { _ = w.FlushError() }

func (w *privateWriter) mark() {
	if !w.done {
		w.done = true
		makePrivate(w.Header())
	}
}

// Headers with which a CDN may store a response whatever Cache-Control
// says (RFC 9213 and the vendors' own).
var cdnCacheHeaders = []string{"Cdn-Cache-Control", "Surrogate-Control", "Cloudflare-Cdn-Cache-Control"}

// makePrivate merges "private" into Cache-Control, keeping what applies to
// the browser's own cache (max-age, no-cache, …) and dropping what lets a
// shared cache store it (public, s-maxage, CDN-only headers); no-store
// stays as it is. Vary gets Cookie unless it has it or is "*".
func makePrivate(h http.Header) {
	for _, k := range cdnCacheHeaders {
		delete(h, k)
	}
	if cc := h["Cache-Control"]; !hasDirective(cc, "no-store") {
		kept := []string{"private"}
		for _, v := range cc {
			for _, d := range strings.Split(v, ",") {
				d = strings.TrimSpace(d)
				name, _, _ := strings.Cut(d, "=")
				switch strings.ToLower(strings.TrimSpace(name)) {
				case "", "public", "private", "s-maxage", "proxy-revalidate":
					continue
				}
				kept = append(kept, d)
			}
		}
		h["Cache-Control"] = []string{strings.Join(kept, ", ")}
	}
	if !hasDirective(h["Vary"], "cookie") && !hasDirective(h["Vary"], "*") {
		h.Add("Vary", "Cookie")
	}
}

// hasDirective reports whether a comma-separated header holds name, ignoring
// case and any "=value".
func hasDirective(values []string, name string) bool {
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			n, _, _ := strings.Cut(d, "=")
			if strings.EqualFold(strings.TrimSpace(n), name) {
				return true
			}
		}
	}
	return false
}
