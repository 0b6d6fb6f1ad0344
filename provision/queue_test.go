package provision

import (
	"testing"
	"time"
)

func TestQueueDedupesByUser(t *testing.T) {
	q := newQueue(10, time.Second)
	now := time.Now()
	a := q.push("u1", kindRefresh, hint{mtcID: 5, locale: "de_DE", explicit: true}, true, now)
	b := q.push("u1", kindProvision, hint{timezone: "Europe/Berlin"}, true, now)
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
	if q.push("u1", kindProvision, hint{}, true, now) != a {
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
	q := newQueue(10, 50*time.Millisecond)
	now := time.Now()
	for _, id := range []string{"a", "b", "c"} {
		q.push(id, kindProvision, hint{}, true, now)
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

func TestQueueVisitBringsRetryForward(t *testing.T) {
	q := newQueue(10, time.Second)
	now := time.Now()
	q.push("u", kindProvision, hint{}, true, now)
	j := q.take(1, now)[0]
	q.retry(j.t, now.Add(time.Hour), kindProvision, 5, false)

	q.push("u", kindProvision, hint{}, false, now) // a rescan: no change
	if n, _ := q.due(now.Add(2 * time.Second)); n != 0 {
		t.Fatal("a rescan brought a backed-off user forward")
	}
	q.push("u", kindProvision, hint{}, true, now.Add(100*time.Millisecond)) // a visit
	if n, _ := q.due(now.Add(500 * time.Millisecond)); n != 0 {
		t.Error("a visit brought the user back sooner than minGap after the last try")
	}
	if n, _ := q.due(now.Add(time.Second)); n != 1 {
		t.Error("a visit did not bring the user forward to minGap after the last try")
	}
}

func TestQueueBoundAndSettle(t *testing.T) {
	q := newQueue(2, time.Second)
	now := time.Now()
	a := q.push("a", kindProvision, hint{}, true, now)
	q.push("b", kindProvision, hint{}, true, now)
	if q.push("c", kindProvision, hint{}, true, now) != nil {
		t.Fatal("pushed past the bound")
	}
	if q.push("a", kindProvision, hint{}, true, now) != a {
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
	if q.push("c", kindProvision, hint{}, true, now) == nil {
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
