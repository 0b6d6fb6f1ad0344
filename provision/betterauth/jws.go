package betterauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The session-cache JWT of jwt({sessionCookieCache: true}).
const (
	sessionCacheType     = "better-auth.session-cache+jwt"
	sessionCacheAudience = "better-auth:session-cache"
)

// asymmetricAlgs are the JWS algorithms the JWT plugin can sign with.
var asymmetricAlgs = []string{"EdDSA", "ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}

var (
	errJWSMalformed   = errors.New("betterauth: not a compact JWS")
	errSessionCacheTy = errors.New("betterauth: asymmetric session_data JWT is not typ " + sessionCacheType)
	errBearerIsCache  = errors.New("betterauth: a session-cache JWT is not a Bearer token")
	errBearerNoUser   = errors.New("betterauth: Bearer JWT has neither id nor sub")
)

// jwsHeader is what the resolver reads of a JWS header before verifying.
type jwsHeader struct {
	Alg string `json:"alg"`
	Typ string `json:"typ"`
}

// peekJWSHeader decodes the header of a compact JWS without verifying it,
// to pick the verifier; the verifier then binds the alg to its key.
func peekJWSHeader(token string) (jwsHeader, error) {
	var h jwsHeader
	head, _, ok := strings.Cut(token, ".")
	if !ok || strings.Count(token, ".") != 2 {
		return h, errJWSMalformed
	}
	b, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil || json.Unmarshal(b, &h) != nil || h.Alg == "" {
		return h, errJWSMalformed
	}
	return h, nil
}

// cacheClaims are the claims of the jwt and session-cache JWT strategies.
type cacheClaims struct {
	jwt.RegisteredClaims
	cachePayload
	Sid string `json:"sid"`
}

// jwsVerifier holds the parsers, built once, for every JWS the resolver
// accepts.
type jwsVerifier struct {
	hmacKey      []byte // nil: no secret
	jwks         *jwksCache
	hs256        *jwt.Parser
	sessionCache *jwt.Parser
	bearer       *jwt.Parser
}

func newJWSVerifier(cfg Config, jwks *jwksCache) *jwsVerifier {
	v := &jwsVerifier{jwks: jwks}
	if len(cfg.Secrets) > 0 {
		v.hmacKey = []byte(cfg.Secrets[0])
	}
	common := []jwt.ParserOption{jwt.WithTimeFunc(cfg.Now), jwt.WithExpirationRequired()}
	hs := slices.Concat(common, []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"})})
	sc := slices.Concat(common, []jwt.ParserOption{jwt.WithValidMethods(asymmetricAlgs), jwt.WithAudience(sessionCacheAudience)})
	br := slices.Concat(common, []jwt.ParserOption{jwt.WithValidMethods(asymmetricAlgs)})
	if cfg.JWTIssuer != "" {
		sc = append(sc, jwt.WithIssuer(cfg.JWTIssuer))
		br = append(br, jwt.WithIssuer(cfg.JWTIssuer))
	}
	if cfg.JWTAudience != "" {
		br = append(br, jwt.WithAudience(cfg.JWTAudience))
	}
	v.hs256 = jwt.NewParser(hs...)
	v.sessionCache = jwt.NewParser(sc...)
	v.bearer = jwt.NewParser(br...)
	return v
}

// decodeHS256Cache verifies a jwt-strategy cookie cache.
func (v *jwsVerifier) decodeHS256Cache(value string) (cachePayload, time.Time, error) {
	if v.hmacKey == nil {
		return cachePayload{}, time.Time{}, errNoSecret
	}
	var c cacheClaims
	_, err := v.hs256.ParseWithClaims(value, &c, func(*jwt.Token) (any, error) { return v.hmacKey, nil })
	if err != nil {
		return cachePayload{}, time.Time{}, jwtError(err)
	}
	return c.cachePayload, c.ExpiresAt.Time, nil
}

// decodeSessionCacheJWT verifies the EdDSA session-cache JWT with the
// JWKS. Its sid must name the same session as its payload.
func (v *jwsVerifier) decodeSessionCacheJWT(ctx context.Context, value string) (cachePayload, time.Time, error) {
	if v.jwks == nil {
		return cachePayload{}, time.Time{}, errJWKSDisabled
	}
	var c cacheClaims
	t, err := v.sessionCache.ParseWithClaims(value, &c, v.jwks.keyfunc(ctx))
	if err != nil {
		return cachePayload{}, time.Time{}, jwtError(err)
	}
	if typ, _ := t.Header["typ"].(string); typ != sessionCacheType {
		return cachePayload{}, time.Time{}, errSessionCacheTy
	}
	if c.Sid != c.Session.Token {
		return cachePayload{}, time.Time{}, errCacheMismatch
	}
	return c.cachePayload, c.ExpiresAt.Time, nil
}

// bearerClaims are the JWT plugin's default claims (the user object) or a
// definePayload with the same names.
type bearerClaims struct {
	jwt.RegisteredClaims
	UserID   string   `json:"id"`
	Email    string   `json:"email"`
	Name     string   `json:"name"`
	Locale   string   `json:"locale"`
	MauticID mauticID `json:"mauticId"`
	Verified jsonTrue `json:"emailVerified"`
}

// decodeBearer verifies a Bearer JWT of the JWT plugin.
func (v *jwsVerifier) decodeBearer(ctx context.Context, token string) (Identity, error) {
	if v.jwks == nil {
		return Identity{}, errJWKSDisabled
	}
	var c bearerClaims
	t, err := v.bearer.ParseWithClaims(token, &c, v.jwks.keyfunc(ctx))
	if err != nil {
		return Identity{}, jwtError(err)
	}
	if typ, _ := t.Header["typ"].(string); typ == sessionCacheType || slices.Contains(c.Audience, sessionCacheAudience) {
		return Identity{}, errBearerIsCache
	}
	u := userFields{ID: c.UserID, Email: c.Email, Name: c.Name, Locale: c.Locale, MauticID: c.MauticID, Verified: c.Verified}
	if u.ID == "" {
		u.ID = c.Subject
	}
	if u.ID == "" {
		return Identity{}, errBearerNoUser
	}
	id := u.identity(SourceBearerJWT)
	id.ExpiresAt = c.ExpiresAt.Time
	return id, nil
}

var (
	errJWTExpired = errors.New("betterauth: JWT has expired")
	errJWTInvalid = errors.New("betterauth: JWT is invalid")
	errNoSecret   = errors.New("betterauth: this cookie cache needs the secret: set Secrets to BETTER_AUTH_SECRET")
)

// jwtError keeps golang-jwt's explanation but lets callers tell expiry
// from forgery.
func jwtError(err error) error {
	if errors.Is(err, jwt.ErrTokenExpired) || errors.Is(err, jwt.ErrTokenNotValidYet) {
		return errors.Join(errJWTExpired, err)
	}
	return errors.Join(errJWTInvalid, err)
}
