package caddymodule

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

// The tracking routes served under the first-party prefix.
const (
	routeScript = "/mtc.js"
	routeEvent  = "/mtc/event"
	routePixel  = "/mtracking.gif"
	routeID     = "/mtc"
)

// Bounds of proxied bodies.
const (
	maxHitBody    = 64 << 10
	maxScriptBody = 4 << 20
	maxAnswerBody = 64 << 10
)

// routeMethods are the methods each tracking route accepts.
var routeMethods = map[string][]string{
	routeScript: {http.MethodGet, http.MethodHead},
	routeEvent:  {http.MethodPost, http.MethodGet},
	routePixel:  {http.MethodGet, http.MethodHead},
	routeID:     {http.MethodGet},
}

// forwardedHeaders are the request headers Mautic's tracking reads.
var forwardedHeaders = []string{"User-Agent", "Accept", "Accept-Language", "Referer", "Content-Type", "X-Requested-With", "Dnt"}

// returnedHeaders are the response headers passed back to the browser;
// Set-Cookie is handled on its own.
var returnedHeaders = []string{"Content-Type", "Cache-Control", "Expires", "Pragma", "Last-Modified"}

// serveFirstParty proxies one tracking route to Mautic, so that the
// browser only ever talks to the site: the visitor's address goes in
// X-Forwarded-For, only Mautic's own cookies are forwarded, identifying
// fields the browser put in a hit are stripped (and, with the hand-over,
// the signed-in user's verified email added), mtc.js is rewritten to point
// at the prefix, and Mautic's cookies come back first-party.
// firstPartyReadTimeout bounds the time to read a tracking hit (a few
// hundred bytes), whatever the server's own timeouts: a client that
// trickles its body is cut off then.
const firstPartyReadTimeout = 10 * time.Second

func (h *Handler) serveFirstParty(w http.ResponseWriter, r *http.Request, route string) error {
	methods, known := routeMethods[route]
	switch {
	case !known:
		http.NotFound(w, r)
		return nil
	case !contains(methods, r.Method):
		w.Header().Set("Allow", strings.Join(methods, ", "))
		w.WriteHeader(http.StatusMethodNotAllowed)
		return nil
	}
	if route != routeScript && !h.path.mayTrack(r) {
		// The visitor withholds consent (DNT, GPC, no consent cookie) but
		// a page still runs mtc.js (an open tab, the back/forward cache):
		// the rule that keeps the loader out keeps the hit from Mautic.
		h.st.metrics.proxied.WithLabelValues(route, "204").Inc()
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	h.setReadDeadline(w, r, firstPartyReadTimeout)
	ids := h.st.identifying()
	hit, err := readHit(r, ids)
	if err != nil {
		h.st.metrics.proxied.WithLabelValues(route, "400").Inc()
		http.Error(w, "bad tracking request", http.StatusBadRequest)
		return nil
	}
	v := visitor{}
	if route == routeEvent || route == routePixel {
		v = h.identify(r, true) // consent was checked above
		if email := h.handoverEmail(r, v, hit.device()); email != "" {
			hit.set("email", email)
			h.st.metrics.handovers.Inc()
			if ce := h.log.Check(zap.DebugLevel, "tracking hit handed over to the user's contact"); ce != nil {
				ce.Write(requestID(r), zap.String("user_id", v.user.UserID), zap.Int("contact_id", v.contactID))
			}
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.path.fpTimeout)
	defer cancel()
	resp, err := h.st.proxy.RoundTrip(h.outgoing(ctx, r, route, hit, ids))
	if err != nil {
		h.st.metrics.proxied.WithLabelValues(route, "502").Inc()
		h.st.metrics.failures.WithLabelValues("tracking_proxy").Inc()
		h.st.logFailure("tracking_proxy", "Mautic's tracking route unreachable", requestID(r), zap.String("route", route), zap.Error(err))
		w.WriteHeader(http.StatusBadGateway)
		return nil
	}
	defer resp.Body.Close()
	return h.relay(w, r, route, resp)
}

// outgoing builds the request to Mautic. Mautic reads identifying fields
// from the Referer's query too: they are removed there as well.
func (h *Handler) outgoing(ctx context.Context, r *http.Request, route string, hit *trackingHit, ids identifiers) *http.Request {
	target := *h.path.upstream
	target.Path = strings.TrimRight(target.Path, "/") + route
	target.RawPath = ""
	var body io.Reader
	if r.Method == http.MethodPost {
		body = bytes.NewReader(hit.encodeBody())
	} else {
		target.RawQuery = hit.query.Encode()
	}
	out, _ := http.NewRequestWithContext(ctx, r.Method, target.String(), body)
	for _, k := range forwardedHeaders {
		if v := r.Header.Get(k); v != "" {
			if k == "Referer" {
				v = ids.cleanURL(v)
			}
			out.Header.Set(k, v)
		}
	}
	if r.Method == http.MethodPost && hit.isJSON {
		out.Header.Set("Content-Type", "application/json")
	}
	out.Header.Set("X-Forwarded-For", clientAddr(r))
	out.Header.Set("X-Forwarded-Host", r.Host)
	proto := "http"
	if isHTTPS(r) {
		proto = "https"
	}
	out.Header.Set("X-Forwarded-Proto", proto)
	if c := mauticCookies(r); c != "" {
		out.Header.Set("Cookie", c)
	}
	return out
}

// relay passes Mautic's answer back: mtc.js rewritten, cookies made
// first-party, and the tracked device learnt for the hand-over.
func (h *Handler) relay(w http.ResponseWriter, r *http.Request, route string, resp *http.Response) error {
	limit := int64(maxAnswerBody)
	if route == routeScript {
		limit = maxScriptBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil || int64(len(body)) > limit {
		h.st.metrics.proxied.WithLabelValues(route, "502").Inc()
		h.st.logFailure("tracking_proxy", "Mautic's tracking answer unreadable or too large", requestID(r), zap.String("route", route))
		w.WriteHeader(http.StatusBadGateway)
		return nil
	}
	if route == routeScript && resp.StatusCode == http.StatusOK {
		body = h.path.script.rewrite(body)
	}
	h.learnDevice(r.Context(), resp, body)
	for _, k := range returnedHeaders {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	for _, sc := range resp.Cookies() {
		w.Header().Add("Set-Cookie", firstPartyCookie(sc, isHTTPS(r)).String())
	}
	if r.Method != http.MethodHead {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	h.st.metrics.proxied.WithLabelValues(route, strconv.Itoa(resp.StatusCode)).Inc()
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// firstPartyCookie turns a cookie Mautic set for its own host into one
// for the site: no Domain, SameSite=Lax, Secure only over HTTPS.
func firstPartyCookie(c *http.Cookie, https bool) *http.Cookie {
	out := *c
	out.Domain = ""
	out.SameSite = http.SameSiteLaxMode
	out.Secure = https
	out.Raw, out.Unparsed = "", nil
	if out.Path == "" {
		out.Path = "/"
	}
	return &out
}

// mauticCookies returns the Cookie header to send Mautic: only its own
// tracking cookies. The site's session cookies are credentials and never
// leave the site.
func mauticCookies(r *http.Request) string {
	var parts []string
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, "mautic_") || strings.HasPrefix(c.Name, "mtc_") {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// learnDevice records which contact a tracked device belongs to, from
// Mautic's answer ({"id":…, "device_id":…}) or the cookies it set. Only
// Mautic's answer counts, never what the browser sent.
func (h *Handler) learnDevice(ctx context.Context, resp *http.Response, body []byte) {
	var device string
	var contact int
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		var ans struct {
			ID       json.Number `json:"id"`
			DeviceID string      `json:"device_id"`
		}
		if json.Unmarshal(body, &ans) == nil {
			if n, err := ans.ID.Int64(); err == nil {
				contact, device = int(n), ans.DeviceID
			}
		}
	}
	for _, c := range resp.Cookies() {
		switch c.Name {
		case deviceCookie:
			device = c.Value
		case mtcIDCookie:
			if n, err := strconv.Atoi(c.Value); err == nil {
				contact = n
			}
		}
	}
	if device != "" && contact > 0 {
		h.st.recordDevice(ctx, device, contact)
	}
}

// newProxyTransport is the pooled transport of the first-party proxy.
func newProxyTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}
