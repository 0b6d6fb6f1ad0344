package fleettest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// The fault scenarios run only when FLEET_SCENARIOS=1 (scripts/
// scenarios.sh sets it); FLEET_SCENARIO_SHORT=1 shortens each phase to a
// few seconds, for CI.
func scenario(t *testing.T) {
	if os.Getenv("FLEET_SCENARIOS") != "1" {
		t.Skip("a fault scenario: run scripts/scenarios.sh (FLEET_SCENARIOS=1)")
	}
}

// phase is how long a phase of a scenario lasts: full in a full run, a
// few seconds with FLEET_SCENARIO_SHORT=1.
func phase(full time.Duration) time.Duration {
	if os.Getenv("FLEET_SCENARIO_SHORT") == "1" {
		return 4 * time.Second
	}
	return full
}

// loadStats collects page views.
type loadStats struct {
	mu     sync.Mutex
	lat    []time.Duration
	failed int
}

func (s *loadStats) add(r pageResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, r.latency)
	if r.err != nil || r.status != http.StatusOK {
		s.failed++
	}
}

func (s *loadStats) merge(o *loadStats) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, o.lat...)
	s.failed += o.failed
}

func (s *loadStats) p99() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lat) == 0 {
		return 0
	}
	l := slices.Clone(s.lat)
	slices.Sort(l)
	return l[len(l)*99/100]
}

func (s *loadStats) count() (n, failed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lat), s.failed
}

// load views pages of signed-in, provisioned users on the nodes pick
// returns, from a few paced workers, until ctx ends. A view on a node that
// is down is retried on another, as a load balancer does; only a page no
// node served counts as failed.
func (f *fleet) load(ctx context.Context, users []user, ids []int, pick func() []*node, st *loadStats) *sync.WaitGroup {
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := rand.N(len(users))
				var r pageResult
				for _, n := range pick() {
					r = f.view(context.Background(), n, &users[i], strconv.Itoa(ids[i]))
					if r.err == nil {
						break
					}
				}
				st.add(r)
				select {
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
	}
	return &wg
}

// shuffled returns the nodes alive in random order.
func (f *fleet) shuffled() []*node {
	var out []*node
	for _, n := range f.nodes {
		out = append(out, n)
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// provisionAll signs users in (spread over the nodes) and returns their
// contacts.
func (f *fleet) provisionAll(users []user) []int {
	ids := make([]int, len(users))
	parallel(len(users), 8, func(i int) { ids[i] = f.provision(f.nodes[i%len(f.nodes)], users[i]) })
	return ids
}

// onceEach counts users with exactly one contact, linked to it.
func (f *fleet) onceEach(users []user) int {
	ok := 0
	for _, u := range users {
		if cs := f.sim.ContactsByEmail(u.Email); len(cs) == 1 && cs[0].ID == f.mauticID(u) {
			ok++
		}
	}
	return ok
}

func allProvisioned(f *fleet, users []user) func() bool {
	return func() bool {
		for _, u := range users {
			if f.mauticID(u) == 0 {
				return false
			}
		}
		return true
	}
}

// TestScenarioMauticOutage: under page load, Mautic refuses connections,
// then answers 503, then takes 5 s per call; users sign in meanwhile.
func TestScenarioMauticOutage(t *testing.T) {
	scenario(t)
	f := newFleet(t, fleetOptions{nodes: 2, mauticProxy: true, provisioning: "rescan 2s"})
	users := f.addUsers(40)
	ids := f.provisionAll(users)
	d := phase(20 * time.Second)

	run := func(mode int32) (*loadStats, []user) {
		f.mproxy.set(mode)
		st := &loadStats{}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		wg := f.load(ctx, users, ids, f.shuffled, st)
		var signed []user
		for ctx.Err() == nil {
			u := f.addUsers(1)[0]
			signed = append(signed, u)
			st.add(f.view(context.Background(), f.nodes[len(signed)%2], &u, ""))
			select {
			case <-ctx.Done():
			case <-time.After(d / 5):
			}
		}
		wg.Wait()
		return st, signed
	}
	healthy, _ := run(mauticHealthy)
	outage := &loadStats{}
	var during []user
	for _, mode := range []int32{mauticRefusing, mautic503, mauticSlow} {
		st, signed := run(mode)
		outage.merge(st)
		during = append(during, signed...)
	}
	f.mproxy.set(mauticHealthy)
	recovered := time.Now()
	eventually(t, 2*time.Minute, "outage sign-ups provisioned", allProvisioned(f, during))
	after := time.Since(recovered)
	n, failed := outage.count()
	hn, hfailed := healthy.count()
	once := f.onceEach(during)
	ratio := float64(outage.p99()) / float64(healthy.p99())
	report(t, fmt.Sprintf("Mautic refusing, then 503, then 5 s/call (%s each) under page load", d),
		fmt.Sprintf("failed pages %d/%d (healthy %d/%d); p99 %d ms vs healthy %d ms (×%.2f); %d/%d outage sign-ups provisioned once, %.1f s after recovery",
			failed, n, hfailed, hn, outage.p99().Milliseconds(), healthy.p99().Milliseconds(), ratio, once, len(during), after.Seconds()))
	if failed != 0 || once != len(during) {
		t.Errorf("%d failed pages, %d of %d outage users provisioned once", failed, once, len(during))
	}
}

// TestScenarioDatabaseDown: the app database is unreachable for a while
// under page load, while webhooks arrive and users sign in.
func TestScenarioDatabaseDown(t *testing.T) {
	scenario(t)
	f := newFleet(t, fleetOptions{nodes: 2, dbProxy: true, provisioning: "rescan 2s"})
	users := f.addUsers(30)
	ids := f.provisionAll(users)
	signedUp := f.addUsers(5) // sign-ups whose first page comes during the outage
	f.sim.AddWebhook(mautictest.Webhook{URL: f.nodes[0].url(webhookPath), Secret: webhookSecret})
	d := phase(30 * time.Second)

	f.dproxy.cut()
	st := &loadStats{}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	wg := f.load(ctx, users, ids, f.shuffled, st)
	deleted := users[:5]
	before := len(f.sim.WebhookDeliveries())
	for i := range deleted {
		f.deleteContact(ids[i])
	}
	for i := range signedUp {
		st.add(f.view(context.Background(), f.nodes[i%2], &signedUp[i], ""))
	}
	<-ctx.Done()
	cancel()
	wg.Wait()
	acked := 0
	for _, dl := range f.sim.WebhookDeliveries()[before:] {
		if dl.Status == http.StatusOK {
			acked++
		}
	}
	f.dproxy.restore()
	back := time.Now()
	// A deletion leaves its users unlinked until their next page: applied
	// means no user is left on a deleted contact.
	eventually(t, 2*time.Minute, "webhooks of the outage applied and sign-ups provisioned", func() bool {
		for i, u := range deleted {
			if f.mauticID(u) == ids[i] {
				return false
			}
		}
		// The outage's sign-ups could not be identified (their sessions
		// are in the database, and a failed lookup is remembered for
		// seconds), so neither their consent nor their visit was recorded:
		// a later page of theirs, not the rescan, provisions them.
		for i := range signedUp {
			if f.mauticID(signedUp[i]) == 0 {
				f.view(context.Background(), f.nodes[i%2], &signedUp[i], "")
			}
		}
		return allProvisioned(f, signedUp)()
	})
	took := time.Since(back)
	n, failed := st.count()
	report(t, fmt.Sprintf("app database down %s under page load", d),
		fmt.Sprintf("failed pages %d/%d; %d/%d webhooks answered 2xx during the outage, all applied and %d/%d sign-ups provisioned %.1f s after it returned",
			failed, n, acked, len(deleted), f.onceEach(signedUp), len(signedUp), took.Seconds()))
	if failed != 0 || acked != len(deleted) {
		t.Errorf("%d failed pages; %d of %d webhooks acknowledged", failed, acked, len(deleted))
	}
}

// TestScenarioKillAndReload: a sign-up burst across two instances; one is
// SIGKILLed mid-burst (after accepting webhooks) and restarted; then the
// configuration of the other is reloaded mid-traffic.
func TestScenarioKillAndReload(t *testing.T) {
	scenario(t)
	f := newFleet(t, fleetOptions{nodes: 2, provisioning: "rescan 2s"})
	linked := f.addUsers(10)
	lids := f.provisionAll(linked)
	f.sim.AddWebhook(mautictest.Webhook{URL: f.nodes[0].url(webhookPath), Secret: webhookSecret})
	burst := f.addUsers(200)
	var mu sync.Mutex
	dropped := 0
	var killOnce sync.Once
	parallel(len(burst), 16, func(i int) {
		if i == len(burst)/2 {
			killOnce.Do(func() {
				for _, id := range lids {
					f.deleteContact(id)
				}
				f.nodes[0].kill()
			})
		}
		var r pageResult
		for _, n := range []*node{f.nodes[i%2], f.nodes[(i+1)%2]} {
			if n.cmd == nil {
				continue
			}
			if r = f.view(context.Background(), n, &burst[i], ""); r.err == nil {
				break
			}
		}
		if r.err != nil || r.status != http.StatusOK {
			mu.Lock()
			dropped++
			mu.Unlock()
		}
	})
	f.nodes[0].restart()
	// A user whose only page went to the killed instance may have lost
	// their consent decision with it (written just after the page), and
	// the rescan provisions only users with one on record: their next page
	// does.
	var onOld, unprovisioned int
	defer func() {
		if t.Failed() {
			t.Logf("%d users still on a deleted contact, %d burst users without a contact", onOld, unprovisioned)
		}
	}()
	eventually(t, 2*time.Minute, "burst provisioned and webhooks applied", func() bool {
		onOld, unprovisioned = 0, 0
		for i, u := range linked {
			if f.mauticID(u) == lids[i] { // unlinked until their next page
				onOld++
			}
		}
		for _, u := range burst {
			if f.mauticID(u) == 0 {
				unprovisioned++
			}
		}
		if onOld > 0 {
			return false
		}
		// Users still without a contact browse on (the restarted instance
		// may not have reached the database yet for their first try).
		parallel(len(burst), 16, func(i int) {
			if f.mauticID(burst[i]) == 0 {
				f.view(context.Background(), f.nodes[i%2], &burst[i], "")
			}
		})
		return allProvisioned(f, burst)()
	})
	once := f.onceEach(burst)
	report(t, "SIGKILL of 1 of 2 instances mid-burst (200 sign-ups, 10 webhooks just accepted), restart",
		fmt.Sprintf("%d pages not served by either; %d/%d users provisioned exactly once; %d/%d webhooks applied",
			dropped, once, len(burst), len(linked), len(linked)))

	// Reload node 1's configuration mid-traffic.
	st := &loadStats{}
	ctx, cancel := context.WithTimeout(context.Background(), phase(10*time.Second))
	only1 := func() []*node { return []*node{f.nodes[1]} }
	wg := f.load(ctx, linked, make([]int, len(linked)), only1, st)
	time.Sleep(phase(10*time.Second) / 2) // let traffic run before the reload
	f.nodes[1].extraBlock = "header X-Fleet-Reload 1"
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:"+strconv.Itoa(f.nodes[1].adm)+"/load", strings.NewReader(f.nodes[1].caddyfile()))
	req.Header.Set("Content-Type", "text/caddyfile")
	resp, err := f.client.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reload: %v %v", resp, err)
	}
	resp.Body.Close()
	took := time.Since(start)
	<-ctx.Done()
	cancel()
	wg.Wait()
	n, failed := st.count()
	report(t, "config reload (POST /load) mid-traffic",
		fmt.Sprintf("%d/%d requests failed; the reload took %d ms", failed, n, took.Milliseconds()))
	if dropped != 0 || once != len(burst) || failed != 0 {
		t.Errorf("%d dropped, %d provisioned once, %d failed at reload", dropped, once, failed)
	}
}

// TestScenarioRateLimit: Mautic allows 100 API calls per window (an hour
// in production; shortened here, the same shape), 2,000 users sign up in a
// burst.
func TestScenarioRateLimit(t *testing.T) {
	scenario(t)
	window := phase(30 * time.Second)
	f := newFleet(t, fleetOptions{nodes: 2, mauticProxy: true, wait: "0s", provisioning: "rescan 2s",
		simOpts: []mautictest.Option{mautictest.WithRateLimit(100, window)}})
	users := f.addUsers(2000)
	start := time.Now()
	parallel(len(users), 32, func(i int) { f.view(context.Background(), f.nodes[i%2], &users[i], "") })
	// Two full windows.
	time.Sleep(2*window - time.Since(start))
	elapsed := time.Since(start)
	provisioned := 0
	for _, u := range users {
		if f.mauticID(u) != 0 {
			provisioned++
		}
	}
	calls := f.sim.TotalAPICalls()
	limited, early := f.mproxy.rateLimitCounts()
	dups := 0
	for _, u := range users {
		if len(f.sim.ContactsByEmail(u.Email)) > 1 {
			dups++
		}
	}
	perWindow := float64(provisioned) / (float64(elapsed) / float64(window))
	report(t, fmt.Sprintf("limiter 100 calls per %s, 2,000 sign-ups in a burst", window),
		fmt.Sprintf("%.0f users provisioned per window of 100 calls (= per hour at 100/h); %.3f API calls/user; %d 429s, %d calls before a 429's reset; %d duplicates",
			perWindow, float64(calls)/float64(max(provisioned, 1)), limited, early, dups))
	if dups != 0 {
		t.Errorf("%d duplicates", dups)
	}
}
