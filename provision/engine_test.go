package provision

import (
	"context"
	"testing"
	"time"
)

func TestEngineLifecycle(t *testing.T) {
	e := offlineEngine(t)
	if err := e.Close(); err != nil { // Close before Start is fine
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err == nil {
		t.Fatal("Start after Close succeeded")
	}

	e = offlineEngine(t)
	e.cfg.Rescan = time.Hour
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err == nil {
		t.Error("Start twice succeeded")
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Error("Close is not idempotent")
	}
}

func TestEngineStopsWithItsContext(t *testing.T) {
	e := offlineEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	if err := e.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	done := make(chan struct{})
	go func() { e.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("workers still running after the context ended")
	}
	e.Close()
}
