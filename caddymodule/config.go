package caddymodule

import (
	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// APIConfig is how the module reaches Mautic's REST API. Exactly one of
// BasicAuth and OAuth2 is set.
type APIConfig struct {
	// URL is Mautic's site URL (the API is URL/api) or its API root (a URL
	// ending in /api). A plain http:// URL to a host that is not loopback
	// draws a warning: credentials would cross the network in clear.
	URL string `json:"url,omitempty"`
	// BasicAuth is a Mautic user's credentials (Mautic's "HTTP basic auth"
	// setting must be on).
	BasicAuth *BasicAuthConfig `json:"basic_auth,omitempty"`
	// OAuth2 is a Mautic API credential used with the client-credentials
	// grant.
	OAuth2 *OAuth2Config `json:"oauth2,omitempty"`
	// Timeout bounds one HTTP attempt (default 10 s).
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// Budget is a local request budget; off by default (Mautic's own rate
	// limit headers are obeyed either way).
	Budget *BudgetConfig `json:"budget,omitempty"`
}

// BasicAuthConfig is a Mautic user name and password.
type BasicAuthConfig struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
}

// OAuth2Config is a Mautic API credential.
type OAuth2Config struct {
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	// TokenURL defaults to the site URL + /oauth/v2/token.
	TokenURL string `json:"token_url,omitempty"`
}

// BudgetConfig allows Requests API calls per Per, in bursts of up to Burst
// (default Requests).
type BudgetConfig struct {
	Requests int            `json:"requests,omitempty"`
	Per      caddy.Duration `json:"per,omitempty"`
	Burst    int            `json:"burst,omitempty"`
}

// TrackingConfig is the mtc.js loader injected into HTML pages.
type TrackingConfig struct {
	// URL is the public Mautic URL the browser loads mtc.js from
	// (PUBLIC_MAUTIC_URL). With first-party tracking the loader points at
	// the site's own prefix instead, and URL may be left out.
	URL string `json:"url,omitempty"`
	// Placement is before_head_end (default), after_head_start or
	// before_body_end.
	Placement string `json:"placement,omitempty"`
	// IgnorePrivacySignals injects and rewrites mtc_id even for requests
	// that send DNT: 1 or Sec-GPC: 1. Off by default: such visitors are
	// not tracked.
	IgnorePrivacySignals bool `json:"ignore_privacy_signals,omitempty"`
	// ConsentCookie, when set, names a cookie without which nothing is
	// injected and mtc_id is not rewritten; ConsentValue, when set, is the
	// value it must have.
	ConsentCookie string `json:"consent_cookie,omitempty"`
	ConsentValue  string `json:"consent_value,omitempty"`
	// Attributes are sent with every pageview; values may hold request
	// placeholders, e.g. {"page_language": "{http.request.cookie.PARAGLIDE_LOCALE}"}.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// BetterAuthConfig tells how to recognise the signed-in Better Auth user.
type BetterAuthConfig struct {
	// Secrets are BETTER_AUTH_SECRET and, after a rotation, older ones,
	// current first. Required.
	Secrets []string `json:"secrets,omitempty"`
	// Upstream is the application's URL as Caddy reaches it, e.g.
	// http://127.0.0.1:3000: get-session is called there when no
	// database is configured, and the JWKS is read there.
	Upstream string `json:"upstream,omitempty"`
	// CookiePrefix is Better Auth's advanced.cookiePrefix (default
	// better-auth).
	CookiePrefix string `json:"cookie_prefix,omitempty"`
	// SecureCookies is auto (default), always or never: which cookie
	// names (__Secure- or plain) are read. Set always when the app's
	// baseURL is https (or advanced.useSecureCookies is on), never
	// otherwise: Better Auth reads only that one name. With auto, a
	// request carrying both names for two sessions is anonymous.
	SecureCookies string `json:"secure_cookies,omitempty"`
	// Bearer is off (default), session or jwt: which Authorization:
	// Bearer credential identifies the user. off matches an app without
	// Better Auth's bearer() plugin, whose pages ignore the header;
	// session matches the bearer() plugin (a signed session token
	// replaces the cookie); jwt accepts the jwt() plugin's tokens on
	// requests without a session cookie.
	Bearer string `json:"bearer,omitempty"`
	// GetSessionPath defaults to /api/auth/get-session.
	GetSessionPath string `json:"get_session_path,omitempty"`
	// JWKSPath defaults to /api/auth/jwks; "off" disables JWT sources.
	JWKSPath string `json:"jwks_path,omitempty"`
	// CacheTTL bounds how long a looked-up session is remembered (default
	// 1 min).
	CacheTTL caddy.Duration `json:"cache_ttl,omitempty"`
}

// DatabaseConfig is the application's database, where users, sessions and
// mauticId live.
type DatabaseConfig struct {
	// Dialect is mysql (also MariaDB), postgres or sqlite; it may be left
	// out when DSN is a URL whose scheme names it (DATABASE_URL).
	Dialect string `json:"dialect,omitempty"`
	// DSN is a driver DSN or a URL such as mysql://user:pass@host/db.
	DSN string `json:"dsn,omitempty"`
	// UserTable and SessionTable default to user and session.
	UserTable    string `json:"user_table,omitempty"`
	SessionTable string `json:"session_table,omitempty"`
	// Columns rename the columns read and written.
	Columns *userdb.Columns `json:"columns,omitempty"`
	// MaxOpenConns bounds the pool (default 8).
	MaxOpenConns int `json:"max_open_conns,omitempty"`
}

// WebhookConfig is Mautic's webhook endpoint, terminated by the module.
type WebhookConfig struct {
	// Path is where Mautic posts (default /api/webhooks/mautic). Requests
	// to it never reach the upstream.
	Path string `json:"path,omitempty"`
	// Secrets are the webhook secrets accepted, current first; several
	// let a secret be rotated without losing events. Required.
	Secrets []string `json:"secrets,omitempty"`
	// MaxBody bounds a webhook body in bytes (default 4 MiB); a larger
	// one is answered 413.
	MaxBody int64 `json:"max_body,omitempty"`
	// ReadTimeout bounds the time to read a webhook's body (default 10s),
	// whatever the server's own timeouts: a client that trickles its body
	// is cut off then, instead of holding a connection for minutes.
	ReadTimeout caddy.Duration `json:"read_timeout,omitempty"`
	// SpoolDir is where accepted events wait while the application's
	// database cannot take them (default <Caddy's data dir>/mautic/
	// webhooks/<instance>); otherwise they wait in the shared table
	// caddy_mautic_webhooks, where any instance applies them. Events
	// that are authentic but malformed are kept in its rejected folder.
	SpoolDir string `json:"spool_dir,omitempty"`
}

// FirstPartyConfig serves Mautic's tracking routes under the site's own
// origin.
type FirstPartyConfig struct {
	// Prefix is the path prefix, e.g. /mtc-proxy: /mtc-proxy/mtc.js,
	// /mtc-proxy/mtc/event, /mtc-proxy/mtracking.gif and /mtc-proxy/mtc
	// are proxied to Mautic.
	Prefix string `json:"prefix,omitempty"`
	// Upstream is where they are proxied to: Mautic's site URL as Caddy
	// reaches it (default: the API's site URL, else the tracking URL).
	Upstream string `json:"upstream,omitempty"`
	// Handover adds a signed-in user's verified email to their proxied
	// /mtc/event hits while their browser tracks to another contact, so
	// that Mautic moves the browser to the user's contact. It needs
	// Mautic's email field to be publicly updatable; see the README for
	// the trade-off.
	Handover bool `json:"handover,omitempty"`
	// Timeout bounds one proxied request (default 5 s).
	Timeout caddy.Duration `json:"timeout,omitempty"`
	// PublicOrigin is the site's public origin, e.g. https://www.example.com,
	// for the tracking URLs the module writes into pages and mtc.js. By
	// default they are root-relative ("/mtc-proxy/mtc/event"): the browser
	// resolves them against the page, and no request header ever reaches
	// them.
	PublicOrigin string `json:"public_origin,omitempty"`
}

// ProvisioningConfig tunes the linking engine.
type ProvisioningConfig struct {
	// Wait is how long a request of a user without a contact may wait for
	// it, so that the first response can carry the cookie (default 0: the
	// request never waits).
	Wait caddy.Duration `json:"wait,omitempty"`
	// Workers is how many batches run at once (default 2).
	Workers int `json:"workers,omitempty"`
	// BatchDelay is how long a batch gathers users (default 100 ms).
	BatchDelay caddy.Duration `json:"batch_delay,omitempty"`
	// CacheTTL is how long a user's contact id is remembered (default 1 h).
	CacheTTL caddy.Duration `json:"cache_ttl,omitempty"`
	// Locales maps the site's locale tags to Mautic's preferred_locale
	// values; it replaces the default map.
	Locales map[string]string `json:"locales,omitempty"`
	// LocaleDefault is the default the app's schema gives the user's
	// locale field (Better Auth's additionalFields.locale defaultValue,
	// e.g. en): a row holding exactly it counts as not chosen, so it never
	// overwrites a preferred_locale set in Mautic; PARAGLIDE_LOCALE or
	// Accept-Language decide instead.
	LocaleDefault string `json:"locale_default,omitempty"`
	// Rescan is how often users still waiting are read back from the
	// database (default 1 min).
	Rescan caddy.Duration `json:"rescan,omitempty"`
	// ActiveWindow is how recent a session must be for the rescan to pick
	// its user up (default 30 days).
	ActiveWindow caddy.Duration `json:"active_window,omitempty"`
	// OnDelete is what a contact deleted in Mautic means for its users:
	// wait_for_visit (default) makes none until their next signed-in
	// request; permanent never again (until an operator deletes their row
	// from caddy_mautic_deletions).
	OnDelete string `json:"on_delete,omitempty"`
	// TrustUnverifiedEmails links users to the existing contact with their
	// email before Better Auth marks the email verified. Off by default:
	// such a user gets no contact until they verify, as anyone can sign up
	// with a stranger's email. Turn it on only where the application
	// proves every email another way.
	TrustUnverifiedEmails bool `json:"trust_unverified_emails,omitempty"`
	// EvidenceWindow is how recently the first-party proxy must have seen
	// a browser tracked as the anonymous contact its mtc_id cookie names
	// for a new user to take that contact (default 30 days). Without
	// first_party there is no such evidence and no anonymous contact is
	// ever taken.
	EvidenceWindow caddy.Duration `json:"evidence_window,omitempty"`
}
