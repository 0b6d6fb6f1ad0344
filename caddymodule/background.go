package caddymodule

import (
	"context"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/internal/wait"
	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// How the background work of a state is paced.
const (
	connectMinWait   = time.Second
	connectMaxWait   = 30 * time.Second
	emailCheckEvery  = 5 * time.Minute
	emailCheckRetry  = time.Minute
	backgroundCallTO = 10 * time.Second
)

// background starts the state's own goroutines: connecting to the
// database (Caddy starts and serves pages while it is down) and checking
// Mautic's email field for the hand-over (Provision never waits for
// Mautic). Destruct stops them.
func (st *state) background(ctx context.Context) {
	if st.cfg.Database != nil {
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			st.connect(ctx)
		}()
	}
	if st.client != nil {
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			st.checkFields(ctx)
		}()
	}
}

// devicePruneEvery is how often tracked devices older than any use of
// them (the evidence window and the hand-over's device map) are deleted:
// every new browser adds a row, and a stranger can make many.
const devicePruneEvery = time.Hour

// pruneDevices deletes, at start and then every devicePruneEvery, the
// tracked devices no decision reads any more, until ctx ends.
func (st *state) pruneDevices(ctx context.Context, db *userdb.DB) {
	keep := max(st.evidenceWindow(), deviceMapTTL)
	for {
		n, err := db.PruneDevices(ctx, time.Now().Add(-keep))
		if err != nil && ctx.Err() == nil {
			st.logFailure("database", "pruning tracked devices failed; retried later", zap.Error(err))
		} else if n > 0 {
			st.log.Debug("pruned tracked devices", zap.Int64("rows", n))
		}
		if wait.For(ctx, devicePruneEvery) != nil {
			return
		}
	}
}

// evidenceWindow is provisioning's evidence_window, or its default.
func (st *state) evidenceWindow() time.Duration {
	if p := st.cfg.Provisioning; p != nil && p.EvidenceWindow > 0 {
		return time.Duration(p.EvidenceWindow)
	}
	return provision.DefaultEvidence
}

// connect opens the application's database, retrying with backoff until it
// answers and its tables are as configured, then starts the engine (users
// queued meanwhile wait for it) and goes on pruning tracked devices.
func (st *state) connect(ctx context.Context) {
	d := st.cfg.Database
	cfg := userdb.Config{Dialect: d.Dialect, DSN: d.DSN, UserTable: d.UserTable,
		SessionTable: d.SessionTable, MaxOpenConns: d.MaxOpenConns}
	if d.Columns != nil {
		cfg.Columns = *d.Columns
	}
	delay := connectMinWait
	for attempt := 1; ; attempt++ {
		db, err := userdb.Open(ctx, cfg)
		if err == nil {
			st.db.Store(db)
			st.dbErr.Store(nil)
			st.log.Info("connected to the application's database", zap.String("dialect", db.Dialect()))
			if err := st.engine.Start(ctx); err != nil {
				st.log.Error("provisioning could not start", zap.Error(err))
			}
			st.pruneDevices(ctx, db)
			return
		}
		if ctx.Err() != nil {
			return
		}
		msg := err.Error() // userdb errors never hold the password
		st.dbErr.Store(&msg)
		st.metrics.failures.WithLabelValues("database").Inc()
		st.logFailure("database", "application's database unavailable; identity lookups and provisioning wait for it",
			zap.Int("attempt", attempt), zap.Error(err))
		if wait.For(ctx, delay/2+rand.N(delay/2+1)) != nil {
			return
		}
		delay = min(delay*2, connectMaxWait)
	}
}

// checkFields reads Mautic's contact fields, once at start and then every
// emailCheckEvery: whether tracking hits may set the email (needed by the
// hand-over; an admin's change shows within minutes, for 12 calls an
// hour), and which fields identify a contact (stripped from proxied hits).
func (st *state) checkFields(ctx context.Context) {
	for {
		next := emailCheckEvery
		callCtx, cancel := context.WithTimeout(ctx, backgroundCallTO)
		fields, err := st.client.ContactFields(callCtx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			next = emailCheckRetry
			st.logFailure("mautic", "cannot read Mautic's contact fields; will retry", zap.Error(err))
		} else {
			st.learnFields(fields)
		}
		if wait.For(ctx, next) != nil {
			return
		}
	}
}

// learnFields keeps what the request path needs of Mautic's fields.
func (st *state) learnFields(fields []mautic.Field) {
	var unique []string
	emailPublic := false
	for _, f := range fields {
		if f.IsUniqueIdentifier {
			unique = append(unique, f.Alias)
		}
		if f.Alias == "email" {
			emailPublic = f.IsPubliclyUpdatable
		}
	}
	ids := newIdentifiers(unique)
	st.ids.Store(&ids)
	st.emailAt.Store(time.Now().UnixMilli())
	if emailPublic {
		st.emailUpd.Store(emailFlagOn)
		return
	}
	if st.emailUpd.Swap(emailFlagOff) != emailFlagOff && st.cfg.Handover {
		st.log.Warn("first_party handover is on, but Mautic's email field is not publicly updatable: " +
			"the hand-over has no effect until an admin sets it (Settings > Custom Fields > Email > Publicly updatable)")
	}
}

// identifying returns the fields a proxied hit may not carry.
func (st *state) identifying() identifiers {
	if ids := st.ids.Load(); ids != nil {
		return *ids
	}
	return defaultIdentifiers
}

// addGauges adds the gauges read from the state at scrape time.
func (st *state) addGauges() {
	m, n := st.metrics, st.name
	if st.engine != nil {
		m.gauge(n, "provisioning_queue_depth", "Users waiting for a contact, those in a batch included.", func() float64 {
			return float64(st.engine.Stats().Queued)
		})
	}
	if st.client != nil {
		m.gauge(n, "budget_remaining", "Mautic API calls the budget allows now: the local bucket when one is set, else Mautic's X-RateLimit-Remaining (-1 while unknown).", func() float64 {
			return budgetLeft(st.client.BudgetState())
		})
	}
	if st.spool != nil {
		m.gauge(n, "webhook_spool_depth", "Webhook events stored and not applied yet.", func() float64 {
			return float64(st.spool.Stats().Pending)
		})
		m.gauge(n, "webhook_spool_rejected", "Webhook events moved aside because they can never be applied.", func() float64 {
			return float64(st.spool.Stats().Rejected)
		})
	}
}

// budgetLeft is how many calls the budget allows now.
func budgetLeft(b mautic.BudgetState) float64 {
	if !b.Unlimited {
		return b.LocalTokens
	}
	return float64(b.ServerRemaining)
}

// lazyStore is the engine's Store while the database may not be connected
// yet: calls fail fast until it is, which the engine treats as a database
// outage (it backs off and keeps its queue).
type lazyStore struct{ st *state }

func (l lazyStore) db() (*userdb.DB, error) {
	if db := l.st.db.Load(); db != nil {
		return db, nil
	}
	return nil, errDBNotConnected
}

func (l lazyStore) Users(ctx context.Context, ids []string) (map[string]userdb.User, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.Users(ctx, ids)
}

func (l lazyStore) UsersByEmail(ctx context.Context, emails []string) ([]userdb.User, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.UsersByEmail(ctx, emails)
}

func (l lazyStore) UsersByMauticID(ctx context.Context, contactID int) ([]userdb.User, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.UsersByMauticID(ctx, contactID)
}

func (l lazyStore) PendingUsers(ctx context.Context, since time.Time, limit int) ([]userdb.User, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.PendingUsers(ctx, since, limit)
}

func (l lazyStore) SetMauticID(ctx context.Context, userID string, contactID int) (int, error) {
	db, err := l.db()
	if err != nil {
		return 0, err
	}
	return db.SetMauticID(ctx, userID, contactID)
}

func (l lazyStore) ReplaceMauticID(ctx context.Context, from, to int) (int64, error) {
	db, err := l.db()
	if err != nil {
		return 0, err
	}
	return db.ReplaceMauticID(ctx, from, to)
}

func (l lazyStore) ClearMauticID(ctx context.Context, contactID int) (int64, error) {
	db, err := l.db()
	if err != nil {
		return 0, err
	}
	return db.ClearMauticID(ctx, contactID)
}

func (l lazyStore) Links(ctx context.Context, userIDs []string) (map[string]userdb.Link, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.Links(ctx, userIDs)
}

func (l lazyStore) PutLink(ctx context.Context, link userdb.Link) error {
	db, err := l.db()
	if err != nil {
		return err
	}
	return db.PutLink(ctx, link)
}

func (l lazyStore) DeviceContacts(ctx context.Context, devices []string, since time.Time) (map[string]int, error) {
	db, err := l.db()
	if err != nil {
		return nil, err
	}
	return db.DeviceContacts(ctx, devices, since)
}

func (l lazyStore) LockUsers(ctx context.Context, ids []string) ([]string, func(), error) {
	db, err := l.db()
	if err != nil {
		return nil, func() {}, err
	}
	return db.LockUsers(ctx, ids)
}

func (l lazyStore) SetConsent(ctx context.Context, userID string, allowed bool, at time.Time) error {
	db, err := l.db()
	if err != nil {
		return err
	}
	return db.SetConsent(ctx, userID, allowed, at)
}

// apiRoot turns the configured Mautic URL into the API root: a URL ending
// in /api is one already, any other is the site URL.
func apiRoot(raw string) (*url.URL, error) {
	u, err := parseHTTPURL(raw)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(u.Path, "/api") {
		u.Path += "/api"
	}
	u.RawPath = ""
	return u, nil
}

// siteRoot is Mautic's site URL for a configured API or site URL.
func siteRoot(raw string) (*url.URL, error) {
	u, err := apiRoot(raw)
	if err != nil {
		return nil, err
	}
	u.Path = strings.TrimSuffix(u.Path, "/api")
	return u, nil
}

// joinURL appends path to base's path.
func joinURL(base *url.URL, path string) string {
	u := *base
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	return u.String()
}
