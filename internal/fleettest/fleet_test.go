package fleettest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// propagationBound is the stated bound for a webhook applied on one
// instance to take effect on every other: the change feed's 1 s poll,
// with room for a loaded CI machine.
const propagationBound = 5 * time.Second

// deleteContact deletes a contact through the simulator's API; its
// webhooks are posted (and answered) before the call returns.
func (f *fleet) deleteContact(id int) {
	req, _ := http.NewRequest(http.MethodDelete, f.sim.APIURL()+"/contacts/"+strconv.Itoa(id)+"/delete", nil)
	req.SetBasicAuth("admin", "mautic")
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		f.t.Fatalf("deleting contact %d: %s", id, resp.Status)
	}
}

// provision signs u in on node n and returns the contact it was given.
func (f *fleet) provision(n *node, u user) int {
	f.t.Helper()
	r := f.view(context.Background(), n, &u, "")
	if r.err != nil || r.status != 200 || r.mtcID == "" {
		f.t.Fatalf("first page of %s on node %d: %+v", u.ID, n.i, r)
	}
	id, _ := strconv.Atoi(r.mtcID)
	return id
}

// TestFleetWebhookTakesEffectOnEveryInstance: a contact deleted in
// Mautic, whose webhook reaches instance 0 only, stops being answered by
// instances 1 and 2 within propagationBound, without a Mautic call of
// their own; the user's next signed-in page (on any instance) gives them
// a new contact, which every instance then answers.
func TestFleetWebhookTakesEffectOnEveryInstance(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *dbtest.Fixture
	}{{"mysql", dbtest.MySQL}, {"postgres", dbtest.Postgres}} {
		t.Run(db.name, func(t *testing.T) {
			f := newFleet(t, fleetOptions{nodes: 3, db: db.open})
			u := f.addUsers(1)[0]
			old := f.provision(f.nodes[0], u)
			for _, n := range f.nodes[1:] { // both cache the user on old
				if r := f.view(context.Background(), n, &u, strconv.Itoa(old)); r.status != 200 || r.mtcID != "" {
					t.Fatalf("node %d: %+v; want the page, mtc_id left alone", n.i, r)
				}
			}
			f.sim.AddWebhook(mautictest.Webhook{URL: f.nodes[0].url(webhookPath), Secret: webhookSecret})
			start := time.Now()
			f.deleteContact(old)
			for _, d := range f.sim.WebhookDeliveries() {
				if d.Status != 200 {
					t.Fatalf("webhook answered %d", d.Status)
				}
			}
			// Instance 0 confirms the deletion with Mautic and unlinks the
			// user; nobody makes a contact for them until they come back.
			eventually(t, 30*time.Second, "the deletion applied", func() bool { return f.mauticID(u) == 0 })
			calls := f.sim.TotalAPICalls()
			// A page on 1 or 2 with no mtc_id cookie would be given the
			// cached contact: once the change feed reached them, it never
			// is. That page is also the user coming back.
			var worst time.Duration
			for _, n := range f.nodes[1:] {
				eventually(t, propagationBound, fmt.Sprintf("node %d stops answering the deleted contact", n.i), func() bool {
					r := f.view(context.Background(), n, &u, "")
					return r.status == 200 && r.mtcID != strconv.Itoa(old)
				})
				worst = max(worst, time.Since(start))
			}
			learnt := f.sim.TotalAPICalls() - calls
			var fresh int
			eventually(t, 30*time.Second, "user provisioned again after their visit", func() bool {
				fresh = f.mauticID(u)
				return fresh != 0 && fresh != old
			})
			for _, n := range f.nodes {
				eventually(t, propagationBound, fmt.Sprintf("node %d answers the new contact", n.i), func() bool {
					r := f.view(context.Background(), n, &u, "")
					return r.mtcID == strconv.Itoa(fresh)
				})
			}
			if learnt > provisionCalls {
				t.Errorf("%d Mautic calls between the deletion and the user's new contact; want at most the %d of one provisioning", learnt, provisionCalls)
			}
			report(t, "webhook on instance 0 → effect on 1 and 2 ("+db.name+")",
				fmt.Sprintf("%.2f s from webhook to both (bound %s); %d Mautic calls until then, all by the user's own re-provisioning", worst.Seconds(), propagationBound, learnt))
		})
	}
}

// provisionCalls bounds the Mautic calls of provisioning one user: an
// email lookup and a create.
const provisionCalls = 3

// TestFleetKillingTheAcceptingInstanceLosesNoWebhook: webhooks answered
// 2xx by instance 0, which is then SIGKILLed and its disk thrown away,
// are all applied by instance 1.
func TestFleetKillingTheAcceptingInstanceLosesNoWebhook(t *testing.T) {
	f := newFleet(t, fleetOptions{nodes: 2})
	users := f.addUsers(20)
	olds := make([]int, len(users))
	for i, u := range users {
		olds[i] = f.provision(f.nodes[i%2], u)
	}
	f.sim.AddWebhook(mautictest.Webhook{URL: f.nodes[0].url(webhookPath), Secret: webhookSecret})
	for _, id := range olds {
		f.deleteContact(id)
	}
	// Each delete's webhook was answered before its call returned.
	delivered := f.sim.WebhookDeliveries()
	f.nodes[0].kill()
	_ = os.RemoveAll(f.nodes[0].dir + "/spool") // disk lost
	acked := 0
	for _, d := range delivered {
		if d.Status != 200 {
			t.Fatalf("a webhook was answered %d", d.Status)
		}
		acked++ // the deletes, and the creates of users provisioned again
	}
	if acked < len(olds) {
		t.Fatalf("%d webhooks acknowledged before the kill; want at least %d", acked, len(olds))
	}
	// Applied: no user is left on a deleted contact.
	applied := eventually(t, 60*time.Second, "every delete applied", func() bool {
		for i, u := range users {
			if f.mauticID(u) == olds[i] {
				return false
			}
		}
		return true
	})
	// Deleted means deleted until the person comes back: each user's next
	// page on the survivor provisions them again.
	for i := range users {
		if r := f.view(context.Background(), f.nodes[1], &users[i], ""); r.status != 200 {
			t.Fatalf("page of %s on the survivor: %+v", users[i].ID, r)
		}
	}
	relinked := eventually(t, time.Minute, "every user provisioned again after a visit", func() bool {
		for i, u := range users {
			if id := f.mauticID(u); id == 0 || id == olds[i] {
				return false
			}
		}
		return true
	})
	report(t, "SIGKILL of the instance that accepted 20 webhooks (disk lost)",
		fmt.Sprintf("%d acknowledged; all applied by the survivor within %.1f s (bound: 10 s lease + 1 s poll + deletion check); users re-provisioned %.1f s after their next page",
			acked, applied.Seconds(), relinked.Seconds()))
}

// TestFleetThousandSignUpsOneContactEach: 1,000 users sign in across 3
// instances at once, each on two instances together, with the
// simulator's create race open: every user ends with exactly one contact.
func TestFleetThousandSignUpsOneContactEach(t *testing.T) {
	n := 1000
	if os.Getenv("FLEET_USERS") != "" {
		n, _ = strconv.Atoi(os.Getenv("FLEET_USERS"))
	}
	f := newFleet(t, fleetOptions{nodes: 3, simOpts: []mautictest.Option{mautictest.WithCreateRaceWindow(50 * time.Millisecond)}})
	users := f.addUsers(n)
	var failed atomic.Int32
	start := time.Now()
	parallel(len(users), 48, func(i int) {
		u := users[i]
		done := make(chan pageResult, 2)
		for k := range 2 {
			go func() { done <- f.view(context.Background(), f.nodes[(i+k)%3], &u, "") }()
		}
		for range 2 {
			if r := <-done; r.err != nil || r.status != 200 {
				failed.Add(1)
			}
		}
	})
	eventually(t, 3*time.Minute, "every user provisioned", func() bool {
		for _, u := range users {
			if f.mauticID(u) == 0 {
				return false
			}
		}
		return true
	})
	took := time.Since(start)
	dups, twice := 0, 0
	for _, u := range users {
		cs := f.sim.ContactsByEmail(u.Email)
		if len(cs) != 1 {
			dups++
			continue
		}
		if cs[0].ID != f.mauticID(u) {
			twice++
		}
	}
	if failed.Load() != 0 || dups != 0 || twice != 0 {
		t.Fatalf("%d failed pages, %d users with other than one contact, %d linked to a contact not theirs", failed.Load(), dups, twice)
	}
	report(t, fmt.Sprintf("%d sign-ups across 3 instances, create race open", n),
		fmt.Sprintf("0 duplicates, 0 double links, all provisioned in %.1f s, %.2f API calls/user", took.Seconds(), float64(f.sim.TotalAPICalls())/float64(n)))
}

// report prints one row of the scenario table (scripts/scenarios.sh
// collects them).
func report(t testing.TB, scenario, figure string) {
	t.Helper()
	fmt.Printf("SCENARIO| %s | %s |\n", scenario, figure)
}

// TestFleetWebhookStoredOnceAndNeverForged: the attacker's forged webhook
// is refused before anything is stored; a signed one is stored once, and
// its replay to another instance is recognised as the same event.
func TestFleetWebhookStoredOnceAndNeverForged(t *testing.T) {
	f := newFleet(t, fleetOptions{nodes: 2})
	rows := func() int {
		var n int
		if err := f.db.DB.QueryRow("SELECT COUNT(*) FROM caddy_mautic_webhooks").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	body := []byte(`{"mautic.lead_post_delete":[{"id":424242,"timestamp":"2026-12-02T10:00:00+00:00"}]}`)
	post := func(n *node, sig string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, n.url(webhookPath), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(mautic.WebhookSignatureHeader, sig)
		}
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, sig := range []string{"", mautic.SignWebhook(body, "guessed-secret"), mautic.SignWebhook(append(body, ' '), webhookSecret)} {
		if status, _ := post(f.nodes[0], sig); status != http.StatusUnauthorized {
			t.Fatalf("forged webhook answered %d; want 401", status)
		}
	}
	if n := rows(); n != 0 {
		t.Fatalf("%d rows after forged webhooks; want 0", n)
	}
	sig := mautic.SignWebhook(body, webhookSecret)
	if status, answer := post(f.nodes[0], sig); status != 200 || !strings.Contains(answer, "stored") {
		t.Fatalf("signed webhook: %d %s", status, answer)
	}
	if status, answer := post(f.nodes[1], sig); status != 200 || !strings.Contains(answer, "already_") {
		t.Fatalf("replay to the other instance: %d %s; want already_pending or already_applied", status, answer)
	}
	if n := rows(); n != 1 {
		t.Fatalf("%d rows for one event sent twice to two instances; want 1", n)
	}
}
