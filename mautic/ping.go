package mautic

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// PingResult is the outcome of a successful Ping.
type PingResult struct {
	// Latency is the HTTP round trip of the call; budget and token waits
	// are not included.
	Latency time.Duration
	// Version is Mautic's Mautic-Version header, e.g. "5.1.0".
	Version string
}

// Ping makes one cheap authenticated call (GET /contacts?limit=1&minimal=true)
// without retries, for health checks. It spends one request of the budget.
func (c *Client) Ping(ctx context.Context) (PingResult, error) {
	q := url.Values{"limit": {"1"}, "minimal": {"true"}}
	req := &request{method: http.MethodGet, route: "/contacts", path: "/contacts", query: q, once: true}
	resp, err := c.do(ctx, req)
	if err != nil {
		return PingResult{}, err
	}
	return PingResult{Latency: resp.latency, Version: resp.header.Get("Mautic-Version")}, nil
}
