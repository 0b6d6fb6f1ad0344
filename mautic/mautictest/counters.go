package mautictest

import (
	"maps"
	"sync"
)

// counters counts requests by route key.
type counters struct {
	mu     sync.Mutex
	byKey  map[string]int
	apiAll int
}

func (c *counters) count(key string, api bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byKey == nil {
		c.byKey = make(map[string]int)
	}
	c.byKey[key]++
	if api {
		c.apiAll++
	}
}

// Calls returns how many requests route received, injected failures and
// resets included. Keys are "METHOD template", e.g. "POST /api/contacts/new"
// or "GET /api/contacts/{id}"; an unknown route counts under its method and
// path.
func (s *Server) Calls(route string) int {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	return s.counters.byKey[route]
}

// CallCounts returns a copy of all counters.
func (s *Server) CallCounts() map[string]int {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	out := maps.Clone(s.counters.byKey)
	if out == nil {
		out = make(map[string]int)
	}
	return out
}

// TotalAPICalls returns how many requests went to /api or /oauth paths.
func (s *Server) TotalAPICalls() int {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	return s.counters.apiAll
}

// ResetCounters sets every counter back to zero.
func (s *Server) ResetCounters() {
	s.counters.mu.Lock()
	defer s.counters.mu.Unlock()
	s.counters.byKey = nil
	s.counters.apiAll = 0
}
