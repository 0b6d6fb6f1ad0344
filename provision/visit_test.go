package provision

import (
	"context"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/provision/betterauth"
)

func TestContactForWithoutUserOrRoom(t *testing.T) {
	e := offlineEngine(t)
	if id, ok := e.ContactFor(context.Background(), Visit{MtcID: "5"}); ok || id != 0 {
		t.Errorf("anonymous visit answered %d", id)
	}
	e.queue.max = 1
	e.ContactFor(context.Background(), Visit{User: betterauth.Identity{UserID: "a"}})
	e.ContactFor(context.Background(), Visit{User: betterauth.Identity{UserID: "b"}})
	if got := e.Stats().Outcomes[OutcomeOverflow]; got != 1 {
		t.Errorf("overflow counted %d, want 1", got)
	}
	if queued, _ := e.queue.counts(); queued != 1 {
		t.Errorf("%d queued past the bound of 1", queued)
	}
}

func TestContactForTrustsClaimsUnlessUnlinked(t *testing.T) {
	e := offlineEngine(t)
	vis := Visit{User: betterauth.Identity{UserID: "u", MauticID: 12}}
	if id, ok := e.ContactFor(context.Background(), vis); !ok || id != 12 {
		t.Fatalf("a claim of 12 answered %d, %v", id, ok)
	}
	if e.queue.has("u") {
		t.Error("a user with a claimed contact was queued")
	}
	// A webhook unlinked the user: the same claim is not believed.
	e.cache.forget("u")
	if id, ok := e.ContactFor(context.Background(), vis); ok {
		t.Errorf("a distrusted claim answered %d", id)
	}
	if !e.queue.has("u") {
		t.Error("the user was not queued to be read again")
	}
	// A contact known to be deleted is not believed either.
	e.cache.markDeleted(30)
	other := Visit{User: betterauth.Identity{UserID: "w", MauticID: 30}}
	if _, ok := e.ContactFor(context.Background(), other); ok {
		t.Error("a deleted contact was answered")
	}
}

func TestContactForWaitsAtMostRequestWait(t *testing.T) {
	e := offlineEngine(t) // never started: nothing will answer
	e.cfg.RequestWait = 50 * time.Millisecond
	start := time.Now()
	if _, ok := e.ContactFor(context.Background(), Visit{User: betterauth.Identity{UserID: "u"}}); ok {
		t.Fatal("answered without a worker")
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Errorf("waited %s, want about RequestWait", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.cfg.RequestWait = time.Hour
	start = time.Now()
	e.ContactFor(ctx, Visit{User: betterauth.Identity{UserID: "u"}})
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %s past a done context", d)
	}
}
