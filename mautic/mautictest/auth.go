package mautictest

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// authenticate runs Mautic's API firewall. On success it returns the limiter
// bucket of the caller: Basic users share one, each OAuth token has its own.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (bucket string, ok bool) {
	authz := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(authz, " ")
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return s.checkBearer(w, strings.TrimSpace(cred))
	case strings.EqualFold(scheme, "Basic"):
		if !s.cfg.basicOn {
			writeAuthError(w, http.StatusForbidden, msgBasicDisabled, "access_denied")
			return "", false
		}
		user, pass, okHeader := r.BasicAuth()
		if !okHeader || !s.basicMatches(user, pass) {
			writeAuthError(w, http.StatusUnauthorized, msgBadCredentials, "access_denied")
			return "", false
		}
		return "basic", true
	}
	if tok := r.URL.Query().Get("access_token"); tok != "" {
		return s.checkBearer(w, tok)
	}
	writeAuthError(w, http.StatusUnauthorized, msgNoCredentials, "access_denied")
	return "", false
}

func (s *Server) basicMatches(user, pass string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(s.cfg.basicUser))
	p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.basicPass))
	return u&p == 1
}

func (s *Server) checkBearer(w http.ResponseWriter, tok string) (string, bool) {
	switch s.tokens.check(tok, s.now()) {
	case tokenValid:
		return "token:" + tok, true
	case tokenExpired:
		writeAuthError(w, http.StatusUnauthorized, msgExpiredToken, "invalid_grant")
	default:
		writeAuthError(w, http.StatusUnauthorized, msgBadToken, "invalid_grant")
	}
	return "", false
}
