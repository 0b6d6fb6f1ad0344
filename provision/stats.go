package provision

import (
	"maps"
	"sync"
	"time"
)

// Stats is a snapshot of the engine for metrics and health checks.
type Stats struct {
	// Queued counts the users waiting for a batch, those in one included;
	// InFlight those in a batch now.
	Queued, InFlight int
	// Cached counts users whose contact id is remembered.
	Cached int
	// Decisions counts linked users by rule since New.
	Decisions map[Rule]uint64
	// Outcomes counts users' turns by outcome since New.
	Outcomes map[Outcome]uint64
	// Webhooks counts webhook events by effect since New.
	Webhooks map[WebhookEffect]uint64
	// AnonymousLeftBehind counts users found by email whose mtc_id cookie
	// named another, anonymous contact: its history stays there, as
	// Mautic has no API to merge contacts.
	AnonymousLeftBehind uint64
	// PausedUntil is when work resumes after Mautic or the database
	// failed or rate-limited; zero when not paused.
	PausedUntil time.Time
	// LastError is when the last failure happened, and LastErrorKind what
	// it was: "unavailable", "rate_limited", "database" or "rejected".
	LastError     time.Time
	LastErrorKind string
}

// Kinds of failure, for Stats.LastErrorKind and logs.
const (
	failUnavailable = "unavailable"
	failRateLimited = "rate_limited"
	failDatabase    = "database"
	failRejected    = "rejected"
)

// counters accumulates what Stats reports.
type counters struct {
	mu            sync.Mutex
	decisions     map[Rule]uint64
	outcomes      map[Outcome]uint64
	webhooks      map[WebhookEffect]uint64
	leftBehind    uint64
	lastError     time.Time
	lastErrorKind string
}

func newCounters() *counters {
	return &counters{
		decisions: make(map[Rule]uint64),
		outcomes:  make(map[Outcome]uint64),
		webhooks:  make(map[WebhookEffect]uint64),
	}
}

func (c *counters) decision(r Rule) {
	c.mu.Lock()
	c.decisions[r]++
	c.mu.Unlock()
}

func (c *counters) outcome(o Outcome) {
	c.mu.Lock()
	c.outcomes[o]++
	c.mu.Unlock()
}

func (c *counters) webhook(e WebhookEffect) {
	c.mu.Lock()
	c.webhooks[e]++
	c.mu.Unlock()
}

func (c *counters) anonymousLeftBehind() {
	c.mu.Lock()
	c.leftBehind++
	c.mu.Unlock()
}

func (c *counters) failure(kind string, at time.Time) {
	c.mu.Lock()
	c.lastError, c.lastErrorKind = at, kind
	c.mu.Unlock()
}

// fill copies the counters into s.
func (c *counters) fill(s *Stats) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.Decisions = maps.Clone(c.decisions)
	s.Outcomes = maps.Clone(c.outcomes)
	s.Webhooks = maps.Clone(c.webhooks)
	s.AnonymousLeftBehind = c.leftBehind
	s.LastError, s.LastErrorKind = c.lastError, c.lastErrorKind
}
