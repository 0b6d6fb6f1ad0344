package mautic

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddy-mautic/caddy-mautic/internal/wait"
)

// maxBody caps a response body; a batch of 200 contacts is about 1.5 MB.
const maxBody = 32 << 20

// Client talks to one Mautic. Create it with New and stop it with Close.
type Client struct {
	// Contacts is the contacts API.
	Contacts *ContactsService

	cfg       Config
	apiRoot   string // BaseURL without a trailing slash
	hc        *http.Client
	transport *http.Transport // ours to close; nil when Config.Transport was given
	auth      authenticator
	budget    *budget

	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	jitter func(int64) int64

	closed    atomic.Bool
	closeOnce sync.Once
}

// authenticator sets the Authorization header of an attempt.
type authenticator interface {
	// apply sets the header and returns the credential it used, so a
	// rejected token can be invalidated.
	apply(ctx context.Context, req *http.Request) (string, error)
	// invalidate drops a token Mautic rejected; false when re-authenticating
	// cannot help (Basic auth).
	invalidate(token string) bool
	close()
}

// New validates cfg and returns a Client. With OAuth2 it starts fetching a
// token in the background at once; New itself does no network I/O.
func New(cfg Config) (*Client, error) {
	switch a := cfg.Auth.(type) {
	case *BasicAuth:
		cfg.Auth = nil
		if a != nil {
			cfg.Auth = *a
		}
	case *OAuth2:
		cfg.Auth = nil
		if a != nil {
			cfg.Auth = *a
		}
	}
	cfg, base, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Client{
		cfg:     cfg,
		apiRoot: base.String(),
		now:     time.Now,
		sleep:   wait.For,
		jitter:  randJitter,
	}
	rt := cfg.Transport
	if rt == nil {
		c.transport = newTransport()
		rt = c.transport
	}
	c.hc = &http.Client{
		Transport: rt,
		// Mautic answers API calls directly; a redirect means a wrong
		// BaseURL (e.g. http -> https, or the login page), so show it.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	c.budget = newBudget(cfg.Budget, func() time.Time { return c.now() })
	switch a := cfg.Auth.(type) {
	case BasicAuth:
		c.auth = basicAuthenticator("Basic " + base64.StdEncoding.EncodeToString([]byte(a.Username+":"+a.Password)))
	case OAuth2:
		c.auth = newTokenSource(c, a, base)
	default:
		return nil, fmt.Errorf("mautic: unsupported Config.Auth %T: use BasicAuth or OAuth2", cfg.Auth)
	}
	c.Contacts = &ContactsService{c: c}
	return c, nil
}

// Close stops the background token refresher and closes idle connections.
// Calls after Close fail with ErrClosed. Close is idempotent.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.closed.Store(true)
		c.auth.close()
		if c.transport != nil {
			c.transport.CloseIdleConnections()
		}
	})
	return nil
}

// BudgetState reports the request budget: local tokens left and the
// server's limiter as last seen.
func (c *Client) BudgetState() BudgetState { return c.budget.state() }

func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   32,
		MaxConnsPerHost:       64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

type basicAuthenticator string

func (b basicAuthenticator) apply(_ context.Context, req *http.Request) (string, error) {
	req.Header.Set("Authorization", string(b))
	return "", nil
}
func (basicAuthenticator) invalidate(string) bool { return false }
func (basicAuthenticator) close()                 {}

// request is one API call.
type request struct {
	method string
	route  string // template under the API root, e.g. "/contacts/{id}"
	path   string // e.g. "/contacts/5"
	query  url.Values
	body   any
	// repeatable marks calls safe to repeat after a network error or 5xx.
	repeatable bool
	// once disables retries (Ping).
	once bool
}

func (r *request) routeKey() string { return r.method + " " + r.route }

// response is an answer that arrived, success or not.
type response struct {
	status  int
	header  http.Header
	body    []byte
	latency time.Duration // of the HTTP exchange
}

// do sends req with budget, auth and retries, and returns a 2xx answer or
// an *Error.
func (c *Client) do(ctx context.Context, req *request) (*response, error) {
	if c.closed.Load() {
		return nil, c.newError(req, ErrClosed)
	}
	var body []byte
	if req.body != nil {
		var err error
		if body, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("mautic: %s: cannot encode the request body: %w", req.routeKey(), err)
		}
	}
	start := c.now()
	reauthed := false
	var last *Error
	for attempt := 1; ; attempt++ {
		if at, err := c.budget.acquire(ctx, c.sleep); err != nil {
			return nil, c.holdError(req, last, at, err)
		}
		resp, token, e := c.attempt(ctx, req, body, attempt)
		if e == nil {
			return resp, nil
		}
		last = e
		if e.Status == http.StatusUnauthorized && e.firstType() == "invalid_grant" && !reauthed && c.auth.invalidate(token) {
			reauthed = true // one re-token and one retry, not counted
			c.logFailure(req, e, attempt, true)
			attempt--
			continue
		}
		delay, ok := c.retryDelay(ctx, req, resp, e, attempt, start)
		if e.Path == req.path { // token failures were logged where they happened
			c.logFailure(req, e, attempt, ok)
		}
		if !ok {
			return nil, e
		}
		if err := c.sleep(ctx, delay); err != nil {
			if e.Err == nil {
				e.Err = err
			}
			return nil, e
		}
	}
}

// retryDelay decides whether to try again and after how long.
func (c *Client) retryDelay(ctx context.Context, req *request, resp *response, e *Error, attempt int, start time.Time) (time.Duration, bool) {
	if req.once || attempt >= c.cfg.Retry.MaxAttempts || ctx.Err() != nil || !retryable(req, e) {
		return 0, false
	}
	now := c.now()
	var delay time.Duration
	if resp != nil {
		if d, ok := retryAfter(resp.header, now); ok {
			delay = d
		}
	}
	if delay == 0 {
		if !e.RetryAt.IsZero() {
			// A server hold: budget.acquire waits for it before the next try.
			delay = 0
		} else {
			delay = backoff(c.cfg.Retry, attempt, c.jitter)
		}
	}
	next := now.Add(delay)
	if !e.RetryAt.IsZero() && e.RetryAt.After(next) {
		next = e.RetryAt
	}
	if next.Sub(start) > c.cfg.Retry.MaxElapsed || deadlineBefore(ctx, next) {
		if e.RetryAt.IsZero() && e.Status == http.StatusTooManyRequests {
			e.RetryAt = next
		}
		return 0, false
	}
	return delay, true
}

// attempt sends one HTTP request and returns the answer, the credential
// used, and an *Error for anything but a 2xx.
func (c *Client) attempt(ctx context.Context, req *request, body []byte, n int) (*response, string, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	target := c.apiRoot + req.path
	if len(req.query) > 0 {
		target += "?" + req.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.method, target, rd)
	if err != nil {
		return nil, "", c.newError(req, err)
	}
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	token, err := c.auth.apply(ctx, hreq)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, token, e
		}
		return nil, token, c.newError(req, err)
	}
	t0 := c.now()
	resp, err := c.hc.Do(hreq)
	var out *response
	if err == nil {
		out, err = readResponse(resp)
	}
	if err != nil {
		e := c.newError(req, c.netCause(ctx, actx, err))
		c.observe(req.method, req.routeKey(), 0, e, t0, n)
		return nil, token, e
	}
	out.latency = c.now().Sub(t0)
	hold := c.budget.observe(out.header, out.status)
	if out.status >= 200 && out.status < 300 {
		c.observeOK(req.method, req.routeKey(), out, t0, n)
		return out, token, nil
	}
	e := &Error{Status: out.status, Method: req.method, Path: req.path, Errors: parseAPIErrors(out.body), RetryAt: hold}
	c.observe(req.method, req.routeKey(), out.status, e, t0, n)
	return out, token, e
}

func readResponse(resp *http.Response) (*response, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("answer is larger than %d bytes", maxBody)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// netCause strips the URL (which may carry emails in its query) from a
// transport error and names a per-attempt timeout.
func (c *Client) netCause(ctx, actx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no answer within %s: %w", c.cfg.Timeout, context.DeadlineExceeded)
	}
	return err
}

func (c *Client) newError(req *request, cause error) *Error {
	return &Error{Method: req.method, Path: req.path, Err: cause}
}

// holdError is the error of a call the budget would hold past ctx's
// deadline (or whose wait ctx ended).
func (c *Client) holdError(req *request, last *Error, at time.Time, cause error) *Error {
	if last != nil {
		if !at.IsZero() {
			last.RetryAt = at
		}
		if last.Err == nil && !errors.Is(cause, ErrBudgetExhausted) {
			last.Err = cause
		}
		return last
	}
	e := c.newError(req, cause)
	e.RetryAt = at
	return e
}

// observeOK reports a successful attempt, with Mautic's version.
func (c *Client) observeOK(method, route string, out *response, t0 time.Time, attempt int) {
	if c.cfg.Observe == nil {
		return
	}
	c.cfg.Observe(Call{Method: method, Route: route, Status: out.status, Duration: c.now().Sub(t0), Attempt: attempt,
		Version: out.header.Get("Mautic-Version")})
}

func (c *Client) observe(method, route string, status int, e *Error, t0 time.Time, attempt int) {
	if c.cfg.Observe == nil {
		return
	}
	call := Call{Method: method, Route: route, Status: status, Duration: c.now().Sub(t0), Attempt: attempt}
	if e != nil {
		call.Err = e
	}
	c.cfg.Observe(call)
}
