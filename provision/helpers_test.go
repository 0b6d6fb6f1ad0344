package provision

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb/dbtest"
)

// Route keys of the simulator's counters.
const (
	routeList      = "GET /api/contacts"
	routeGet       = "GET /api/contacts/{id}"
	routeNew       = "POST /api/contacts/new"
	routeBatchNew  = "POST /api/contacts/batch/new"
	routeBatchEdit = "PATCH /api/contacts/batch/edit"
	routeEdit      = "PATCH /api/contacts/{id}/edit"
)

// env is one scenario: a simulated Mautic, a fresh MariaDB database with
// Better Auth's schema, and engines on them.
type env struct {
	t    testing.TB
	m    *mautictest.Server
	f    *dbtest.Fixture
	db   *userdb.DB
	logs *observer.ObservedLogs
	log  *zap.Logger
	// devices holds, per anonymous contact trackAnonymous made, the
	// browser's mautic_device_id.
	devices map[int]string
}

func newEnv(t testing.TB, opts ...mautictest.Option) *env {
	t.Helper()
	return newEnvOn(t, dbtest.MySQL(t), opts...)
}

// newEnvOn is newEnv on a database of the caller's choice.
func newEnvOn(t testing.TB, f *dbtest.Fixture, opts ...mautictest.Option) *env {
	t.Helper()
	m := mautictest.NewServer(t, opts...)
	core, logs := observer.New(zap.DebugLevel)
	v := &env{t: t, m: m, f: f, db: f.Open(t), logs: logs, log: zap.New(core), devices: map[int]string{}}
	t.Cleanup(func() { v.checkLogsHoldNoEmail() })
	return v
}

// client returns a Mautic client of the simulator with fast retries.
func (v *env) client(observe func(mautic.Call)) *mautic.Client {
	v.t.Helper()
	c, err := mautic.New(mautic.Config{
		BaseURL: v.m.APIURL(),
		Auth:    mautic.BasicAuth{Username: "admin", Password: "mautic"},
		Timeout: 5 * time.Second,
		Retry:   mautic.Retry{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond, MaxElapsed: time.Second},
		Observe: observe,
	})
	if err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(func() { c.Close() })
	return c
}

// config is a fast engine configuration for tests.
func (v *env) config() Config {
	return Config{
		Client:      v.client(nil),
		Store:       v.db,
		Logger:      v.log,
		BatchDelay:  10 * time.Millisecond,
		Rescan:      time.Hour,
		CallTimeout: 10 * time.Second,
		RetryMin:    20 * time.Millisecond,
		RetryMax:    200 * time.Millisecond,
		LockRetry:   20 * time.Millisecond,
	}
}

// engine starts an engine with cfg, closed in Cleanup.
func (v *env) engine(cfg Config) *Engine {
	v.t.Helper()
	e, err := New(cfg)
	if err != nil {
		v.t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		v.t.Fatal(err)
	}
	v.t.Cleanup(func() { e.Close() })
	return e
}

// addUser inserts a user with a live session, as after a sign-up and the
// email's verification.
func (v *env) addUser(email, name string) userdb.User {
	v.t.Helper()
	return v.addUserVerified(email, name, true)
}

// addUserVerified is addUser with the email verified or not: Better Auth
// signs a user in before they verify.
func (v *env) addUserVerified(email, name string, verified bool) userdb.User {
	v.t.Helper()
	u := v.f.AddUser(v.t, userdb.User{Email: email, Name: name, EmailVerified: verified})
	v.f.AddSession(v.t, u.ID, dbtest.RandomID(v.t), time.Now().Add(7*24*time.Hour))
	return u
}

// visit is a signed-in request of u, with a cookie cache that does not
// know the user's mauticId yet.
func visit(u userdb.User) Visit {
	return Visit{User: betterauth.Identity{UserID: u.ID, Email: u.Email, Name: u.Name, Locale: u.Locale}}
}

// mauticID reads the user's stored contact id (0 for NULL).
func (v *env) mauticID(u userdb.User) int {
	id, _ := v.f.MauticID(v.t, u.ID)
	return id
}

// waitProvisioned waits until every user has a mauticId, and returns them.
func (v *env) waitProvisioned(users []userdb.User, within time.Duration) map[string]int {
	v.t.Helper()
	ids := make(map[string]int, len(users))
	waitFor(v.t, within, func() bool {
		got, err := v.db.Users(context.Background(), userIDs(users))
		if err != nil {
			v.t.Fatal(err)
		}
		for _, u := range users {
			if got[u.ID].MauticID == 0 {
				return false
			}
			ids[u.ID] = got[u.ID].MauticID
		}
		return true
	}, "every user provisioned")
	return ids
}

func userIDs(users []userdb.User) []string {
	out := make([]string, len(users))
	for i, u := range users {
		out[i] = u.ID
	}
	return out
}

// waitFor polls cond until it holds or fails the test after within.
func waitFor(t testing.TB, within time.Duration, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for: %s", within, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// contactOf returns the one contact with email, failing on none or more.
func (v *env) contactOf(email string) mautictest.Contact {
	v.t.Helper()
	cs := v.m.ContactsByEmail(email)
	if len(cs) != 1 {
		v.t.Fatalf("%d contacts with %s, want 1", len(cs), email)
	}
	return cs[0]
}

// trackAnonymous makes an anonymous contact the way mtc.js does, with n
// page hits from one browser, and returns its id. It records, as the
// first-party proxy does, that Mautic answered the browser's device with
// the contact; fromBrowser sends that device with a visit.
func (v *env) trackAnonymous(n int) int {
	v.t.Helper()
	jar := &cookieJar{}
	id := 0
	for range n {
		form := url.Values{"page_url": {"https://site.example/page"}, "page_title": {"Page"}}
		req, _ := http.NewRequest(http.MethodPost, v.m.URL+"/mtc/event", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0")
		jar.apply(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			v.t.Fatal(err)
		}
		var body struct {
			ID int `json:"id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || body.ID == 0 {
			v.t.Fatalf("tracking hit: id %d, %v", body.ID, err)
		}
		jar.keep(resp)
		id = body.ID
	}
	device := jar.value("mautic_device_id")
	if device == "" {
		v.t.Fatal("tracking gave no mautic_device_id")
	}
	if err := v.db.PutDevice(context.Background(), device, id); err != nil {
		v.t.Fatal(err)
	}
	v.devices[id] = device
	return id
}

// fromBrowser is vis from the browser that trackAnonymous tracked as anon:
// its mtc_id and mautic_device_id cookies.
func (v *env) fromBrowser(vis Visit, anon int) Visit {
	vis.MtcID, vis.DeviceID = itoa(anon), v.devices[anon]
	return vis
}

// cookieJar keeps the tracking cookies between hits.
type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) apply(r *http.Request) {
	for _, c := range j.cookies {
		r.AddCookie(c)
	}
}

// value returns the last value kept of the cookie name.
func (j *cookieJar) value(name string) string {
	out := ""
	for _, c := range j.cookies {
		if c.Name == name {
			out = c.Value
		}
	}
	return out
}

func (j *cookieJar) keep(resp *http.Response) {
	for _, c := range resp.Cookies() {
		j.cookies = append(j.cookies, c)
	}
}

// checkLogsHoldNoEmail fails the test when a log line carries an email.
func (v *env) checkLogsHoldNoEmail() {
	for _, entry := range v.logs.All() {
		line := entry.Message
		for k, val := range entry.ContextMap() {
			b, _ := json.Marshal(val)
			line += " " + k + "=" + string(b)
		}
		if strings.Contains(line, "@") {
			v.t.Errorf("a log line carries an email: %s", line)
		}
	}
}

// countingStore counts the calls an engine makes to its Store.
type countingStore struct {
	Store
	calls atomic.Int64
}

func (s *countingStore) Users(ctx context.Context, ids []string) (map[string]userdb.User, error) {
	s.calls.Add(1)
	return s.Store.Users(ctx, ids)
}

func (s *countingStore) SetMauticID(ctx context.Context, userID string, contactID int) (int, error) {
	s.calls.Add(1)
	return s.Store.SetMauticID(ctx, userID, contactID)
}

func (s *countingStore) LockUsers(ctx context.Context, ids []string) ([]string, func(), error) {
	s.calls.Add(1)
	return s.Store.LockUsers(ctx, ids)
}

// callLog records the Mautic calls a client made, in order.
type callLog struct {
	mu    sync.Mutex
	calls []loggedCall
}

type loggedCall struct {
	at     time.Time
	route  string
	status int
}

func (l *callLog) observe(c mautic.Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, loggedCall{at: time.Now(), route: c.Method + " " + c.Route, status: c.Status})
}

func (l *callLog) all() []loggedCall {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]loggedCall(nil), l.calls...)
}

func itoa(n int) string { return strconv.Itoa(n) }

// emptyStore is a database with no users, for tests that never reach one.
type emptyStore struct{}

func (emptyStore) Users(context.Context, []string) (map[string]userdb.User, error) {
	return map[string]userdb.User{}, nil
}
func (emptyStore) UsersByEmail(context.Context, []string) ([]userdb.User, error) { return nil, nil }
func (emptyStore) UsersByMauticID(context.Context, int) ([]userdb.User, error)   { return nil, nil }
func (emptyStore) SetConsent(context.Context, string, bool, time.Time) error     { return nil }
func (emptyStore) PendingUsers(context.Context, time.Time, int) ([]userdb.User, error) {
	return nil, nil
}
func (emptyStore) SetMauticID(context.Context, string, int) (int, error) {
	return 0, userdb.ErrNotFound
}
func (emptyStore) ReplaceMauticID(context.Context, int, int) (int64, error)       { return 0, nil }
func (emptyStore) ClearMauticID(context.Context, int) (int64, error)              { return 0, nil }
func (emptyStore) UsersByMauticIDs(context.Context, []int) ([]userdb.User, error) { return nil, nil }
func (emptyStore) SuspectDeleted(context.Context, []int, time.Time) error         { return nil }
func (emptyStore) SuspectedDeletions(context.Context, int) ([]int, error)         { return nil, nil }
func (emptyStore) ForgetSuspects(context.Context, []int) error                    { return nil }
func (emptyStore) DeleteContact(context.Context, int, time.Time, bool) ([]string, error) {
	return nil, nil
}
func (emptyStore) Tombstones(context.Context, []string) (map[string]userdb.Tombstone, error) {
	return nil, nil
}
func (emptyStore) ClearTombstone(context.Context, string, time.Time) (bool, error) { return true, nil }
func (emptyStore) LinkUnlessDeleted(context.Context, string, int) (int, error) {
	return 0, userdb.ErrNotFound
}
func (emptyStore) Links(context.Context, []string) (map[string]userdb.Link, error) {
	return map[string]userdb.Link{}, nil
}
func (emptyStore) PutLink(context.Context, userdb.Link) error { return nil }
func (emptyStore) DeviceContacts(context.Context, []string, time.Time) (map[string]int, error) {
	return map[string]int{}, nil
}
func (emptyStore) LockUsers(_ context.Context, ids []string) ([]string, func(), error) {
	return ids, func() {}, nil
}

// waitDecisions waits until the engine counted n decisions of rule: the
// count follows the database write a test may have seen first.
func waitDecisions(t testing.TB, e *Engine, rule Rule, n uint64) {
	t.Helper()
	waitFor(t, 5*time.Second, func() bool { return e.Stats().Decisions[rule] == n }, "decisions["+string(rule)+"] = "+strconv.FormatUint(n, 10))
}
