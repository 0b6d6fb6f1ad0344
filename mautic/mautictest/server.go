package mautictest

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a simulated Mautic 5.1 listening on 127.0.0.1. All its methods
// are safe for concurrent use.
type Server struct {
	// URL is the site root, e.g. "http://127.0.0.1:41234"; the API is URL+"/api".
	URL string

	cfg     config
	hs      *httptest.Server
	ctx     context.Context // canceled by Close: stops sleeps and webhook posts
	cancel  context.CancelFunc
	closeMu sync.Once

	mu sync.Mutex // guards st
	st *store

	faults   faults
	counters counters
	limiter  limiter
	tokens   tokens
	hooks    hooks
}

// NewServer starts a simulated Mautic 5.1 on 127.0.0.1 and stops it in
// t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0", opts...)
	if err != nil {
		t.Fatalf("mautictest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen starts a simulated Mautic 5.1 on addr, for use outside tests: the
// demo and manual checks (see cmd/mautic-sim). The caller must Close it.
func Listen(addr string, opts ...Option) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{cfg: cfg, st: newStore()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.faults.latency = cfg.latency
	s.faults.raceWindow = cfg.raceWindow
	s.limiter.set(cfg.rateLimit, cfg.rateWindow)
	s.hooks.init()
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.hs.Listener.Close()
	s.hs.Listener = ln
	// Injected resets and client hang-ups are expected; keep them off stderr.
	s.hs.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.hs.Start()
	s.URL = s.hs.URL
	return s, nil
}

// APIURL returns the API root, URL + "/api".
func (s *Server) APIURL() string { return s.URL + "/api" }

// Close stops the server and waits for running requests. It is idempotent.
func (s *Server) Close() {
	s.closeMu.Do(func() {
		s.cancel()
		s.hs.Close()
		s.hooks.closeIdle()
	})
}

func (s *Server) now() time.Time { return s.cfg.now().UTC() }

// siteURL is Mautic's site_url setting.
func (s *Server) siteURL() string {
	if s.cfg.siteURL != "" {
		return s.cfg.siteURL
	}
	return s.URL
}

// sleep waits d, or less when the request ends or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.ctx.Done():
	}
}

// route is one endpoint: its counter key and handler.
type route struct {
	method   string
	template string // path with {id} for a run of digits
	area     area
	handle   func(s *Server, w http.ResponseWriter, r *http.Request, id int)
}

type area int

const (
	areaAPI area = iota
	areaOAuth
	areaTracking
)

func (rt route) key() string { return rt.method + " " + rt.template }

var routes = []route{
	{"GET", "/api/contacts", areaAPI, (*Server).listContacts},
	{"GET", "/api/contacts/{id}", areaAPI, (*Server).getContact},
	{"POST", "/api/contacts/new", areaAPI, (*Server).newContact},
	{"POST", "/api/contacts/batch/new", areaAPI, (*Server).batchNew},
	{"PATCH", "/api/contacts/batch/edit", areaAPI, (*Server).batchEdit},
	{"PUT", "/api/contacts/batch/edit", areaAPI, (*Server).batchEdit},
	{"DELETE", "/api/contacts/batch/delete", areaAPI, (*Server).batchDelete},
	{"PATCH", "/api/contacts/{id}/edit", areaAPI, (*Server).editContact},
	{"PUT", "/api/contacts/{id}/edit", areaAPI, (*Server).editContact},
	{"DELETE", "/api/contacts/{id}/delete", areaAPI, (*Server).deleteContact},
	{"GET", "/api/fields/contact", areaAPI, (*Server).listFields},
	{"GET", "/api/fields/contact/{id}", areaAPI, (*Server).getField},
	{"PATCH", "/api/fields/contact/{id}/edit", areaAPI, (*Server).editField},
	{"PUT", "/api/fields/contact/{id}/edit", areaAPI, (*Server).editField},
	{"GET", "/api/hooks", areaAPI, (*Server).listHooks},
	{"GET", "/api/hooks/triggers", areaAPI, (*Server).listTriggers},
	{"POST", "/api/hooks/new", areaAPI, (*Server).newHook},
	{"GET", "/api/hooks/{id}", areaAPI, (*Server).getHook},
	{"DELETE", "/api/hooks/{id}/delete", areaAPI, (*Server).deleteHook},
	{"POST", "/oauth/v2/token", areaOAuth, (*Server).token},
	{"GET", "/oauth/v2/token", areaOAuth, (*Server).token},
	{"GET", "/mtc.js", areaTracking, (*Server).mtcJS},
	{"POST", "/mtc/event", areaTracking, (*Server).trackEvent},
	{"GET", "/mtc/event", areaTracking, (*Server).trackEvent},
	{"OPTIONS", "/mtc/event", areaTracking, (*Server).trackPreflight},
	{"GET", "/mtracking.gif", areaTracking, (*Server).trackPixel},
	{"GET", "/mtc", areaTracking, (*Server).trackContactID},
}

// match finds the route for a request; id is the {id} segment, if any.
func match(method, path string) (route, int, bool) {
	for _, rt := range routes {
		if rt.method != method {
			continue
		}
		if id, ok := matchTemplate(rt.template, path); ok {
			return rt, id, true
		}
	}
	return route{}, 0, false
}

// matchTemplate matches a path segment by segment; {id} takes digits only.
func matchTemplate(template, path string) (int, bool) {
	ts := strings.Split(template, "/")
	ps := strings.Split(path, "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	id := 0
	for i, t := range ts {
		if t != "{id}" {
			if t != ps[i] {
				return 0, false
			}
			continue
		}
		n, ok := parseID(ps[i])
		if !ok {
			return 0, false
		}
		id = n
	}
	return id, true
}

// parseID accepts what Mautic's \d+ route requirement does.
func parseID(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// isAPIPath tells API and OAuth requests from tracking and site ones.
func isAPIPath(path string) bool {
	return strings.HasPrefix(path, "/api") || strings.HasPrefix(path, "/oauth")
}

// serveHTTP is the front door, in Mautic's order: count, injected faults,
// router, firewall, limiter, controller.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rt, id, found := match(r.Method, r.URL.Path)
	key := r.Method + " " + r.URL.Path
	if found {
		key = rt.key()
	}
	s.counters.count(key, isAPIPath(r.URL.Path))
	if s.faults.isDown() {
		resetConnection(w)
		return
	}
	s.sleep(r.Context(), s.faults.currentLatency())
	if f, ok := s.faults.take(key); ok {
		if f.reset {
			resetConnection(w)
			return
		}
		writeServerError(w, f.status)
		return
	}
	if !found {
		s.notFound(w, r)
		return
	}
	if rt.area == areaTracking {
		rt.handle(s, w, r, id)
		return
	}
	if !s.cfg.apiOn {
		writeAuthError(w, http.StatusForbidden, msgAPIDisabled, "api_disabled")
		return
	}
	if rt.area == areaAPI {
		bucket, ok := s.authenticate(w, r)
		if !ok || !s.limiter.allow(w, bucket, s.now()) {
			return
		}
	}
	rt.handle(s, w, r, id)
}

// notFound answers an unknown route: Mautic's JSON under /api, a plain page
// elsewhere.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if !isAPIPath(r.URL.Path) {
		http.NotFound(w, r)
		return
	}
	writeJSON(w, http.StatusNotFound, false, object{}.add("errors", list{
		object{}.add("message", "Requested URL not found: "+r.URL.Path).add("code", 404).add("type", nil),
	}))
}
