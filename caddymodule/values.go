package caddymodule

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// hasPlaceholder reports whether s holds a {placeholder} that is only known
// when the configuration is loaded.
func hasPlaceholder(s string) bool {
	i := strings.IndexByte(s, '{')
	return i >= 0 && strings.IndexByte(s[i:], '}') > 0
}

// parseHTTPURL parses an absolute http or https URL with a host and no
// query or fragment. Its errors never repeat the URL, which may hold
// credentials.
func parseHTTPURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("is empty: expected an absolute URL such as https://mautic.example.com")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("does not parse: expected an absolute URL such as https://mautic.example.com")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, errors.New("is not http or https: expected an absolute URL such as https://mautic.example.com")
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, errors.New("has no host: expected an absolute URL such as https://mautic.example.com")
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, errors.New("has a query or fragment: give only the base URL")
	}
	return u, nil
}

// redactURL returns raw with any password replaced, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// isLoopback reports whether host (without port) is localhost or a
// loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseSecureMode reads the secure_cookies setting.
func parseSecureMode(s string) (betterauth.SecureMode, error) {
	switch s {
	case "", "auto":
		return betterauth.SecureAuto, nil
	case "always":
		return betterauth.SecureAlways, nil
	case "never":
		return betterauth.SecureNever, nil
	}
	return 0, fmt.Errorf("secure_cookies %q: expected auto, always or never", s)
}

// parseBearerMode reads the bearer setting; empty is off.
func parseBearerMode(s string) (betterauth.BearerMode, error) {
	if s == "" {
		return betterauth.BearerOff, nil
	}
	m, err := betterauth.ParseBearerMode(s)
	if err != nil {
		return 0, fmt.Errorf("bearer %q: expected off, session or jwt", s)
	}
	return m, nil
}

// columnFields are the names of userdb.Columns' fields, as the Caddyfile's
// column sub-directive and the JSON config spell them.
var columnFields = []string{
	"user_id", "user_email", "user_name", "user_locale", "user_mautic_id", "user_email_verified",
	"session_token", "session_user_id", "session_expires_at", "session_updated_at",
}

// setColumn sets the named column; false for an unknown field.
func setColumn(c *userdb.Columns, field, name string) bool {
	targets := map[string]*string{
		"user_id": &c.UserID, "user_email": &c.UserEmail, "user_name": &c.UserName,
		"user_locale": &c.UserLocale, "user_mautic_id": &c.UserMauticID, "user_email_verified": &c.UserEmailVerified,
		"session_token": &c.SessionToken, "session_user_id": &c.SessionUserID,
		"session_expires_at": &c.SessionExpiresAt, "session_updated_at": &c.SessionUpdatedAt,
	}
	p, ok := targets[field]
	if ok {
		*p = name
	}
	return ok
}

// checkPrefix checks a first-party path prefix.
func checkPrefix(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return fmt.Errorf("prefix %q: expected a path starting with /, such as /mtc-proxy", p)
	case p == "/" || strings.HasSuffix(p, "/"):
		return fmt.Errorf("prefix %q: expected a path without a trailing slash, such as /mtc-proxy", p)
	case strings.Trim(p, pathChars) != "":
		// It is written into JavaScript and HTML: nothing that could end a
		// string or an attribute.
		return fmt.Errorf("prefix %q: expected a plain path of letters, digits and /-._~, such as /mtc-proxy", p)
	}
	return nil
}

const pathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-._~"

// parseOrigin reads a public origin: scheme and host (and port) only, in
// the characters a host name has, so that it is written into JavaScript
// and HTML as it is.
func parseOrigin(raw string) (string, error) {
	u, err := parseHTTPURL(raw)
	if err != nil {
		return "", err
	}
	switch {
	case u.User != nil:
		return "", errors.New("has credentials: give only scheme and host, such as https://www.example.com")
	case u.Path != "" && u.Path != "/":
		return "", errors.New("has a path: give only scheme and host, such as https://www.example.com")
	case strings.Trim(u.Host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != "":
		return "", errors.New("has a host that is not a plain name or address")
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}
