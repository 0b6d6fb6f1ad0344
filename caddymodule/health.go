package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

func init() {
	caddy.RegisterModule(HealthAPI{})
}

// How the health route learns of Mautic: from the last call real traffic
// made, when it is younger than idleProbeAfter; else from one cheap probe
// (mautic.Client.Ping), at most once per idleProbeAfter per instance. A
// busy site's monitor thus spends no API budget, an idle one's at most 60
// calls an hour.
const (
	idleProbeAfter = time.Minute
	pingTimeout    = 5 * time.Second
)

// HealthAPI is the admin.api.mautic module: GET /mautic/health on Caddy's
// admin endpoint answers one JSON document per configured instance, with
// status 200 when every Mautic and database answers (a Mautic that holds
// calls for its rate limit is "degraded", not down) and 503 otherwise.
type HealthAPI struct{}

// CaddyModule returns the Caddy module information.
func (HealthAPI) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.mautic",
		New: func() caddy.Module { return new(HealthAPI) },
	}
}

// Routes returns the health route.
func (HealthAPI) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{{Pattern: "/mautic/health", Handler: caddy.AdminHandlerFunc(serveHealth)}}
}

// HealthReport is the health of the instances, as served by the route.
type HealthReport struct {
	OK        bool             `json:"ok"`
	Instances []InstanceHealth `json:"instances"`
}

// InstanceHealth is one instance's health document.
type InstanceHealth struct {
	Instance     string              `json:"instance"`
	OK           bool                `json:"ok"`
	Mautic       *MauticHealth       `json:"mautic,omitempty"`
	Database     *DatabaseHealth     `json:"database,omitempty"`
	Provisioning *ProvisioningHealth `json:"provisioning,omitempty"`
	Webhook      *WebhookHealth      `json:"webhook,omitempty"`
}

// MauticHealth is the outcome of the last call to Mautic: real traffic's
// when there was some recently, else an idle probe's.
type MauticHealth struct {
	URL string `json:"url"`
	// Status is "up", "degraded" (Mautic holds calls for its rate limit
	// until RateLimitedUntil: nothing is lost, work waits) or "down".
	Status           string  `json:"status"`
	RateLimitedUntil *string `json:"rate_limited_until,omitempty"`
	Reachable        bool    `json:"reachable"`
	LatencyMS        float64 `json:"latency_ms,omitempty"`
	Version          string  `json:"version,omitempty"`
	Error            string  `json:"error,omitempty"`
	// CheckedAt is when that call was made; Source says whether it was
	// real traffic ("traffic") or the health route's own probe ("probe").
	CheckedAt string `json:"checked_at"`
	Source    string `json:"source,omitempty"`
	// BudgetLeft is how many calls the budget allows now (-1: unknown).
	BudgetLeft float64 `json:"budget_left"`
	// EmailPubliclyUpdatable is Mautic's flag the hand-over needs; null
	// until it was read.
	EmailPubliclyUpdatable *bool `json:"email_publicly_updatable"`
	// EmailCheckedAt is when that flag was last read from Mautic.
	EmailCheckedAt *string `json:"email_publicly_updatable_checked_at,omitempty"`
	Handover       bool    `json:"handover"`
}

// DatabaseHealth is the application's database.
type DatabaseHealth struct {
	Connected bool   `json:"connected"`
	Reachable bool   `json:"reachable"`
	Error     string `json:"error,omitempty"`
}

// ProvisioningHealth is the linking engine's queue.
type ProvisioningHealth struct {
	Queued        int     `json:"queued"`
	InFlight      int     `json:"in_flight"`
	Cached        int     `json:"cached"`
	PausedUntil   *string `json:"paused_until,omitempty"`
	LastError     *string `json:"last_error,omitempty"`
	LastErrorKind string  `json:"last_error_kind,omitempty"`
}

// WebhookHealth is the webhook spool.
type WebhookHealth struct {
	SpoolDepth int     `json:"spool_depth"`
	Oldest     *string `json:"oldest,omitempty"`
	Rejected   int     `json:"rejected"`
}

// serveHealth answers GET /mautic/health.
func serveHealth(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return caddy.APIError{HTTPStatus: http.StatusMethodNotAllowed, Message: "use GET"}
	}
	var states []*state
	pool.Range(func(_, v any) bool {
		if st, ok := v.(*state); ok {
			states = append(states, st)
		}
		return true
	})
	rep := HealthReport{OK: true, Instances: make([]InstanceHealth, len(states))}
	var wg sync.WaitGroup
	for i, st := range states {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep.Instances[i] = st.health(r.Context())
		}()
	}
	wg.Wait()
	sort.Slice(rep.Instances, func(i, j int) bool { return rep.Instances[i].Instance < rep.Instances[j].Instance })
	for _, in := range rep.Instances {
		rep.OK = rep.OK && in.OK
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !rep.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	return json.NewEncoder(w).Encode(rep)
}

// health reports on one instance.
func (st *state) health(ctx context.Context) InstanceHealth {
	out := InstanceHealth{Instance: st.name, OK: true}
	if st.client != nil {
		out.Mautic = st.mauticHealth(ctx)
		out.OK = out.OK && out.Mautic.Status != "down"
	}
	if st.cfg.Database != nil {
		out.Database = st.databaseHealth(ctx)
		out.OK = out.OK && out.Database.Reachable
	}
	if st.engine != nil {
		s := st.engine.Stats()
		out.Provisioning = &ProvisioningHealth{Queued: s.Queued, InFlight: s.InFlight, Cached: s.Cached,
			PausedUntil: timeOrNil(s.PausedUntil), LastError: timeOrNil(s.LastError), LastErrorKind: s.LastErrorKind}
	}
	if st.spool != nil {
		s := st.spool.Stats()
		out.Webhook = &WebhookHealth{SpoolDepth: s.Pending, Oldest: timeOrNil(s.Oldest), Rejected: s.Rejected}
	}
	return out
}

func (st *state) mauticHealth(ctx context.Context) *MauticHealth {
	o := st.ping.get(ctx, st.client)
	base, _ := apiRoot(st.cfg.API.URL)
	budget := st.client.BudgetState()
	m := &MauticHealth{URL: base.Redacted(), Status: "up", Reachable: o.err == nil, Version: st.ping.version(),
		CheckedAt: o.at.UTC().Format(time.RFC3339), Source: "traffic", BudgetLeft: budgetLeft(budget), Handover: st.cfg.Handover}
	if o.probe {
		m.Source = "probe"
	}
	if o.err == nil {
		m.LatencyMS = float64(o.latency.Microseconds()) / 1000
	} else {
		m.Error = o.err.Error() // mautic errors never hold credentials
		m.Status = "down"
	}
	held := budget.HeldUntil
	if e, ok := o.err.(*mautic.Error); ok && mautic.IsRateLimited(o.err) && e.RetryAt.After(held) {
		held = e.RetryAt
	}
	if held.After(time.Now()) || mautic.IsRateLimited(o.err) {
		// Mautic answered; it only asks us to wait. Nothing is lost.
		m.Status, m.Reachable = "degraded", true
		m.RateLimitedUntil = timeOrNil(held)
	}
	switch st.emailUpd.Load() {
	case emailFlagOn:
		m.EmailPubliclyUpdatable = ptr(true)
	case emailFlagOff:
		m.EmailPubliclyUpdatable = ptr(false)
	}
	if ms := st.emailAt.Load(); ms != 0 {
		m.EmailCheckedAt = timeOrNil(time.UnixMilli(ms))
	}
	return m
}

func (st *state) databaseHealth(ctx context.Context) *DatabaseHealth {
	d := &DatabaseHealth{}
	db := st.db.Load()
	if db == nil {
		d.Error = errDBNotConnected.Error()
		if e := st.dbErr.Load(); e != nil {
			d.Error = *e
		}
		return d
	}
	d.Connected = true
	if err := db.Ping(ctx); err != nil {
		d.Error = err.Error()
		return d
	}
	d.Reachable = true
	return d
}

// pingCache is what health knows of Mautic: the outcome of the last call,
// real traffic's (recorded by observe) or a probe's.
type pingCache struct {
	last atomic.Pointer[callOutcome]
	ver  atomic.Pointer[string] // the last Mautic-Version seen
	mu   sync.Mutex             // one probe at a time
}

// callOutcome is one call to Mautic as health reports it.
type callOutcome struct {
	at      time.Time
	err     error
	latency time.Duration
	probe   bool
}

// observe records an attempt of real traffic (mautic.Config.Observe).
func (c *pingCache) observe(call mautic.Call) {
	c.last.Store(&callOutcome{at: time.Now(), err: call.Err, latency: call.Duration})
	if call.Version != "" {
		c.ver.Store(&call.Version)
	}
}

func (c *pingCache) version() string {
	if v := c.ver.Load(); v != nil {
		return *v
	}
	return ""
}

// get returns the last outcome when it is recent, else probes Mautic once.
// It does not probe while Mautic holds calls for its rate limit: the probe
// would only wait, or spend the first call allowed again.
func (c *pingCache) get(ctx context.Context, client *mautic.Client) callOutcome {
	if o := c.recent(); o != nil {
		return *o
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if o := c.recent(); o != nil {
		return *o
	}
	if held := client.BudgetState().HeldUntil; held.After(time.Now()) {
		if o := c.last.Load(); o != nil {
			return *o
		}
		return callOutcome{at: time.Now(), err: &mautic.Error{Status: http.StatusTooManyRequests, RetryAt: held}}
	}
	callCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	res, err := client.Ping(callCtx)
	cancel()
	o := &callOutcome{at: time.Now(), err: err, latency: res.Latency, probe: true}
	c.last.Store(o)
	return *o
}

func (c *pingCache) recent() *callOutcome {
	if o := c.last.Load(); o != nil && time.Since(o.at) < idleProbeAfter {
		return o
	}
	return nil
}

func timeOrNil(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

func ptr[T any](v T) *T { return &v }

// Interface guard.
var _ caddy.AdminRouter = HealthAPI{}
