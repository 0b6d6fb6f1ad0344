//go:build bench

package loadbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/inject"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

const (
	benchSecret = "bench-better-auth-secret-0123456789abcdef"
	conns       = 16
	contactID   = 4242
)

// scenario is one row of the table: the same request sent to a plain
// reverse_proxy (a) and to the same proxy behind the mautic handler (b).
type scenario struct {
	name   string
	path   string
	header http.Header
	gzip   bool
	a, b   *caddyProc
	anon   int // 1 + the index of the anonymous row to compare with; 0: none
}

// measure is one run of one side of a scenario.
type measure struct {
	cpuPerReq time.Duration
	rps       float64
	p50, p99  time.Duration
}

func TestLoadComparison(t *testing.T) {
	bin := os.Getenv("CADDY_MAUTIC_BENCH_CADDY")
	if bin == "" {
		t.Skip("CADDY_MAUTIC_BENCH_CADDY is not set: run scripts/bench.sh")
	}
	short := os.Getenv("CADDY_MAUTIC_BENCH_SHORT") == "1"
	rounds, per := 6, 5*time.Second
	if short {
		rounds, per = 2, time.Second
	}
	if v, err := strconv.Atoi(os.Getenv("CADDY_MAUTIC_BENCH_ROUNDS")); err == nil && v >= 2 {
		rounds = v
	}
	if v, err := time.ParseDuration(os.Getenv("CADDY_MAUTIC_BENCH_PER")); err == nil && v > 0 {
		per = v
	}
	dir := t.TempDir()
	up := newUpstream(t)
	sim := mautictest.NewServer(t)
	f := dbtest.MySQL(t)
	now := time.Now()
	u := f.AddUser(t, userdb.User{ID: "bench-user", Email: "bench@example.test", Name: "Bench User", Locale: "de", MauticID: contactID})
	s := newSession(benchSecret)
	f.AddSession(t, u.ID, s.token, now.Add(24*time.Hour))

	module := fmt.Sprintf("\tmautic {\n\t\tapi %s {\n\t\t\tbasic_auth admin mautic\n\t\t}\n\t\ttracking https://mautic.example.com\n\t\tbetter_auth {\n\t\t\tsecret %s\n\t\t}\n\t\tdatabase %q {\n\t\t\tdialect mysql\n\t\t}\n\t}\n", sim.URL, benchSecret, f.DSN)
	proxy := "\treverse_proxy " + up.URL + "\n"
	plain := startCaddy(t, bin, dir, "plain", proxy)
	mod := startCaddy(t, bin, dir, "module", module+proxy)
	plainGz := startCaddy(t, bin, dir, "plain-gzip", "\tencode gzip\n"+proxy)
	modGz := startCaddy(t, bin, dir, "module-gzip", "\tencode gzip\n"+module+proxy)

	hdr := func(cookie string, gzip bool) http.Header {
		h := http.Header{"Accept": {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}, "User-Agent": {"caddy-mautic-loadbench"}}
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		if gzip {
			h.Set("Accept-Encoding", "gzip")
		}
		return h
	}
	tracking := fmt.Sprintf("mtc_id=%d; PARAGLIDE_LOCALE=de", contactID)
	token := "better-auth.session_token=" + s.cookie
	fresh := token + "; better-auth.session_data=" + s.compactCache(benchSecret, u.ID, u.Email, contactID, now, now.Add(24*time.Hour)) + "; " + tracking
	expired := token + "; better-auth.session_data=" + s.compactCache(benchSecret, u.ID, u.Email, contactID, now.Add(-time.Hour), now.Add(-time.Minute)) + "; " + tracking
	jsonHdr := hdr("", false)
	jsonHdr.Set("Accept", "application/json")
	scenarios := []scenario{
		{name: "HTML 100 KiB, anonymous", path: "/", header: hdr("", false), a: plain, b: mod},
		{name: "HTML, signed in (fresh cookie cache)", path: "/", header: hdr(fresh, false), a: plain, b: mod, anon: 1},
		{name: "HTML, signed in (session token only)", path: "/", header: hdr(token+"; "+tracking, false), a: plain, b: mod, anon: 1},
		{name: "HTML, expired cookie cache", path: "/", header: hdr(expired, false), a: plain, b: mod, anon: 1},
		{name: "JSON, anonymous", path: "/api/data", header: jsonHdr, a: plain, b: mod},
		{name: "HTML + encode gzip, anonymous", path: "/", header: hdr("", true), gzip: true, a: plainGz, b: modGz},
		{name: "HTML + encode gzip, signed in", path: "/", header: hdr(fresh, true), gzip: true, a: plainGz, b: modGz, anon: 6},
	}
	client := newClient(conns)
	ctx := context.Background()
	for _, sc := range scenarios {
		checkScenario(t, client, sc)
	}
	// Warm up every proxy (connections, caches, the contact cache).
	for _, sc := range scenarios {
		runLoad(ctx, client, sc.a.url+sc.path, sc.header, conns, per/5)
		runLoad(ctx, client, sc.b.url+sc.path, sc.header, conns, per/5)
	}
	results := make([][2][]measure, len(scenarios))
	for r := range rounds {
		for i, sc := range scenarios {
			sides := []int{0, 1}
			if r%2 == 1 { // ABBA: B first on odd rounds
				sides = []int{1, 0}
			}
			for _, side := range sides {
				p := sc.a
				if side == 1 {
					p = sc.b
				}
				c0 := p.cpu(t)
				res := runLoad(ctx, client, p.url+sc.path, sc.header, conns, per)
				cpu := p.cpu(t) - c0
				if res.requests == 0 || res.errors > 0 {
					t.Fatalf("%s on %s: %d requests, %d errors", sc.name, p.name, res.requests, res.errors)
				}
				results[i][side] = append(results[i][side], measure{
					cpuPerReq: cpu / time.Duration(res.requests), rps: float64(res.requests) / res.elapsed.Seconds(),
					p50: res.p50, p99: res.p99,
				})
			}
		}
	}
	table := render(scenarios, results, rounds, per, short)
	fmt.Print(table)
	if out := os.Getenv("CADDY_MAUTIC_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// checkScenario makes sure each side does what the row claims: the
// module's page carries the loader, the plain one does not, and gzip is
// applied where asked.
func checkScenario(t *testing.T, client *http.Client, sc scenario) {
	t.Helper()
	for side, p := range []*caddyProc{sc.a, sc.b} {
		req, _ := http.NewRequest(http.MethodGet, p.url+sc.path, nil)
		req.Header = sc.header.Clone()
		req.Header.Del("Accept-Encoding") // read the body as text
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, resp)
		injected := strings.Contains(body, inject.Marker)
		if want := side == 1 && sc.path == "/"; injected != want {
			t.Fatalf("%s on %s: injected = %v, want %v", sc.name, p.name, injected, want)
		}
		if strings.Contains(resp.Header.Get("Set-Cookie"), "mtc_id") {
			t.Fatalf("%s on %s: mtc_id rewritten on every request: %q", sc.name, p.name, resp.Header.Get("Set-Cookie"))
		}
		if sc.gzip {
			req.Header.Set("Accept-Encoding", "gzip")
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s on %s: not gzipped", sc.name, p.name)
			}
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// render prints the markdown table: medians over rounds, and the median
// of the per-round differences (b - a), which is what survives a noisy
// machine.
func render(scs []scenario, res [][2][]measure, rounds int, per time.Duration, short bool) string {
	var b strings.Builder
	form := "full run"
	if short {
		form = "short form (CI): indicative only"
	}
	fmt.Fprintf(&b, "Measured %s on %s: %d CPU (%s), %s, Caddy %s; %d interleaved ABBA rounds of %v per case, %d connections, closed loop; %s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), hostname(), runtime.NumCPU(), cpuModel(), runtime.Version(), caddyVersion(), rounds, per, conns, form)
	b.WriteString("| case | CPU/request plain | CPU/request module | module − plain (CPU) | req/s plain | req/s module | p50 plain / module | p99 plain / module |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, sc := range scs {
		a, m := res[i][0], res[i][1]
		diff := make([]time.Duration, len(a))
		for r := range a {
			diff[r] = m[r].cpuPerReq - a[r].cpuPerReq
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %.0f | %.0f | %s / %s | %s / %s |\n", sc.name,
			us(med(a, cpuOf)), us(med(m, cpuOf)), signedUS(medDur(diff)),
			medF(a, rpsOf), medF(m, rpsOf),
			ms(med(a, p50Of)), ms(med(m, p50Of)), ms(med(a, p99Of)), ms(med(m, p99Of)))
	}
	b.WriteString("\n")
	for i, sc := range scs {
		if sc.anon == 0 {
			continue
		}
		a, m, a0, m0 := res[i][0], res[i][1], res[sc.anon-1][0], res[sc.anon-1][1]
		d := make([]time.Duration, len(a))
		for r := range a {
			d[r] = (m[r].cpuPerReq - a[r].cpuPerReq) - (m0[r].cpuPerReq - a0[r].cpuPerReq)
		}
		fmt.Fprintf(&b, "- %s costs the module %s of CPU per request more than %s (median over rounds).\n", sc.name, signedUS(medDur(d)), scs[sc.anon-1].name)
	}
	b.WriteString("\nCPU/request is the proxy's user+system CPU time (from /proc/<pid>/stat) divided by the requests it served; the difference is the median over rounds of module minus plain within the same round. req/s and latencies depend on how busy the machine's other tenants were; compare columns within a row, not across runs.\n")
	return b.String()
}

func cpuOf(m measure) time.Duration { return m.cpuPerReq }
func p50Of(m measure) time.Duration { return m.p50 }
func p99Of(m measure) time.Duration { return m.p99 }
func rpsOf(m measure) float64       { return m.rps }

func med(v []measure, f func(measure) time.Duration) time.Duration {
	d := make([]time.Duration, len(v))
	for i, m := range v {
		d[i] = f(m)
	}
	return medDur(d)
}

func medDur(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func medF(v []measure, f func(measure) float64) float64 {
	s := make([]float64, len(v))
	for i, m := range v {
		s[i] = f(m)
	}
	slices.Sort(s)
	if len(s)%2 == 0 {
		return (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return s[len(s)/2]
}

func us(d time.Duration) string       { return fmt.Sprintf("%.0f µs", float64(d)/1e3) }
func signedUS(d time.Duration) string { return fmt.Sprintf("%+.0f µs", float64(d)/1e3) }
func ms(d time.Duration) string       { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func hostname() string {
	h, _ := os.Hostname()
	if h == "" {
		return "this machine"
	}
	return h
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func caddyVersion() string {
	out, err := exec.Command(os.Getenv("CADDY_MAUTIC_BENCH_CADDY"), "version").Output()
	if err != nil {
		return "?"
	}
	v, _, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	return v
}
