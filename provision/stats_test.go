package provision

import (
	"testing"
	"time"
)

func TestStatsAreSnapshots(t *testing.T) {
	c := newCounters()
	c.decision(RuleEmail)
	c.outcome(OutcomeProvisioned)
	c.webhook(EffectLinked)
	c.anonymousLeftBehind()
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	c.failure(failRateLimited, at)

	var s Stats
	c.fill(&s)
	if s.Decisions[RuleEmail] != 1 || s.Outcomes[OutcomeProvisioned] != 1 || s.Webhooks[EffectLinked] != 1 ||
		s.AnonymousLeftBehind != 1 || !s.LastError.Equal(at) || s.LastErrorKind != failRateLimited {
		t.Fatalf("stats %+v", s)
	}
	s.Decisions[RuleEmail] = 99 // the caller's copy
	c.decision(RuleEmail)
	var again Stats
	c.fill(&again)
	if again.Decisions[RuleEmail] != 2 {
		t.Errorf("a snapshot shares its map with the counters: %d", again.Decisions[RuleEmail])
	}
}

func TestEngineStatsCountQueue(t *testing.T) {
	e := offlineEngine(t)
	e.queue.push("a", kindProvision, hint{}, time.Now())
	e.queue.push("b", kindProvision, hint{}, time.Now())
	e.queue.take(1, time.Now())
	e.cache.set("c", linked{contactID: 1})
	e.pause.failed(time.Now(), time.Now().Add(time.Hour))
	s := e.Stats()
	if s.Queued != 2 || s.InFlight != 1 || s.Cached != 1 || s.PausedUntil.IsZero() {
		t.Errorf("stats %+v", s)
	}
}
