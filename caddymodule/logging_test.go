package caddymodule

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestLogThrottle(t *testing.T) {
	clock := time.Unix(0, 0)
	th := newLogThrottle(time.Minute)
	th.now = func() time.Time { return clock }
	steps := []struct {
		advance    time.Duration
		key        string
		ok         bool
		suppressed int
	}{
		{0, "db", true, 0},
		{time.Second, "db", false, 0},
		{time.Second, "db", false, 0},
		{0, "mautic", true, 0},
		{time.Minute, "db", true, 2},
		{time.Second, "db", false, 0},
	}
	for i, s := range steps {
		clock = clock.Add(s.advance)
		ok, n := th.allow(s.key)
		if ok != s.ok || n != s.suppressed {
			t.Errorf("step %d: allow(%s) = %v, %d; want %v, %d", i, s.key, ok, n, s.ok, s.suppressed)
		}
	}
}

func TestSwapCoreFollowsTheNewestConfiguration(t *testing.T) {
	first, firstLogs := observer.New(zap.InfoLevel)
	second, secondLogs := observer.New(zap.InfoLevel)
	sc := newSwapCore(first)
	log := zap.New(sc).With(zap.String("instance", "x")).Named("n")
	log.Info("one")
	sc.set(second)
	log.Info("two")
	log.Debug("not enabled")
	if firstLogs.Len() != 1 || secondLogs.Len() != 1 {
		t.Fatalf("first got %d, second %d entries; want 1 each", firstLogs.Len(), secondLogs.Len())
	}
	e := secondLogs.All()[0]
	if e.Message != "two" || e.ContextMap()["instance"] != "x" || e.LoggerName != "n" {
		t.Errorf("entry %+v lost its fields or name", e)
	}
}

func TestRequestID(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if f := requestID(r); f.Type != zap.Skip().Type {
		t.Errorf("a request outside Caddy has a request id field: %v", f)
	}
	r = prepare(r, httptest.NewRecorder())
	repl := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	want, _ := repl.GetString("http.request.uuid")
	if f := requestID(r); f.String != want || want == "" {
		t.Errorf("request_id = %q, want %q", f.String, want)
	}
}
