package caddymodule

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// resolver replaces the placeholders of configuration values (chiefly
// {env.*}) once, when the configuration is loaded, and says which value
// is wrong when one is missing.
type resolver struct {
	repl *caddy.Replacer
	err  error // the first error; later calls do nothing
}

// envPlaceholder finds {env.NAME}, to name the variable to set.
var envPlaceholder = regexp.MustCompile(`\{env\.([^{}]+)\}`)

// value resolves raw; a required value that ends up empty is an error
// naming field and, for {env.*}, the variable to set. Errors never show
// the resolved value.
func (r *resolver) value(field, raw string, required bool) string {
	if r.err != nil {
		return ""
	}
	out, err := r.repl.ReplaceOrErr(raw, false, true)
	if err != nil {
		r.err = fmt.Errorf("mautic: %s holds an unknown placeholder (%v): use {env.NAME} for environment variables", field, err)
		return ""
	}
	out = strings.TrimSpace(out)
	if out == "" && required {
		r.err = missing(field, raw)
	}
	return out
}

// list resolves a list whose first element is required (the current
// secret) and whose later ones may resolve to nothing (older secrets not
// set), which are dropped.
func (r *resolver) list(field string, raw []string) []string {
	var out []string
	for i, v := range raw {
		if s := r.value(field, v, i == 0); s != "" {
			out = append(out, s)
		}
	}
	if r.err == nil && len(out) == 0 {
		r.err = missing(field, "")
	}
	return out
}

// missing says that field is empty and what to do.
func missing(field, raw string) error {
	if m := envPlaceholder.FindStringSubmatch(raw); m != nil {
		return fmt.Errorf("mautic: %s is empty: %s evaluates to nothing, set the environment variable %s", field, m[0], m[1])
	}
	return fmt.Errorf("mautic: %s is missing: set it in the configuration", field)
}

// resolved returns a copy of h's configuration with the placeholders of
// every load-time value replaced. Tracking attributes keep theirs: they
// are replaced per request.
func (h *Handler) resolved(repl *caddy.Replacer) (Handler, error) {
	r := &resolver{repl: repl}
	c := Handler{}
	if a := h.API; a != nil {
		ca := *a
		ca.URL = r.value("api url", a.URL, true)
		if a.BasicAuth != nil {
			ca.BasicAuth = &BasicAuthConfig{
				Username: r.value("api basic_auth user name", a.BasicAuth.Username, true),
				Password: r.value("api basic_auth password", a.BasicAuth.Password, true),
			}
		}
		if a.OAuth2 != nil {
			ca.OAuth2 = &OAuth2Config{
				ClientID:     r.value("api oauth2 client id", a.OAuth2.ClientID, true),
				ClientSecret: r.value("api oauth2 client secret", a.OAuth2.ClientSecret, true),
				TokenURL:     r.value("api oauth2 token URL", a.OAuth2.TokenURL, false),
			}
		}
		if a.Budget != nil {
			b := *a.Budget
			ca.Budget = &b
		}
		c.API = &ca
	}
	if t := h.Tracking; t != nil {
		ct := *t
		ct.URL = r.value("tracking url", t.URL, false)
		ct.Placement = r.value("tracking placement", t.Placement, false)
		ct.ConsentCookie = r.value("tracking consent_cookie", t.ConsentCookie, false)
		ct.ConsentValue = r.value("tracking consent_cookie value", t.ConsentValue, false)
		c.Tracking = &ct
	}
	if b := h.BetterAuth; b != nil {
		cb := *b
		cb.Secrets = r.list("better_auth secret", b.Secrets)
		cb.Upstream = r.value("better_auth upstream", b.Upstream, false)
		cb.CookiePrefix = r.value("better_auth cookie_prefix", b.CookiePrefix, false)
		cb.SecureCookies = r.value("better_auth secure_cookies", b.SecureCookies, false)
		cb.Bearer = r.value("better_auth bearer", b.Bearer, false)
		cb.GetSessionPath = r.value("better_auth get_session_path", b.GetSessionPath, false)
		cb.JWKSPath = r.value("better_auth jwks_path", b.JWKSPath, false)
		c.BetterAuth = &cb
	}
	if d := h.Database; d != nil {
		cd := *d
		cd.Dialect = r.value("database dialect", d.Dialect, false)
		cd.DSN = r.value("database dsn", d.DSN, true)
		cd.UserTable = r.value("database user_table", d.UserTable, false)
		cd.SessionTable = r.value("database session_table", d.SessionTable, false)
		c.Database = &cd
	}
	if w := h.Webhook; w != nil {
		cw := *w
		cw.Path = r.value("webhook path", w.Path, false)
		cw.Secrets = r.list("webhook secret", w.Secrets)
		cw.SpoolDir = r.value("webhook spool_dir", w.SpoolDir, false)
		c.Webhook = &cw
	}
	if f := h.FirstParty; f != nil {
		cf := *f
		cf.Prefix = r.value("first_party prefix", f.Prefix, true)
		cf.Upstream = r.value("first_party upstream", f.Upstream, false)
		cf.PublicOrigin = r.value("first_party public_origin", f.PublicOrigin, false)
		c.FirstParty = &cf
	}
	if p := h.Provisioning; p != nil {
		cp := *p
		c.Provisioning = &cp
	}
	return c, r.err
}

// validate checks a resolved configuration; every error says what to set.
func (c Handler) validate() error {
	if c.API == nil && c.Tracking == nil && c.FirstParty == nil {
		return errors.New("mautic: nothing configured: set tracking, or api with database and better_auth")
	}
	checks := []func() error{c.validateAPI, c.validateTracking, c.validateBetterAuth, c.validateDatabase, c.validateWebhook, c.validateFirstParty, c.validateProvisioning}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (c Handler) validateAPI() error {
	a := c.API
	if a == nil {
		return nil
	}
	if _, err := parseHTTPURL(a.URL); err != nil {
		return fmt.Errorf("mautic: api url %v", err)
	}
	switch {
	case a.BasicAuth == nil && a.OAuth2 == nil:
		return errors.New("mautic: api has no credentials: set basic_auth (MAUTIC_USERNAME, MAUTIC_PASSWORD) or oauth2")
	case a.BasicAuth != nil && a.OAuth2 != nil:
		return errors.New("mautic: api has both basic_auth and oauth2: keep one")
	}
	if a.OAuth2 != nil && a.OAuth2.TokenURL != "" {
		if _, err := parseHTTPURL(a.OAuth2.TokenURL); err != nil {
			return fmt.Errorf("mautic: api oauth2 token URL %v", err)
		}
	}
	if a.Timeout < 0 {
		return errors.New("mautic: api timeout is negative: use a duration such as 10s")
	}
	if b := a.Budget; b != nil && (b.Requests <= 0 || b.Per <= 0 || b.Burst < 0) {
		return errors.New("mautic: api budget needs positive requests and period, e.g. 100 per 1h")
	}
	return nil
}

func (c Handler) validateTracking() error {
	t := c.Tracking
	if t == nil {
		return nil
	}
	if t.URL == "" && c.FirstParty == nil {
		return errors.New("mautic: tracking url is missing: set it to the public Mautic URL (PUBLIC_MAUTIC_URL), or configure first_party")
	}
	if t.URL != "" {
		if _, err := parseHTTPURL(t.URL); err != nil {
			return fmt.Errorf("mautic: tracking url %v", err)
		}
	}
	if t.Placement != "" {
		if _, err := inject.ParsePlacement(t.Placement); err != nil {
			return fmt.Errorf("mautic: tracking placement %q: expected before_head_end, after_head_start or before_body_end", t.Placement)
		}
	}
	for k := range t.Attributes {
		if k == "" {
			return errors.New("mautic: tracking attribute with an empty name: give each attribute a name")
		}
	}
	if t.ConsentValue != "" && t.ConsentCookie == "" {
		return errors.New("mautic: tracking consent_value without consent_cookie: name the cookie")
	}
	return nil
}

func (c Handler) validateBetterAuth() error {
	b := c.BetterAuth
	if b == nil {
		if c.Database != nil || (c.FirstParty != nil && c.FirstParty.Handover) {
			return errors.New("mautic: better_auth is missing: set it (with BETTER_AUTH_SECRET) so that users are recognised")
		}
		return nil
	}
	if len(b.Secrets) == 0 {
		return errors.New("mautic: better_auth secret is missing: set it to BETTER_AUTH_SECRET")
	}
	if b.Upstream != "" {
		if _, err := parseHTTPURL(b.Upstream); err != nil {
			return fmt.Errorf("mautic: better_auth upstream %v", err)
		}
	} else if c.Database == nil {
		return errors.New("mautic: better_auth has no way to look sessions up: set upstream (the application's URL, for get-session) or configure database")
	}
	if _, err := parseSecureMode(b.SecureCookies); err != nil {
		return fmt.Errorf("mautic: better_auth %v", err)
	}
	if _, err := parseBearerMode(b.Bearer); err != nil {
		return fmt.Errorf("mautic: better_auth %v", err)
	}
	for _, p := range []struct{ name, v string }{{"get_session_path", b.GetSessionPath}, {"jwks_path", b.JWKSPath}} {
		if p.v != "" && p.v != "off" && !strings.HasPrefix(p.v, "/") {
			return fmt.Errorf("mautic: better_auth %s %q: expected a path starting with /", p.name, p.v)
		}
	}
	if b.CacheTTL < 0 {
		return errors.New("mautic: better_auth cache_ttl is negative")
	}
	return nil
}

func (c Handler) validateDatabase() error {
	d := c.Database
	if d == nil {
		return nil
	}
	if c.API == nil {
		return errors.New("mautic: database needs api: configure Mautic's URL and credentials too")
	}
	if d.DSN == "" {
		return missing("database dsn", "")
	}
	if _, err := userdb.DialectOf(d.Dialect, d.DSN); err != nil {
		return fmt.Errorf("mautic: database: %w", err)
	}
	if d.MaxOpenConns < 0 {
		return errors.New("mautic: database max_open_conns is negative")
	}
	return nil
}

func (c Handler) validateWebhook() error {
	w := c.Webhook
	if w == nil {
		return nil
	}
	if c.Database == nil {
		return errors.New("mautic: webhook needs database: its events change the users' mauticId")
	}
	if w.Path != "" && !strings.HasPrefix(w.Path, "/") {
		return fmt.Errorf("mautic: webhook path %q: expected a path starting with /", w.Path)
	}
	if len(w.Secrets) == 0 {
		return errors.New("mautic: webhook secret is missing: set it to MAUTIC_WEBHOOK_SECRET, the secret of the webhook in Mautic")
	}
	if w.MaxBody < 0 {
		return errors.New("mautic: webhook max_body is negative")
	}
	if w.ReadTimeout < 0 {
		return errors.New("mautic: webhook read_timeout is negative")
	}
	if f := c.FirstParty; f != nil && strings.HasPrefix(c.webhookPath(), f.Prefix+"/") {
		return fmt.Errorf("mautic: webhook path %s is under the first_party prefix %s: move one of them", c.webhookPath(), f.Prefix)
	}
	return nil
}

func (c Handler) validateFirstParty() error {
	f := c.FirstParty
	if f == nil {
		return nil
	}
	if err := checkPrefix(f.Prefix); err != nil {
		return fmt.Errorf("mautic: first_party %v", err)
	}
	if f.Upstream != "" {
		if _, err := parseHTTPURL(f.Upstream); err != nil {
			return fmt.Errorf("mautic: first_party upstream %v", err)
		}
	} else if c.API == nil && (c.Tracking == nil || c.Tracking.URL == "") {
		return errors.New("mautic: first_party has nowhere to proxy to: set its upstream, or configure api or a tracking url")
	}
	if f.PublicOrigin != "" {
		if _, err := parseOrigin(f.PublicOrigin); err != nil {
			return fmt.Errorf("mautic: first_party public_origin %v", err)
		}
	}
	if f.Handover && c.Database == nil {
		return errors.New("mautic: first_party handover needs database: it hands over only users whose contact is known")
	}
	if f.Timeout < 0 {
		return errors.New("mautic: first_party timeout is negative")
	}
	return nil
}

func (c Handler) validateProvisioning() error {
	p := c.Provisioning
	if p == nil {
		return nil
	}
	if c.Database == nil {
		return errors.New("mautic: provisioning needs database: contact ids are stored on the users' rows")
	}
	if p.Workers < 0 || p.Wait < 0 || p.BatchDelay < 0 || p.CacheTTL < 0 || p.Rescan < 0 || p.ActiveWindow < 0 {
		return errors.New("mautic: provisioning values must not be negative")
	}
	for tag, loc := range p.Locales {
		if tag == "" || loc == "" {
			return errors.New("mautic: provisioning locale needs both the site's tag and Mautic's locale, e.g. de de_DE")
		}
	}
	if p.OnDelete != "" && !validOnDelete(p.OnDelete) {
		return fmt.Errorf("mautic: provisioning on_delete %q is not %s or %s", p.OnDelete, provision.DeleteWaitForVisit, provision.DeletePermanent)
	}
	return nil
}

// validOnDelete reports a known on_delete value.
func validOnDelete(v string) bool {
	return v == string(provision.DeleteWaitForVisit) || v == string(provision.DeletePermanent)
}

// webhookPath is the configured webhook path or its default.
func (c Handler) webhookPath() string {
	if c.Webhook == nil || c.Webhook.Path == "" {
		return DefaultWebhookPath
	}
	return c.Webhook.Path
}
