package provision

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestScenarioQueueSurvivesRestart(t *testing.T) {
	v := newEnv(t)
	recent := v.addUsers("restart", 5)
	stale := v.f.AddUser(t, userdb.User{Email: "gone.quiet@example.org"})
	v.f.AddSession(t, stale.ID, "stale-session-token-aaaaaaaaaaaaa", time.Now().Add(24*time.Hour))
	v.f.SetSessionUpdatedAt(t, "stale-session-token-aaaaaaaaaaaaa", time.Now().Add(-60*24*time.Hour))
	noSession := v.f.AddUser(t, userdb.User{Email: "never.signed.in@example.org"})

	// The first instance queues the users and dies before Mautic answers.
	v.m.SetDown(true)
	cfg := v.config()
	first, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, u := range recent {
		first.ContactFor(context.Background(), visit(u))
	}
	waitFor(t, 5*time.Second, func() bool { return first.Stats().Outcomes[OutcomeRetry] >= 5 }, "the first instance failing")
	first.Close()
	v.m.SetDown(false)

	// The new instance gets no visit: Start finds the pending users in the
	// database (mauticId NULL, a session active within ActiveWindow).
	cfg = v.config()
	cfg.ActiveWindow = 30 * 24 * time.Hour
	v.engine(cfg)
	v.waitProvisioned(recent, 5*time.Second)
	time.Sleep(100 * time.Millisecond)
	if id := v.mauticID(stale); id != 0 {
		t.Errorf("a user inactive for 60 days was provisioned (%d)", id)
	}
	if id := v.mauticID(noSession); id != 0 {
		t.Errorf("a user without a session was provisioned (%d)", id)
	}
	if got := len(v.m.Contacts()); got != len(recent) {
		t.Errorf("%d contacts, want %d", got, len(recent))
	}
}
