package betterauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
)

// maxJWKSBytes bounds a JWKS response; Better Auth's holds a few keys.
const maxJWKSBytes = 1 << 20

var (
	errJWKSDisabled  = errors.New("betterauth: a JWT needs the JWKS: set JWKSURL to the upstream's /api/auth/jwks")
	errJWKSUnknownID = errors.New("betterauth: no JWKS key has this kid, and the JWKS was fetched too recently to fetch again")
	errJWKSFetch     = errors.New("betterauth: the JWKS could not be fetched")
)

// publicKey is one verified JWKS entry.
type publicKey struct {
	alg string // the JWS alg this key may verify
	key any    // ed25519.PublicKey, *ecdsa.PublicKey or *rsa.PublicKey
}

// jwksCache holds the upstream's public keys. It fetches them on first
// use and again on an unknown kid, at most once per minRefresh after a
// success (and per failureBackoff after a failure), with one fetch in
// flight.
type jwksCache struct {
	url            string
	client         *http.Client
	minRefresh     time.Duration
	failureBackoff time.Duration
	now            func() time.Time
	flights        *flightTracker

	mu        sync.RWMutex
	keys      map[string]publicKey
	nextFetch time.Time // zero: may fetch now
	failing   bool      // the last fetch failed: an unknown kid may be the outage's
	group     singleflight.Group
	fetches   countersRef
}

// countersRef lets the cache count fetches into the resolver's stats.
type countersRef interface{ addJWKSFetch() }

// key returns the key for kid, fetching the JWKS when kid is unknown and
// a fetch is allowed. ctx bounds only the caller's wait.
func (c *jwksCache) key(ctx context.Context, kid string) (publicKey, error) {
	c.mu.RLock()
	k, ok := c.keys[kid]
	c.mu.RUnlock()
	if ok {
		return k, nil
	}
	ch := c.group.DoChan("jwks", func() (any, error) { return nil, c.refresh() })
	select {
	case res := <-ch:
		if res.Err != nil {
			return publicKey{}, res.Err
		}
	case <-ctx.Done():
		return publicKey{}, errors.Join(errJWKSFetch, ctx.Err())
	}
	c.mu.RLock()
	k, ok = c.keys[kid]
	failing := c.failing
	c.mu.RUnlock()
	switch {
	case !ok && failing:
		return publicKey{}, errJWKSFetch
	case !ok:
		return publicKey{}, errJWKSUnknownID
	}
	return k, nil
}

// refresh fetches the JWKS unless the last fetch was too recent.
func (c *jwksCache) refresh() error {
	now := c.now()
	c.mu.Lock()
	if now.Before(c.nextFetch) {
		c.mu.Unlock()
		return nil // the caller reports the kid as unknown
	}
	c.nextFetch = now.Add(c.failureBackoff)
	c.mu.Unlock()

	ctx, done, err := c.flights.start()
	if err != nil {
		return errors.Join(errJWKSFetch, err)
	}
	defer done()
	c.fetches.addJWKSFetch()
	keys, err := c.fetch(ctx)
	c.mu.Lock()
	c.failing = err != nil
	c.mu.Unlock()
	if err != nil {
		return errors.Join(errJWKSFetch, err)
	}
	c.mu.Lock()
	c.keys = keys
	c.nextFetch = now.Add(c.minRefresh)
	c.mu.Unlock()
	return nil
}

func (c *jwksCache) fetch(ctx context.Context) (map[string]publicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url, nil)
	if err != nil {
		return nil, fmt.Errorf("betterauth: JWKS request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("betterauth: fetching the JWKS failed (is JWKSURL right and the upstream up?): %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("betterauth: fetching the JWKS: HTTP %d: check JWKSURL and that the JWT plugin is enabled", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes))
	if err != nil {
		return nil, fmt.Errorf("betterauth: reading the JWKS: %w", err)
	}
	return parseJWKS(body)
}

// jwk is the subset of RFC 7517 members the JWT plugin emits.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// parseJWKS reads {"keys":[...]}, skipping keys it cannot use. It fails
// only when no key is usable.
func parseJWKS(body []byte) (map[string]publicKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("betterauth: the JWKS is not JSON {\"keys\": [...]}: %w", err)
	}
	keys := make(map[string]publicKey, len(set.Keys))
	for _, k := range set.Keys {
		if pk, err := k.publicKey(); err == nil && k.Kid != "" {
			keys[k.Kid] = pk
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("betterauth: the JWKS has no usable key with a kid (supported: Ed25519, P-256/384/521, RSA)")
	}
	return keys, nil
}

// publicKey converts one JWK, inferring alg from the key type when the
// JWK does not name it.
func (k jwk) publicKey() (publicKey, error) {
	switch k.Kty {
	case "OKP":
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || k.Crv != "Ed25519" || len(x) != ed25519.PublicKeySize {
			return publicKey{}, errors.New("betterauth: bad OKP key")
		}
		return publicKey{alg: orDefault(k.Alg, "EdDSA"), key: ed25519.PublicKey(x)}, nil
	case "EC":
		return k.ecKey()
	case "RSA":
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			return publicKey{}, errors.New("betterauth: bad RSA key")
		}
		pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		return publicKey{alg: orDefault(k.Alg, "RS256"), key: pub}, nil
	}
	return publicKey{}, errors.New("betterauth: unsupported kty")
}

func (k jwk) ecKey() (publicKey, error) {
	var curve elliptic.Curve
	var alg string
	switch k.Crv {
	case "P-256":
		curve, alg = elliptic.P256(), "ES256"
	case "P-384":
		curve, alg = elliptic.P384(), "ES384"
	case "P-521":
		curve, alg = elliptic.P521(), "ES512"
	default:
		return publicKey{}, errors.New("betterauth: unsupported curve")
	}
	x, err1 := base64.RawURLEncoding.DecodeString(k.X)
	y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
	size := (curve.Params().BitSize + 7) / 8
	if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
		return publicKey{}, errors.New("betterauth: bad EC key")
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
	if err != nil {
		return publicKey{}, errors.New("betterauth: EC point is not on the curve")
	}
	return publicKey{alg: orDefault(k.Alg, alg), key: pub}, nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// keyfunc returns a jwt.Keyfunc that looks the kid up in the JWKS and
// refuses a header alg other than the key's, so that no token can pick
// its own verification method.
func (c *jwksCache) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		if kid == "" {
			return nil, errors.New("betterauth: JWT header has no kid")
		}
		k, err := c.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		if t.Method.Alg() != k.alg {
			return nil, fmt.Errorf("betterauth: JWT alg %s does not match its JWKS key (%s)", t.Method.Alg(), k.alg)
		}
		return k.key, nil
	}
}
