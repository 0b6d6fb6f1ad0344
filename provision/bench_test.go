package provision

import (
	"context"
	"fmt"
	"testing"
	"time"

	gocache "github.com/patrickmn/go-cache"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// burstSize is the sign-up burst of the budget target.
const burstSize = 1000

// naiveCalls provisions n new emails the usual per-user way (exact lookup,
// then create) and returns the Mautic calls it made: the baseline.
func naiveCalls(t testing.TB, v *env, prefix string, n int) int {
	c := v.client(nil)
	before := v.m.TotalAPICalls()
	for i := range n {
		email := fmt.Sprintf("%s%04d@example.org", prefix, i)
		_, err := c.Contacts.FindByEmail(context.Background(), email)
		if !mautic.IsNotFound(err) {
			t.Fatalf("lookup: %v", err)
		}
		if _, _, err := c.Contacts.Upsert(context.Background(), mautic.Fields{"email": email, "firstname": "Naive"}); err != nil {
			t.Fatal(err)
		}
	}
	return v.m.TotalAPICalls() - before
}

// engineCalls provisions users through e and returns the Mautic calls made.
func engineCalls(t testing.TB, v *env, e *Engine, users []userdb.User) int {
	before := v.m.TotalAPICalls()
	for _, u := range users {
		e.ContactFor(context.Background(), visit(u))
	}
	v.waitProvisioned(users, 60*time.Second)
	return v.m.TotalAPICalls() - before
}

func TestBurstSignupsCostFewCalls(t *testing.T) {
	v := newEnv(t)
	e := v.engine(v.config())
	users := v.addUsers("burst", burstSize)

	calls := engineCalls(t, v, e, users)
	naive := naiveCalls(t, v, "naive", burstSize)
	perUser := float64(calls) / burstSize
	naivePerUser := float64(naive) / burstSize
	t.Logf("burst of %d sign-ups: %d calls (%.3f per user); naive per-user sequence: %d calls (%.3f per user); ratio %.4f",
		burstSize, calls, perUser, naive, naivePerUser, perUser/naivePerUser)
	if perUser > 0.05 {
		t.Errorf("%.3f calls per provisioned user, want at most 0.05", perUser)
	}
	if d := v.duplicates(users); d != 0 {
		t.Errorf("%d duplicates", d)
	}
}

// BenchmarkBurstSignups reports Mautic calls per provisioned user for a
// burst of 1,000 sign-ups: the engine, and the naive per-user sequence on
// the same simulator as the baseline. Run with -benchtime=1x: each
// iteration inserts 1,000 users.
func BenchmarkBurstSignups(b *testing.B) {
	b.Run("engine", func(b *testing.B) {
		v := newEnv(b)
		e := v.engine(v.config())
		calls := 0
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			users := v.addUsers(fmt.Sprintf("b%d-", i), burstSize)
			b.StartTimer()
			calls += engineCalls(b, v, e, users)
		}
		b.ReportMetric(float64(calls)/float64(b.N*burstSize), "calls/user")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burstSize), "ns/user")
	})
	b.Run("naive", func(b *testing.B) {
		v := newEnv(b)
		calls := 0
		for i := 0; b.Loop(); i++ {
			calls += naiveCalls(b, v, fmt.Sprintf("n%d-", i), burstSize)
		}
		b.ReportMetric(float64(calls)/float64(b.N*burstSize), "calls/user")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*burstSize), "ns/user")
	})
}

// BenchmarkContactForCached is the request path of a linked user; the
// baseline is one go-cache lookup, the least any cache-backed answer costs.
func BenchmarkContactForCached(b *testing.B) {
	b.Run("baseline go-cache Get", func(b *testing.B) {
		c := gocache.New(time.Hour, 0)
		c.SetDefault("user-1", linked{contactID: 42})
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := c.Get("user-1"); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("ContactFor", func(b *testing.B) {
		e := offlineEngine(b)
		e.cache.set("user-1", linked{contactID: 42, locale: "de_DE"})
		vis := Visit{
			User:            betterauth.Identity{UserID: "user-1", Locale: "de"},
			MtcID:           "42",
			ParaglideLocale: "de",
			AcceptLanguage:  "de-CH,de;q=0.9,en;q=0.8",
		}
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if id, ok := e.ContactFor(ctx, vis); !ok || id != 42 {
				b.Fatal(id, ok)
			}
		}
	})
}

// BenchmarkParsers measures the request-path parsers of untrusted input.
func BenchmarkParsers(b *testing.B) {
	l, _ := newLocales(DefaultLocales())
	b.Run("ParseMtcID", func(b *testing.B) {
		for b.Loop() {
			ParseMtcID("178234")
		}
	})
	b.Run("Accept-Language", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.fromAcceptLanguage("de-CH,de;q=0.9,en;q=0.8,*;q=0.5")
		}
	})
}

// offlineEngine is an engine that is never started and whose client and
// store are never called: for the request path alone.
func offlineEngine(tb testing.TB) *Engine {
	c, err := mautic.New(mautic.Config{BaseURL: "http://127.0.0.1:9/api", Auth: mautic.BasicAuth{Username: "u", Password: "p"}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	e, err := New(Config{Client: c, Store: emptyStore{}})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}
