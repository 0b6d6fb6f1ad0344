package mautic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrNotFound is returned by FindByEmail when no contact has the email and
// by ContactField for an unknown alias. IsNotFound reports true for it and
// for 404 answers alike.
var ErrNotFound = errors.New("mautic: not found")

// ErrBudgetExhausted is the cause (Error.Err) of a call refused before it
// was sent because the local budget or the server's rate limit would hold
// it past the caller's deadline; Error.RetryAt says when to try again.
var ErrBudgetExhausted = errors.New("mautic: request budget exhausted")

// ErrClosed is returned by calls on a closed Client.
var ErrClosed = errors.New("mautic: client is closed")

// Error is the one error type of Mautic calls: an HTTP answer that was not
// a success, a network failure (Err), or a budget hold (Err is
// ErrBudgetExhausted). It never carries query values or credentials.
type Error struct {
	Status  int        // HTTP status; 0 when no answer arrived
	Method  string     // e.g. "GET"
	Path    string     // path under the API root, e.g. "/contacts/5"; no query
	Errors  []APIError // Mautic's errors[], when it sent them
	Err     error      // network or budget cause, if any
	RetryAt time.Time  // when a rate-limited call may be tried again
}

// APIError is one entry of Mautic's {"errors":[...]} body.
type APIError struct {
	Code    int                 `json:"code"`
	Message string              `json:"message"`
	Details map[string][]string `json:"details,omitempty"` // field -> messages, for validation errors
	Type    string              `json:"type,omitempty"`    // e.g. "invalid_grant", "access_denied"
}

// Error implements error.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mautic: ")
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(e.Path)
	b.WriteString(": ")
	wrote := false
	if e.Status != 0 {
		fmt.Fprintf(&b, "%d %s", e.Status, http.StatusText(e.Status))
		for i, a := range e.Errors {
			if i == 0 {
				b.WriteString(": ")
			} else {
				b.WriteString("; ")
			}
			b.WriteString(a.Message)
		}
		wrote = true
	}
	if e.Err != nil {
		if wrote {
			b.WriteString(": ")
		}
		b.WriteString(strings.TrimPrefix(e.Err.Error(), "mautic: "))
		wrote = true
	}
	if !wrote {
		b.WriteString("failed")
	}
	if !e.RetryAt.IsZero() {
		b.WriteString(" (retry after ")
		b.WriteString(e.RetryAt.UTC().Format(time.RFC3339))
		b.WriteByte(')')
	}
	return b.String()
}

// Unwrap returns the network or budget cause.
func (e *Error) Unwrap() error { return e.Err }

// firstType is the type of Mautic's first error entry, or "".
func (e *Error) firstType() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Type
}

func asError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

func hasStatus(err error, statuses ...int) bool {
	e, ok := asError(err)
	if !ok {
		return false
	}
	for _, s := range statuses {
		if e.Status == s {
			return true
		}
	}
	return false
}

// IsNotFound reports a 404 answer or ErrNotFound.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || hasStatus(err, http.StatusNotFound)
}

// authErrorTypes are Mautic's error types for rejected credentials; the
// token endpoint answers them with 400.
var authErrorTypes = map[string]bool{
	"invalid_client": true, "unauthorized_client": true, "invalid_grant": true,
	"access_denied": true, "api_disabled": true,
}

// IsUnauthorized reports an answer that rejected the credentials or their
// rights: 401, 403 (API or Basic auth disabled, no permission), or an
// OAuth2 token error such as invalid_client.
func IsUnauthorized(err error) bool {
	if hasStatus(err, http.StatusUnauthorized, http.StatusForbidden) {
		return true
	}
	e, ok := asError(err)
	return ok && authErrorTypes[e.firstType()]
}

// IsValidation reports a rejected payload: 400 or 422 (not a rejected
// credential, which is IsUnauthorized).
func IsValidation(err error) bool {
	e, ok := asError(err)
	return ok && (e.Status == http.StatusBadRequest || e.Status == http.StatusUnprocessableEntity) &&
		!authErrorTypes[e.firstType()]
}

// IsDuplicate reports a 422 because another contact already owns a unique
// value (Mautic's "email: This field must be unique.").
func IsDuplicate(err error) bool {
	e, ok := asError(err)
	if !ok || e.Status != http.StatusUnprocessableEntity {
		return false
	}
	for _, a := range e.Errors {
		if strings.Contains(a.Message, "must be unique") {
			return true
		}
		for _, msgs := range a.Details {
			for _, m := range msgs {
				if strings.Contains(m, "must be unique") {
					return true
				}
			}
		}
	}
	return false
}

// IsRateLimited reports a 429 answer or a call held back by the budget;
// RetryAt on the *Error says when to try again, when known.
func IsRateLimited(err error) bool {
	return errors.Is(err, ErrBudgetExhausted) || hasStatus(err, http.StatusTooManyRequests)
}

// IsUnavailable reports that Mautic could not be reached or failed: a
// network error, a timeout, or a 5xx answer.
func IsUnavailable(err error) bool {
	e, ok := asError(err)
	if !ok {
		return errors.Is(err, context.DeadlineExceeded)
	}
	if e.Status >= 500 {
		return true
	}
	return e.Status == 0 && e.Err != nil &&
		!errors.Is(e.Err, ErrBudgetExhausted) && !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, ErrClosed)
}

// apiErrorWire tolerates Mautic's variants: code as number or string,
// details as {} or [], type null.
type apiErrorWire struct {
	Code    flexInt         `json:"code"`
	Message string          `json:"message"`
	Details json.RawMessage `json:"details"`
	Type    *string         `json:"type"`
}

func (w apiErrorWire) toAPIError() APIError {
	a := APIError{Code: int(w.Code), Message: w.Message}
	if w.Type != nil {
		a.Type = *w.Type
	}
	a.Details = decodeDetails(w.Details)
	return a
}

// decodeDetails reads {"field": ["msg", ...]} and ignores any other shape
// ([] when empty), which carries nothing a caller can act on.
func decodeDetails(raw json.RawMessage) map[string][]string {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, v := range m {
		var list []string
		if json.Unmarshal(v, &list) == nil {
			out[k] = list
			continue
		}
		var one string
		if json.Unmarshal(v, &one) == nil {
			out[k] = []string{one}
		}
	}
	return out
}

// parseAPIErrors reads Mautic's {"errors":[...]} body, or the RFC 6749
// {"error": "...", "error_description": "..."} shape older docs show.
// It returns nil for anything else.
func parseAPIErrors(body []byte) []APIError {
	var w struct {
		Errors json.RawMessage `json:"errors"`
		Error  json.RawMessage `json:"error"`
		Desc   string          `json:"error_description"`
	}
	if json.Unmarshal(body, &w) != nil {
		return nil
	}
	var list []apiErrorWire
	if json.Unmarshal(w.Errors, &list) == nil && len(list) > 0 {
		out := make([]APIError, len(list))
		for i, e := range list {
			out[i] = e.toAPIError()
		}
		return out
	}
	var one apiErrorWire
	if json.Unmarshal(w.Error, &one) == nil && one.Message != "" {
		return []APIError{one.toAPIError()}
	}
	var code string
	if json.Unmarshal(w.Error, &code) == nil && code != "" {
		return []APIError{{Message: w.Desc, Type: code}}
	}
	return nil
}
