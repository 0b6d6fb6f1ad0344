package mautic_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/mautic/mautictest"
)

// env is one client under test: against the simulator, or against a real
// Mautic when MAUTIC_TEST_URL is set (MAUTIC_TEST_USER and
// MAUTIC_TEST_PASSWORD for Basic auth, or MAUTIC_TEST_CLIENT_ID and
// MAUTIC_TEST_CLIENT_SECRET for OAuth2).
type env struct {
	c   *mautic.Client
	sim *mautictest.Server // nil against a real Mautic
	run string             // unique per test, for emails
}

var runSeq atomic.Int64

// realMauticURL is the API root of a real Mautic to test against, or "".
func realMauticURL() string {
	u := strings.TrimRight(os.Getenv("MAUTIC_TEST_URL"), "/")
	if u != "" && !strings.HasSuffix(u, "/api") {
		u += "/api"
	}
	return u
}

// newEnv returns a client for the simulator (started with opts) or for the
// real Mautic. edit may change the client's Config.
func newEnv(t *testing.T, opts []mautictest.Option, edit ...func(*mautic.Config)) *env {
	t.Helper()
	e := &env{run: fmt.Sprintf("%d-%d", time.Now().UnixNano()%1e9, runSeq.Add(1))}
	cfg := mautic.Config{Retry: mautic.Retry{BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}}
	if u := realMauticURL(); u != "" {
		cfg.BaseURL = u
		if id := os.Getenv("MAUTIC_TEST_CLIENT_ID"); id != "" {
			cfg.Auth = mautic.OAuth2{ClientID: id, ClientSecret: os.Getenv("MAUTIC_TEST_CLIENT_SECRET")}
		} else {
			cfg.Auth = mautic.BasicAuth{Username: os.Getenv("MAUTIC_TEST_USER"), Password: os.Getenv("MAUTIC_TEST_PASSWORD")}
		}
	} else {
		e.sim = mautictest.NewServer(t, opts...)
		cfg.BaseURL = e.sim.APIURL()
		cfg.Auth = mautic.BasicAuth{Username: "admin", Password: "mautic"}
	}
	for _, f := range edit {
		f(&cfg)
	}
	c, err := mautic.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	e.c = c
	return e
}

// needSim skips a test that uses the simulator's controls.
func (e *env) needSim(t *testing.T) {
	t.Helper()
	if e.sim == nil {
		t.Skip("uses simulator controls (faults, counters, seeding): skipped against a real Mautic")
	}
}

// email returns an address unique to this test run; the +tag exercises
// query encoding.
func (e *env) email(name string) string {
	return fmt.Sprintf("cm-test+%s-%s@example.com", name, e.run)
}

// cleanup deletes contact id when the test ends against a real Mautic,
// where nothing a test created may stay; a simulator is simply dropped.
func (e *env) cleanup(t *testing.T, id int) {
	if e.sim != nil {
		return
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.c.Contacts.Delete(ctx, id); err != nil && !mautic.IsNotFound(err) {
			t.Errorf("cleanup of contact %d: %v", id, err)
		}
	})
}

// upsert creates a contact for a test and schedules its deletion.
func (e *env) upsert(t *testing.T, f mautic.Fields) *mautic.Contact {
	t.Helper()
	c, _, err := e.c.Contacts.Upsert(ctx(t), f)
	if err != nil {
		t.Fatal(err)
	}
	e.cleanup(t, c.ID)
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestRealMauticSwitch(t *testing.T) {
	if realMauticURL() == "" {
		t.Skip("MAUTIC_TEST_URL is not set: the client tests ran against the simulator only")
	}
	e := newEnv(t, nil)
	res, err := e.c.Ping(ctx(t))
	if err != nil {
		t.Fatalf("real Mautic at MAUTIC_TEST_URL: %v", err)
	}
	t.Logf("real Mautic %s, round trip %v", res.Version, res.Latency)
}
