package caddymodule

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddy-mautic/caddy-mautic/provision"
)

// Defaults of the request path.
const (
	DefaultWebhookMaxBody     = 4 << 20
	DefaultWebhookReadTimeout = 10 * time.Second
	DefaultFirstPartyTimeout  = 5 * time.Second
)

// requestPath is what the request path reads, worked out once per
// configuration by Provision.
type requestPath struct {
	// webhook; webhookPath is "" without one
	webhookPath    string
	webhookSecrets []string
	webhookMaxBody int64
	webhookReadTO  time.Duration

	// first-party tracking; prefix is "" without it
	prefix    string
	upstream  *url.URL // Mautic's site URL as Caddy reaches it
	origins   []string // Mautic hosts (and paths) baked into mtc.js
	handover  bool
	fpTimeout time.Duration
	fpBase    string          // what the tracking URLs point at: prefix, after the public origin if set
	script    *scriptRewriter // rewrites mtc.js's tracking URLs to fpBase

	// tracking
	inject      bool
	trackingURL string // the loader's base when not first-party
	injectOpts  inject.Options
	attributes  map[string]string // values may hold request placeholders
	consent     provision.Consent
	snippets    *snippetCache
	buffers     *sync.Pool // the coalescers' buffers
}

// newRequestPath works out the request path's settings from a resolved,
// validated configuration.
func newRequestPath(c Handler) (*requestPath, error) {
	p := &requestPath{snippets: newSnippetCache(snippetCacheSize), buffers: newBufferPool()}
	if w := c.Webhook; w != nil {
		p.webhookPath = c.webhookPath()
		p.webhookSecrets = w.Secrets
		p.webhookMaxBody = w.MaxBody
		if p.webhookMaxBody == 0 {
			p.webhookMaxBody = DefaultWebhookMaxBody
		}
		p.webhookReadTO = time.Duration(w.ReadTimeout)
		if p.webhookReadTO == 0 {
			p.webhookReadTO = DefaultWebhookReadTimeout
		}
	}
	if t := c.Tracking; t != nil {
		p.inject = true
		p.trackingURL = t.URL
		p.attributes = t.Attributes
		p.consent = provision.Consent{IgnorePrivacySignals: t.IgnorePrivacySignals, Cookie: t.ConsentCookie, Value: t.ConsentValue}
		if t.Placement != "" {
			pl, err := inject.ParsePlacement(t.Placement)
			if err != nil {
				return nil, err
			}
			p.injectOpts.Placement = pl
		}
	}
	if f := c.FirstParty; f != nil {
		if err := p.setFirstParty(c, f); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// setFirstParty works out where tracking requests go and which Mautic
// origins mtc.js names.
func (p *requestPath) setFirstParty(c Handler, f *FirstPartyConfig) error {
	p.prefix, p.handover = f.Prefix, f.Handover
	p.fpTimeout = time.Duration(f.Timeout)
	if p.fpTimeout == 0 {
		p.fpTimeout = DefaultFirstPartyTimeout
	}
	var candidates []string
	if f.Upstream != "" {
		candidates = append(candidates, f.Upstream)
	}
	if c.API != nil {
		if u, err := siteRoot(c.API.URL); err == nil {
			candidates = append(candidates, u.String())
		}
	}
	if c.Tracking != nil && c.Tracking.URL != "" {
		candidates = append(candidates, c.Tracking.URL)
	}
	for _, raw := range candidates {
		u, err := parseHTTPURL(raw)
		if err != nil {
			return err
		}
		if p.upstream == nil {
			p.upstream = u
		}
		origin := u.Host + strings.TrimRight(u.EscapedPath(), "/")
		if !contains(p.origins, origin) {
			p.origins = append(p.origins, origin)
		}
	}
	p.fpBase = p.prefix
	if f.PublicOrigin != "" {
		origin, err := parseOrigin(f.PublicOrigin)
		if err != nil {
			return err
		}
		p.fpBase = origin + p.prefix
	}
	p.script = newScriptRewriter(p.origins, p.fpBase)
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// isWebhook reports a request to the webhook path, whatever its method.
func (p *requestPath) isWebhook(r *http.Request) bool {
	return p.webhookPath != "" && r.URL.Path == p.webhookPath
}

// firstPartyRoute returns the tracking route of a request under the
// first-party prefix ("/mtc.js", "/mtc/event", ...; another path under the
// prefix is returned too, and answered 404).
func (p *requestPath) firstPartyRoute(r *http.Request) (string, bool) {
	if p.prefix == "" {
		return "", false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, p.prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	return rest, true
}

// mayTrack reports whether the visitor may be tracked, by the one rule
// (provision.Consent) that also gates provisioning.
func (p *requestPath) mayTrack(r *http.Request) bool {
	return p.consent.Allows(r)
}

// wantsHTML reports a request that expects an HTML page (a navigation):
// only those have Accept-Encoding removed and get the mtc_id cookie, so
// that static assets keep their precompressed files and stay cacheable.
func wantsHTML(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	accept := r.Header.Get("Accept")
	return accept == "" || strings.Contains(accept, "text/html") || strings.Contains(accept, "application/xhtml+xml")
}
