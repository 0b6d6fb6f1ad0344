package betterauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxSessionBytes bounds a get-session response.
const maxSessionBytes = 1 << 20

var errSessionOther = errors.New("betterauth: get-session answered for another session token")

// getSessionClient asks the upstream's /api/auth/get-session who owns a
// session token. It skips the cookie cache and refresh on the server, so
// the answer comes from the app's database and changes nothing there.
type getSessionClient struct {
	url    string // with disableCookieCache and disableRefresh set
	client *http.Client
}

func newGetSessionClient(raw string, client *http.Client) (*getSessionClient, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("betterauth: GetSessionURL does not parse")
	}
	q := u.Query()
	q.Set("disableCookieCache", "true")
	q.Set("disableRefresh", "true")
	u.RawQuery = q.Encode()
	return &getSessionClient{url: u.String(), client: client}, nil
}

// sessionResponse is get-session's body: {session, user} or null.
type sessionResponse struct {
	Session sessionFields `json:"session"`
	User    userFields    `json:"user"`
}

// lookup sends the session_token cookie as the browser sent it.
func (g *getSessionClient) lookup(ctx context.Context, token, cookieName, rawCookie string) (Identity, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, g.url, nil)
	if err != nil {
		return Identity{}, fmt.Errorf("betterauth: get-session request: %w", err)
	}
	req.Header.Set("Cookie", cookieName+"="+rawCookie)
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		// The error names the URL, which holds no credential: the token
		// travels in a header.
		return Identity{}, fmt.Errorf("betterauth: get-session call failed (is GetSessionURL right and the upstream up?): %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSessionBytes))
	if err != nil {
		return Identity{}, fmt.Errorf("betterauth: reading get-session: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return Identity{}, ErrNoSession
	case resp.StatusCode != http.StatusOK:
		return Identity{}, fmt.Errorf("betterauth: get-session answered HTTP %d: check GetSessionURL", resp.StatusCode)
	}
	return parseSessionResponse(body, token)
}

// parseSessionResponse reads a 200 body: null means signed out.
func parseSessionResponse(body []byte, token string) (Identity, error) {
	body = bytes.TrimSpace(body)
	if string(body) == "null" {
		return Identity{}, ErrNoSession
	}
	var r sessionResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return Identity{}, fmt.Errorf("betterauth: get-session body is not {session, user} or null: %w", err)
	}
	if r.User.ID == "" || r.Session.Token == "" {
		return Identity{}, ErrNoSession
	}
	if r.Session.Token != token {
		return Identity{}, errSessionOther
	}
	id := r.User.identity(SourceGetSession)
	id.ExpiresAt = r.Session.ExpiresAt.time()
	return id, nil
}
