package betterauth

import (
	"context"
	"sync"
	"testing"
	"time"
)

// lookupEnv is a resolver on a fake database with a settable clock.
type lookupEnv struct {
	s   *sample
	db  *fakeDB
	clk *clock
	r   *Resolver
	rj  *rejections
}

func newLookupEnv(t *testing.T, edit func(*Config, *fakeDB)) *lookupEnv {
	s := loadSamples(t)["db-only"]
	e := &lookupEnv{s: s, db: newFakeDB(s), clk: newClock(s.now), rj: &rejections{}}
	cfg := Config{Secrets: []string{s.secret}, LookupSession: e.db.lookup, Now: e.clk.now, OnReject: e.rj.hook}
	if edit != nil {
		edit(&cfg, e.db)
	}
	e.r = newResolver(t, cfg, time.Time{})
	return e
}

func (e *lookupEnv) resolve(ctx context.Context) (Identity, bool) {
	return e.r.Resolve(ctx, request("", e.s.tokenCookie()))
}

func TestLookupOneInFlightPerToken(t *testing.T) {
	e := newLookupEnv(t, func(_ *Config, db *fakeDB) { db.release = make(chan struct{}) })
	var wg sync.WaitGroup
	results := make(chan bool, 100)
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok := e.resolve(context.Background())
			results <- ok
		}()
	}
	// Let the goroutines pile up on the one lookup, then answer it.
	for e.db.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	close(e.db.release)
	wg.Wait()
	close(results)
	for ok := range results {
		if !ok {
			t.Fatal("a concurrent request stayed anonymous")
		}
	}
	if n := e.db.calls.Load(); n != 1 {
		t.Errorf("100 concurrent first requests made %d lookups, want 1", n)
	}
}

func TestLookupWaitHonoursContext(t *testing.T) {
	e := newLookupEnv(t, func(_ *Config, db *fakeDB) { db.release = make(chan struct{}) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, ok := e.resolve(ctx); ok {
		t.Fatal("resolved before the database answered")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %v past a 30 ms context", d)
	}
	if got := e.rj.list(); len(got) != 1 || got[0] != RejectLookupFailed {
		t.Errorf("reasons %v", got)
	}
	// The lookup went on and its answer serves the next request.
	close(e.db.release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := e.resolve(context.Background()); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never resolved after the database answered")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if n := e.db.calls.Load(); n != 1 {
		t.Errorf("%d lookups, want 1", n)
	}
}

func TestLookupCaching(t *testing.T) {
	tests := []struct {
		name      string
		cfg       func(*Config)
		edit      func(*lookupEnv) // before the first request
		then      func(*lookupEnv) // between the first and second request
		firstOK   bool
		secondOK  bool
		wantCalls int64
	}{
		{name: "positive answer cached within CacheTTL",
			then: func(e *lookupEnv) { e.clk.advance(59 * time.Second) }, firstOK: true, secondOK: true, wantCalls: 1},
		{name: "positive answer expires after CacheTTL",
			then: func(e *lookupEnv) { e.clk.advance(time.Minute) }, firstOK: true, secondOK: true, wantCalls: 2},
		{name: "CacheTTL bounded by the session's expiry",
			edit: func(e *lookupEnv) {
				id := e.db.byToken[e.s.session.Token]
				id.ExpiresAt = e.clk.now().Add(10 * time.Second)
				e.db.byToken[e.s.session.Token] = id
			},
			then: func(e *lookupEnv) { e.clk.advance(11 * time.Second) }, firstOK: true, secondOK: false, wantCalls: 2},
		{name: "unknown session cached briefly",
			edit: func(e *lookupEnv) { delete(e.db.byToken, e.s.session.Token) },
			then: func(e *lookupEnv) { e.clk.advance(9 * time.Second) }, firstOK: false, secondOK: false, wantCalls: 1},
		{name: "unknown session asked again after NegativeTTL",
			edit: func(e *lookupEnv) { delete(e.db.byToken, e.s.session.Token) },
			then: func(e *lookupEnv) { e.clk.advance(10 * time.Second) }, firstOK: false, secondOK: false, wantCalls: 2},
		{name: "failure remembered within NegativeTTL",
			edit: func(e *lookupEnv) { e.db.fail.Store(true) },
			then: func(e *lookupEnv) { e.db.fail.Store(false); e.clk.advance(5 * time.Second) }, firstOK: false, secondOK: false, wantCalls: 1},
		{name: "failure retried after NegativeTTL",
			edit: func(e *lookupEnv) { e.db.fail.Store(true) },
			then: func(e *lookupEnv) { e.db.fail.Store(false); e.clk.advance(10 * time.Second) }, firstOK: false, secondOK: true, wantCalls: 2},
		{name: "ForgetUser drops the answer",
			then: func(e *lookupEnv) {
				if n := e.r.ForgetUser(e.s.user.ID); n != 1 {
					panic("ForgetUser dropped nothing")
				}
			}, firstOK: true, secondOK: true, wantCalls: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newLookupEnv(t, nil)
			if tt.edit != nil {
				tt.edit(e)
			}
			if _, ok := e.resolve(context.Background()); ok != tt.firstOK {
				t.Fatalf("first: ok=%v, want %v", ok, tt.firstOK)
			}
			tt.then(e)
			if _, ok := e.resolve(context.Background()); ok != tt.secondOK {
				t.Fatalf("second: ok=%v, want %v", ok, tt.secondOK)
			}
			if n := e.db.calls.Load(); n != tt.wantCalls {
				t.Errorf("%d lookups, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestLookupTimeout(t *testing.T) {
	e := newLookupEnv(t, func(c *Config, db *fakeDB) { db.delay = 10 * time.Second; c.LookupTimeout = 50 * time.Millisecond })
	start := time.Now()
	if _, ok := e.resolve(context.Background()); ok {
		t.Fatal("resolved past the lookup timeout")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a 50 ms lookup timeout took %v", d)
	}
	if got := e.rj.list(); len(got) != 1 || got[0] != RejectLookupFailed {
		t.Errorf("reasons %v", got)
	}
}

func TestCloseCancelsLookupsInFlight(t *testing.T) {
	s := loadSamples(t)["db-only"]
	db := newFakeDB(s)
	db.release = make(chan struct{}) // never released
	r, err := New(Config{Secrets: []string{s.secret}, LookupSession: db.lookup, LookupTimeout: time.Minute, Now: func() time.Time { return s.now }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() {
		_, ok := r.Resolve(context.Background(), request("", s.tokenCookie()))
		done <- ok
	}()
	for db.calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { r.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while a lookup was in flight")
	}
	if <-done {
		t.Error("the cancelled lookup resolved")
	}
	// After Close nothing is looked up, and Close can be called again.
	if _, ok := r.Resolve(context.Background(), request("", s.tokenCookie())); ok {
		t.Error("resolved after Close")
	}
	if n := db.calls.Load(); n != 1 {
		t.Errorf("%d lookups, want 1", n)
	}
	r.Close()
}
