package caddymodule

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddytest"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// The integration tests run a real Caddy in this process (caddytest: admin
// API on localhost:2999) serving sitePort; they load one configuration
// after another, so they never run in parallel.
const (
	sitePort  = 18080
	adminAddr = "localhost:2999"
)

var siteURL = "http://127.0.0.1:" + strconv.Itoa(sitePort)

// upstreamApp is the site behind Caddy: HTML at /, JSON under /api/, and a
// record of what reached it.
type upstreamApp struct {
	*httptest.Server
	mu   sync.Mutex
	seen []*http.Request
}

func newUpstreamApp(t *testing.T) *upstreamApp {
	a := &upstreamApp{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen = append(a.seen, r.Clone(r.Context()))
		a.mu.Unlock()
		if r.URL.Path == "/api/auth/get-session" {
			// Better Auth's JWT and bearer plugins hand the browser credentials.
			w.Header().Set("Set-Auth-Jwt", testSessionJWT)
			w.Header().Set("Set-Auth-Token", testSessionToken)
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"ok":true,"padding":"`+strings.Repeat("x", 2000)+`"}`)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>App</title></head><body>`+strings.Repeat("<p>content</p>", 200)+`</body></html>`)
	}))
	t.Cleanup(a.Close)
	return a
}

// requests returns the requests that reached the app with path p.
func (a *upstreamApp) requests(p string) []*http.Request {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []*http.Request
	for _, r := range a.seen {
		if r.URL.Path == p {
			out = append(out, r)
		}
	}
	return out
}

// site is Caddy with the module in front of the app, Mautic and MariaDB.
type site struct {
	mautic *mautictest.Server
	db     *dbtest.Fixture
	app    *upstreamApp
	spool  string
	client *http.Client
}

// siteOptions vary the Caddyfile.
type siteOptions struct {
	encodeInsideHandle bool
	extra              string                   // more directives in the site block
	mautic             func(*mautictest.Server) // prepares Mautic before Caddy starts
	logFile            string                   // an access log to write, or ""
	firstParty         string                   // more first_party subdirectives
	tracking           string                   // tracking subdirectives
	// noHealthWait is kept for the tests that set it: startSite waits on
	// the pooled state, never on /mautic/health.
	noHealthWait bool
}

const publicMauticURL = "https://mautic.example.com"

// startSite starts the app, Mautic and a database, and loads a Caddyfile
// for them into the running Caddy. Secrets come from the environment, as
// in production.
func startSite(t *testing.T, o siteOptions) *site {
	s := &site{
		mautic: mautictest.NewServer(t, mautictest.WithSiteURL(publicMauticURL)),
		db:     dbtest.MySQL(t),
		app:    newUpstreamApp(t),
		spool:  t.TempDir(),
		client: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableCompression: true},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	t.Cleanup(s.client.CloseIdleConnections)
	t.Setenv("MAUTIC_BASEURL", s.mautic.URL)
	t.Setenv("MAUTIC_USERNAME", "admin")
	t.Setenv("MAUTIC_PASSWORD", "mautic")
	t.Setenv("PUBLIC_MAUTIC_URL", publicMauticURL)
	t.Setenv("BETTER_AUTH_SECRET", betterAuthSecret(t))
	t.Setenv("DATABASE_URL", s.db.DSN)
	t.Setenv("MAUTIC_WEBHOOK_SECRET", webhookSecret)
	if o.mautic != nil {
		o.mautic(s.mautic)
	}
	loadCaddyfile(t, s.caddyfile(o))
	// Registered last, so it runs first: unload before the services stop.
	t.Cleanup(func() { unloadCaddy(t) })
	waitDatabaseConnected(t)
	return s
}

// waitForDatabase waits until the module has reached the database: Caddy
// serves before that (pages must not wait for it), and a page served
// before is anonymous. It warms the health check's cached Mautic ping.
func waitForDatabase(t *testing.T) {
	eventually(t, 30*time.Second, "the module connected to the database", databaseConnected)
}

// databaseConnected reports whether every instance in /mautic/health has
// connected to its database.
func databaseConnected() bool {
	resp, err := http.Get("http://" + adminAddr + "/mautic/health")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var rep HealthReport
	if json.NewDecoder(resp.Body).Decode(&rep) != nil || len(rep.Instances) == 0 {
		return false
	}
	for _, in := range rep.Instances {
		if in.Database != nil && !in.Database.Connected {
			return false
		}
	}
	return true
}

// waitDatabaseConnected waits until every instance has connected to its
// database (in the background, after Provision, creating the module's
// tables first): the tests' first request expects its user resolved. It
// asks the pooled state, not /mautic/health, whose answer is cached.
func waitDatabaseConnected(t *testing.T) {
	t.Helper()
	eventually(t, 20*time.Second, "the database connected", func() bool {
		connected := true
		pool.Range(func(_, v any) bool {
			st := v.(*state)
			if st.cfg.Database != nil && st.db.Load() == nil {
				connected = false
			}
			return true
		})
		return connected
	})
}

func (s *site) caddyfile(o siteOptions) string {
	encodeTop, encodeInner := "encode gzip", ""
	if o.encodeInsideHandle {
		encodeTop, encodeInner = "", "encode gzip"
	}
	return fmt.Sprintf(`{
	admin %s
	http_port %d
	auto_https off
}
:%d {
	%s
	mautic {
		api {env.MAUTIC_BASEURL} {
			basic_auth {env.MAUTIC_USERNAME} {env.MAUTIC_PASSWORD}
		}
		tracking {env.PUBLIC_MAUTIC_URL} {
			%s
		}
		better_auth {
			secret {env.BETTER_AUTH_SECRET}
			upstream %s
		}
		database {env.DATABASE_URL} {
			dialect mysql
		}
		webhook /api/webhooks/mautic {
			secret {env.MAUTIC_WEBHOOK_SECRET}
			spool_dir %s
		}
		first_party /mtc-proxy {
			handover
			%s
		}
		provisioning {
			wait 2s
			batch_delay 10ms
		}
	}
	%s
	handle {
		%s
		reverse_proxy %s {
			header_up X-Mautic-User {http.vars.mautic.user_id}
			header_up X-Mautic-Contact {http.vars.mautic.contact_id}
		}
	}
}
`, adminAddr, sitePort, sitePort, encodeTop, o.tracking, s.app.URL, s.spool, o.firstParty, o.extra, encodeInner, strings.TrimPrefix(s.app.URL, "http://"))
}

// loadCaddyfile loads a configuration into the test Caddy and waits until
// it runs.
func loadCaddyfile(t *testing.T, cfg string) {
	t.Helper()
	tester := caddytest.NewTester(t).WithDefaultOverrides(caddytest.Config{LoadRequestTimeout: 30 * time.Second})
	tester.InitServer(cfg, "caddyfile")
	if t.Failed() {
		t.FailNow()
	}
}

// unloadCaddy replaces the configuration by one without the module, which
// cleans the module's instances up.
func unloadCaddy(t testing.TB) {
	body := `{"admin":{"listen":"` + adminAddr + `"}}`
	resp, err := http.Post("http://"+adminAddr+"/load", "application/json", strings.NewReader(body))
	if err != nil {
		t.Errorf("unloading Caddy's configuration: %v", err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("unloading Caddy's configuration: %s", resp.Status)
	}
}

func (s *site) get(t *testing.T, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, siteURL+path, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return s.do(t, req)
}

func (s *site) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	var r io.Reader = resp.Body
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %s: %v", req.URL.Path, err)
	}
	return resp, string(b)
}

// cookie returns the value of a Set-Cookie of resp, and whether it was set.
func setCookie(resp *http.Response, name string) (*http.Cookie, bool) {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

const navigation = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func TestIntegrationPagesGetTheSnippetOnce(t *testing.T) {
	for _, inner := range []bool{false, true} {
		t.Run(fmt.Sprintf("encode inside handle %v", inner), func(t *testing.T) {
			s := startSite(t, siteOptions{encodeInsideHandle: inner})
			resp, body := s.get(t, "/", map[string]string{"Accept": navigation, "Accept-Encoding": "gzip, br"})
			loader := `"/mtc-proxy/mtc.js"` // first-party: the site's own prefix, root-relative
			if resp.StatusCode != 200 || strings.Count(body, inject.Marker) != 1 || !strings.Contains(body, loader) {
				t.Fatalf("page: %s, %d markers, loader %v", resp.Status, strings.Count(body, inject.Marker), strings.Contains(body, loader))
			}
			// At the top, encode compresses the injected page once; inside
			// handle it runs after the module, so the page goes out plain.
			if enc := resp.Header.Get("Content-Encoding"); (enc == "gzip") == inner {
				t.Errorf("Content-Encoding = %q with encode inside handle %v; headers %v", enc, inner, resp.Header)
			}
			// The browser's Accept-Encoding never reaches the app for a page
			// (reverse_proxy's own transport may ask for gzip, and unpacks it).
			for _, r := range s.app.requests("/") {
				if ae := r.Header.Get("Accept-Encoding"); strings.Contains(ae, "br") {
					t.Errorf("the app was asked for Accept-Encoding %q; want the browser's removed", ae)
				}
			}
			resp, body = s.get(t, "/api/data", map[string]string{"Accept": "application/json", "Accept-Encoding": "gzip"})
			if resp.StatusCode != 200 || strings.Contains(body, inject.Marker) || !strings.Contains(body, `"ok":true`) {
				t.Errorf("JSON: %s, body %.80q", resp.Status, body)
			}
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("JSON not compressed: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
			}
			if _, ok := setCookie(resp, mtcIDCookie); ok {
				t.Error("an anonymous request got an mtc_id cookie")
			}
		})
	}
}

func TestIntegrationSignedInUserIsProvisionedAndCookieRewritten(t *testing.T) {
	s := startSite(t, siteOptions{})
	waitForDatabase(t)
	u := loadUser(t, "mysql-db-only")
	u.seed(t, s.db, 0)
	resp, body := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie + "; mtc_id=999999"})
	if resp.StatusCode != 200 || !strings.Contains(body, inject.Marker) {
		t.Fatalf("page: %s", resp.Status)
	}
	contacts := s.mautic.ContactsByEmail(u.Email)
	if len(contacts) != 1 {
		t.Fatalf("%d contacts for %s, want 1", len(contacts), u.Email)
	}
	id := contacts[0].ID
	c, ok := setCookie(resp, mtcIDCookie)
	if !ok || c.Value != strconv.Itoa(id) {
		t.Fatalf("mtc_id cookie = %v, want %d (the first response waits up to provisioning's wait)", c, id)
	}
	if c.Path != "/" || c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("mtc_id attributes: path %q httpOnly %v secure %v sameSite %v", c.Path, c.HttpOnly, c.Secure, c.SameSite)
	}
	if got, ok := s.db.MauticID(t, u.ID); !ok || got != id {
		t.Errorf("mauticId = %d, %v; want %d", got, ok, id)
	}
	seen := s.app.requests("/")
	if last := seen[len(seen)-1]; last.Header.Get("X-Mautic-User") != u.ID || last.Header.Get("X-Mautic-Contact") != strconv.Itoa(id) {
		t.Errorf("header_up placeholders gave the app user %q contact %q", last.Header.Get("X-Mautic-User"), last.Header.Get("X-Mautic-Contact"))
	}
	if loc := contacts[0].Fields["preferred_locale"]; !strings.HasPrefix(loc, "de") {
		t.Errorf("preferred_locale = %q, want the user's German", loc)
	}
	// A later request with the right cookie is not rewritten, and Mautic
	// is not asked again.
	calls := s.mautic.TotalAPICalls()
	resp, _ = s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie + "; mtc_id=" + strconv.Itoa(id)})
	if _, ok := setCookie(resp, mtcIDCookie); ok {
		t.Error("mtc_id set again although it was right")
	}
	if n := s.mautic.TotalAPICalls() - calls; n != 0 {
		t.Errorf("%d Mautic calls for a provisioned user's page", n)
	}
}

// webhookCapture reads a real webhook Mautic 5.1 sent: body and signature.
func webhookCapture(t *testing.T, name string) ([]byte, string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "testdata/shared/mautic/recordings/webhooks", name))
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("%s: no header end", name)
	}
	for _, line := range strings.Split(string(head), "\r\n") {
		if v, ok := strings.CutPrefix(line, mautic.WebhookSignatureHeader+": "); ok {
			return body, v
		}
	}
	t.Fatalf("%s: no signature", name)
	return nil, ""
}

func (s *site) postWebhook(t *testing.T, body []byte, sig string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, siteURL+"/api/webhooks/mautic", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GuzzleHttp/7")
	if sig != "" {
		req.Header.Set(mautic.WebhookSignatureHeader, sig)
	}
	return s.do(t, req)
}

func TestIntegrationWebhooks(t *testing.T) {
	s := startSite(t, siteOptions{})
	// The captures are about contact 10, hooked@example.com.
	s.db.AddUser(t, userdb.User{ID: "hooked-user", Email: "hooked@example.com", EmailVerified: true})
	created, createdSig := webhookCapture(t, "hook_1795646388737_001.raw")
	deleted, deletedSig := webhookCapture(t, "hook_1795646443082_003.raw")

	tampered := bytes.Replace(created, []byte("hooked@example.com"), []byte("hacker@example.com"), 1)
	for _, tc := range []struct {
		name string
		body []byte
		sig  string
	}{{"tampered body", tampered, createdSig}, {"no signature", created, ""}, {"other body's signature", created, deletedSig}} {
		if resp, _ := s.postWebhook(t, tc.body, tc.sig); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %s, want 401", tc.name, resp.Status)
		}
	}

	resp, body := s.postWebhook(t, created, createdSig)
	if resp.StatusCode != 200 || !strings.Contains(body, "stored") {
		t.Fatalf("signed capture: %s %s", resp.Status, body)
	}
	eventually(t, 10*time.Second, "the user linked to contact 10", func() bool {
		id, ok := s.db.MauticID(t, "hooked-user")
		return ok && id == 10
	})

	resp, body = s.postWebhook(t, deleted, deletedSig)
	if resp.StatusCode != 200 {
		t.Fatalf("delete: %s %s", resp.Status, body)
	}
	eventually(t, 10*time.Second, "mauticId 10 cleared by the delete", func() bool {
		id, _ := s.db.MauticID(t, "hooked-user")
		return id != 10
	})

	// A replay of an applied body changes nothing, even when the row was
	// linked again meanwhile. (It may come while the first copy is being
	// marked applied in the shared table: already_pending, stored once
	// all the same.)
	s.db.SetMauticID(t, "hooked-user", 10)
	resp, body = s.postWebhook(t, deleted, deletedSig)
	if resp.StatusCode != 200 || !strings.Contains(body, "already_") {
		t.Fatalf("replay: %s %s", resp.Status, body)
	}
	time.Sleep(300 * time.Millisecond)
	if id, _ := s.db.MauticID(t, "hooked-user"); id != 10 {
		t.Errorf("the replayed delete changed mauticId to %d", id)
	}
	if n := len(s.app.requests("/api/webhooks/mautic")); n != 0 {
		t.Errorf("%d webhook requests reached the app", n)
	}
	if resp, _ := s.get(t, "/api/webhooks/mautic", nil); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on the webhook path: %s, want 405", resp.Status)
	}
}

func TestIntegrationFirstPartyTracking(t *testing.T) {
	s := startSite(t, siteOptions{})
	resp, script := s.get(t, "/mtc-proxy/mtc.js", nil)
	if resp.StatusCode != 200 || !strings.Contains(script, "'/mtc-proxy/mtc/event'") {
		t.Fatalf("mtc.js: %s, rewritten %v", resp.Status, strings.Contains(script, "/mtc-proxy"))
	}
	for _, route := range []string{"/mtc/event'", "/mtracking.gif'", "/mtc'"} {
		if strings.Contains(script, "mautic.example.com"+route) {
			t.Errorf("mtc.js still sends %s to Mautic's own host", route)
		}
	}
	_, pageBody := s.get(t, "/", map[string]string{"Accept": navigation})
	if !strings.Contains(pageBody, `"/mtc-proxy/mtc.js"`) {
		t.Errorf("the injected loader does not point at the prefix")
	}

	// A visitor trying to claim someone else's email through the site.
	victim := s.mautic.AddContact(map[string]string{"email": "victim@example.com", "firstname": "Vic"})
	s.mautic.SetPubliclyUpdatable("email", true)
	form := url.Values{"page_url": {siteURL + "/"}, "email": {"victim@example.com"}, "page_title": {"x"}}
	req, _ := http.NewRequest(http.MethodPost, siteURL+"/mtc-proxy/mtc/event", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	resp, answer := s.do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("event: %s %s", resp.Status, answer)
	}
	dev, ok := setCookie(resp, "mautic_device_id")
	if !ok || dev.Domain != "" || dev.Secure || dev.SameSite != http.SameSiteLaxMode {
		t.Errorf("mautic_device_id cookie not first-party: %+v", dev)
	}
	if strings.Contains(answer, `"id":`+strconv.Itoa(victim)) {
		t.Errorf("the hit was attributed to the victim's contact: %s", answer)
	}
	if got := s.mautic.ContactsByEmail("victim@example.com"); len(got) != 1 || got[0].Hits != 0 {
		t.Errorf("victim's contact got tracked: %+v", got)
	}
	for _, c := range s.mautic.Contacts() {
		if c.ID != victim && c.Hits > 0 && c.Fields["email"] != "" {
			t.Errorf("the anonymous contact took an email from the hit: %+v", c)
		}
	}
}

func TestIntegrationHandover(t *testing.T) {
	s := startSite(t, siteOptions{})
	waitForDatabase(t)
	s.mautic.SetPubliclyUpdatable("email", true)
	u := loadUser(t, "mysql-nojwtheader")
	u.seed(t, s.db, 0)
	// The browser was tracked anonymously before signing in.
	anon := postHit(t, s, "", nil)
	if anon.ID == 0 || anon.DeviceID == "" {
		t.Fatalf("anonymous hit: %+v", anon)
	}
	// Signing in: the page provisions the user.
	if resp, _ := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie}); resp.StatusCode != 200 {
		t.Fatalf("page: %s", resp.Status)
	}
	var contact int
	eventually(t, 10*time.Second, "user provisioned", func() bool {
		id, ok := s.db.MauticID(t, u.ID)
		contact = id
		return ok
	})
	// The next hit of the browser is handed over to the user's contact.
	moved := postHit(t, s, u.Cookie+"; mautic_device_id="+anon.DeviceID, nil)
	if moved.ID != contact || moved.DeviceID == anon.DeviceID {
		t.Fatalf("after hand-over the hit went to %d (device %s), want contact %d under a new device", moved.ID, moved.DeviceID, contact)
	}
	// From then on the browser tracks to the user without the email.
	again := postHit(t, s, u.Cookie+"; mautic_device_id="+moved.DeviceID, nil)
	if again.ID != contact {
		t.Errorf("next hit went to %d, want %d", again.ID, contact)
	}
}

type hitAnswer struct {
	ID       int    `json:"id"`
	DeviceID string `json:"device_id"`
}

func postHit(t *testing.T, s *site, cookie string, extra url.Values) hitAnswer {
	t.Helper()
	form := url.Values{"page_url": {siteURL + "/"}, "page_title": {"x"}}
	for k, v := range extra {
		form[k] = v
	}
	req, _ := http.NewRequest(http.MethodPost, siteURL+"/mtc-proxy/mtc/event", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, body := s.do(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("hit: %s %s", resp.Status, body)
	}
	var a hitAnswer
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatalf("hit answer %q: %v", body, err)
	}
	return a
}

func TestIntegrationReloadMidTrafficDropsNothing(t *testing.T) {
	s := startSite(t, siteOptions{})
	before := poolSize()
	var st *state
	pool.Range(func(_, v any) bool { st = v.(*state); return true })
	if before != 1 || st == nil {
		t.Fatalf("%d states in the pool, want 1", before)
	}
	var failed, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, siteURL+"/", nil)
				req.Header.Set("Accept", navigation)
				resp, err := s.client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || !bytes.Contains(b, []byte(inject.Marker)) {
					failed.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	// Reload with a change outside the module: its state must be kept.
	loadCaddyfile(t, s.caddyfile(siteOptions{extra: `header X-Reloaded yes`}))
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed across the reload", n, done.Load())
	}
	var after *state
	pool.Range(func(_, v any) bool { after = v.(*state); return true })
	if poolSize() != 1 || after != st {
		t.Errorf("the reload replaced the module's state (cache and queue lost)")
	}
	resp, _ := s.get(t, "/", nil)
	if resp.Header.Get("X-Reloaded") != "yes" {
		t.Errorf("the new configuration is not running")
	}
}

func TestIntegrationDeadMauticNeverBreaksAPage(t *testing.T) {
	s := startSite(t, siteOptions{noHealthWait: true})
	s.mautic.SetDown(true)
	u := loadUser(t, "db-only")
	u.seed(t, s.db, 0)
	start := time.Now()
	resp, body := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie})
	if resp.StatusCode != 200 || !strings.Contains(body, inject.Marker) {
		t.Errorf("page with Mautic down: %s", resp.Status)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("page took %v with Mautic down; the configured wait is 2 s", d)
	}
	hresp, err := http.Get("http://" + adminAddr + "/mautic/health")
	if err != nil {
		t.Fatal(err)
	}
	defer hresp.Body.Close()
	hb, _ := io.ReadAll(hresp.Body)
	if hresp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(hb), `"reachable":false`) {
		t.Errorf("health with Mautic down: %s %s", hresp.Status, hb)
	}
	if strings.Contains(string(hb), "mautic\"") && strings.Contains(string(hb), "admin:mautic") {
		t.Errorf("health shows credentials: %s", hb)
	}
	s.mautic.SetDown(false)
	eventually(t, 20*time.Second, "user provisioned once Mautic is back", func() bool {
		_, ok := s.db.MauticID(t, u.ID)
		return ok
	})
	pool.Range(func(_, v any) bool { // as if the ping interval had passed
		v.(*state).ping.last.Store(nil)
		return true
	})
	hresp2, err := http.Get("http://" + adminAddr + "/mautic/health")
	if err != nil {
		t.Fatal(err)
	}
	defer hresp2.Body.Close()
	hb2, _ := io.ReadAll(hresp2.Body)
	if hresp2.StatusCode != 200 || !strings.Contains(string(hb2), `"version":"5.1.0"`) {
		t.Errorf("health with Mautic back: %s %s", hresp2.Status, hb2)
	}
}

// A signed-in user whose browser sends Global Privacy Control gets no
// loader, no mtc_id and no contact: nothing about them reaches Mautic.
// Once a request of theirs allows tracking, they are provisioned.
func TestIntegrationPrivacySignalGatesProvisioning(t *testing.T) {
	s := startSite(t, siteOptions{})
	waitForDatabase(t)
	u := loadUser(t, "mysql-db-only")
	u.seed(t, s.db, 0)
	resp, body := s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie + "; mtc_id=999999", "Sec-GPC": "1"})
	if resp.StatusCode != 200 || strings.Contains(body, inject.Marker) {
		t.Fatalf("GPC page: %s, loader present %v", resp.Status, strings.Contains(body, inject.Marker))
	}
	if c, ok := setCookie(resp, mtcIDCookie); ok {
		t.Errorf("mtc_id set to %q for a GPC request", c.Value)
	}
	// Without GPC the first response waits up to provisioning's wait for
	// the contact: had the GPC request queued the user, it would exist.
	for route, n := range s.mautic.CallCounts() {
		if strings.Contains(route, "/contacts") && n > 0 {
			t.Errorf("%d calls of %s for a GPC request", n, route)
		}
	}
	if cs := s.mautic.ContactsByEmail(u.Email); len(cs) != 0 {
		t.Errorf("%d contacts for a GPC user", len(cs))
	}

	resp, _ = s.get(t, "/", map[string]string{"Accept": navigation, "Cookie": u.Cookie + "; mtc_id=999999"})
	contacts := s.mautic.ContactsByEmail(u.Email)
	if len(contacts) != 1 {
		t.Fatalf("%d contacts once consent is given, want 1", len(contacts))
	}
	if c, ok := setCookie(resp, mtcIDCookie); !ok || c.Value != strconv.Itoa(contacts[0].ID) {
		t.Errorf("mtc_id after consent = %v, want %d", c, contacts[0].ID)
	}
}

// A visitor who withholds consent (Global Privacy Control) on a page whose
// mtc.js still runs (an open tab, a page from the back/forward cache)
// sends no hit to Mautic through the first-party routes: the same rule
// that suppresses the loader answers them here.
func TestIntegrationFirstPartyHitsHonourConsent(t *testing.T) {
	s := startSite(t, siteOptions{})
	hits := func() int {
		return s.mautic.Calls("POST /mtc/event") + s.mautic.Calls("GET /mtracking.gif") + s.mautic.Calls("GET /mtc")
	}
	ua := "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
	send := func(method, path, body string, gpc bool) *http.Response {
		req, _ := http.NewRequest(method, siteURL+"/mtc-proxy"+path, strings.NewReader(body))
		req.Header.Set("User-Agent", ua)
		if body != "" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if gpc {
			req.Header.Set("Sec-GPC", "1")
		}
		resp, _ := s.do(t, req)
		return resp
	}
	for _, r := range []struct{ method, path, body string }{
		{"POST", "/mtc/event", "page_title=t&page_url=" + url.QueryEscape(siteURL+"/")},
		{"GET", "/mtracking.gif?page_title=t", ""},
		{"GET", "/mtc", ""},
	} {
		before := hits()
		if resp := send(r.method, r.path, r.body, true); resp.StatusCode >= 300 {
			t.Errorf("%s %s with GPC: %s", r.method, r.path, resp.Status)
		}
		if n := hits() - before; n != 0 {
			t.Errorf("%s %s with GPC reached Mautic (%d tracking calls)", r.method, r.path, n)
		}
	}
	// The control: without the signal, the same hit reaches Mautic.
	before := hits()
	send("POST", "/mtc/event", "page_title=t", false)
	if hits() == before {
		t.Errorf("a hit without GPC did not reach Mautic; counters %v", s.mautic.CallCounts())
	}
}
