package mautic

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Auth is how the Client authenticates: BasicAuth or OAuth2 (a value or a
// pointer). It is closed to other implementations.
type Auth interface {
	validate() error
}

// BasicAuth sends HTTP Basic credentials of a Mautic user (Mautic's "Enable
// HTTP basic auth" must be on). All Basic-auth callers share one bucket of
// Mautic's rate limiter.
type BasicAuth struct {
	Username string
	Password string
}

func (a BasicAuth) validate() error {
	if a.Username == "" || a.Password == "" {
		return errors.New("mautic: BasicAuth needs Username and Password")
	}
	return nil
}

// String hides the password, so printing a Config cannot leak it.
func (a BasicAuth) String() string {
	return fmt.Sprintf("BasicAuth{Username: %q, Password: [redacted]}", a.Username)
}

// GoString hides the password from %#v.
func (a BasicAuth) GoString() string { return a.String() }

// LogValue hides the password from slog.
func (a BasicAuth) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", a.Username), slog.String("password", "[redacted]"))
}

// OAuth2 uses the client-credentials grant of a Mautic API credential (an
// admin must create it in Settings > API Credentials for the grant to be
// allowed). Tokens are cached and refreshed in the background before they
// expire.
type OAuth2 struct {
	ClientID     string
	ClientSecret string
	// TokenURL defaults to the site root of BaseURL + "/oauth/v2/token".
	TokenURL string
	// HandshakeTimeout bounds one token request; default 2 s.
	HandshakeTimeout time.Duration
}

func (a OAuth2) validate() error {
	if a.ClientID == "" || a.ClientSecret == "" {
		return errors.New("mautic: OAuth2 needs ClientID and ClientSecret")
	}
	if a.HandshakeTimeout < 0 {
		return errors.New("mautic: OAuth2.HandshakeTimeout must not be negative")
	}
	if a.TokenURL != "" {
		if _, err := parseAbsURL(a.TokenURL); err != nil {
			return err
		}
	}
	return nil
}

// String hides the secret.
func (a OAuth2) String() string {
	return fmt.Sprintf("OAuth2{ClientID: %q, ClientSecret: [redacted], TokenURL: %q}", a.ClientID, a.TokenURL)
}

// GoString hides the secret from %#v.
func (a OAuth2) GoString() string { return a.String() }

// LogValue hides the secret from slog.
func (a OAuth2) LogValue() slog.Value {
	return slog.GroupValue(slog.String("client_id", a.ClientID), slog.String("client_secret", "[redacted]"))
}
