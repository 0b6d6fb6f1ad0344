package provision

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// Defaults applied by New to the zero values of Config.
const (
	DefaultWorkers      = 2
	DefaultBatchSize    = mautic.MaxBatch
	DefaultBatchDelay   = 100 * time.Millisecond
	DefaultCacheTTL     = time.Hour
	DefaultRescan       = time.Minute
	DefaultActiveWindow = 30 * 24 * time.Hour
	DefaultCallTimeout  = 30 * time.Second
	DefaultRetryMin     = time.Second
	DefaultRetryMax     = 15 * time.Minute
	DefaultLockRetry    = time.Second
	DefaultMaxQueued    = 100_000
	DefaultEvidence     = 30 * 24 * time.Hour
)

// Store is the part of the application's database the engine uses.
// *userdb.DB satisfies it; see that package for the semantics of each
// method (compare-and-set writes, locks that exclude other instances).
type Store interface {
	Users(ctx context.Context, ids []string) (map[string]userdb.User, error)
	UsersByEmail(ctx context.Context, emails []string) ([]userdb.User, error)
	UsersByMauticID(ctx context.Context, contactID int) ([]userdb.User, error)
	PendingUsers(ctx context.Context, activeSince time.Time, limit int) ([]userdb.User, error)
	SetMauticID(ctx context.Context, userID string, contactID int) (stored int, err error)
	ReplaceMauticID(ctx context.Context, from, to int) (int64, error)
	ClearMauticID(ctx context.Context, contactID int) (int64, error)
	LockUsers(ctx context.Context, userIDs []string) (held []string, release func(), err error)
	SetConsent(ctx context.Context, userID string, allowed bool, at time.Time) error

	// Deletions (see userdb.DB.DeleteContact).
	UsersByMauticIDs(ctx context.Context, contactIDs []int) ([]userdb.User, error)
	SuspectDeleted(ctx context.Context, contactIDs []int, at time.Time) error
	SuspectedDeletions(ctx context.Context, limit int) ([]int, error)
	ForgetSuspects(ctx context.Context, contactIDs []int) error
	DeleteContact(ctx context.Context, contactID int, at time.Time, permanent bool) ([]string, error)
	Tombstones(ctx context.Context, userIDs []string) (map[string]userdb.Tombstone, error)
	ClearTombstone(ctx context.Context, userID string, activeAt time.Time) (bool, error)
	LinkUnlessDeleted(ctx context.Context, userID string, contactID int) (stored int, err error)

	// Links and PutLink keep the module's record of each user's link
	// (caddy_mautic_links); DeviceContacts reads the tracking evidence
	// the first-party proxy recorded (caddy_mautic_devices).
	Links(ctx context.Context, userIDs []string) (map[string]userdb.Link, error)
	PutLink(ctx context.Context, l userdb.Link) error
	DeviceContacts(ctx context.Context, deviceIDs []string, since time.Time) (map[string]int, error)
}

var _ Store = (*userdb.DB)(nil)

// Config configures an Engine. Client and Store are required; every other
// zero value means its documented default.
type Config struct {
	// Client talks to Mautic. The engine does not close it.
	Client *mautic.Client
	// Store is the application's database (a *userdb.DB). The engine does
	// not close it.
	Store Store
	// Logger gets one line per provisioning decision (rule, user id,
	// contact id, duration) and per failure; never an email or a secret.
	// Nil logs nothing.
	Logger *zap.Logger

	// Workers is how many batches are worked on at once (default 2). Each
	// batch pins one database connection for its locks: keep the store's
	// pool larger than Workers.
	Workers int
	// BatchSize is the most users one batch takes (default and maximum
	// 200, Mautic's batch limit).
	BatchSize int
	// BatchDelay is how long a worker gathers users before it takes a
	// batch that is not full (default 100 ms).
	BatchDelay time.Duration
	// RequestWait is how long ContactFor may wait for a user's first
	// provisioning. The default, 0, never waits; a useful value exceeds
	// BatchDelay plus a few Mautic round trips.
	RequestWait time.Duration
	// CacheTTL is how long a user's contact id is remembered without
	// reading the database again (default 1 h). Webhooks keep it true in
	// between.
	CacheTTL time.Duration
	// Locales maps the application's locale tags to Mautic's
	// preferred_locale (nil: DefaultLocales). It replaces the default map;
	// a value outside it is never sent.
	Locales map[string]string
	// LocaleDefault is the default the application's schema gives the
	// user's locale field (Better Auth's additionalFields.locale
	// defaultValue, e.g. "en"). A row holding exactly it counts as not
	// chosen: the PARAGLIDE_LOCALE cookie, then Accept-Language, decide,
	// and the default only fills an empty preferred_locale, never
	// overwriting one a marketer set. Empty: every value counts as chosen.
	LocaleDefault string

	// Rescan is how often users still waiting for a contact are read back
	// from the database (also once at Start; default 1 min).
	Rescan time.Duration
	// ActiveWindow is how recent a session must be for a user without a
	// contact to be picked up by the rescan (default 30 days; keep it over
	// Better Auth's updateAge, a day by default).
	ActiveWindow time.Duration
	// RescanLimit bounds the users one rescan reads (default 10 batches).
	RescanLimit int

	// CallTimeout bounds the Mautic and database calls of one batch
	// (default 30 s). A request budget or rate-limit hold past it is not
	// waited for: the batch is put back until Mautic takes calls again.
	CallTimeout time.Duration
	// RetryMin and RetryMax bound the exponential backoff of failing work:
	// the whole engine while Mautic or the database is unavailable, and a
	// user whose own provisioning keeps failing (defaults 1 s and 15 min).
	RetryMin, RetryMax time.Duration
	// LockRetry is when a user another instance is provisioning comes
	// back (default 1 s).
	LockRetry time.Duration
	// MaxQueued bounds the queue (default 100,000). Users past it are not
	// lost: the rescan finds them in the database later.
	MaxQueued int

	// Changes is the feed shared with the other instances on the same
	// database (a *userdb.DB); nil runs this engine alone. Link changes
	// this engine applies are appended to it, and those of others are
	// read from it every ChangePoll (default 1 s) and applied to the cache.
	Changes    ChangeFeed
	ChangePoll time.Duration
	// OnDelete says what a contact deleted in Mautic means for its users
	// (default DeleteWaitForVisit): no contact is made for them until their
	// next signed-in request, or (DeletePermanent) never again.
	OnDelete DeletePolicy
	// TrustUnverifiedEmails links a user to a contact that already has
	// their email even before Better Auth marked the email verified. The
	// default, false, holds such a user without a contact until the email
	// is verified: Better Auth signs people in before they verify, so
	// anyone could otherwise sign up with a stranger's email and be given
	// that person's contact. Set it only where every email the
	// application stores was proven some other way. Users whose email no
	// contact has yet get a new contact either way.
	TrustUnverifiedEmails bool
	// EvidenceWindow is how recently the first-party proxy must have seen
	// Mautic's tracking answer a browser's device with the anonymous
	// contact its mtc_id cookie names for a new user to take that
	// contact (default 30 days). Without such a record the cookie is not
	// trusted and the user gets a contact of their own.
	EvidenceWindow time.Duration

	// Hooks are optional callbacks for metrics.
	Hooks Hooks
	// Now is the wall clock for the lastActive sent to Mautic and for the
	// rescan's window (default time.Now). Retries are timed by the
	// runtime's clock.
	Now func() time.Time
}

// withDefaults checks cfg and fills its zero values.
func (cfg Config) withDefaults() (Config, error) {
	if cfg.Client == nil {
		return cfg, errors.New("provision: Config.Client is required: create one with mautic.New")
	}
	if cfg.Store == nil {
		return cfg, errors.New("provision: Config.Store is required: open the application's database with userdb.Open")
	}
	if cfg.BatchSize > mautic.MaxBatch {
		return cfg, fmt.Errorf("provision: BatchSize %d is over Mautic's batch limit of %d", cfg.BatchSize, mautic.MaxBatch)
	}
	if err := checkNotNegative(cfg); err != nil {
		return cfg, err
	}
	if cfg.RetryMin > 0 && cfg.RetryMax > 0 && cfg.RetryMin > cfg.RetryMax {
		return cfg, fmt.Errorf("provision: RetryMin %s is over RetryMax %s", cfg.RetryMin, cfg.RetryMax)
	}
	switch cfg.OnDelete {
	case "":
		cfg.OnDelete = DeleteWaitForVisit
	case DeleteWaitForVisit, DeletePermanent:
	default:
		return cfg, fmt.Errorf("provision: OnDelete %q is not %q or %q", cfg.OnDelete, DeleteWaitForVisit, DeletePermanent)
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.Locales == nil {
		cfg.Locales = DefaultLocales()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	setDefault(&cfg.Workers, DefaultWorkers)
	setDefault(&cfg.BatchSize, DefaultBatchSize)
	setDefault(&cfg.BatchDelay, DefaultBatchDelay)
	setDefault(&cfg.CacheTTL, DefaultCacheTTL)
	setDefault(&cfg.Rescan, DefaultRescan)
	setDefault(&cfg.ActiveWindow, DefaultActiveWindow)
	setDefault(&cfg.RescanLimit, 10*cfg.BatchSize)
	setDefault(&cfg.CallTimeout, DefaultCallTimeout)
	if cfg.RetryMin == 0 {
		cfg.RetryMin = DefaultRetryMin
		if cfg.RetryMax > 0 {
			cfg.RetryMin = min(cfg.RetryMin, cfg.RetryMax)
		}
	}
	setDefault(&cfg.RetryMax, max(DefaultRetryMax, cfg.RetryMin))
	setDefault(&cfg.LockRetry, DefaultLockRetry)
	setDefault(&cfg.MaxQueued, DefaultMaxQueued)
	setDefault(&cfg.ChangePoll, DefaultChangePoll)
	setDefault(&cfg.EvidenceWindow, DefaultEvidence)
	return cfg, nil
}

// checkNotNegative rejects negative counts and durations.
func checkNotNegative(cfg Config) error {
	ints := []struct {
		name string
		v    int
	}{{"Workers", cfg.Workers}, {"BatchSize", cfg.BatchSize}, {"RescanLimit", cfg.RescanLimit}, {"MaxQueued", cfg.MaxQueued}}
	for _, f := range ints {
		if f.v < 0 {
			return fmt.Errorf("provision: %s %d is negative: use 0 for the default", f.name, f.v)
		}
	}
	durations := []struct {
		name string
		v    time.Duration
	}{
		{"BatchDelay", cfg.BatchDelay}, {"RequestWait", cfg.RequestWait}, {"CacheTTL", cfg.CacheTTL},
		{"Rescan", cfg.Rescan}, {"ActiveWindow", cfg.ActiveWindow}, {"CallTimeout", cfg.CallTimeout},
		{"RetryMin", cfg.RetryMin}, {"RetryMax", cfg.RetryMax}, {"LockRetry", cfg.LockRetry}, {"ChangePoll", cfg.ChangePoll},
		{"EvidenceWindow", cfg.EvidenceWindow},
	}
	for _, f := range durations {
		if f.v < 0 {
			return fmt.Errorf("provision: %s %s is negative: use 0 for the default", f.name, f.v)
		}
	}
	return nil
}

func setDefault[T int | time.Duration](p *T, v T) {
	if *p == 0 {
		*p = v
	}
}
