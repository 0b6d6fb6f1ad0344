package provision

import (
	"container/heap"
	"sync"
	"time"
)

// taskKind says what a queued user needs; a larger kind includes the
// smaller ones.
type taskKind uint8

const (
	// kindRefresh: a linked user's owned fields (the locale) changed.
	kindRefresh taskKind = iota + 1
	// kindProvision: find or make the user's contact.
	kindProvision
)

// hint is what visits told about a user that the database does not hold.
type hint struct {
	mtcID    int    // the mtc_id cookie, parsed; 0 for none
	device   string // the mautic_device_id cookie the mtc_id came with; untrusted
	locale   string // Mautic locale resolved from the visit; "" for none
	explicit bool   // locale came from the user's choice, not the browser
	timezone string
	// visitAt is the engine's Now at the user's last signed-in request; zero
	// when only the rescan or a webhook queued them. It clears a deletion
	// older than it.
	visitAt time.Time
}

// merge takes newer's values where it has them.
func (h hint) merge(newer hint) hint {
	if newer.mtcID != 0 {
		h.mtcID, h.device = newer.mtcID, newer.device
	}
	if newer.locale != "" && (newer.explicit || !h.explicit) {
		h.locale, h.explicit = newer.locale, newer.explicit
	}
	if newer.timezone != "" {
		h.timezone = newer.timezone
	}
	if newer.visitAt.After(h.visitAt) {
		h.visitAt = newer.visitAt
	}
	return h
}

// task is one queued user. Its fields are guarded by the queue's lock,
// except done and contactID: contactID is written before done is closed.
type task struct {
	userID       string
	kind         taskKind
	hint         hint
	attempts     int  // consecutive failures of this user's own
	dropOptional bool // Mautic refused an optional field: send the essentials only
	since        time.Time
	notBefore    time.Time
	inFlight     bool
	index        int // in the later heap; -1 when not there
	done         chan struct{}
	contactID    int
}

// job is a task as a worker took it: a snapshot, so the worker reads no
// field the queue may change meanwhile.
type job struct {
	t            *task
	userID       string
	kind         taskKind
	hint         hint
	attempts     int
	dropOptional bool
	since        time.Time
}

// queue holds each user at most once: due users in arrival order, users
// waiting for a retry in a heap by time. It is safe for concurrent use.
type queue struct {
	mu       sync.Mutex
	tasks    map[string]*task
	ready    []*task // due, oldest first
	later    laterHeap
	inFlight int
	max      int
	signal   chan struct{} // closed and replaced when a task becomes due
}

func newQueue(max int) *queue {
	return &queue{tasks: make(map[string]*task), max: max, signal: make(chan struct{})}
}

// push queues a user, or merges into the queued task of that user. A task
// waiting for a retry keeps its time: neither a visit nor a rescan may
// shorten a backoff, or a user Mautic refuses would be tried at the pace
// of their page views and spend the API limit everyone shares. It returns
// the task, or nil when the queue is full.
func (q *queue) push(userID string, kind taskKind, h hint, now time.Time) *task {
	q.mu.Lock()
	defer q.mu.Unlock()
	if t := q.tasks[userID]; t != nil {
		t.hint = t.hint.merge(h)
		t.kind = max(t.kind, kind)
		return t
	}
	if len(q.tasks) >= q.max {
		return nil
	}
	t := &task{userID: userID, kind: kind, hint: h, since: now, notBefore: now, index: -1, done: make(chan struct{})}
	q.tasks[userID] = t
	q.makeReady(t)
	return t
}

// makeReady appends t to the due tasks and wakes the workers.
func (q *queue) makeReady(t *task) {
	q.ready = append(q.ready, t)
	close(q.signal)
	q.signal = make(chan struct{})
}

// promote moves the tasks whose time has come from later to ready.
func (q *queue) promote(now time.Time) {
	for q.later.Len() > 0 && !q.later[0].notBefore.After(now) {
		q.makeReady(heap.Pop(&q.later).(*task))
	}
}

// take hands out up to n due tasks, oldest first, and marks them in flight.
func (q *queue) take(n int, now time.Time) []job {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.promote(now)
	k := min(n, len(q.ready))
	jobs := make([]job, k)
	for i, t := range q.ready[:k] {
		t.inFlight = true
		jobs[i] = job{t: t, userID: t.userID, kind: t.kind, hint: t.hint, attempts: t.attempts, dropOptional: t.dropOptional, since: t.since}
	}
	clear(q.ready[:k])
	q.ready = q.ready[k:]
	q.inFlight += k
	return jobs
}

// due reports how many tasks are due now, and when the next other one is.
func (q *queue) due(now time.Time) (n int, next time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.promote(now)
	if q.later.Len() > 0 {
		next = q.later[0].notBefore
	}
	return len(q.ready), next
}

// wait returns a channel closed when a task next becomes due.
func (q *queue) wait() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.signal
}

// settle removes an in-flight task and tells its waiters the contact id
// (0 when the user needs none, e.g. their row is gone).
func (q *queue) settle(t *task, contactID int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inFlight--
	delete(q.tasks, t.userID)
	t.contactID = contactID
	close(t.done)
}

// retry puts an in-flight task back, due at the given time. kind is raised
// to at least minKind; attempts and dropOptional are the task's new state.
func (q *queue) retry(t *task, at time.Time, minKind taskKind, attempts int, dropOptional bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inFlight--
	t.inFlight = false
	t.kind = max(t.kind, minKind)
	t.attempts, t.dropOptional, t.notBefore = attempts, dropOptional, at
	heap.Push(&q.later, t)
}

// counts returns the queued tasks (in flight included) and those in flight.
func (q *queue) counts() (queued, inFlight int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tasks), q.inFlight
}

// has reports whether the user is queued or in flight.
func (q *queue) has(userID string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tasks[userID] != nil
}

// laterHeap orders tasks by notBefore.
type laterHeap []*task

func (h laterHeap) Len() int           { return len(h) }
func (h laterHeap) Less(i, j int) bool { return h[i].notBefore.Before(h[j].notBefore) }
func (h laterHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

func (h *laterHeap) Push(x any) {
	t := x.(*task)
	t.index = len(*h)
	*h = append(*h, t)
}

func (h *laterHeap) Pop() any {
	old := *h
	n := len(old)
	t := old[n-1]
	old[n-1] = nil
	t.index = -1
	*h = old[:n-1]
	return t
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
