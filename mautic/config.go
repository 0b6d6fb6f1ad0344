package mautic

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by New to the zero values of Config.
const (
	DefaultTimeout          = 10 * time.Second
	DefaultHandshakeTimeout = 2 * time.Second
	DefaultMaxAttempts      = 4
	DefaultMaxElapsed       = 30 * time.Second
	DefaultBaseDelay        = 200 * time.Millisecond
	DefaultMaxDelay         = 10 * time.Second
)

// Config configures a Client. Only BaseURL and Auth are required.
type Config struct {
	// BaseURL is Mautic's API root, e.g. "https://m.example.com/api"; a
	// trailing slash is fine.
	BaseURL string
	// Auth is BasicAuth or OAuth2.
	Auth Auth
	// Timeout bounds each HTTP attempt. Default 10 s.
	Timeout time.Duration
	// UserAgent defaults to "caddy-mautic/" + Version.
	UserAgent string
	// Budget is a local request budget; the zero value is off, as Mautic's
	// own limiter is by default. The server's X-RateLimit-* headers are
	// obeyed either way.
	Budget Budget
	// Retry configures retries of failed attempts.
	Retry Retry
	// Transport is optional (tests); the default is one pooled
	// *http.Transport per Client.
	Transport http.RoundTripper
	// Logger receives one line per failed attempt (method, route template,
	// status, attempt; never query values or credentials). Nil: no logs.
	Logger *slog.Logger
	// Observe, when set, is called once per HTTP attempt, for metrics.
	Observe func(Call)
}

// Budget is a token bucket of Requests per Per. The zero value is off.
type Budget struct {
	Requests int
	Per      time.Duration
	// Burst is the bucket size; default Requests.
	Burst int
}

func (b Budget) enabled() bool { return b.Requests > 0 && b.Per > 0 }

// Retry bounds retries: exponential backoff with full jitter between
// BaseDelay and MaxDelay, at most MaxAttempts attempts and MaxElapsed in all.
// Zero fields take the defaults; MaxAttempts 1 disables retries.
type Retry struct {
	MaxAttempts int
	MaxElapsed  time.Duration
	BaseDelay   time.Duration
	MaxDelay    time.Duration
}

// Call describes one HTTP attempt, for Config.Observe.
type Call struct {
	Method   string
	Route    string // template, e.g. "GET /contacts/{id}"
	Status   int    // 0 when no answer arrived
	Err      error  // nil on a 2xx answer
	Duration time.Duration
	Attempt  int // 1 for the first try
	// Version is the answer's Mautic-Version header, when it had one.
	Version string
}

// withDefaults returns cfg with defaults filled in, after validating it.
func (cfg Config) withDefaults() (Config, *url.URL, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return cfg, nil, err
	}
	if cfg.Auth == nil {
		return cfg, nil, errors.New("mautic: Config.Auth is missing: set BasicAuth{Username, Password} or OAuth2{ClientID, ClientSecret}")
	}
	if err := cfg.Auth.validate(); err != nil {
		return cfg, nil, err
	}
	if cfg.Timeout < 0 || cfg.Budget.Requests < 0 || cfg.Budget.Per < 0 || cfg.Budget.Burst < 0 {
		return cfg, nil, errors.New("mautic: Config durations and counts must not be negative")
	}
	if (cfg.Budget.Requests > 0) != (cfg.Budget.Per > 0) {
		return cfg, nil, errors.New("mautic: Config.Budget needs both Requests and Per (or neither, to turn it off)")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "caddy-mautic/" + Version
	}
	r := &cfg.Retry
	if r.MaxAttempts < 0 || r.MaxElapsed < 0 || r.BaseDelay < 0 || r.MaxDelay < 0 {
		return cfg, nil, errors.New("mautic: Config.Retry values must not be negative")
	}
	if r.MaxAttempts == 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.MaxElapsed == 0 {
		r.MaxElapsed = DefaultMaxElapsed
	}
	if r.BaseDelay == 0 {
		r.BaseDelay = DefaultBaseDelay
	}
	if r.MaxDelay == 0 {
		r.MaxDelay = DefaultMaxDelay
	}
	if r.MaxDelay < r.BaseDelay {
		r.MaxDelay = r.BaseDelay
	}
	return cfg, base, nil
}

// parseBaseURL checks that raw is an http(s) API root ending in /api and
// returns it without a trailing slash. Errors never echo the URL, which may
// carry credentials.
func parseBaseURL(raw string) (*url.URL, error) {
	const want = `want Mautic's API root, e.g. "https://m.example.com/api"`
	if raw == "" {
		return nil, errors.New("mautic: Config.BaseURL is empty: " + want)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("mautic: Config.BaseURL does not parse as a URL: " + want)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("mautic: Config.BaseURL scheme %q is not http or https: %s", u.Scheme, want)
	case u.Host == "":
		return nil, errors.New("mautic: Config.BaseURL has no host: " + want)
	case u.User != nil:
		return nil, errors.New("mautic: Config.BaseURL carries credentials: put them in Config.Auth instead")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, errors.New("mautic: Config.BaseURL must have no query or fragment: " + want)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if !strings.HasSuffix(u.Path, "/api") {
		return nil, errors.New("mautic: Config.BaseURL path does not end in /api: " + want)
	}
	return u, nil
}

// parseAbsURL checks an absolute http(s) URL such as OAuth2.TokenURL.
func parseAbsURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil, u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, errors.New(`mautic: OAuth2.TokenURL must be an absolute http(s) URL, e.g. "https://m.example.com/oauth/v2/token"`)
	case u.User != nil:
		return nil, errors.New("mautic: OAuth2.TokenURL carries credentials: put them in OAuth2.ClientID and ClientSecret instead")
	}
	return u, nil
}
