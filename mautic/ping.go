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

// Ping makes one cheap authenticated call without retries, for health
// checks: GET /fields/contact?limit=1, one row of the ~30 contact fields.
// It spends one request of the budget, but no COUNT over the contacts as
// GET /contacts does (api-facts: "a poor health probe").
func (c *Client) Ping(ctx context.Context) (PingResult, error) {
	q := url.Values{"limit": {"1"}}
	req := &request{method: http.MethodGet, route: "/fields/contact", path: "/fields/contact", query: q, once: true}
	resp, err := c.do(ctx, req)
	if err != nil {
		return PingResult{}, err
	}
	return PingResult{Latency: resp.latency, Version: resp.header.Get("Mautic-Version")}, nil
}
