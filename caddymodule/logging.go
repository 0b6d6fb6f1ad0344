package caddymodule

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// failureLogInterval is how often the same kind of failure is logged on
// the request path: a dead dependency must not flood the logs.
const failureLogInterval = time.Minute

// logThrottle lets one line per key through per interval and counts the
// rest, so that the next line can say how many were left out.
type logThrottle struct {
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	last  map[string]time.Time
	quiet map[string]int
}

func newLogThrottle(every time.Duration) *logThrottle {
	return &logThrottle{every: every, now: time.Now, last: map[string]time.Time{}, quiet: map[string]int{}}
}

// allow reports whether a line for key may be logged now, and how many
// were suppressed since the last one.
func (t *logThrottle) allow(key string) (ok bool, suppressed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if last, seen := t.last[key]; seen && now.Sub(last) < t.every {
		t.quiet[key]++
		return false, 0
	}
	t.last[key] = now
	suppressed = t.quiet[key]
	delete(t.quiet, key)
	return true, suppressed
}

// swapCore is a zapcore.Core that writes through whichever core was set
// last. The pooled state outlives the configuration that created it, and
// with it that configuration's log writers; each new configuration hands
// its own core over, so the state always logs where the running
// configuration says.
type swapCore struct {
	target *atomic.Pointer[zapcore.Core]
	fields []zapcore.Field
}

func newSwapCore(c zapcore.Core) *swapCore {
	p := new(atomic.Pointer[zapcore.Core])
	p.Store(&c)
	return &swapCore{target: p}
}

// set makes later entries go to c.
func (s *swapCore) set(c zapcore.Core) { s.target.Store(&c) }

func (s *swapCore) current() zapcore.Core { return *s.target.Load() }

func (s *swapCore) Enabled(l zapcore.Level) bool { return s.current().Enabled(l) }

func (s *swapCore) With(fields []zapcore.Field) zapcore.Core {
	return &swapCore{target: s.target, fields: append(append([]zapcore.Field(nil), s.fields...), fields...)}
}

func (s *swapCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if s.Enabled(e.Level) {
		return ce.AddCore(e, s)
	}
	return ce
}

func (s *swapCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	c := s.current()
	if len(s.fields) > 0 {
		c = c.With(s.fields)
	}
	return c.Write(e, fields)
}

func (s *swapCore) Sync() error { return s.current().Sync() }

// requestID is Caddy's id of the request ({http.request.uuid}), for log
// lines about it.
func requestID(r *http.Request) zap.Field {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return zap.Skip()
	}
	id, _ := repl.GetString("http.request.uuid")
	return zap.String("request_id", id)
}
