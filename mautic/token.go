package mautic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	tokenRoute        = "POST /oauth/v2/token"
	defaultTokenLife  = time.Hour // Mautic's api_oauth2_access_token_lifetime
	maxRefreshBackoff = time.Minute
)

// tokenSource holds an OAuth2 client-credentials token. One goroutine
// (the refresher) renews it before it expires, so callers do not wait on a
// refresh; at most one token request runs at a time.
type tokenSource struct {
	c       *Client
	url     string
	path    string // for errors and logs
	form    string // the encoded grant; holds the secret, never logged
	timeout time.Duration

	ctx    context.Context // ends on close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // tells the refresher a fetch finished
	waits  atomic.Int64  // callers that had to wait for a fetch

	mu        sync.Mutex
	token     string
	expiry    time.Time
	refreshAt time.Time
	failures  int
	lastErr   error
	inflight  chan struct{} // closed when the running fetch ends
}

func newTokenSource(c *Client, a OAuth2, base *url.URL) *tokenSource {
	tokenURL := a.TokenURL
	if tokenURL == "" {
		site := *base
		site.Path = strings.TrimSuffix(site.Path, "/api") + "/oauth/v2/token"
		tokenURL = site.String()
	}
	u, _ := url.Parse(tokenURL) // validated in Config.withDefaults
	timeout := a.HandshakeTimeout
	if timeout == 0 {
		timeout = DefaultHandshakeTimeout
	}
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {a.ClientID},
		"client_secret": {a.ClientSecret},
	}
	s := &tokenSource{
		c:       c,
		url:     tokenURL,
		path:    u.Path,
		form:    form.Encode(),
		timeout: timeout,
		wake:    make(chan struct{}, 1),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.refresher()
	return s
}

func (s *tokenSource) apply(ctx context.Context, req *http.Request) (string, error) {
	tok, err := s.get(ctx)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return tok, nil
}

// get returns a valid token, waiting for a fetch only when none is held.
func (s *tokenSource) get(ctx context.Context) (string, error) {
	s.mu.Lock()
	if tok, ok := s.validLocked(); ok {
		s.mu.Unlock()
		return tok, nil
	}
	done := s.fetchLocked()
	s.mu.Unlock()
	s.waits.Add(1)
	select {
	case <-done:
	case <-ctx.Done():
		return "", &Error{Method: http.MethodPost, Path: s.path, Err: fmt.Errorf("waiting for an OAuth2 token: %w", ctx.Err())}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok, ok := s.validLocked(); ok {
		return tok, nil
	}
	if s.lastErr != nil {
		return "", s.lastErr
	}
	return "", &Error{Method: http.MethodPost, Path: s.path, Err: errors.New("OAuth2 token expired at once; check the server clock")}
}

// validLocked returns the token unless it is about to expire.
func (s *tokenSource) validLocked() (string, bool) {
	if s.token == "" {
		return "", false
	}
	return s.token, s.c.now().Before(s.expiry)
}

// fetchLocked starts a token request unless one is running, and returns
// the channel closed when it ends.
func (s *tokenSource) fetchLocked() chan struct{} {
	if s.inflight != nil {
		return s.inflight
	}
	done := make(chan struct{})
	if s.ctx.Err() != nil {
		s.lastErr = ErrClosed
		close(done)
		return done
	}
	s.inflight = done
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tok, life, err := s.fetch()
		now := s.c.now()
		s.mu.Lock()
		if err == nil {
			s.token, s.lastErr, s.failures = tok, nil, 0
			// Stop using a token a little before Mautic does, and renew it
			// at half its life: a slow or failing handshake then has the
			// other half (30 min for Mautic's default) before any caller
			// would have to wait.
			s.expiry = now.Add(life - min(life/10, 10*time.Second))
			s.refreshAt = now.Add(life / 2)
		} else {
			s.lastErr = err
			s.failures++
			s.refreshAt = now.Add(min(time.Second<<min(s.failures, 6), maxRefreshBackoff))
		}
		s.inflight = nil
		close(done)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}()
	return done
}

// refresher renews the token in the background until close.
func (s *tokenSource) refresher() {
	defer s.wg.Done()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
			s.mu.Lock()
			if !s.c.now().Before(s.refreshAt) {
				s.fetchLocked()
			}
			s.mu.Unlock()
		}
		s.mu.Lock()
		d := s.refreshAt.Sub(s.c.now())
		if s.inflight != nil {
			d = time.Hour // the fetch's end wakes us
		}
		s.mu.Unlock()
		if !t.Stop() {
			select {
			case <-t.C:
			default:
			}
		}
		t.Reset(max(d, 0))
	}
}

// fetch performs one client-credentials handshake within the timeout.
func (s *tokenSource) fetch() (string, time.Duration, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(s.form))
	if err != nil {
		return "", 0, s.fail(0, nil, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.c.cfg.UserAgent)
	t0 := s.c.now()
	resp, err := s.c.hc.Do(req)
	var out *response
	if err == nil {
		out, err = readResponse(resp)
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("OAuth2 token handshake did not finish within %s: %w", s.timeout, context.DeadlineExceeded)
		} else if s.ctx.Err() != nil {
			err = ErrClosed
		}
		e := s.fail(0, nil, err)
		s.c.observe(http.MethodPost, tokenRoute, 0, e, t0, 1)
		return "", 0, e
	}
	if out.status != http.StatusOK {
		e := s.fail(out.status, parseAPIErrors(out.body), nil)
		s.c.observe(http.MethodPost, tokenRoute, out.status, e, t0, 1)
		return "", 0, e
	}
	var tr struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   flexInt `json:"expires_in"`
	}
	if err := json.Unmarshal(out.body, &tr); err != nil || tr.AccessToken == "" {
		e := s.fail(0, nil, errors.New("OAuth2 token answer has no access_token"))
		s.c.observe(http.MethodPost, tokenRoute, out.status, e, t0, 1)
		return "", 0, e
	}
	s.c.observe(http.MethodPost, tokenRoute, out.status, nil, t0, 1)
	life := time.Duration(tr.ExpiresIn) * time.Second
	if life <= 0 {
		life = defaultTokenLife
	}
	return tr.AccessToken, life, nil
}

func (s *tokenSource) fail(status int, apiErrs []APIError, cause error) *Error {
	e := &Error{Status: status, Method: http.MethodPost, Path: s.path, Errors: apiErrs, Err: cause}
	s.c.logFailure(&request{method: http.MethodPost, route: "/oauth/v2/token", path: s.path}, e, 1, false)
	return e
}

// invalidate drops tok after Mautic rejected it, so the next get fetches a
// new one; a token already replaced is left alone.
func (s *tokenSource) invalidate(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if tok != "" && s.token == tok {
		s.token = ""
	}
	return true
}

func (s *tokenSource) close() {
	// Cancel under mu so that no fetch starts after Wait began.
	s.mu.Lock()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
}
