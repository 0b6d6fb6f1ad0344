package mautic_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

func TestSimAuthErrors(t *testing.T) {
	if realMauticURL() != "" {
		t.Skip("needs simulator credentials and options: skipped against a real Mautic")
	}
	tests := []struct {
		name  string
		opts  []mautictest.Option
		auth  mautic.Auth
		check func(error) bool
	}{
		{"wrong password", nil, mautic.BasicAuth{Username: "admin", Password: "nope"}, mautic.IsUnauthorized},
		{"unknown user", nil, mautic.BasicAuth{Username: "ghost", Password: "mautic"}, mautic.IsUnauthorized},
		{"basic auth disabled", []mautictest.Option{mautictest.WithoutBasicAuth()}, mautic.BasicAuth{Username: "admin", Password: "mautic"}, mautic.IsUnauthorized},
		{"oauth2 wrong secret", []mautictest.Option{mautictest.WithOAuth2Client("1_abc", "s3cret")}, mautic.OAuth2{ClientID: "1_abc", ClientSecret: "wrong"}, mautic.IsUnauthorized},
		{"oauth2 unknown client", []mautictest.Option{mautictest.WithOAuth2Client("1_abc", "s3cret")}, mautic.OAuth2{ClientID: "2_zzz", ClientSecret: "s3cret"}, mautic.IsUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.opts, func(c *mautic.Config) { c.Auth = tt.auth })
			_, err := e.c.Contacts.Get(ctx(t), 1)
			if !tt.check(err) || mautic.IsUnavailable(err) {
				t.Fatalf("err = %v", err)
			}
			if n := e.sim.Calls("GET /api/contacts/{id}"); n > 1 {
				t.Fatalf("%d calls: an auth error is not retried", n)
			}
		})
	}
}

func TestSimOAuth2(t *testing.T) {
	t.Parallel()
	if realMauticURL() != "" {
		t.Skip("needs simulator options: skipped against a real Mautic")
	}
	opts := []mautictest.Option{mautictest.WithoutBasicAuth(), mautictest.WithOAuth2Client("1_abc", "s3cret"), mautictest.WithTokenLifetime(2 * time.Second)}
	e := newEnv(t, opts, func(c *mautic.Config) { c.Auth = mautic.OAuth2{ClientID: "1_abc", ClientSecret: "s3cret"} })
	email := e.email("oauth")
	c := e.upsert(t, mautic.Fields{"email": email})
	// Calls across more than one token lifetime never meet an expired token.
	stop := time.Now().Add(2500 * time.Millisecond)
	for time.Now().Before(stop) {
		got, err := e.c.Contacts.FindByEmail(ctx(t), email)
		if err != nil || got.ID != c.ID {
			t.Fatalf("FindByEmail = %v, %v", got, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
	if n := e.sim.Calls("POST /oauth/v2/token"); n < 2 {
		t.Fatalf("%d token calls; the token was not refreshed", n)
	}
}

func TestSimFaultsAreRetried(t *testing.T) {
	if realMauticURL() != "" {
		t.Skip("uses simulator fault injection: skipped against a real Mautic")
	}
	tests := []struct {
		name      string
		inject    func(s *mautictest.Server)
		call      func(c *mautic.Client) error
		route     string
		wantCalls int
		wantErr   func(error) bool
	}{
		{
			name:   "503 twice on create with email",
			inject: func(s *mautictest.Server) { s.FailNext("POST /api/contacts/new", 2, 503) },
			call: func(c *mautic.Client) error {
				_, _, err := c.Contacts.Upsert(context.Background(), mautic.Fields{"email": "retry@example.com"})
				return err
			},
			route: "POST /api/contacts/new", wantCalls: 3,
		},
		{
			name:   "connection reset on lookup",
			inject: func(s *mautictest.Server) { s.ResetNext("GET /api/contacts", 1) },
			call: func(c *mautic.Client) error {
				_, err := c.Contacts.FindAllByEmail(context.Background(), "nobody@example.com")
				return err
			},
			route: "GET /api/contacts", wantCalls: 2,
		},
		{
			name:   "503 on create without email is not repeated",
			inject: func(s *mautictest.Server) { s.FailNext("POST /api/contacts/new", 1, 503) },
			call: func(c *mautic.Client) error {
				_, _, err := c.Contacts.Upsert(context.Background(), mautic.Fields{"firstname": "Anon"})
				return err
			},
			route: "POST /api/contacts/new", wantCalls: 1, wantErr: mautic.IsUnavailable,
		},
		{
			name:   "400 is not repeated",
			inject: func(s *mautictest.Server) {},
			call: func(c *mautic.Client) error {
				_, _, err := c.Contacts.Upsert(context.Background(), mautic.Fields{"email": "not-an-email"})
				return err
			},
			route: "POST /api/contacts/new", wantCalls: 1, wantErr: mautic.IsValidation,
		},
		{
			name:   "server down: attempts are capped",
			inject: func(s *mautictest.Server) { s.SetDown(true) },
			call: func(c *mautic.Client) error {
				_, err := c.Contacts.Get(context.Background(), 1)
				return err
			},
			route: "GET /api/contacts/{id}", wantCalls: 4, wantErr: mautic.IsUnavailable,
		},
		{
			name:   "PATCH 502 then ok",
			inject: func(s *mautictest.Server) { s.FailNext("PATCH /api/contacts/{id}/edit", 1, 502) },
			call: func(c *mautic.Client) error {
				_, err := c.Contacts.Patch(context.Background(), 1, mautic.Fields{"city": "Rome"})
				return err
			},
			route: "PATCH /api/contacts/{id}/edit", wantCalls: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			id := e.sim.AddContact(map[string]string{"email": "seed@example.com"})
			if id != 1 {
				t.Fatalf("seed id %d", id)
			}
			e.sim.ResetCounters()
			tt.inject(e.sim)
			err := tt.call(e.c)
			if tt.wantErr == nil && err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != nil && !tt.wantErr(err) {
				t.Fatalf("err = %v", err)
			}
			if n := e.sim.Calls(tt.route); n != tt.wantCalls {
				t.Fatalf("%d calls of %s, want %d (all: %v)", n, tt.route, tt.wantCalls, e.sim.CallCounts())
			}
		})
	}
}

func TestSimSlowMautic(t *testing.T) {
	if realMauticURL() != "" {
		t.Skip("uses simulator latency: skipped against a real Mautic")
	}
	e := newEnv(t, nil, func(c *mautic.Config) {
		c.Timeout = 50 * time.Millisecond
		c.Retry.MaxAttempts = 2
	})
	e.sim.SetLatency(300 * time.Millisecond)
	_, err := e.c.Contacts.Get(context.Background(), 1)
	if !mautic.IsUnavailable(err) {
		t.Fatalf("err = %v", err)
	}
	// A caller with a tiny deadline gives up at its deadline.
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = e.c.Contacts.Get(short, 1)
	if !errors.Is(err, context.DeadlineExceeded) && !mautic.IsUnavailable(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestSimRateLimit(t *testing.T) {
	if realMauticURL() != "" {
		t.Skip("uses the simulator's limiter: skipped against a real Mautic")
	}
	e := newEnv(t, []mautictest.Option{mautictest.WithRateLimit(3, time.Hour)})
	for i := range 3 {
		if _, err := e.c.Ping(ctx(t)); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	st := e.c.BudgetState()
	if st.ServerLimit != 3 || st.ServerRemaining != 0 || st.HeldUntil.IsZero() {
		t.Fatalf("state %+v", st)
	}
	before := e.sim.TotalAPICalls()
	// Request path: a short deadline answers at once, nothing is sent.
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.c.Contacts.FindByEmail(short, "x@example.com")
	var me *mautic.Error
	if !mautic.IsRateLimited(err) || !errors.As(err, &me) || me.RetryAt.Before(time.Now().Add(time.Minute)) {
		t.Fatalf("err = %v", err)
	}
	if n := e.sim.TotalAPICalls(); n != before {
		t.Fatalf("%d calls sent while held", n-before)
	}
}

func TestSimRateLimit429(t *testing.T) {
	t.Parallel()
	if realMauticURL() != "" {
		t.Skip("uses the simulator's limiter: skipped against a real Mautic")
	}
	// Another client shares the Basic-auth bucket and uses it up, so this
	// client meets a 429 without having seen Remaining: 0.
	e := newEnv(t, []mautictest.Option{mautictest.WithRateLimit(2, 2*time.Second)})
	other, err := mautic.New(mautic.Config{BaseURL: e.sim.APIURL(), Auth: mautic.BasicAuth{Username: "admin", Password: "mautic"}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	other.Ping(ctx(t))
	other.Ping(ctx(t))
	_, err = e.c.Contacts.FindAllByEmail(ctx(t), "x@example.com")
	if err != nil {
		t.Fatalf("err = %v; the 429 should be waited out within the deadline", err)
	}
	if n := e.sim.Calls("GET /api/contacts"); n != 2 { // the 429, the retry
		t.Fatalf("%d list calls, want 2", n)
	}
}

func TestSimCreateRaceIsVisible(t *testing.T) {
	if realMauticURL() != "" {
		t.Skip("uses the simulator's race window: skipped against a real Mautic")
	}
	e := newEnv(t, []mautictest.Option{mautictest.WithCreateRaceWindow(50 * time.Millisecond)})
	email := e.email("race")
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { e.c.Contacts.Upsert(context.Background(), mautic.Fields{"email": email}) })
	}
	wg.Wait()
	stored := e.sim.ContactsByEmail(email)
	if len(stored) < 2 {
		t.Skip("the race window did not produce a duplicate this time")
	}
	got, err := e.c.Contacts.FindByEmail(ctx(t), email)
	if err != nil || got.ID != stored[0].ID || len(got.DuplicateIDs) != len(stored)-1 {
		t.Fatalf("got %+v, %v; stored %d", got, err, len(stored))
	}
}

func TestSimWebhooksVerifyAndParse(t *testing.T) {
	if realMauticURL() != "" {
		t.Skip("uses the simulator's webhook sender: skipped against a real Mautic")
	}
	var mu sync.Mutex
	var got []*mautic.WebhookPayload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !mautic.VerifySignature(body, r.Header.Get(mautic.WebhookSignatureHeader), "hook-secret") {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		p, err := mautic.ParseWebhook(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}))
	defer recv.Close()
	e := newEnv(t, nil)
	e.sim.AddWebhook(mautictest.Webhook{URL: recv.URL, Secret: "hook-secret", Queued: true})
	c, _, err := e.c.Contacts.Upsert(ctx(t), mautic.Fields{"email": e.email("hook"), "firstname": "Hook"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Contacts.Patch(ctx(t), c.ID, mautic.Fields{"lastname": "Ed"}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Contacts.Delete(ctx(t), c.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.FlushWebhooks(); err != nil {
		t.Fatal(err)
	}
	for _, d := range e.sim.WebhookDeliveries() {
		if d.Status != http.StatusOK {
			t.Fatalf("delivery answered %d: %s", d.Status, d.Body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var triggers []string
	for _, p := range got {
		for _, ev := range p.Events {
			triggers = append(triggers, ev.Trigger)
			if ev.ContactID != c.ID {
				t.Errorf("%s: contact %d, want %d", ev.Trigger, ev.ContactID, c.ID)
			}
		}
	}
	want := []string{mautic.TriggerContactIdentified, mautic.TriggerContactUpdated, mautic.TriggerContactDeleted}
	if len(triggers) != len(want) {
		t.Fatalf("triggers %v, want %v", triggers, want)
	}
	for i := range want {
		if triggers[i] != want[i] {
			t.Fatalf("triggers %v, want %v", triggers, want)
		}
	}
}
