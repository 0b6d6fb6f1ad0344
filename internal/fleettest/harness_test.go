package fleettest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

const (
	authSecret    = "fleet-test-better-auth-secret-0123456789"
	webhookSecret = "fleet-test-webhook-secret"
	webhookPath   = "/api/webhooks/mautic"
	page          = "<!doctype html><html><head><title>t</title></head><body>fleet</body></html>"
)

// caddyBinary is built once per test run from ./caddybin (Caddy's own
// main with the standard modules and this module), unless CADDY_BIN names
// one, e.g. the ./caddy of ./xcaddy.sh.
var caddyBinary = sync.OnceValues(func() (string, error) {
	if bin := os.Getenv("CADDY_BIN"); bin != "" {
		return filepath.Abs(bin)
	}
	dir, err := os.MkdirTemp("", "fleettest-caddy-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "caddy")
	out, err := exec.Command("go", "build", "-o", bin, "./caddybin").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building caddy: %v\n%s", err, out)
	}
	return bin, nil
})

// fleet is N Caddy processes with the module, in front of one upstream
// app, one simulated Mautic and one database.
type fleet struct {
	t      testing.TB
	sim    *mautictest.Server
	db     *dbtest.Fixture
	app    *httptest.Server
	nodes  []*node
	client *http.Client
	mproxy *mauticProxy // nil unless fleetOptions.mauticProxy
	dproxy *tcpProxy    // nil unless fleetOptions.dbProxy
	extra  string       // more provisioning subdirectives
	wait   string       // provisioning wait
}

// node is one Caddy instance: its ports, data folder and process.
type node struct {
	f          *fleet
	i          int
	port, adm  int
	dir        string
	cmd        *exec.Cmd
	exited     chan struct{}
	extraBlock string
}

// fleetOptions vary a fleet.
type fleetOptions struct {
	nodes   int
	db      func(testing.TB) *dbtest.Fixture // default dbtest.MySQL
	simOpts []mautictest.Option
	// mauticProxy and dbProxy put a fault proxy between the instances and
	// Mautic, and a TCP proxy between them and the database.
	mauticProxy, dbProxy bool
	// provisioning adds subdirectives to the provisioning block; wait is
	// its wait (default 2s).
	provisioning, wait string
}

func newFleet(t testing.TB, o fleetOptions) *fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("fleet tests start several Caddy processes; skipped with -short")
	}
	bin, err := caddyBinary()
	if err != nil {
		t.Fatal(err)
	}
	if o.db == nil {
		o.db = dbtest.MySQL
	}
	f := &fleet{t: t, sim: mautictest.NewServer(t, o.simOpts...), db: o.db(t),
		client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	f.app = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(f.app.Close)
	f.extra, f.wait = o.provisioning, o.wait
	if f.wait == "" {
		f.wait = "2s"
	}
	if o.mauticProxy {
		f.mproxy = newMauticProxy(t, f.sim.URL)
	}
	if o.dbProxy {
		f.dproxy = newTCPProxy(t, dbAddr(t, f.db))
	}
	t.Cleanup(f.client.CloseIdleConnections)
	for i := range o.nodes {
		n := &node{f: f, i: i, port: freePort(t), adm: freePort(t), dir: t.TempDir()}
		f.nodes = append(f.nodes, n)
		n.start(bin)
	}
	t.Cleanup(func() {
		for _, n := range f.nodes {
			n.kill()
		}
	})
	return f
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// caddyfile is the node's configuration: the module as in the README,
// with the database, webhook and provisioning shared by the fleet.
func (n *node) caddyfile() string {
	f := n.f
	return fmt.Sprintf(`{
	admin 127.0.0.1:%d
	http_port %d
	auto_https off
}
:%d {
	mautic {
		api {env.MAUTIC_BASEURL} {
			basic_auth admin mautic
		}
		tracking https://mautic.example.com
		better_auth {
			secret {env.BETTER_AUTH_SECRET}
			upstream %s
			jwks_path off
		}
		database {env.DATABASE_URL} {
			dialect %s
		}
		webhook %s {
			secret {env.MAUTIC_WEBHOOK_SECRET}
			spool_dir %s
		}
		provisioning {
			wait %s
			batch_delay 20ms
			%s
		}
	}
	%s
	reverse_proxy %s
}
`, n.adm, n.port, n.port, f.app.URL, f.db.Dialect, webhookPath,
		filepath.Join(n.dir, "spool"), f.wait, f.extra, n.extraBlock, strings.TrimPrefix(f.app.URL, "http://"))
}

// start runs the node's Caddy and waits until it serves.
func (n *node) start(bin string) {
	t := n.f.t
	t.Helper()
	cfg := filepath.Join(n.dir, "Caddyfile")
	if err := os.WriteFile(cfg, []byte(n.caddyfile()), 0o600); err != nil {
		t.Fatal(err)
	}
	log, err := os.OpenFile(filepath.Join(n.dir, "caddy.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run", "--config", cfg, "--adapter", "caddyfile")
	cmd.Env = append(os.Environ(),
		"HOME="+n.dir, "XDG_DATA_HOME="+filepath.Join(n.dir, "data"), "XDG_CONFIG_HOME="+filepath.Join(n.dir, "config"),
		"MAUTIC_BASEURL="+n.f.mauticURL(), "BETTER_AUTH_SECRET="+authSecret, "MAUTIC_WEBHOOK_SECRET="+webhookSecret,
		"DATABASE_URL="+n.f.dsn())
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(n.exited)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := n.f.client.Get(n.url("/"))
		if err == nil {
			resp.Body.Close()
			if n.dbConnected() {
				return
			}
		}
		select {
		case <-n.exited:
			t.Fatalf("caddy %d exited at start; log:\n%s", n.i, n.log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy %d not serving within 60 s; log:\n%s", n.i, n.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dbConnected reports whether the node's log says it reached the database.
func (n *node) dbConnected() bool {
	return strings.Contains(n.log(), "connected to the application's database")
}

func (n *node) log() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "caddy.log"))
	return string(b)
}

// kill SIGKILLs the node and waits for it to be gone.
func (n *node) kill() {
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.exited
	n.cmd = nil
}

// restart starts a killed node again on the same ports and folder.
func (n *node) restart() {
	bin, _ := caddyBinary()
	n.start(bin)
}

func (n *node) url(path string) string { return "http://127.0.0.1:" + strconv.Itoa(n.port) + path }

// user is a signed-in application user: a row, a session and the cookie.
type user struct {
	userdb.User
	cookie string
}

// addUsers inserts n users with live sessions, as n sign-ups.
func (f *fleet) addUsers(n int) []user {
	out := make([]user, n)
	for i := range out {
		u := f.db.AddUser(f.t, userdb.User{EmailVerified: true, Email: fmt.Sprintf("fleet-%d-%s@example.test", i, strings.ToLower(dbtest.RandomID(f.t)[:6]))})
		token := dbtest.RandomID(f.t)
		f.db.AddSession(f.t, u.ID, token, time.Now().Add(7*24*time.Hour))
		out[i] = user{User: u, cookie: "better-auth.session_token=" + signToken(token)}
	}
	return out
}

// signToken renders a session_token cookie value as Better Auth does.
func signToken(token string) string {
	m := hmac.New(sha256.New, []byte(authSecret))
	m.Write([]byte(token))
	return url.QueryEscape(token + "." + base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

// pageResult is one page view through a node.
type pageResult struct {
	status  int
	mtcID   string // the mtc_id cookie set, or ""
	latency time.Duration
	err     error
}

// view requests a page on node n as u (anonymous when u is nil).
func (f *fleet) view(ctx context.Context, n *node, u *user, mtcID string) pageResult {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.url("/"), nil)
	req.Header.Set("Accept", "text/html")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
	cookie := ""
	if u != nil {
		cookie = u.cookie
	}
	if mtcID != "" {
		cookie += "; mtc_id=" + mtcID
	}
	if cookie != "" {
		req.Header.Set("Cookie", strings.TrimPrefix(cookie, "; "))
	}
	start := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return pageResult{err: err, latency: time.Since(start)}
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r := pageResult{status: resp.StatusCode, latency: time.Since(start)}
	for _, c := range resp.Cookies() {
		if c.Name == "mtc_id" {
			r.mtcID = c.Value
		}
	}
	return r
}

// mauticID reads the user's stored contact id.
func (f *fleet) mauticID(u user) int {
	id, _ := f.db.MauticID(f.t, u.ID)
	return id
}

// eventually polls cond until it holds or within passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > within {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(25 * time.Millisecond)
	}
	return time.Since(start)
}

// parallel runs fn(i) for i in [0, n) on a few goroutines.
func parallel(n, workers int, fn func(i int)) {
	if workers <= 0 {
		workers = 4 * runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// mauticURL is where the instances find Mautic.
func (f *fleet) mauticURL() string {
	if f.mproxy != nil {
		return f.mproxy.url()
	}
	return f.sim.URL
}

// dsn is the instances' database DSN, through the TCP proxy if any.
func (f *fleet) dsn() string {
	if f.dproxy != nil {
		return strings.Replace(f.db.DSN, f.dproxy.target, f.dproxy.addr, 1)
	}
	return f.db.DSN
}

// dbAddr finds host:port in the fixture's DSN.
func dbAddr(t testing.TB, db *dbtest.Fixture) string {
	for _, a := range []string{"127.0.0.1:3306", "127.0.0.1:5432", "localhost:5432", "localhost:3306"} {
		if strings.Contains(db.DSN, a) {
			return a
		}
	}
	t.Fatalf("no known database address in the DSN")
	return ""
}
