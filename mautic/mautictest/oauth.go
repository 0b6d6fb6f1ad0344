package mautictest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sync"
	"time"
)

// tokens holds the access tokens the token endpoint issued.
type tokens struct {
	mu      sync.Mutex
	expires map[string]time.Time
}

type tokenState int

const (
	tokenUnknown tokenState = iota
	tokenValid
	tokenExpired
)

func (t *tokens) issue(now time.Time, life time.Duration) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	// Mautic's tokens are base64 of a hex digest: 86 letters and digits.
	tok := base64.RawURLEncoding.EncodeToString([]byte(hex.EncodeToString(b[:])))
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.expires == nil {
		t.expires = make(map[string]time.Time)
	}
	t.expires[tok] = now.Add(life)
	return tok
}

func (t *tokens) check(tok string, now time.Time) tokenState {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.expires[tok]
	switch {
	case !ok || tok == "":
		return tokenUnknown
	case !now.Before(exp):
		return tokenExpired
	}
	return tokenValid
}

// clientGrants are the grants a client created by an admin in the UI has.
var clientGrants = map[string]bool{"authorization_code": true, "refresh_token": true, "client_credentials": true}

// knownGrants are the grant types oauth2-php understands at all.
var knownGrants = map[string]bool{
	"authorization_code": true, "refresh_token": true, "client_credentials": true, "password": true,
}

// token is POST|GET /oauth/v2/token: the client_credentials grant of
// friendsofsymfony/oauth2-php, errors rewritten by Mautic's ApiSubscriber.
func (s *Server) token(w http.ResponseWriter, r *http.Request, _ int) {
	p, err := readParams(r)
	if err != nil {
		writeAuthError(w, http.StatusBadRequest, "Invalid grant_type parameter or parameter missing", "invalid_request")
		return
	}
	if r.Method == http.MethodGet {
		p = queryParams(r)
	}
	grant := p.str("grant_type")
	if !knownGrants[grant] {
		writeAuthError(w, http.StatusBadRequest, "Invalid grant_type parameter or parameter missing", "invalid_request")
		return
	}
	if !s.clientAuthenticated(r, p) {
		writeAuthError(w, http.StatusBadRequest, "The client credentials are invalid", "invalid_client")
		return
	}
	if !clientGrants[grant] {
		writeAuthError(w, http.StatusBadRequest, "The grant type is unauthorized for this client_id", "unauthorized_client")
		return
	}
	if grant != "client_credentials" {
		// The simulator issues no codes or refresh tokens to exchange.
		writeAuthError(w, http.StatusBadRequest, "Invalid grant", "invalid_grant")
		return
	}
	s.writeToken(w)
}

// clientAuthenticated checks the client by HTTP Basic or by the
// client_id/client_secret parameters, as oauth2-php's getClientCredentials.
func (s *Server) clientAuthenticated(r *http.Request, p params) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = p.str("client_id"), p.str("client_secret")
	}
	want, known := s.cfg.oauthClients[id]
	return known && subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
}

// writeToken issues a token: no refresh token and a null scope for this grant.
func (s *Server) writeToken(w http.ResponseWriter) {
	life := s.cfg.tokenLifetime
	tok := s.tokens.issue(s.now(), life)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store, private")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(phpJSON(object{}.add("access_token", tok).add("expires_in", int(life/time.Second)).
		add("token_type", "bearer").add("scope", nil)))
}
