package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestErrorFieldsKeepValuesOut(t *testing.T) {
	retry := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		err  error
		want []string // must appear
	}{
		{
			"validation quoting the email",
			&mautic.Error{Status: 400, Method: "POST", Path: "/contacts/batch/new", Errors: []mautic.APIError{{
				Code: 400, Message: "email: jane@example.org is invalid.", Details: map[string][]string{"email": {"jane@example.org is invalid."}, "preferred_locale": {"bad"}},
			}}},
			[]string{"POST /contacts/batch/new", "400", "email", "preferred_locale"},
		},
		{
			"rate limit",
			fmt.Errorf("wrapped: %w", &mautic.Error{Status: 429, Method: "GET", Path: "/contacts", RetryAt: retry, Errors: []mautic.APIError{{Message: "You exceeded the rate limit"}}}),
			[]string{"GET /contacts", "429", "2026-11-25"},
		},
		{
			"network cause",
			&mautic.Error{Method: "GET", Path: "/contacts", Err: errors.New("connection reset by peer")},
			[]string{"connection reset by peer"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := zapcore.NewMapObjectEncoder()
			for _, f := range errorFields(tt.err) {
				f.AddTo(enc)
			}
			text := fmt.Sprint(enc.Fields)
			if strings.Contains(text, "@") || strings.Contains(text, "exceeded") {
				t.Errorf("fields carry a value or message: %s", text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("fields %s lack %q", text, w)
				}
			}
		})
	}
	if f := errorFields(errors.New("plain")); len(f) != 1 || f[0].Type != zap.Error(nil).Type && f[0].Key != "error" {
		t.Errorf("a plain error: %v", f)
	}
}

func TestScenarioMauticDownThenBack(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	users := v.addUsers("outage", 50)
	v.m.SetDown(true)
	for _, u := range users {
		e.ContactFor(context.Background(), visit(u))
	}
	waitFor(t, 5*time.Second, func() bool { return e.Stats().Outcomes[OutcomeRetry] >= 50 }, "the outage seen")
	time.Sleep(300 * time.Millisecond) // several paused rounds
	s := e.Stats()
	if s.LastErrorKind != failUnavailable || s.Outcomes[OutcomeProvisioned] != 0 {
		t.Fatalf("during the outage: last error %q, %d provisioned", s.LastErrorKind, s.Outcomes[OutcomeProvisioned])
	}
	if s.Queued != 50 {
		t.Fatalf("%d users queued during the outage, want all 50", s.Queued)
	}
	downCalls := v.m.TotalAPICalls()

	v.m.SetDown(false)
	ids := v.waitProvisioned(users, 10*time.Second)
	for _, u := range users {
		if c := v.contactOf(u.Email); c.ID != ids[u.ID] {
			t.Fatalf("user %s: mauticId %d, contact %d", u.ID, ids[u.ID], c.ID)
		}
	}
	if got := len(v.m.Contacts()); got != 50 {
		t.Errorf("%d contacts for 50 users", got)
	}
	waitFor(t, 5*time.Second, func() bool {
		s := e.Stats()
		return s.Queued == 0 && s.Outcomes[OutcomeProvisioned] == 50
	}, "queue empty and 50 provisioned")
	// Backoff, not a hammering: a few calls per paused round at most.
	t.Logf("%d API calls during the outage", downCalls)
	if downCalls > 40 {
		t.Errorf("%d calls during the outage: the engine does not back off", downCalls)
	}
}

func TestScenarioRateLimitResetIsHonoured(t *testing.T) {
	v := newEnv(t)
	const window = 2 * time.Second
	v.m.SetRateLimit(3, window)
	// Another client of the same Mautic user spends the window's budget,
	// so the engine's client learns of the limit from a 429.
	other := v.client(nil)
	bucketStart := time.Now()
	for range 3 {
		if _, err := other.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	calls := &callLog{}
	cfg := v.config()
	cfg.Client = v.client(calls.observe)
	cfg.CallTimeout = 500 * time.Millisecond // shorter than the hold: the engine must pause itself
	e := v.engine(cfg)
	users := v.addUsers("limited", 3)
	for _, u := range users {
		e.ContactFor(context.Background(), visit(u))
	}
	v.waitProvisioned(users, window+5*time.Second)

	log := calls.all()
	first429 := time.Time{}
	n429 := 0
	for _, c := range log {
		if c.status == 429 {
			n429++
			if first429.IsZero() {
				first429 = c.at
			}
		}
	}
	if first429.IsZero() {
		t.Fatal("no 429 seen: the limit was not reached")
	}
	// X-RateLimit-Reset is in whole seconds: nothing may go out before it.
	reset := bucketStart.Add(window).Truncate(time.Second)
	for _, c := range log {
		if c.at.After(first429) && c.at.Before(reset) {
			t.Errorf("call %s at +%s, before the reset at +%s", c.route, c.at.Sub(bucketStart), reset.Sub(bucketStart))
		}
	}
	if n429 != 1 {
		t.Errorf("%d answers 429: the engine kept calling while held", n429)
	}
	s := e.Stats()
	// One paused round, not a spin: the client would refuse to send while
	// held, so the engine's own pause shows in how often users came back.
	if r := s.Outcomes[OutcomeRetry]; r > uint64(len(users)) {
		t.Errorf("%d retries for %d users: the engine did not wait for the reset", r, len(users))
	}
	if s.LastErrorKind != failRateLimited {
		t.Errorf("last error %q, want %q", s.LastErrorKind, failRateLimited)
	}
	if got := len(v.m.Contacts()); got != 3 {
		t.Errorf("%d contacts for 3 users", got)
	}
	t.Logf("calls: %d (one 429 at +%s, reset at +%s)", len(log), first429.Sub(bucketStart), reset.Sub(bucketStart))
}

func TestScenarioSlowMauticNeverHoldsRequests(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	cfg.CallTimeout = 300 * time.Millisecond
	cfg.RequestWait = 50 * time.Millisecond
	e := v.engine(cfg)
	users := v.addUsers("slow", 20)
	v.m.SetLatency(3 * time.Second)
	for _, u := range users {
		start := time.Now()
		if _, ok := e.ContactFor(context.Background(), visit(u)); ok {
			t.Fatal("answered while Mautic is slower than CallTimeout")
		}
		// Bounded by RequestWait, far from Mautic's 3 s: a loose bound, not a timing.
		if d := time.Since(start); d > time.Second {
			t.Fatalf("ContactFor took %s with Mautic answering in 3 s", d)
		}
	}
	waitFor(t, 5*time.Second, func() bool { return e.Stats().LastErrorKind == failUnavailable }, "the slowness seen as an outage")
	v.m.SetLatency(0)
	v.waitProvisioned(users, 15*time.Second)
	if d := v.duplicates(users); d != 0 {
		t.Errorf("%d duplicates after timeouts", d)
	}
}

func TestScenarioFailingUserBacksOffAndStays(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	bad := v.addUser("jösé@example.org", "José Unicode") // Mautic strips non-ASCII: no exact lookup
	good := v.addUser("fine@example.org", "Fine User")
	e.ContactFor(context.Background(), visit(bad))
	e.ContactFor(context.Background(), visit(good))
	v.waitProvisioned([]userdb.User{good}, 5*time.Second)
	waitFor(t, 5*time.Second, func() bool { return e.Stats().Outcomes[OutcomeFailed] >= 3 }, "repeated failures")
	s := e.Stats()
	if s.Queued != 1 || !e.queue.has(bad.ID) {
		t.Errorf("the failing user is not kept: %d queued", s.Queued)
	}
	if s.LastErrorKind != failRejected {
		t.Errorf("last error %q", s.LastErrorKind)
	}
	if len(v.m.ContactsByEmail(bad.Email)) != 0 || v.mauticID(bad) != 0 {
		t.Error("a contact was made for an email Mautic cannot hold")
	}
	// Backoff: attempts grow, so the failures are spaced out.
	e.queue.mu.Lock()
	attempts := e.queue.tasks[bad.ID].attempts
	e.queue.mu.Unlock()
	if attempts < 3 {
		t.Errorf("attempts %d", attempts)
	}
}

func TestScenarioPausedEngineDoesNotHoldRequests(t *testing.T) {
	v := newEnv(t)
	cfg := v.config()
	// A wait this long would hang the test if a paused engine honoured it.
	cfg.RequestWait = time.Hour
	e := v.engine(cfg)
	users := v.addUsers("paused", 2)
	v.m.SetDown(true)
	go e.ContactFor(context.Background(), visit(users[0])) // waits until the outage is seen
	waitFor(t, 10*time.Second, func() bool { return !e.Stats().PausedUntil.IsZero() }, "the outage pausing the engine")

	done := make(chan bool, 1)
	go func() {
		_, ok := e.ContactFor(context.Background(), visit(users[1]))
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("a contact was answered while Mautic is down")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ContactFor waited for a paused engine")
	}
	v.m.SetDown(false)
	v.waitProvisioned(users, 30*time.Second)
}
