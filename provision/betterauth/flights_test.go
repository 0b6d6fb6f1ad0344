package betterauth

import (
	"errors"
	"testing"
	"time"
)

func TestFlightTracker(t *testing.T) {
	f := newFlightTracker(time.Hour)
	ctx, done, err := f.start()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ctx.Deadline(); !ok {
		t.Error("work has no deadline")
	}
	closed := make(chan struct{})
	go func() { f.close(); close(closed) }()
	select {
	case <-ctx.Done(): // close cancels work in flight
	case <-time.After(5 * time.Second):
		t.Fatal("close did not cancel the work")
	}
	select {
	case <-closed:
		t.Fatal("close returned before the work finished")
	case <-time.After(20 * time.Millisecond):
	}
	done()
	<-closed
	if _, _, err := f.start(); !errors.Is(err, errClosed) || !f.isClosed() {
		t.Errorf("start after close: %v", err)
	}
	f.close() // idempotent
}
