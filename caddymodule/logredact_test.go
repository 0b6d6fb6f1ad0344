package caddymodule

import (
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func TestCredentialRedactor(t *testing.T) {
	t.Run("with a body: on the wire, then redacted", func(t *testing.T) {
		rec := httptest.NewRecorder()
		c := &credentialRedactor{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: rec}}
		c.Header().Set("Set-Auth-Jwt", "jwt")
		c.Header().Set("Set-Auth-Token", "tok")
		c.WriteHeader(200)
		_, _ = c.Write([]byte("{}"))
		if c.finish() {
			t.Error("reported a credential left in the log")
		}
		if got := rec.Result().Header.Get("Set-Auth-Jwt"); got != "jwt" {
			t.Errorf("the browser got Set-Auth-Jwt %q", got)
		}
		if got := rec.Header().Get("Set-Auth-Jwt"); got != redactedValue {
			t.Errorf("the logged header is %q", got)
		}
	})
	t.Run("without a body: left alone", func(t *testing.T) {
		rec := httptest.NewRecorder()
		c := &credentialRedactor{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: rec}}
		c.Header().Set("Set-Auth-Jwt", "jwt")
		c.WriteHeader(204)
		if !c.finish() {
			t.Error("did not report the credential it could not redact")
		}
		if got := rec.Header().Get("Set-Auth-Jwt"); got != "jwt" {
			t.Errorf("a header that may not be on the wire yet was changed to %q", got)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		c := &credentialRedactor{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: httptest.NewRecorder()}}
		_, _ = c.Write([]byte("x"))
		if c.finish() {
			t.Error("reported a credential")
		}
	})
	t.Run("no access log, no wrapper", func(t *testing.T) {
		if redactCredentials(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil)) != nil {
			t.Error("wrapped a request no access log records")
		}
	})
}
