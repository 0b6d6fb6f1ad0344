package betterauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// samplesDir finds the real Better Auth captures: $BETTER_AUTH_SAMPLES, or
// the copy in the repository's testdata/shared.
func samplesDir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("BETTER_AUTH_SAMPLES"); d != "" {
		return d
	}
	d := filepath.Join("..", "..", "testdata", "shared", "better-auth", "samples")
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("Better Auth samples not found at %s (%v): set BETTER_AUTH_SAMPLES", d, err)
	}
	return d
}

// sampleSpec is what each captured folder is known to hold.
type sampleSpec struct {
	cache      Source // strategy of session_data; SourceNone when the cache was off
	secure     bool   // cookies carry the __Secure- prefix
	cookieMaut int    // mauticId in the cookie cache (null → 0)
}

// sampleSpecs lists every folder; TestSampleFoldersAllCovered fails when a
// folder is added without an entry here.
var sampleSpecs = map[string]sampleSpec{
	"compact":                    {cache: SourceCookieCacheCompact, cookieMaut: 4242},
	"db-only":                    {},
	"default":                    {cache: SourceCookieCacheCompact, cookieMaut: 4242},
	"definepayload":              {},
	"jwe":                        {cache: SourceCookieCacheJWE, cookieMaut: 4242},
	"jwt":                        {cache: SourceCookieCacheJWT, cookieMaut: 4242},
	"jwt-jwks":                   {cache: SourceSessionCacheJWT, cookieMaut: 4242},
	"mysql-compact":              {cache: SourceCookieCacheCompact, cookieMaut: 4242},
	"mysql-db-only":              {},
	"mysql-jwe":                  {cache: SourceCookieCacheJWE, cookieMaut: 4242},
	"mysql-nojwtheader":          {},
	"nojwtheader":                {},
	"secure-compact-null-mautic": {cache: SourceCookieCacheCompact, secure: true},
	"sveltekit-compact":          {cache: SourceCookieCacheCompact},
}

// sample is one captured folder.
type sample struct {
	name      string
	spec      sampleSpec
	secret    string
	tokenName string
	token     string // raw session_token cookie value
	dataName  string
	data      string // raw session_data cookie value, "" without cache
	now       time.Time
	session   sessionFields // from get-session.response.json
	user      userFields
	getBody   []byte
	jwks      []byte // nil when not captured
	tokenJWT  string // GET /api/auth/token, "" when not captured
	headerJWT string // set-auth-jwt header, "" when not captured
	jwtIss    string
}

var (
	samplesOnce sync.Once
	samplesAll  map[string]*sample
	samplesErr  error
)

// loadSamples reads every folder once per test binary.
func loadSamples(t testing.TB) map[string]*sample {
	t.Helper()
	dir := samplesDir(t)
	samplesOnce.Do(func() { samplesAll, samplesErr = readSamples(dir) })
	if samplesErr != nil {
		t.Fatal(samplesErr)
	}
	return samplesAll
}

func readSamples(dir string) (map[string]*sample, error) {
	secret, err := os.ReadFile(filepath.Join(dir, "secret.txt"))
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]*sample{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		s, err := readSample(filepath.Join(dir, e.Name()), strings.TrimSpace(string(secret)))
		if err != nil {
			return nil, err
		}
		s.name, s.spec = e.Name(), sampleSpecs[e.Name()]
		out[e.Name()] = s
	}
	return out, nil
}

func readSample(dir, secret string) (*sample, error) {
	s := &sample{secret: secret}
	setCookie, err := os.ReadFile(filepath.Join(dir, "sign-in.set-cookie.txt"))
	if os.IsNotExist(err) {
		setCookie, err = os.ReadFile(filepath.Join(dir, "sign-up.set-cookie.txt"))
	}
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(strings.TrimSpace(string(setCookie)), "\n") {
		nv, _, _ := strings.Cut(line, ";")
		name, value, _ := strings.Cut(nv, "=")
		switch {
		case strings.HasSuffix(name, ".session_token"):
			s.tokenName, s.token = name, value
		case strings.HasSuffix(name, ".session_data"):
			s.dataName, s.data = name, value
		}
	}
	if s.getBody, err = os.ReadFile(filepath.Join(dir, "get-session.response.json")); err != nil {
		return nil, err
	}
	var gs sessionResponse
	if err := json.Unmarshal(s.getBody, &gs); err != nil {
		return nil, err
	}
	s.session, s.user = gs.Session, gs.User
	var created struct {
		Session struct {
			CreatedAt isoTime `json:"createdAt"`
		} `json:"session"`
	}
	if err := json.Unmarshal(s.getBody, &created); err != nil {
		return nil, err
	}
	// The captures were taken within a second of sign-in.
	s.now = created.Session.CreatedAt.time().Add(2 * time.Second)
	s.jwks, _ = os.ReadFile(filepath.Join(dir, "jwks.json"))
	s.tokenJWT = readTrimmed(filepath.Join(dir, "token.jwt"))
	s.headerJWT = readTrimmed(filepath.Join(dir, "set-auth-jwt.jwt"))
	var dec struct {
		Payload struct {
			Iss string `json:"iss"`
		} `json:"payload"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "token.decoded.json")); err == nil {
		_ = json.Unmarshal(b, &dec)
		s.jwtIss = dec.Payload.Iss
	}
	return s, nil
}

func readTrimmed(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// sampleNames returns the folder names in order.
func sampleNames(all map[string]*sample) []string {
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// wantIdentity is what the database or get-session says about the user.
func (s *sample) wantIdentity() Identity {
	id := s.user.identity(SourceNone)
	id.SessionToken = s.session.Token
	return id
}

// request builds a GET with the given cookies ("name=value" pairs) and an
// optional Bearer token.
func request(bearer string, cookies ...string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "http://site.test/", nil)
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return req
}

func (s *sample) tokenCookie() string { return s.tokenName + "=" + s.token }
func (s *sample) dataCookie() string  { return s.dataName + "=" + s.data }

// flip returns s with the byte at i replaced by another character of the
// same alphabet class, so that decoding still succeeds and only the
// content changes.
func flip(s string, i int) string {
	b := []byte(s)
	switch c := b[i]; {
	case c == 'A':
		b[i] = 'B'
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		b[i] = 'A'
	default:
		panic("flip: not an alphanumeric byte")
	}
	return string(b)
}

// flipIn flips an alphanumeric byte near the middle of s[from:to],
// never one of a %XX escape.
func flipIn(s string, from, to int) string {
	for i := (from + to) / 2; i < to; i++ {
		if i > 0 && s[i-1] == '%' || i > 1 && s[i-2] == '%' || s[i] == '%' {
			continue
		}
		if c := s[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			return flip(s, i)
		}
	}
	panic("flipIn: no alphanumeric byte")
}

// fakeDB answers LookupSession from the captured get-session responses.
type fakeDB struct {
	calls   atomic.Int64
	delay   time.Duration
	fail    atomic.Bool
	release chan struct{} // when set, lookups wait for it
	byToken map[string]Identity
}

func newFakeDB(samples ...*sample) *fakeDB {
	db := &fakeDB{byToken: map[string]Identity{}}
	for _, s := range samples {
		id := s.user.identity(SourceNone)
		id.ExpiresAt = s.session.ExpiresAt.time()
		db.byToken[s.session.Token] = id
	}
	return db
}

func (db *fakeDB) lookup(ctx context.Context, token string) (Identity, error) {
	db.calls.Add(1)
	if db.release != nil {
		select {
		case <-db.release:
		case <-ctx.Done():
			return Identity{}, ctx.Err()
		}
	}
	if db.delay > 0 {
		select {
		case <-time.After(db.delay):
		case <-ctx.Done():
			return Identity{}, ctx.Err()
		}
	}
	if db.fail.Load() {
		return Identity{}, errFakeDB
	}
	id, ok := db.byToken[token]
	if !ok {
		return Identity{}, ErrNoSession
	}
	return id, nil
}

var errFakeDB = &fakeErr{"fake database is down"}

type fakeErr struct{ msg string }

func (e *fakeErr) Error() string { return e.msg }

// upstream is an httptest Better Auth serving a sample's jwks.json and
// get-session answers.
type upstream struct {
	srv         *httptest.Server
	jwksCalls   atomic.Int64
	getCalls    atomic.Int64
	jwks        atomic.Pointer[[]byte]
	sessions    map[string][]byte // raw token cookie value → get-session body
	jwksStatus  atomic.Int64
	badQuery    atomic.Int64 // get-session calls without disableCookieCache
	lastCookies atomic.Pointer[string]
}

func newUpstream(t *testing.T, jwks []byte, samples ...*sample) *upstream {
	t.Helper()
	u := &upstream{sessions: map[string][]byte{}}
	u.jwks.Store(&jwks)
	u.jwksStatus.Store(http.StatusOK)
	for _, s := range samples {
		u.sessions[s.tokenName+"="+s.token] = s.getBody
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/auth/jwks", func(w http.ResponseWriter, r *http.Request) {
		u.jwksCalls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(u.jwksStatus.Load()))
		w.Write(*u.jwks.Load())
	})
	mux.HandleFunc("GET /api/auth/get-session", func(w http.ResponseWriter, r *http.Request) {
		u.getCalls.Add(1)
		if r.URL.Query().Get("disableCookieCache") != "true" || r.URL.Query().Get("disableRefresh") != "true" {
			u.badQuery.Add(1)
		}
		c := r.Header.Get("Cookie")
		u.lastCookies.Store(&c)
		w.Header().Set("Content-Type", "application/json")
		if body, ok := u.sessions[c]; ok {
			w.Write(body)
			return
		}
		w.Write([]byte("null")) // get-session.logged-out.txt: 200, body null
	})
	u.srv = httptest.NewServer(mux)
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) jwksURL() string       { return u.srv.URL + "/api/auth/jwks" }
func (u *upstream) getSessionURL() string { return u.srv.URL + "/api/auth/get-session" }

// newResolver builds a Resolver whose clock is pinned to now, closed at
// the end of the test.
func newResolver(t testing.TB, cfg Config, now time.Time) *Resolver {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	r, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(r.Close)
	return r
}

// rejections records OnReject calls.
type rejections struct {
	mu      sync.Mutex
	reasons []Reason
}

func (rj *rejections) hook(reason Reason, _ error) {
	rj.mu.Lock()
	rj.reasons = append(rj.reasons, reason)
	rj.mu.Unlock()
}

func (rj *rejections) list() []Reason {
	rj.mu.Lock()
	defer rj.mu.Unlock()
	return slices.Clone(rj.reasons)
}

// sameUser compares the user fields of two identities.
func sameUser(got, want Identity) bool {
	return got.UserID == want.UserID && got.Email == want.Email && got.Name == want.Name &&
		got.Locale == want.Locale && got.MauticID == want.MauticID
}

// newSlowServer answers every request with body once block is closed (or
// the request is cancelled).
func newSlowServer(t *testing.T, block <-chan struct{}, body []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// newUpstreamB serves a JWKS for a benchmark and returns its URL.
func newUpstreamB(b *testing.B, jwks []byte) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	b.Cleanup(srv.Close)
	return srv.URL + "/api/auth/jwks"
}
