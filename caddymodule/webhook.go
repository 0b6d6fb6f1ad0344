package caddymodule

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/spool"
)

// serveWebhook terminates Mautic's webhook: body limit (413), signature
// (401), parse (400; the body is kept in the spool's rejected folder),
// then the body is stored durably and only then answered 200. Mautic never
// retries an HTTP error, so nothing is acknowledged before it is safe;
// the spool applies it in the background, retrying until it is stored.
//
// A body with a valid signature is always taken, whoever else shares its
// address (Mautic often sits behind NAT or a load balancer with others):
// the per-address limiter only ever answers requests that failed
// verification, with 429 and a closed connection, so that a stranger's
// next attempt costs it a new connection. What a stranger can make us do
// stays bounded without it: a header that cannot be a signature is
// refused before the body is read, a body is read up to max_body within
// read_timeout, and one HMAC over it costs less than sending it.
func (h *Handler) serveWebhook(w http.ResponseWriter, r *http.Request) error {
	st, p := h.st, h.path
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return h.webhookAnswer(w, http.StatusMethodNotAllowed, "method_not_allowed")
	}
	addr := clientAddr(r)
	sig := r.Header.Get(mautic.WebhookSignatureHeader)
	if !mautic.WellFormedSignature(sig) {
		return h.refuseSignature(w, r, addr)
	}
	if r.ContentLength > p.webhookMaxBody {
		return h.webhookTooLarge(w, r)
	}
	h.setReadDeadline(w, r, p.webhookReadTO)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.webhookMaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return h.webhookTooLarge(w, r)
		}
		st.metrics.webhookRequests.WithLabelValues("unreadable").Inc()
		if ce := h.log.Check(zap.DebugLevel, "webhook body not read in time or cut off"); ce != nil {
			ce.Write(requestID(r), zap.String("remote", addr), zap.Error(err))
		}
		w.Header().Set("Connection", "close")
		return h.webhookAnswer(w, http.StatusBadRequest, "unreadable")
	}
	if !p.verifySignature(body, sig) {
		return h.refuseSignature(w, r, addr)
	}
	meta := spool.Meta{ReceivedAt: time.Now(), Header: map[string]string{}}
	if origin := r.Header.Get("X-Origin-Base-URL"); origin != "" {
		meta.Header["X-Origin-Base-URL"] = origin
	}
	if _, err := mautic.ParseWebhook(body); err != nil {
		if rerr := st.spool.Reject(body, meta, err); rerr != nil {
			h.log.Error("malformed webhook could not be kept", requestID(r), zap.Error(rerr))
		}
		h.log.Error("signed webhook does not parse; kept in the spool's rejected folder", requestID(r), zap.Error(err))
		return h.webhookAnswer(w, http.StatusBadRequest, "malformed")
	}
	res, err := st.spool.Put(body, meta)
	if err != nil {
		st.metrics.failures.WithLabelValues("spool").Inc()
		h.log.Error("webhook could not be stored; Mautic will not send it again", requestID(r), zap.Error(err))
		return h.webhookAnswer(w, http.StatusServiceUnavailable, "spool_error")
	}
	return h.webhookAnswer(w, http.StatusOK, res.String())
}

// refuseSignature answers a request whose signature does not verify: 401,
// or 429 with a closed connection once its address has failed too often.
// It never delays the answer: a held connection would cost us as much as
// the sender.
func (h *Handler) refuseSignature(w http.ResponseWriter, r *http.Request, addr string) error {
	st := h.st
	if st.sigFails.failed(addr) {
		w.Header().Set("Retry-After", strconv.Itoa(int(failedSigEvery/time.Second)))
		w.Header().Set("Connection", "close")
		return h.webhookAnswer(w, http.StatusTooManyRequests, "rate_limited")
	}
	st.logFailure("webhook signature", "webhook with a missing or wrong signature refused; check the webhook secret in Mautic and here",
		requestID(r), zap.String("remote", addr))
	return h.webhookAnswer(w, http.StatusUnauthorized, "bad_signature")
}

// webhookTooLarge answers a body over max_body, declared or read.
func (h *Handler) webhookTooLarge(w http.ResponseWriter, r *http.Request) error {
	h.st.logFailure("webhook size", "webhook body over the limit; raise webhook max_body if Mautic sends such batches",
		requestID(r), zap.Int64("limit", h.path.webhookMaxBody))
	w.Header().Set("Connection", "close")
	return h.webhookAnswer(w, http.StatusRequestEntityTooLarge, "too_large")
}

// setReadDeadline bounds the time left to read r's body, whatever the
// server's own timeouts. A writer that cannot set one (a test recorder)
// leaves the server's.
func (h *Handler) setReadDeadline(w http.ResponseWriter, r *http.Request, d time.Duration) {
	if err := http.NewResponseController(w).SetReadDeadline(time.Now().Add(d)); err != nil {
		if ce := h.log.Check(zap.DebugLevel, "no read deadline for this request"); ce != nil {
			ce.Write(requestID(r), zap.Error(err))
		}
	}
}

// verifySignature checks the Webhook-Signature against each configured
// secret (several while a secret is rotated), each in constant time.
func (p *requestPath) verifySignature(body []byte, header string) bool {
	ok := false
	for _, s := range p.webhookSecrets {
		if mautic.VerifySignature(body, header, s) {
			ok = true
		}
	}
	return ok
}

// webhookAnswer writes a small JSON answer and counts it.
func (h *Handler) webhookAnswer(w http.ResponseWriter, status int, result string) error {
	h.st.metrics.webhookRequests.WithLabelValues(result).Inc()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(map[string]string{"status": result})
}

// clientAddr is the client's IP as Caddy determined it (trusted proxies
// considered), else the peer's address.
func clientAddr(r *http.Request) string {
	if ip, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
