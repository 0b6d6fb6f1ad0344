package caddymodule

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

func init() {
	caddy.RegisterModule(HealthAPI{})
}

// How the health route checks Mautic: one authenticated call, at most once
// per pingEvery per instance, so that a busy monitor does not spend the
// request budget.
const (
	pingEvery   = 5 * time.Second
	pingTimeout = 5 * time.Second
)

// HealthAPI is the admin.api.mautic module: GET /mautic/health on Caddy's
// admin endpoint answers one JSON document per configured instance, with
// status 200 when every Mautic and database answers and 503 otherwise.
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

// MauticHealth is the result of one authenticated call to Mautic.
type MauticHealth struct {
	URL       string  `json:"url"`
	Reachable bool    `json:"reachable"`
	LatencyMS float64 `json:"latency_ms,omitempty"`
	Version   string  `json:"version,omitempty"`
	Error     string  `json:"error,omitempty"`
	CheckedAt string  `json:"checked_at"`
	// BudgetLeft is how many calls the budget allows now (-1: unknown).
	BudgetLeft float64 `json:"budget_left"`
	// EmailPubliclyUpdatable is Mautic's flag the hand-over needs; null
	// until it was read.
	EmailPubliclyUpdatable *bool `json:"email_publicly_updatable"`
	Handover               bool  `json:"handover"`
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
		out.OK = out.OK && out.Mautic.Reachable
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
	p := st.ping.get(ctx, st.client)
	base, _ := apiRoot(st.cfg.API.URL)
	m := &MauticHealth{URL: base.Redacted(), Reachable: p.err == nil, Version: p.res.Version,
		CheckedAt: p.at.UTC().Format(time.RFC3339), BudgetLeft: budgetLeft(st.client.BudgetState()), Handover: st.cfg.Handover}
	if p.err == nil {
		m.LatencyMS = float64(p.res.Latency.Microseconds()) / 1000
	} else {
		m.Error = p.err.Error() // mautic errors never hold credentials
	}
	switch st.emailUpd.Load() {
	case emailFlagOn:
		m.EmailPubliclyUpdatable = ptr(true)
	case emailFlagOff:
		m.EmailPubliclyUpdatable = ptr(false)
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

// pingCache remembers the last Ping of Mautic for pingEvery; concurrent
// health requests share one call.
type pingCache struct {
	mu  sync.Mutex
	at  time.Time
	res mautic.PingResult
	err error
}

type pingResult struct {
	at  time.Time
	res mautic.PingResult
	err error
}

func (c *pingCache) get(ctx context.Context, client *mautic.Client) pingResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() || time.Since(c.at) >= pingEvery {
		callCtx, cancel := context.WithTimeout(ctx, pingTimeout)
		c.res, c.err = client.Ping(callCtx)
		cancel()
		c.at = time.Now()
	}
	return pingResult{at: c.at, res: c.res, err: c.err}
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
