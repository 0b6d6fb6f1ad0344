package caddymodule

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("mautic", parseCaddyfile)
	// See the Handler's documentation for why it sits here.
	httpcaddyfile.RegisterDirectiveOrder("mautic", httpcaddyfile.Before, "templates")
}

// parseCaddyfile sets up the handler from Caddyfile tokens.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	if err := m.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return m, nil
}

// pos is where a directive was, so that checks made when its block has
// ended can still name its line.
type pos struct {
	file string
	line int
}

func posOf(d *caddyfile.Dispenser) pos { return pos{d.File(), d.Line()} }

// errf formats an error the way Dispenser.Errf does.
func (p pos) errf(format string, args ...any) error {
	return fmt.Errorf("%s, at %s:%d", fmt.Sprintf(format, args...), p.file, p.line)
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens; see the
// Handler's documentation for the syntax. Literal values are checked here,
// so that an error names its line; values with placeholders are checked
// when the configuration is loaded.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the directive's name
	if d.NextArg() {
		return d.Errf("mautic takes no arguments, only a block: got %q", d.Val())
	}
	at := map[string]pos{}
	for d.NextBlock(0) {
		name := d.Val()
		if _, dup := at[name]; dup {
			return d.Errf("%s is given twice: merge the two into one block", name)
		}
		at[name] = posOf(d)
		parse, ok := sections[name]
		if !ok {
			return d.Errf("unknown sub-directive %q: expected one of %s", name, strings.Join(sectionNames(), ", "))
		}
		if err := parse(h, d); err != nil {
			return err
		}
	}
	return h.checkSections(at)
}

// sections are the parsers of the mautic block's sub-directives.
var sections = map[string]func(*Handler, *caddyfile.Dispenser) error{
	"api":          (*Handler).parseAPI,
	"tracking":     (*Handler).parseTracking,
	"better_auth":  (*Handler).parseBetterAuth,
	"database":     (*Handler).parseDatabase,
	"webhook":      (*Handler).parseWebhook,
	"first_party":  (*Handler).parseFirstParty,
	"provisioning": (*Handler).parseProvisioning,
}

func sectionNames() []string {
	names := make([]string, 0, len(sections))
	for n := range sections {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// checkSections checks what only the whole block can tell.
func (h *Handler) checkSections(at map[string]pos) error {
	if len(at) == 0 {
		return fmt.Errorf("mautic: empty block: configure at least tracking, or api with database and better_auth")
	}
	if p, ok := at["webhook"]; ok && len(h.Webhook.Secrets) == 0 {
		return p.errf("webhook has no secret: add 'secret {env.MAUTIC_WEBHOOK_SECRET}' inside its block (Mautic signs every webhook with it)")
	}
	if p, ok := at["api"]; ok && h.API.BasicAuth == nil && h.API.OAuth2 == nil {
		return p.errf("api has no credentials: add 'basic_auth {env.MAUTIC_USERNAME} {env.MAUTIC_PASSWORD}' or 'oauth2 <client_id> <client_secret>' inside its block")
	}
	if p, ok := at["better_auth"]; ok && len(h.BetterAuth.Secrets) == 0 {
		return p.errf("better_auth has no secret: add 'secret {env.BETTER_AUTH_SECRET}' inside its block")
	}
	if p, ok := at["database"]; ok {
		if _, ok := at["api"]; !ok {
			return p.errf("database needs api: the module writes the Mautic contact id of each user, so configure 'api <url> { basic_auth ... }' too")
		}
		if _, ok := at["better_auth"]; !ok {
			return p.errf("database needs better_auth: configure 'better_auth { secret {env.BETTER_AUTH_SECRET} }' so that users are recognised")
		}
	}
	if p, ok := at["webhook"]; ok {
		if _, ok := at["database"]; !ok {
			return p.errf("webhook needs database: its events change the users' mauticId, so configure 'database {env.DATABASE_URL}' too")
		}
	}
	if p, ok := at["first_party"]; ok {
		_, api := at["api"]
		_, tr := at["tracking"]
		if !api && !tr && h.FirstParty.Upstream == "" {
			return p.errf("first_party has nowhere to proxy to: configure api or tracking, or 'upstream <mautic url>' inside its block")
		}
	}
	return nil
}

func (h *Handler) parseAPI(d *caddyfile.Dispenser) error {
	h.API = new(APIConfig)
	c := h.API
	if !d.NextArg() {
		return d.Errf("api needs Mautic's URL: 'api {env.MAUTIC_BASEURL} { ... }'")
	}
	c.URL = d.Val()
	if err := checkURLArg(d, "api", c.URL); err != nil {
		return err
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "basic_auth":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("basic_auth takes a user name and a password: 'basic_auth {env.MAUTIC_USERNAME} {env.MAUTIC_PASSWORD}'")
			}
			if c.OAuth2 != nil {
				return d.Errf("api has both basic_auth and oauth2: keep one")
			}
			c.BasicAuth = &BasicAuthConfig{Username: args[0], Password: args[1]}
		case "oauth2":
			args := d.RemainingArgs()
			if len(args) < 2 || len(args) > 3 {
				return d.Errf("oauth2 takes a client id, a client secret and optionally a token URL")
			}
			if c.BasicAuth != nil {
				return d.Errf("api has both basic_auth and oauth2: keep one")
			}
			c.OAuth2 = &OAuth2Config{ClientID: args[0], ClientSecret: args[1]}
			if len(args) == 3 {
				if err := checkURLArg(d, "oauth2 token URL", args[2]); err != nil {
					return err
				}
				c.OAuth2.TokenURL = args[2]
			}
		case "timeout":
			dur, err := durationArg(d)
			if err != nil {
				return err
			}
			c.Timeout = dur
		case "budget":
			b, err := parseBudget(d)
			if err != nil {
				return err
			}
			c.Budget = b
		default:
			return unknownSub(d, "api", "basic_auth", "oauth2", "timeout", "budget")
		}
	}
	return nil
}

// parseBudget reads 'budget <requests> <per> [<burst>]'.
func parseBudget(d *caddyfile.Dispenser) (*BudgetConfig, error) {
	args := d.RemainingArgs()
	if len(args) < 2 || len(args) > 3 {
		return nil, d.Errf("budget takes a number of requests, a period and optionally a burst: 'budget 100 1h'")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n <= 0 {
		return nil, d.Errf("budget requests %q is not a positive whole number", args[0])
	}
	per, err := caddy.ParseDuration(args[1])
	if err != nil || per <= 0 {
		return nil, d.Errf("budget period %q is not a positive duration such as 1h", args[1])
	}
	b := &BudgetConfig{Requests: n, Per: caddy.Duration(per)}
	if len(args) == 3 {
		burst, err := strconv.Atoi(args[2])
		if err != nil || burst <= 0 {
			return nil, d.Errf("budget burst %q is not a positive whole number", args[2])
		}
		b.Burst = burst
	}
	return b, nil
}

func (h *Handler) parseTracking(d *caddyfile.Dispenser) error {
	h.Tracking = new(TrackingConfig)
	c := h.Tracking
	if d.NextArg() {
		c.URL = d.Val()
		if err := checkURLArg(d, "tracking", c.URL); err != nil {
			return err
		}
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "placement":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if _, err := inject.ParsePlacement(v); err != nil {
				return d.Errf("placement %q: expected before_head_end, after_head_start or before_body_end", v)
			}
			c.Placement = v
		case "respect_dnt":
			on, err := onOffArg(d)
			if err != nil {
				return err
			}
			c.IgnorePrivacySignals = !on
		case "consent_cookie":
			args := d.RemainingArgs()
			if len(args) < 1 || len(args) > 2 {
				return d.Errf("consent_cookie takes a cookie name and optionally the value it must have")
			}
			c.ConsentCookie = args[0]
			if len(args) == 2 {
				c.ConsentValue = args[1]
			}
		case "attribute":
			args := d.RemainingArgs()
			if len(args) != 2 || args[0] == "" {
				return d.Errf("attribute takes a name and a value: 'attribute page_language {http.request.cookie.PARAGLIDE_LOCALE}'")
			}
			if c.Attributes == nil {
				c.Attributes = map[string]string{}
			}
			if _, dup := c.Attributes[args[0]]; dup {
				return d.Errf("attribute %q is given twice", args[0])
			}
			c.Attributes[args[0]] = args[1]
		default:
			return unknownSub(d, "tracking", "placement", "respect_dnt", "consent_cookie", "attribute")
		}
	}
	return nil
}

func (h *Handler) parseBetterAuth(d *caddyfile.Dispenser) error {
	h.BetterAuth = new(BetterAuthConfig)
	c := h.BetterAuth
	if d.NextArg() {
		return d.Errf("better_auth takes no arguments, only a block")
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "secret":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("secret needs a value: 'secret {env.BETTER_AUTH_SECRET}' (older secrets may follow)")
			}
			c.Secrets = append(c.Secrets, args...)
		case "upstream":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if err := checkURLArg(d, "upstream", v); err != nil {
				return err
			}
			c.Upstream = v
		case "cookie_prefix":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			c.CookiePrefix = v
		case "secure_cookies":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if _, err := parseSecureMode(v); err != nil {
				return d.Errf("secure_cookies %q: expected auto, always or never", v)
			}
			c.SecureCookies = v
		case "bearer":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if _, err := parseBearerMode(v); err != nil {
				return d.Errf("bearer %q: expected off, session or jwt", v)
			}
			c.Bearer = v
		case "get_session_path":
			v, err := pathArg(d)
			if err != nil {
				return err
			}
			c.GetSessionPath = v
		case "jwks_path":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if v != "off" && !strings.HasPrefix(v, "/") {
				return d.Errf("jwks_path %q: expected a path starting with / or off", v)
			}
			c.JWKSPath = v
		case "cache_ttl":
			dur, err := durationArg(d)
			if err != nil {
				return err
			}
			c.CacheTTL = dur
		default:
			return unknownSub(d, "better_auth", "secret", "upstream", "cookie_prefix", "secure_cookies", "bearer", "get_session_path", "jwks_path", "cache_ttl")
		}
	}
	return nil
}

func (h *Handler) parseDatabase(d *caddyfile.Dispenser) error {
	h.Database = new(DatabaseConfig)
	c := h.Database
	if !d.NextArg() {
		return d.Errf("database needs a DSN: 'database {env.DATABASE_URL}'")
	}
	c.DSN = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "dialect":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if _, err := userdb.ParseDialect(v); err != nil && !hasPlaceholder(v) {
				return d.Errf("unknown dialect %q: expected mysql (also MariaDB), postgres or sqlite", v)
			}
			c.Dialect = v
		case "user_table":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			c.UserTable = v
		case "session_table":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			c.SessionTable = v
		case "column":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("column takes a field and a column name: 'column user_mautic_id mautic_id'")
			}
			if c.Columns == nil {
				c.Columns = new(userdb.Columns)
			}
			if !setColumn(c.Columns, args[0], args[1]) {
				return d.Errf("unknown column field %q: expected one of %s", args[0], strings.Join(columnFields, ", "))
			}
		case "max_open_conns":
			n, err := positiveIntArg(d)
			if err != nil {
				return err
			}
			c.MaxOpenConns = n
		default:
			return unknownSub(d, "database", "dialect", "user_table", "session_table", "column", "max_open_conns")
		}
	}
	return nil
}

func (h *Handler) parseWebhook(d *caddyfile.Dispenser) error {
	h.Webhook = new(WebhookConfig)
	c := h.Webhook
	if d.NextArg() {
		c.Path = d.Val()
		if !strings.HasPrefix(c.Path, "/") {
			return d.Errf("webhook path %q: expected a path starting with /", c.Path)
		}
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "secret":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("secret needs a value: 'secret {env.MAUTIC_WEBHOOK_SECRET}' (older secrets may follow while you rotate)")
			}
			c.Secrets = append(c.Secrets, args...)
		case "max_body":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			n, err := humanize.ParseBytes(v)
			if err != nil || n == 0 || n > 1<<30 {
				return d.Errf("max_body %q: expected a size between 1 B and 1 GiB, such as 4MiB", v)
			}
			c.MaxBody = int64(n)
		case "read_timeout":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			t, err := caddy.ParseDuration(v)
			if err != nil || t <= 0 || t > time.Hour {
				return d.Errf("read_timeout %q: expected a duration between 1ms and 1h, such as 10s", v)
			}
			c.ReadTimeout = caddy.Duration(t)
		case "spool_dir":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			c.SpoolDir = v
		default:
			return unknownSub(d, "webhook", "secret", "max_body", "read_timeout", "spool_dir")
		}
	}
	return nil
}

func (h *Handler) parseFirstParty(d *caddyfile.Dispenser) error {
	h.FirstParty = new(FirstPartyConfig)
	c := h.FirstParty
	if !d.NextArg() {
		return d.Errf("first_party needs a path prefix: 'first_party /mtc-proxy'")
	}
	c.Prefix = d.Val()
	if err := checkPrefix(c.Prefix); err != nil {
		return d.Errf("first_party %v", err)
	}
	if d.NextArg() {
		return d.ArgErr()
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "upstream":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if err := checkURLArg(d, "upstream", v); err != nil {
				return err
			}
			c.Upstream = v
		case "handover":
			if d.NextArg() {
				return d.ArgErr()
			}
			c.Handover = true
		case "timeout":
			dur, err := durationArg(d)
			if err != nil {
				return err
			}
			c.Timeout = dur
		case "public_origin":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			if _, err := parseOrigin(v); err != nil {
				return d.Errf("first_party public_origin %v", err)
			}
			c.PublicOrigin = v
		default:
			return unknownSub(d, "first_party", "upstream", "handover", "timeout", "public_origin")
		}
	}
	return nil
}

func (h *Handler) parseProvisioning(d *caddyfile.Dispenser) error {
	h.Provisioning = new(ProvisioningConfig)
	c := h.Provisioning
	if d.NextArg() {
		return d.Errf("provisioning takes no arguments, only a block")
	}
	durations := map[string]*caddy.Duration{
		"wait": &c.Wait, "batch_delay": &c.BatchDelay, "cache_ttl": &c.CacheTTL,
		"rescan": &c.Rescan, "active_window": &c.ActiveWindow, "evidence_window": &c.EvidenceWindow,
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		name := d.Val()
		if p, ok := durations[name]; ok {
			dur, err := durationArg(d)
			if err != nil {
				return err
			}
			*p = dur
			continue
		}
		switch name {
		case "workers":
			n, err := positiveIntArg(d)
			if err != nil {
				return err
			}
			c.Workers = n
		case "locale":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.Errf("locale takes the site's tag and Mautic's locale: 'locale de de_DE'")
			}
			if c.Locales == nil {
				c.Locales = map[string]string{}
			}
			c.Locales[args[0]] = args[1]
		case "locale_default":
			v, err := singleArg(d)
			if err != nil {
				return err
			}
			c.LocaleDefault = v
		case "on_delete":
			if !d.NextArg() || d.CountRemainingArgs() > 0 || !validOnDelete(d.Val()) {
				return d.Errf("on_delete takes one of %s, %s", provision.DeleteWaitForVisit, provision.DeletePermanent)
			}
			c.OnDelete = d.Val()
		case "trust_unverified_emails":
			if d.NextArg() {
				return d.Errf("trust_unverified_emails takes no arguments")
			}
			c.TrustUnverifiedEmails = true
		default:
			return unknownSub(d, "provisioning", "wait", "workers", "batch_delay", "cache_ttl", "locale", "rescan",
				"active_window", "locale_default", "on_delete", "trust_unverified_emails", "evidence_window")
		}
	}
	return nil
}

// unknownSub is the error for an unknown sub-directive of section.
func unknownSub(d *caddyfile.Dispenser, section string, known ...string) error {
	return d.Errf("unknown %s sub-directive %q: expected one of %s", section, d.Val(), strings.Join(known, ", "))
}

func singleArg(d *caddyfile.Dispenser) (string, error) {
	name := d.Val()
	args := d.RemainingArgs()
	if len(args) != 1 {
		return "", d.Errf("%s takes exactly one value, got %d", name, len(args))
	}
	return args[0], nil
}

func durationArg(d *caddyfile.Dispenser) (caddy.Duration, error) {
	name := d.Val()
	v, err := singleArg(d)
	if err != nil {
		return 0, err
	}
	dur, err := caddy.ParseDuration(v)
	if err != nil || dur < 0 {
		return 0, d.Errf("%s %q: expected a duration such as 500ms, 10s or 1h", name, v)
	}
	return caddy.Duration(dur), nil
}

func positiveIntArg(d *caddyfile.Dispenser) (int, error) {
	name := d.Val()
	v, err := singleArg(d)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, d.Errf("%s %q: expected a positive whole number", name, v)
	}
	return n, nil
}

func onOffArg(d *caddyfile.Dispenser) (bool, error) {
	name := d.Val()
	args := d.RemainingArgs()
	switch {
	case len(args) == 0:
		return true, nil
	case len(args) == 1 && args[0] == "on":
		return true, nil
	case len(args) == 1 && args[0] == "off":
		return false, nil
	}
	return false, d.Errf("%s: expected on or off", name)
}

func pathArg(d *caddyfile.Dispenser) (string, error) {
	name := d.Val()
	v, err := singleArg(d)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(v, "/") {
		return "", d.Errf("%s %q: expected a path starting with /", name, v)
	}
	return v, nil
}

// checkURLArg checks a literal URL now; one with placeholders is checked
// when the configuration is loaded.
func checkURLArg(d *caddyfile.Dispenser, what, raw string) error {
	if hasPlaceholder(raw) {
		return nil
	}
	if _, err := parseHTTPURL(raw); err != nil {
		return d.Errf("%s URL %s: %v", what, redactURL(raw), err)
	}
	return nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)
