package provision

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

func TestHooksSeeDecisionsAndOutcomes(t *testing.T) {
	v := newEnv(t)
	var mu sync.Mutex
	decisions := map[Rule]int{}
	outcomes := map[Outcome]int{}
	cfg := v.config()
	cfg.Hooks = Hooks{
		Decision: func(r Rule) { mu.Lock(); decisions[r]++; mu.Unlock() },
		Outcome:  func(o Outcome) { mu.Lock(); outcomes[o]++; mu.Unlock() },
	}
	e := v.engine(cfg)
	v.m.AddContact(map[string]string{"email": "hooked.old@example.org"})
	users := []userdb.User{v.addUser("hooked.new@example.org", "New"), v.addUser("hooked.old@example.org", "Old")}
	for _, u := range users {
		e.ContactFor(context.Background(), visit(u))
	}
	v.waitProvisioned(users, 5*time.Second)
	waitFor(t, time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return outcomes[OutcomeProvisioned] == 2 }, "two outcomes")
	mu.Lock()
	defer mu.Unlock()
	if decisions[RuleCreate] != 1 || decisions[RuleEmail] != 1 || len(decisions) != 2 {
		t.Errorf("decisions %v, want one create and one email", decisions)
	}
	if len(outcomes) != 1 {
		t.Errorf("outcomes %v, want provisioned only", outcomes)
	}
}
