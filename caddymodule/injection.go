package caddymodule

import (
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/inject"
)

// Bounds of the snippets remembered per configuration: attribute values
// depend on the request, chosen by the client.
const (
	snippetCacheSize = 256
	maxAttributeLen  = 128
)

// serveInjected calls next with a writer that puts the tracking loader
// into the HTML response. The upstream is asked for an identity encoding,
// so that the HTML can be read; Caddy's encode compresses it on the way out.
func (h *Handler) serveInjected(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if !h.path.inject || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return next.ServeHTTP(w, r)
	}
	snip := h.snippetFor(r)
	if snip == nil {
		return next.ServeHTTP(w, r)
	}
	if wantsHTML(r) {
		r.Header.Del("Accept-Encoding")
	}
	cw := newCoalescer(w, h.path.buffers)
	iw := inject.NewWriter(cw, r, snip, h.path.injectOpts)
	err := next.ServeHTTP(iw, r)
	cerr := iw.Close()
	if err := cw.Close(); err != nil && cerr == nil {
		cerr = err
	}
	if cerr != nil && err == nil {
		// The client went away; nothing to tell it.
		if ce := h.log.Check(zap.DebugLevel, "finishing an injected response"); ce != nil {
			ce.Write(requestID(r), zap.Error(cerr))
		}
	}
	if o := iw.Outcome(); o != inject.Undecided {
		h.st.metrics.injection.WithLabelValues(o.String()).Inc()
	}
	return err
}

// logCSPBlocked says, at most once per interval, that a page's
// Content-Security-Policy (header or <meta>) keeps the loader out, and
// which policy: the page is served untouched and counted csp_blocked.
func (h *Handler) logCSPBlocked(policy string) {
	h.st.logFailure("csp_blocked", "a page's Content-Security-Policy would block the tracking loader, so it was not injected: give the page a nonce, or list the loader's hash and mtc.js's origin in script-src", zap.String("policy", policy))
}

// snippetFor returns the loader for r: its URL is the site's own prefix
// with first-party tracking (root-relative, or after the configured public
// origin; never from the request's Host), else Mautic's, and its
// attributes are resolved against the request and escaped by inject.
func (h *Handler) snippetFor(r *http.Request) *inject.Snippet {
	p := h.path
	base := p.trackingURL
	if p.prefix != "" {
		base = p.fpBase
	}
	attrs := resolveAttributes(r, p.attributes)
	key := cacheKey(base, attrs)
	if s := p.snippets.get(key); s != nil {
		return s
	}
	s, err := inject.NewSnippet(inject.SnippetConfig{TrackingURL: base, Attributes: attrs})
	if err != nil {
		// An attribute value that is not valid UTF-8, say: serve the page
		// untouched.
		if ce := h.log.Check(zap.DebugLevel, "no tracking loader for this request"); ce != nil {
			ce.Write(requestID(r), zap.Error(err))
		}
		return nil
	}
	p.snippets.put(key, s)
	return s
}

// resolveAttributes replaces the request placeholders in the pageview
// attributes; empty results are left out, long ones cut.
func resolveAttributes(r *http.Request, raw map[string]string) map[string]string {
	if len(raw) == 0 {
		return nil
	}
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if repl != nil {
			v = repl.ReplaceAll(v, "")
		}
		if len(v) > maxAttributeLen {
			v = strings.ToValidUTF8(v[:maxAttributeLen], "")
		}
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// cacheKey identifies a loader by its URL and attributes.
func cacheKey(base string, attrs map[string]string) string {
	if len(attrs) == 0 {
		return base
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(base)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(attrs[k])
	}
	return b.String()
}

// snippetCache remembers rendered loaders. When full it starts afresh: a
// flood of distinct Host headers or attribute values costs a render per
// request, never unbounded memory.
type snippetCache struct {
	max int
	mu  sync.RWMutex
	m   map[string]*inject.Snippet
}

func newSnippetCache(max int) *snippetCache {
	return &snippetCache{max: max, m: map[string]*inject.Snippet{}}
}

func (c *snippetCache) get(key string) *inject.Snippet {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[key]
}

func (c *snippetCache) put(key string, s *inject.Snippet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = s
}
