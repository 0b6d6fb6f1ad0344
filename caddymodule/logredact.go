package caddymodule

import (
	"io"
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// credentialHeaders are the response headers that carry a session
// credential and that Caddy's access log would store in clear: it blanks
// Cookie, Set-Cookie, Authorization and Proxy-Authorization by itself, but
// Better Auth's JWT plugin sends the session's JWT in Set-Auth-Jwt (on every
// get-session) and its bearer plugin the session token in Set-Auth-Token.
// Either, copied from a log, signs its holder in.
var credentialHeaders = []string{"Set-Auth-Jwt", "Set-Auth-Token"}

// redactedValue is what Caddy itself logs for a credential.
const redactedValue = "REDACTED"

// credentialRedactor keeps credential headers out of Caddy's access log.
// The access log reads the response headers from the live header map after
// the whole handler chain has returned, while the browser gets the copy the
// server took when the header was written. So once the header is on the
// wire the module replaces the credentials in the map: the browser keeps
// them, the log sees REDACTED.
type credentialRedactor struct {
	caddyhttp.ResponseWriterWrapper
	wroteBody bool
}

// redactCredentials wraps w when the request will be access-logged and the
// server has not been told to log credentials (log_credentials), else
// returns nil.
func redactCredentials(w http.ResponseWriter, r *http.Request) *credentialRedactor {
	srv, ok := r.Context().Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv == nil || srv.Logs == nil || srv.Logs.ShouldLogCredentials {
		return nil
	}
	return &credentialRedactor{ResponseWriterWrapper: caddyhttp.ResponseWriterWrapper{ResponseWriter: w}}
}

func (c *credentialRedactor) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.wroteBody = c.wroteBody || n > 0
	return n, err
}

// ReadFrom keeps the wrapped writer's fast path and notes the body.
func (c *credentialRedactor) ReadFrom(r io.Reader) (int64, error) {
	n, err := c.ResponseWriterWrapper.ReadFrom(r)
	c.wroteBody = c.wroteBody || n > 0
	return n, err
}

// finish replaces the credentials once they are on the wire, and reports
// whether a credential had to stay because that could not be made sure of:
// a response without a body may still be held by a handler outside this
// one (encode writes its header with the first byte of body), and a writer
// that cannot flush may not have sent its header yet.
func (c *credentialRedactor) finish() (leftInLog bool) {
	h := c.Header()
	found := false
	for _, k := range credentialHeaders {
		_, has := h[k]
		found = found || has
	}
	if !found {
		return false
	}
	if !c.wroteBody || http.NewResponseController(c.ResponseWriter).Flush() != nil {
		return true
	}
	for _, k := range credentialHeaders {
		if _, has := h[k]; has {
			h[k] = []string{redactedValue}
		}
	}
	return false
}

// finishRedaction finishes cr, with a throttled line when a credential
// header had to stay in the access log.
func (h *Handler) finishRedaction(cr *credentialRedactor, r *http.Request) {
	if cr.finish() {
		h.st.metrics.failures.WithLabelValues("log_redaction").Inc()
		h.st.logFailure("log_redaction", "a response carried a credential header (Set-Auth-Jwt or Set-Auth-Token) that could not be redacted from the access log: it had no body, or the writer could not flush", requestID(r))
	}
}
