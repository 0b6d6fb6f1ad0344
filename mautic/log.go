package mautic

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
)

// logFailure writes one line for a failed attempt: method, route template,
// status, attempt and a reason. Never the query (emails) or credentials;
// Mautic's message is left out when it echoes submitted values (errors
// with details), and only the field names are given.
func (c *Client) logFailure(req *request, e *Error, attempt int, willRetry bool) {
	if c.cfg.Logger == nil {
		return
	}
	level := slog.LevelWarn
	switch {
	case willRetry:
		level = slog.LevelInfo
	case e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests &&
		e.Status != http.StatusUnauthorized && e.Status != http.StatusForbidden && !authErrorTypes[e.firstType()]:
		// Not found, validation: outcomes the caller handles.
		level = slog.LevelDebug
	}
	ctx := context.Background()
	if !c.cfg.Logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.method),
		slog.String("route", req.route),
		slog.Int("status", e.Status),
		slog.Int("attempt", attempt),
		slog.Bool("retry", willRetry),
	}
	if t := e.firstType(); t != "" {
		attrs = append(attrs, slog.String("mautic_type", t))
	}
	if r := failureReason(e); r != "" {
		attrs = append(attrs, slog.String("reason", r))
	}
	if !e.RetryAt.IsZero() {
		attrs = append(attrs, slog.Time("retry_at", e.RetryAt))
	}
	c.cfg.Logger.LogAttrs(ctx, level, "mautic request failed", attrs...)
}

func failureReason(e *Error) string {
	if e.Err != nil {
		return e.Err.Error()
	}
	if len(e.Errors) == 0 {
		return ""
	}
	a := e.Errors[0]
	if len(a.Details) == 0 {
		return a.Message
	}
	names := make([]string, 0, len(a.Details))
	for k := range a.Details {
		names = append(names, k)
	}
	sort.Strings(names)
	return "invalid fields: " + strings.Join(names, ", ")
}
