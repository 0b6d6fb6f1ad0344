package mautic

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestParseAPIErrorsRecorded(t *testing.T) {
	tests := []struct {
		file    string
		code    int
		typ     string
		message string
		details map[string]string
	}{
		{"16_contact_patch_nonexistent", 404, "", "Item was not found.", nil},
		{"17_contact_get_404", 404, "", "Item was not found.", nil},
		{"18_unknown_api_route_404", 404, "", "Requested URL not found: /api/nonexistent", nil},
		{"19_contact_create_bad_email", 400, "", "email: not-an-email is invalid.", map[string]string{"email": "not-an-email is invalid."}},
		{"20_contact_create_invalid_json", 400, "", "Looks like I encountered an error", nil},
		{"21_bad_credentials_401", 401, "access_denied", "Authorization denied, invalid credentials.", nil},
		{"22_no_credentials_401", 401, "access_denied", "API authorization denied.", nil},
		{"62_oauth2_token_bad_secret", 400, "invalid_client", "The client credentials are invalid", nil},
		{"65_api_with_bad_bearer", 401, "invalid_grant", "The access token provided is invalid.", nil},
		{"66_oauth2_password_grant_unsupported", 400, "unauthorized_client", "The grant type is unauthorized", nil},
		{"70_ratelimit_call_6", 429, "", "You exceeded the rate limit of 5 API calls per hour.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			errs := parseAPIErrors(recorded(t, tt.file))
			if len(errs) != 1 {
				t.Fatalf("got %d errors", len(errs))
			}
			e := errs[0]
			if e.Code != tt.code || e.Type != tt.typ || !strings.HasPrefix(e.Message, tt.message) {
				t.Errorf("got %+v", e)
			}
			if len(e.Details) != len(tt.details) {
				t.Errorf("details %v, want %v", e.Details, tt.details)
			}
			for k, v := range tt.details {
				if len(e.Details[k]) != 1 || e.Details[k][0] != v {
					t.Errorf("details[%q] = %v, want [%q]", k, e.Details[k], v)
				}
			}
		})
	}
	other := map[string]int{
		`{"error":"invalid_grant","error_description":"expired"}`: 1,
		`{"error":{"code":403,"message":"no"}}`:                   1,
		`<html>Bad gateway</html>`:                                0,
		`{"errors":[]}`:                                           0,
		``:                                                        0,
	}
	for body, n := range other {
		if got := parseAPIErrors([]byte(body)); len(got) != n {
			t.Errorf("%q: %d errors, want %d", body, len(got), n)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	unique := &Error{Status: 422, Errors: []APIError{{Code: 422, Message: "email: This field must be unique.", Details: map[string][]string{"email": {"This field must be unique."}}}}}
	tests := []struct {
		name                                                    string
		err                                                     error
		notFound, unauth, validation, dup, limited, unavailable bool
	}{
		{"404", &Error{Status: 404}, true, false, false, false, false, false},
		{"ErrNotFound wrapped", fmt.Errorf("x: %w", ErrNotFound), true, false, false, false, false, false},
		{"401", &Error{Status: 401}, false, true, false, false, false, false},
		{"403", &Error{Status: 403}, false, true, false, false, false, false},
		{"400", &Error{Status: 400}, false, false, true, false, false, false},
		{"400 invalid_client", &Error{Status: 400, Errors: []APIError{{Code: 400, Type: "invalid_client"}}}, false, true, false, false, false, false},
		{"422 unique", unique, false, false, true, true, false, false},
		{"422 other", &Error{Status: 422, Errors: []APIError{{Message: "preferred_locale: bad"}}}, false, false, true, false, false, false},
		{"429", &Error{Status: 429}, false, false, false, false, true, false},
		{"budget", &Error{Err: ErrBudgetExhausted}, false, false, false, false, true, false},
		{"500", &Error{Status: 500}, false, false, false, false, false, true},
		{"503 wrapped", fmt.Errorf("ctx: %w", &Error{Status: 503}), false, false, false, false, false, true},
		{"network", &Error{Err: errors.New("connection refused")}, false, false, false, false, false, true},
		{"timeout", &Error{Err: context.DeadlineExceeded}, false, false, false, false, false, true},
		{"caller cancelled", &Error{Err: context.Canceled}, false, false, false, false, false, false},
		{"closed", &Error{Err: ErrClosed}, false, false, false, false, false, false},
		{"plain error", errors.New("x"), false, false, false, false, false, false},
		{"nil", nil, false, false, false, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := []bool{IsNotFound(tt.err), IsUnauthorized(tt.err), IsValidation(tt.err), IsDuplicate(tt.err), IsRateLimited(tt.err), IsUnavailable(tt.err)}
			want := []bool{tt.notFound, tt.unauth, tt.validation, tt.dup, tt.limited, tt.unavailable}
			for i, name := range []string{"IsNotFound", "IsUnauthorized", "IsValidation", "IsDuplicate", "IsRateLimited", "IsUnavailable"} {
				if got[i] != want[i] {
					t.Errorf("%s = %v, want %v", name, got[i], want[i])
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	at := time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Status: 404, Method: "GET", Path: "/contacts/5", Errors: []APIError{{Message: "Item was not found."}}}, "mautic: GET /contacts/5: 404 Not Found: Item was not found."},
		{&Error{Method: "GET", Path: "/contacts", Err: errors.New("connection refused")}, "mautic: GET /contacts: connection refused"},
		{&Error{Status: 429, Method: "GET", Path: "/contacts", RetryAt: at}, "mautic: GET /contacts: 429 Too Many Requests (retry after 2026-11-25T23:00:00Z)"},
		{&Error{Status: 200, Method: "GET", Path: "/contacts", Err: errors.New("unexpected answer: x")}, "mautic: GET /contacts: 200 OK: unexpected answer: x"},
		{&Error{Method: "GET", Path: "/x"}, "mautic: GET /x: failed"},
		{&Error{Method: "GET", Path: "/x", Err: ErrBudgetExhausted, RetryAt: at}, "mautic: GET /x: request budget exhausted (retry after 2026-11-25T23:00:00Z)"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q\nwant %q", got, tt.want)
		}
	}
	if !errors.Is(&Error{Err: ErrBudgetExhausted}, ErrBudgetExhausted) {
		t.Error("Unwrap does not reach the cause")
	}
	if http.StatusText(422) == "" {
		t.Fatal("status text table changed")
	}
}
