package provision

import (
	"testing"
	"time"
)

func TestQueueDedupesByUser(t *testing.T) {
	q := newQueue(10)
	now := time.Now()
	a := q.push("u1", kindRefresh, hint{mtcID: 5, locale: "de_DE", explicit: true}, now)
	b := q.push("u1", kindProvision, hint{timezone: "Europe/Berlin"}, now)
	if a != b {
		t.Fatal("a second push of the user made a second task")
	}
	if queued, _ := q.counts(); queued != 1 {
		t.Fatalf("%d queued, want 1", queued)
	}
	jobs := q.take(10, now)
	if len(jobs) != 1 {
		t.Fatalf("took %d, want 1", len(jobs))
	}
	j := jobs[0]
	if j.kind != kindProvision {
		t.Errorf("kind %d: a provision must win over a refresh", j.kind)
	}
	want := hint{mtcID: 5, locale: "de_DE", explicit: true, timezone: "Europe/Berlin"}
	if j.hint != want {
		t.Errorf("hint %+v, want %+v", j.hint, want)
	}
	// In flight: still deduplicated, not handed out twice.
	if q.push("u1", kindProvision, hint{}, now) != a {
		t.Error("a push while in flight made a new task")
	}
	if more := q.take(10, now); len(more) != 0 {
		t.Errorf("an in-flight task was handed out again: %d", len(more))
	}
}

func TestHintMerge(t *testing.T) {
	tests := []struct {
		name       string
		old, newer hint
		want       hint
	}{
		{"newer wins", hint{mtcID: 1, locale: "de_DE", timezone: "UTC"}, hint{mtcID: 2, locale: "fr_FR", timezone: "Europe/Paris"}, hint{mtcID: 2, locale: "fr_FR", timezone: "Europe/Paris"}},
		{"empty keeps old", hint{mtcID: 1, locale: "de_DE", explicit: true, timezone: "UTC"}, hint{}, hint{mtcID: 1, locale: "de_DE", explicit: true, timezone: "UTC"}},
		{"a browser locale does not replace a chosen one", hint{locale: "de_DE", explicit: true}, hint{locale: "it_IT"}, hint{locale: "de_DE", explicit: true}},
		{"a chosen locale replaces a browser one", hint{locale: "it_IT"}, hint{locale: "de_DE", explicit: true}, hint{locale: "de_DE", explicit: true}},
	}
	for _, tt := range tests {
		if got := tt.old.merge(tt.newer); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestQueueOrderAndRetry(t *testing.T) {
	q := newQueue(10)
	now := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		q.push(id, kindProvision, hint{}, now)
	}
	jobs := q.take(2, now)
	if len(jobs) != 2 || jobs[0].userID != "a" || jobs[1].userID != "b" {
		t.Fatalf("took %v, want a and b in arrival order", ids(jobs))
	}
	q.retry(jobs[0].t, now.Add(time.Minute), kindProvision, 1, false)
	q.retry(jobs[1].t, now.Add(time.Second), kindProvision, 2, true)
	n, next := q.due(now)
	if n != 1 || !next.Equal(now.Add(time.Second)) {
		t.Fatalf("due %d, next %v; want 1 and +1s", n, next.Sub(now))
	}
	if got := ids(q.take(10, now)); len(got) != 1 || got[0] != "c" {
		t.Fatalf("took %v, want c only", got)
	}
	later := q.take(10, now.Add(2*time.Second))
	if got := ids(later); len(got) != 1 || got[0] != "b" {
		t.Fatalf("took %v at +2s, want b", got)
	}
	if later[0].attempts != 2 || !later[0].dropOptional {
		t.Errorf("retry state lost: %+v", later[0])
	}
}

// A user Mautic refused waits out the backoff whatever they do: visits,
// however many, never bring the retry forward (they once did, to the last
// try + 1 s, and a refused user was tried 31 times in 30 s).
func TestQueueVisitNeverShortensBackoff(t *testing.T) {
	q := newQueue(10)
	now := time.Now()
	q.push("u", kindProvision, hint{}, now)
	j := q.take(1, now)[0]
	retryAt := now.Add(14*time.Minute + 46*time.Second)
	q.retry(j.t, retryAt, kindProvision, 5, false)

	q.push("u", kindProvision, hint{}, now) // a rescan
	for at := now; at.Before(retryAt); at = at.Add(time.Second) {
		q.push("u", kindProvision, hint{mtcID: 7}, at) // a visit a second
		q.push("other", kindProvision, hint{}, at)     // other queue activity
		for _, o := range q.take(10, at) {
			if o.userID == "u" {
				t.Fatalf("the refused user was tried at +%v, before its backoff of +%v ended", at.Sub(now), retryAt.Sub(now))
			}
			q.settle(o.t, 1)
		}
	}
	jobs := q.take(10, retryAt)
	if len(jobs) != 1 || jobs[0].userID != "u" || jobs[0].hint.mtcID != 7 {
		t.Fatalf("at the end of the backoff: %+v, want the user with the visits' hint", jobs)
	}
}

func TestQueueBoundAndSettle(t *testing.T) {
	q := newQueue(2)
	now := time.Now()
	a := q.push("a", kindProvision, hint{}, now)
	q.push("b", kindProvision, hint{}, now)
	if q.push("c", kindProvision, hint{}, now) != nil {
		t.Fatal("pushed past the bound")
	}
	if q.push("a", kindProvision, hint{}, now) != a {
		t.Fatal("a queued user was refused at the bound")
	}
	signal := q.wait()
	jobs := q.take(1, now)
	q.settle(jobs[0].t, 42)
	select {
	case <-a.done:
	default:
		t.Fatal("settle did not wake the waiters")
	}
	if a.contactID != 42 || q.has("a") {
		t.Errorf("contact %d, still queued %v", a.contactID, q.has("a"))
	}
	if q.push("c", kindProvision, hint{}, now) == nil {
		t.Fatal("no room after a settle")
	}
	select {
	case <-signal:
	default:
		t.Error("a push did not signal the workers")
	}
}

func ids(jobs []job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.userID
	}
	return out
}
