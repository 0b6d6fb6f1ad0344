package mautictest

import (
	"sync"
	"time"
)

// faults holds the failures a test injects at run time.
type faults struct {
	mu         sync.Mutex
	latency    time.Duration
	raceWindow time.Duration
	down       bool
	rules      []faultRule
}

// faultRule fails the next n calls of a route ("" = any route).
type faultRule struct {
	route  string
	n      int
	status int
	reset  bool
}

// take consumes one matching rule, oldest first.
func (f *faults) take(route string) (faultRule, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.rules {
		r := &f.rules[i]
		if r.n > 0 && (r.route == "" || r.route == route) {
			r.n--
			out := *r
			if r.n == 0 {
				f.rules = append(f.rules[:i], f.rules[i+1:]...)
			}
			return out, true
		}
	}
	return faultRule{}, false
}

func (f *faults) add(r faultRule) {
	if r.n <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, r)
}

func (f *faults) isDown() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down
}

func (f *faults) currentLatency() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.latency
}

func (f *faults) currentRaceWindow() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.raceWindow
}

// SetLatency delays every later response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.latency = d
}

// FailNext makes the next n calls of route answer status with Mautic's error
// body. route is a counter key such as "POST /api/contacts/new"; "" matches
// any route.
func (s *Server) FailNext(route string, n int, status int) {
	s.faults.add(faultRule{route: route, n: n, status: status})
}

// ResetNext makes the next n calls of route lose their TCP connection without
// an answer; "" matches any route.
func (s *Server) ResetNext(route string, n int) {
	s.faults.add(faultRule{route: route, n: n, reset: true})
}

// SetDown resets the connection of every request until SetDown(false).
func (s *Server) SetDown(down bool) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.down = down
}

// SetCreateRaceWindow sets the sleep between the email dedupe check and the
// insert of a new contact (see WithCreateRaceWindow).
func (s *Server) SetCreateRaceWindow(d time.Duration) {
	s.faults.mu.Lock()
	defer s.faults.mu.Unlock()
	s.faults.raceWindow = d
}
