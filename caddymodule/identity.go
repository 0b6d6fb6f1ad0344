package caddymodule

import (
	"net/http"
	"strconv"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
)

// Names of the variables the handler sets, read as
// {http.vars.mautic.user_id} and {http.vars.mautic.contact_id}.
const (
	VarUserID    = "mautic.user_id"
	VarContactID = "mautic.contact_id"
)

// Cookies read and written.
const (
	mtcIDCookie     = "mtc_id"
	paraglideCookie = "PARAGLIDE_LOCALE"
)

// visitor is who a request comes from.
type visitor struct {
	user      betterauth.Identity // zero UserID: anonymous
	contactID int                 // 0: not known (yet)
	mtcID     string              // the browser's mtc_id cookie
}

// identify resolves the signed-in user and their contact: from caches on
// the hot path, never waiting for Mautic (a user without a contact is
// queued for provisioning, and waits at most the configured wait). Without
// consent (allowed false) nothing is queued and no contact is returned. It
// sets the mautic.* variables.
func (h *Handler) identify(r *http.Request, allowed bool) visitor {
	st := h.st
	if st.resolver == nil {
		return visitor{}
	}
	id, ok := st.resolver.Resolve(r.Context(), r)
	if !ok {
		st.metrics.identity.WithLabelValues("anonymous").Inc()
		return visitor{}
	}
	st.metrics.identity.WithLabelValues(id.Source.String()).Inc()
	st.secrets.verifiedBy(id.Source)
	caddyhttp.SetVar(r.Context(), VarUserID, id.UserID)
	if st.engine == nil {
		return visitor{user: id}
	}
	mtcID, paraglide := trackingCookies(r)
	v := visitor{user: id, mtcID: mtcID}
	cid, ok := st.engine.ContactFor(r.Context(), provision.Visit{
		User: id, MtcID: mtcID, ParaglideLocale: paraglide, AcceptLanguage: r.Header.Get("Accept-Language"),
		ConsentWithheld: !allowed,
		DeviceID:        cookieValue(r, deviceCookie),
	})
	if ok {
		v.contactID = cid
		caddyhttp.SetVar(r.Context(), VarContactID, strconv.Itoa(cid))
	}
	return v
}

// syncContactCookie sets mtc_id to the user's contact when the browser's
// differs, with the attributes mtc.js itself uses (path /, readable by the
// page's scripts), Secure on HTTPS and SameSite=Lax. Only page requests
// carry it, so static assets stay cacheable. It reports whether it set it:
// the response is then the user's own.
func (h *Handler) syncContactCookie(w http.ResponseWriter, r *http.Request, v visitor) bool {
	if v.contactID == 0 || !wantsHTML(r) {
		return false
	}
	want := strconv.Itoa(v.contactID)
	if v.mtcID == want {
		return false
	}
	http.SetCookie(w, &http.Cookie{
		Name: mtcIDCookie, Value: want, Path: "/",
		Secure: isHTTPS(r), SameSite: http.SameSiteLaxMode,
	})
	h.st.metrics.cookieRewrites.Inc()
	if ce := h.log.Check(zap.DebugLevel, "mtc_id set to the user's contact"); ce != nil {
		ce.Write(requestID(r), zap.String("user_id", v.user.UserID), zap.Int("contact_id", v.contactID))
	}
	return true
}

// trackingCookies reads the mtc_id and PARAGLIDE_LOCALE cookies in one
// pass over the Cookie header.
func trackingCookies(r *http.Request) (mtcID, paraglide string) {
	return trackingCookieValues(r.Header["Cookie"])
}

// cookieValue returns the value of the named cookie, or "".
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// isHTTPS reports whether the browser reached the site over HTTPS: TLS to
// Caddy, or X-Forwarded-Proto from a proxy Caddy trusts.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool)
	return trusted && r.Header.Get("X-Forwarded-Proto") == "https"
}
