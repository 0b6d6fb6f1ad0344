package caddymodule

import (
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// DefaultWebhookPath is where Mautic's webhook is expected by default.
const DefaultWebhookPath = "/api/webhooks/mautic"

// Handler is the http.handlers.mautic module: it gives the site behind it
// a Mautic integration with no application code. It terminates Mautic's
// webhook, serves Mautic's tracking routes first-party, recognises the
// signed-in Better Auth user, provisions their one Mautic contact (stored
// as mauticId on the user's row), rewrites the mtc_id cookie to it, and
// injects the mtc.js loader into HTML pages as they stream by. A slow or
// dead Mautic, database or JWKS endpoint never slows a page down or turns
// it into an error: the page is served, the failure is logged at most once
// a minute and counted.
//
// # Where it sits
//
// The mautic directive is ordered before templates, which puts it after
// encode (and header, basic_auth, forward_auth, request_header) and before
// templates, invoke, handle, route, respond, reverse_proxy and
// file_server. After encode: encode wraps the response outside of this
// handler, so a page is compressed once, after the snippet went in (the
// upstream is asked for an identity encoding). Before templates: the page
// templates produce is what gets the snippet, and the snippet is never
// read as a template. Before handle and route: the handler sees every
// request of the site, so the webhook and tracking routes are terminated
// whatever the site's routes are. Keep encode at the site's top level;
// an encode inside a handle block runs after this handler and then leaves
// HTML pages uncompressed (they still get the snippet).
//
// # Caddyfile
//
//	mautic {
//		api <url> {
//			basic_auth <username> <password>
//			oauth2 <client_id> <client_secret> [<token_url>]
//			timeout <duration>
//			budget <requests> <period> [<burst>]
//		}
//		tracking [<public_mautic_url>] {
//			placement before_head_end|after_head_start|before_body_end
//			respect_dnt on|off
//			consent_cookie <name> [<value>]
//			attribute <name> <value>
//		}
//		better_auth {
//			secret <secret> [<older_secret>...]
//			upstream <app_url>
//			cookie_prefix <prefix>
//			secure_cookies auto|always|never
//			bearer off|session|jwt
//			get_session_path <path>
//			jwks_path <path>|off
//			cache_ttl <duration>
//		}
//		database <dsn> {
//			dialect mysql|postgres|sqlite
//			user_table <name>
//			session_table <name>
//			column <field> <name|->
//			max_open_conns <n>
//		}
//		webhook [<path>] {
//			secret <secret> [<older_secret>...]
//			max_body <size>
//			read_timeout <duration>
//			spool_dir <dir>
//		}
//		first_party <prefix> {
//			upstream <mautic_url>
//			handover
//			timeout <duration>
//			public_origin <url>
//		}
//		provisioning {
//			wait <duration>
//			workers <n>
//			batch_delay <duration>
//			cache_ttl <duration>
//			locale <site_tag> <mautic_locale>
//			locale_default <site_tag>
//			rescan <duration>
//			active_window <duration>
//			on_delete wait_for_visit|permanent
//			trust_unverified_emails
//			evidence_window <duration>
//		}
//	}
//
// Every value may be an {env.NAME} placeholder, resolved when the
// configuration is loaded; tracking attribute values may also hold request
// placeholders such as {http.request.cookie.PARAGLIDE_LOCALE}. Column
// fields are user_id, user_email, user_name, user_locale, user_mautic_id,
// user_email_verified, session_token, session_user_id, session_expires_at
// and session_updated_at; "-" names a column the table does not have
// (user_locale, user_email_verified). A typical site:
//
//	mautic {
//		api {env.MAUTIC_BASEURL} {
//			basic_auth {env.MAUTIC_USERNAME} {env.MAUTIC_PASSWORD}
//		}
//		tracking {env.PUBLIC_MAUTIC_URL}
//		better_auth {
//			secret {env.BETTER_AUTH_SECRET}
//			upstream http://127.0.0.1:3000
//		}
//		database {env.DATABASE_URL}
//		webhook /api/webhooks/mautic {
//			secret {env.MAUTIC_WEBHOOK_SECRET}
//		}
//		first_party /mtc-proxy
//	}
//
// The equivalent JSON handler is
//
//	{
//		"handler": "mautic",
//		"api": {"url": "{env.MAUTIC_BASEURL}", "basic_auth": {"username": "{env.MAUTIC_USERNAME}", "password": "{env.MAUTIC_PASSWORD}"}},
//		"tracking": {"url": "{env.PUBLIC_MAUTIC_URL}"},
//		"better_auth": {"secrets": ["{env.BETTER_AUTH_SECRET}"], "upstream": "http://127.0.0.1:3000"},
//		"database": {"dsn": "{env.DATABASE_URL}"},
//		"webhook": {"path": "/api/webhooks/mautic", "secrets": ["{env.MAUTIC_WEBHOOK_SECRET}"]},
//		"first_party": {"prefix": "/mtc-proxy"}
//	}
//
// # Placeholders
//
// {http.vars.mautic.user_id} and {http.vars.mautic.contact_id} hold the
// signed-in user's id and their contact id (when known), for access logs
// and reverse_proxy's header_up.
type Handler struct {
	// API is Mautic's REST API; needed by database and webhook.
	API *APIConfig `json:"api,omitempty"`
	// Tracking is the mtc.js loader injected into HTML pages.
	Tracking *TrackingConfig `json:"tracking,omitempty"`
	// BetterAuth recognises the signed-in user.
	BetterAuth *BetterAuthConfig `json:"better_auth,omitempty"`
	// Database is the application's database; with it users are
	// provisioned.
	Database *DatabaseConfig `json:"database,omitempty"`
	// Webhook terminates Mautic's webhook.
	Webhook *WebhookConfig `json:"webhook,omitempty"`
	// FirstParty serves Mautic's tracking routes on the site's origin.
	FirstParty *FirstPartyConfig `json:"first_party,omitempty"`
	// Provisioning tunes the linking engine.
	Provisioning *ProvisioningConfig `json:"provisioning,omitempty"`

	log  *zap.Logger
	st   *state
	key  string
	path *requestPath
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.mautic",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision resolves the configuration's placeholders, checks it, and
// takes the instance's long-lived state from the pool (building it the
// first time). It does no network I/O: the database is connected and
// Mautic checked in the background, so Caddy starts while they are down.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.log = ctx.Logger(h)
	conf, err := h.resolved(caddy.NewReplacer())
	if err != nil {
		return err
	}
	if err := conf.validate(); err != nil {
		return err
	}
	warnCleartext(h.log, conf)
	if h.path, err = newRequestPath(conf); err != nil {
		return err
	}
	h.path.injectOpts.OnCSPBlocked = h.logCSPBlocked
	sc := newStateConfig(conf)
	key := sc.poolKey()
	val, loaded, err := pool.LoadOrNew(key, func() (caddy.Destructor, error) {
		return newState(sc, h.log)
	})
	if err != nil {
		if loaded {
			_, _ = pool.Delete(key)
		}
		return err
	}
	h.key, h.st = key, val.(*state)
	h.st.core.set(h.log.Core()) // log where the newest configuration says
	return h.st.metrics.register(ctx.GetMetricsRegistry())
}

// Validate checks the configuration once more; Provision has already
// refused an invalid one, so this only guards against a Handler used
// without Provision.
func (h *Handler) Validate() error {
	if h.path == nil || h.st == nil {
		return fmt.Errorf("mautic: handler not provisioned")
	}
	return nil
}

// Cleanup releases the pooled state; the last configuration to release it
// stops its goroutines and closes its connections.
func (h *Handler) Cleanup() error {
	if h.key == "" {
		return nil
	}
	_, err := pool.Delete(h.key)
	h.key = ""
	return err
}

// ServeHTTP is the request path: the webhook and the first-party tracking
// routes are answered here; every other request is identified, gets its
// mtc_id cookie set to the user's contact, and has its HTML response
// injected with the tracking loader on the way out.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if h.path.isWebhook(r) {
		return h.serveWebhook(w, r)
	}
	if route, ok := h.path.firstPartyRoute(r); ok {
		return h.serveFirstParty(w, r, route)
	}
	if cr := redactCredentials(w, r); cr != nil {
		defer h.finishRedaction(cr, r)
		w = cr
	}
	allowed := h.path.mayTrack(r)
	v := h.identify(r, allowed)
	if !allowed {
		return next.ServeHTTP(w, r)
	}
	if h.syncContactCookie(w, r, v) {
		// One user's contact id must not reach others through a shared cache.
		w = newPrivateWriter(w)
	}
	return h.serveInjected(w, r, next)
}

// warnCleartext warns of a plain http:// Mautic URL to a host that is not
// loopback: credentials and contact data would cross the network in clear.
func warnCleartext(log *zap.Logger, c Handler) {
	if c.API == nil {
		return
	}
	urls := []string{c.API.URL}
	if c.API.OAuth2 != nil && c.API.OAuth2.TokenURL != "" {
		urls = append(urls, c.API.OAuth2.TokenURL)
	}
	for _, raw := range urls {
		u, err := parseHTTPURL(raw)
		if err == nil && u.Scheme == "http" && !isLoopback(u.Hostname()) {
			log.Warn("Mautic is reached over plain http on a host that is not loopback: API credentials and contact data cross the network in clear; use https",
				zap.String("url", u.Redacted()))
		}
	}
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
