package fleettest

import (
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Modes of the Mautic fault proxy.
const (
	mauticHealthy int32 = iota
	mauticRefusing
	mautic503
	mauticSlow
)

// mauticProxy stands between the fleet and the simulator: it refuses
// connections (its listener closed), answers 503, or delays every call,
// and watches the rate limit: a call made after a 429 and before the reset
// that 429 announced is counted.
type mauticProxy struct {
	t        testing.TB
	addr     string
	target   *url.URL
	mode     atomic.Int32
	slow     time.Duration
	mu       sync.Mutex
	ln       net.Listener
	srv      *http.Server
	blockTil time.Time // from the last 429's X-RateLimit-Reset
	early    int       // calls made before blockTil
	limited  int       // 429s seen
}

func newMauticProxy(t testing.TB, target string) *mauticProxy {
	u, _ := url.Parse(target)
	p := &mauticProxy{t: t, target: u, slow: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *mauticProxy) url() string { return "http://" + p.addr }

func (p *mauticProxy) serve(ln net.Listener) {
	rp := httputil.NewSingleHostReverseProxy(p.target)
	rp.ModifyResponse = func(r *http.Response) error {
		if r.StatusCode == http.StatusTooManyRequests {
			reset, _ := strconv.ParseInt(r.Header.Get("X-RateLimit-Reset"), 10, 64)
			p.mu.Lock()
			p.limited++
			p.blockTil = time.Unix(reset, 0)
			p.mu.Unlock()
		}
		return nil
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		// Whole seconds: the header has no finer grain.
		if time.Now().Add(-time.Second).Before(p.blockTil) && time.Now().Before(p.blockTil) {
			p.early++
		}
		p.mu.Unlock()
		switch p.mode.Load() {
		case mautic503:
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, "<html>503 Service Unavailable</html>")
			return
		case mauticSlow:
			select {
			case <-time.After(p.slow):
			case <-r.Context().Done():
				return
			}
		}
		rp.ServeHTTP(w, r)
	})
	srv := &http.Server{Handler: h}
	p.mu.Lock()
	p.ln, p.srv = ln, srv
	p.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// set changes the mode; refusing closes the listener (connections are
// refused), any other mode listens again on the same address.
func (p *mauticProxy) set(mode int32) {
	prev := p.mode.Swap(mode)
	if mode == mauticRefusing && prev != mauticRefusing {
		p.stop()
	}
	if mode != mauticRefusing && prev == mauticRefusing {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			p.t.Fatalf("listening again on %s: %v", p.addr, err)
		}
		p.serve(ln)
	}
}

func (p *mauticProxy) stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// rateLimitCounts returns the 429s seen and the calls made before a
// 429's announced reset.
func (p *mauticProxy) rateLimitCounts() (limited, early int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limited, p.early
}

// tcpProxy forwards TCP to a database; cut closes the listener and every
// connection (the database is down), restore listens again.
type tcpProxy struct {
	t      testing.TB
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newTCPProxy(t testing.TB, target string) *tcpProxy {
	p := &tcpProxy{t: t, target: target, conns: map[net.Conn]struct{}{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.accept(ln)
	t.Cleanup(func() { p.cut(); p.wg.Wait() })
	return p
}

func (p *tcpProxy) accept(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.mu.Unlock()
			p.wg.Add(2)
			go p.pipe(c, up)
			go p.pipe(up, c)
		}
	}()
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	p.mu.Lock()
	delete(p.conns, dst)
	delete(p.conns, src)
	p.mu.Unlock()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
}

func (p *tcpProxy) restore() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listening again on %s: %v", p.addr, err)
	}
	p.accept(ln)
}
