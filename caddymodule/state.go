package caddymodule

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/exp/zapslog"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision"
	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
	"github.com/caddy-mautic/caddy-mautic/provision/spool"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// pool holds the state that outlives a configuration reload, keyed by a
// hash of the configuration it was built from. It is the module's only
// global.
var pool = caddy.NewUsagePool()

// stateConfig is the part of the configuration the pooled state depends
// on, resolved. Two handlers with equal stateConfigs share one state.
type stateConfig struct {
	API          *APIConfig          `json:"api,omitempty"`
	BetterAuth   *BetterAuthConfig   `json:"better_auth,omitempty"`
	Database     *DatabaseConfig     `json:"database,omitempty"`
	Provisioning *ProvisioningConfig `json:"provisioning,omitempty"`
	Webhook      bool                `json:"webhook,omitempty"`
	WebhookPath  string              `json:"webhook_path,omitempty"`
	SpoolDir     string              `json:"spool_dir,omitempty"`
	Handover     bool                `json:"handover,omitempty"`
}

func newStateConfig(c Handler) stateConfig {
	sc := stateConfig{API: c.API, BetterAuth: c.BetterAuth, Database: c.Database, Provisioning: c.Provisioning}
	if c.Webhook != nil {
		sc.Webhook = true
		sc.WebhookPath = c.webhookPath()
		sc.SpoolDir = c.Webhook.SpoolDir
	}
	if c.FirstParty != nil {
		sc.Handover = c.FirstParty.Handover
	}
	return sc
}

// poolKey hashes the whole stateConfig, secrets included: a new password
// makes a new client. The hash is never shown.
func (sc stateConfig) poolKey() string {
	b, _ := json.Marshal(sc)
	sum := sha256.Sum256(b)
	return "mautic-state:" + hex.EncodeToString(sum[:])
}

// dsnCredentials matches the user:password@ part of a DSN, URL or driver
// style.
var dsnCredentials = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*://)?[^@/]*@`)

// instanceName names the instance in metrics, health and the spool folder:
// Mautic's URL, the database without credentials and the webhook path,
// hashed. It stays the same when only a secret or a tuning value changes,
// so events spooled before such a change are still found.
func (sc stateConfig) instanceName() string {
	var parts []string
	if sc.API != nil {
		parts = append(parts, "api="+sc.API.URL)
	}
	if sc.Database != nil {
		dialect, _ := userdb.DialectOf(sc.Database.Dialect, sc.Database.DSN)
		parts = append(parts, "db="+dialect+" "+dsnCredentials.ReplaceAllString(sc.Database.DSN, "$1@"))
	}
	parts = append(parts, "webhook="+sc.WebhookPath)
	b, _ := json.Marshal(parts)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// state is one instance's long-lived parts: Mautic client, identity
// resolver, database, linking engine, webhook spool, metrics. Destruct
// stops and closes all of them.
type state struct {
	name    string
	core    *swapCore
	log     *zap.Logger
	cfg     stateConfig
	metrics *metrics
	quiet   *logThrottle

	client   *mautic.Client       // nil without api
	resolver *betterauth.Resolver // nil without better_auth
	engine   *provision.Engine    // nil without database
	spool    *spool.Shared        // nil without webhook
	db       atomic.Pointer[userdb.DB]
	dbErr    atomic.Pointer[string] // the last connection error, for health
	sigFails *failureLimiter
	devices  *deviceMap
	proxy    *http.Transport
	emailUpd atomic.Int32                // emailFlagUnknown, emailFlagOn, emailFlagOff
	emailAt  atomic.Int64                // when emailUpd was last read from Mautic, Unix ms
	ids      atomic.Pointer[identifiers] // Mautic's unique identifiers, once read
	secrets  secretWatch                 // tells a wrong better_auth secret from forgeries
	ping     pingCache

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// The states of Mautic's email field's isPubliclyUpdatable flag.
const (
	emailFlagUnknown int32 = iota
	emailFlagOn
	emailFlagOff
)

var errDBNotConnected = errors.New("mautic: the application's database is not connected yet")

// newState builds a state and starts its background work.
func newState(sc stateConfig, log *zap.Logger) (*state, error) {
	st := &state{cfg: sc, name: sc.instanceName(), quiet: newLogThrottle(failureLogInterval),
		sigFails: newFailureLimiter(failedSigEvery, failedSigBurst, failedSigMaxIPs, failedSigForget),
		devices:  newDeviceMap(deviceMapSize, deviceMapTTL), proxy: newProxyTransport()}
	st.core = newSwapCore(log.Core())
	st.log = zap.New(st.core).Named("http.handlers.mautic").With(zap.String("instance", st.name))
	st.metrics = newMetrics(st.name)
	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	for _, open := range []func() error{st.openClient, st.openResolver, st.openEngine, st.openSpool} {
		if err := open(); err != nil {
			_ = st.Destruct()
			return nil, err
		}
	}
	st.addGauges()
	st.background(ctx)
	return st, nil
}

func (st *state) openClient() error {
	a := st.cfg.API
	if a == nil {
		return nil
	}
	base, err := apiRoot(a.URL)
	if err != nil {
		return err
	}
	var auth mautic.Auth
	if a.BasicAuth != nil {
		auth = mautic.BasicAuth{Username: a.BasicAuth.Username, Password: a.BasicAuth.Password}
	} else {
		auth = mautic.OAuth2{ClientID: a.OAuth2.ClientID, ClientSecret: a.OAuth2.ClientSecret, TokenURL: a.OAuth2.TokenURL}
	}
	cfg := mautic.Config{
		BaseURL: base.String(), Auth: auth, Timeout: time.Duration(a.Timeout),
		Logger: slogOf(st.log.Named("api")), Observe: st.observeCall,
	}
	if b := a.Budget; b != nil {
		cfg.Budget = mautic.Budget{Requests: b.Requests, Per: time.Duration(b.Per), Burst: b.Burst}
	}
	st.client, err = mautic.New(cfg)
	return err
}

func (st *state) openResolver() error {
	b := st.cfg.BetterAuth
	if b == nil {
		return nil
	}
	mode, err := parseSecureMode(b.SecureCookies)
	if err != nil {
		return err
	}
	bearer, err := parseBearerMode(b.Bearer)
	if err != nil {
		return err
	}
	cfg := betterauth.Config{
		Secrets: b.Secrets, CookiePrefix: b.CookiePrefix, SecureCookies: mode, Bearer: bearer, CacheTTL: time.Duration(b.CacheTTL),
		OnReject: func(reason betterauth.Reason, _ error) {
			st.metrics.identityRejected.WithLabelValues(string(reason)).Inc()
			switch reason {
			case betterauth.RejectLookupFailed, betterauth.RejectJWKSUnavailable:
				st.metrics.failures.WithLabelValues("identity").Inc()
				st.logFailure("identity", "identity source unavailable; the request is served as anonymous", zap.String("reason", string(reason)))
			case betterauth.RejectTokenSignature, betterauth.RejectCacheSignature:
				// A wrong secret fails every signed-in user; forged input
				// fails a few requests while others verify.
				if st.secrets.failedNow() {
					st.logFailure("identity_signature", "Better Auth cookies keep failing to verify and none verified lately: the better_auth secret likely differs from the app's BETTER_AUTH_SECRET; requests are served as anonymous",
						zap.String("reason", string(reason)))
				} else if ce := st.log.Check(zap.DebugLevel, "invalid_signature"); ce != nil {
					ce.Write(zap.String("reason", string(reason)))
				}
			case betterauth.RejectUnknownKey, betterauth.RejectJWTInvalid:
				// Forged or foreign tokens: counted, not an outage.
				if ce := st.log.Check(zap.DebugLevel, "invalid_signature"); ce != nil {
					ce.Write(zap.String("reason", string(reason)))
				}
			}
		},
	}
	if b.Upstream != "" {
		up, _ := parseHTTPURL(b.Upstream)
		if p := orDefault(b.JWKSPath, "/api/auth/jwks"); p != "off" {
			cfg.JWKSURL = joinURL(up, p)
		}
		if st.cfg.Database == nil {
			cfg.GetSessionURL = joinURL(up, orDefault(b.GetSessionPath, "/api/auth/get-session"))
		}
	}
	if st.cfg.Database != nil {
		cfg.LookupSession = st.lookupSession
	}
	st.resolver, err = betterauth.New(cfg)
	return err
}

// lookupSession finds a session in the application's database, for the
// resolver.
func (st *state) lookupSession(ctx context.Context, token string) (betterauth.Identity, error) {
	db := st.db.Load()
	if db == nil {
		return betterauth.Identity{}, errDBNotConnected
	}
	su, err := db.LookupSession(ctx, token)
	if errors.Is(err, userdb.ErrNotFound) {
		return betterauth.Identity{}, betterauth.ErrNoSession
	}
	if err != nil {
		return betterauth.Identity{}, err
	}
	return betterauth.Identity{
		UserID: su.ID, Email: su.Email, Name: su.Name, Locale: su.Locale,
		MauticID: su.MauticID, MauticIDFresh: true, ExpiresAt: su.SessionExpiresAt,
		EmailVerified: su.EmailVerified,
	}, nil
}

func (st *state) openEngine() error {
	if st.cfg.Database == nil {
		return nil
	}
	p := st.cfg.Provisioning
	if p == nil {
		p = &ProvisioningConfig{}
	}
	eng, err := provision.New(provision.Config{
		Client: st.client, Store: lazyStore{st}, Logger: st.log.Named("provision"),
		Workers: p.Workers, BatchDelay: time.Duration(p.BatchDelay), RequestWait: time.Duration(p.Wait),
		CacheTTL: time.Duration(p.CacheTTL), Locales: p.Locales, LocaleDefault: p.LocaleDefault, Rescan: time.Duration(p.Rescan),
		ActiveWindow: time.Duration(p.ActiveWindow), Hooks: st.engineHooks(),
		Changes:               lazyChanges{st},
		OnDelete:              provision.DeletePolicy(p.OnDelete),
		TrustUnverifiedEmails: p.TrustUnverifiedEmails, EvidenceWindow: time.Duration(p.EvidenceWindow),
	})
	if err != nil {
		return fmt.Errorf("mautic: provisioning: %w", err)
	}
	st.engine = eng // started once the database is connected
	return nil
}

func (st *state) openSpool() error {
	if !st.cfg.Webhook {
		return nil
	}
	dir := st.cfg.SpoolDir
	if dir == "" {
		dir = filepath.Join(caddy.AppDataDir(), "mautic", "webhooks", st.name)
	}
	// The table in the app's database is the spool every instance shares;
	// dir holds only what arrives while that database cannot take it.
	sp, err := spool.OpenShared(spool.SharedConfig{
		Store: lazyWebhookStore{st}, Dir: dir, Apply: st.applyWebhook,
		OnStoreError: func(op string, err error) {
			if op == "claim" && errors.Is(err, errDBNotConnected) {
				return // nothing can be in the table yet; connect logs why
			}
			st.metrics.failures.WithLabelValues("spool_db").Inc()
			st.logFailure("spool_db "+op, "webhook table in the app database unavailable; events arriving meanwhile are kept in the spool folder and moved into the table when it answers",
				zap.String("op", op), zap.String("dir", dir), zap.Error(err))
		},
		OnRetry: func(e spool.Entry, err error, wait time.Duration) {
			st.metrics.failures.WithLabelValues("spool").Inc()
			st.logFailure("spool", "webhook event not applied yet; retrying", zap.String("event", e.ID[:16]),
				zap.Int("attempt", e.Attempts+1), zap.Duration("retry_in", wait), zap.Error(err))
		},
		OnReject: func(e spool.Entry, reason error) {
			st.log.Error("webhook event can never be applied; kept in the spool's rejected folder",
				zap.String("event", e.ID[:16]), zap.String("dir", dir), zap.Error(reason))
		},
	})
	if err != nil {
		return fmt.Errorf("mautic: webhook spool: %w", err)
	}
	st.spool = sp
	return nil
}

// applyWebhook applies one spooled webhook body: the spool's Apply.
func (st *state) applyWebhook(ctx context.Context, e spool.Entry) error {
	payload, err := mautic.ParseWebhook(e.Body)
	if err != nil {
		return spool.Permanent(err)
	}
	res, err := st.engine.ApplyWebhook(ctx, payload)
	if err != nil {
		return err
	}
	for _, uid := range res.Users {
		st.resolver.ForgetUser(uid)
	}
	for _, t := range res.Unknown {
		if ok, n := st.quiet.allow("trigger " + t); ok {
			st.log.Warn("webhook trigger unknown to this module; ignored", zap.String("trigger", t), zap.Int("suppressed", n))
		}
	}
	return nil
}

// logFailure logs a failure of kind at most once per interval.
func (st *state) logFailure(kind, msg string, fields ...zap.Field) {
	if ok, n := st.quiet.allow(kind); ok {
		st.log.Warn(msg, append(fields, zap.String("component", kind), zap.Int("suppressed", n))...)
	}
}

// Destruct stops every goroutine of the state and closes what it opened;
// the UsagePool calls it when the last configuration using it is gone.
func (st *state) Destruct() error {
	st.cancel()
	st.wg.Wait()
	if st.spool != nil {
		_ = st.spool.Close() // first: its applier uses the engine
	}
	if st.engine != nil {
		_ = st.engine.Close()
	}
	if db := st.db.Load(); db != nil {
		_ = db.Close()
	}
	if st.resolver != nil {
		st.resolver.Close()
	}
	if st.client != nil {
		_ = st.client.Close()
	}
	st.proxy.CloseIdleConnections()
	return nil
}

// slogOf bridges a zap logger to slog, for the Mautic client.
func slogOf(l *zap.Logger) *slog.Logger {
	return slog.New(zapslog.NewHandler(l.Core(), zapslog.WithName(l.Name()), zapslog.AddStacktraceAt(slog.Level(127))))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// Interface guard.
var _ caddy.Destructor = (*state)(nil)
