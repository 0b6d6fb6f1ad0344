package mautictest

import (
	"strings"
	"time"
)

// Option configures a Server; pass them to NewServer.
type Option func(*config)

type config struct {
	basicUser, basicPass string
	basicOn              bool
	apiOn                bool
	oauthClients         map[string]string // client id -> secret
	tokenLifetime        time.Duration
	rateLimit            int
	rateWindow           time.Duration
	raceWindow           time.Duration
	latency              time.Duration
	now                  func() time.Time
	siteURL              string
}

func defaultConfig() config {
	return config{
		basicUser:     "admin",
		basicPass:     "mautic",
		basicOn:       true,
		apiOn:         true,
		oauthClients:  make(map[string]string),
		tokenLifetime: 3600 * time.Second,
		rateWindow:    time.Hour,
		now:           time.Now,
	}
}

// WithBasicAuth sets the API user's credentials (default "admin" / "mautic").
func WithBasicAuth(user, pass string) Option {
	return func(c *config) { c.basicUser, c.basicPass, c.basicOn = user, pass, true }
}

// WithoutBasicAuth turns HTTP Basic off, as Mautic ships it: a Basic header
// then answers 403 access_denied, and only OAuth2 tokens get in.
func WithoutBasicAuth() Option { return func(c *config) { c.basicOn = false } }

// WithAPIDisabled answers every /api and /oauth call with Mautic's 403
// api_disabled, as an install whose API setting is off.
func WithAPIDisabled() Option { return func(c *config) { c.apiOn = false } }

// WithOAuth2Client registers an OAuth2 client allowed the client_credentials
// grant on /oauth/v2/token. Mautic's client ids look like "1_<random>".
func WithOAuth2Client(id, secret string) Option {
	return func(c *config) { c.oauthClients[id] = secret }
}

// WithTokenLifetime sets how long an access token lives (default 3600 s);
// an expired bearer answers 401 invalid_grant.
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithRateLimit turns on Mautic's API limiter: limit calls per fixed window
// (Mautic's window is an hour). Off by default, as in Mautic.
func WithRateLimit(limit int, window time.Duration) Option {
	return func(c *config) { c.rateLimit, c.rateWindow = limit, window }
}

// WithCreateRaceWindow makes contact creation sleep d between the email
// dedupe check and the insert, so concurrent creates of one new email both
// insert, as they can on a real Mautic.
func WithCreateRaceWindow(d time.Duration) Option { return func(c *config) { c.raceWindow = d } }

// WithLatency delays every response by d.
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithClock sets the clock used for dates, token expiry, cookie expiry and the
// limiter window.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSiteURL sets Mautic's site_url: the host baked into /mtc.js and the
// X-Origin-Base-URL of webhooks (default: the server's own URL). Set it to a
// proxy's address when a proxy in front serves the tracking routes.
func WithSiteURL(u string) Option { return func(c *config) { c.siteURL = strings.TrimRight(u, "/") } }
