package betterauth

import (
	"context"
	"errors"
	"sync"
	"time"
)

var errClosed = errors.New("betterauth: resolver is closed")

// flightTracker owns the background work of a Resolver (JWKS fetches and
// session lookups run by singleflight on behalf of several requests): it
// gives each a deadline, cancels them on close and waits for them.
type flightTracker struct {
	base    context.Context
	cancel  context.CancelFunc
	timeout time.Duration

	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func newFlightTracker(timeout time.Duration) *flightTracker {
	ctx, cancel := context.WithCancel(context.Background())
	return &flightTracker{base: ctx, cancel: cancel, timeout: timeout}
}

// start registers one piece of work. The Add happens under the same lock
// that close takes before Wait, so no work starts after close waits.
func (f *flightTracker) start() (context.Context, func(), error) {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return nil, nil, errClosed
	}
	f.wg.Add(1)
	f.mu.Unlock()
	ctx, cancel := context.WithTimeout(f.base, f.timeout)
	return ctx, func() { cancel(); f.wg.Done() }, nil
}

// close cancels all work and waits for it to return.
func (f *flightTracker) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.cancel()
	f.wg.Wait()
}

func (f *flightTracker) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}
