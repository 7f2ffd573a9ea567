package webhook

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Message is one webhook message in a [Queue].
type Message struct {
	// ID is the webhook-id, unique per message and the same on every
	// retry.
	ID string
	// Type is the event type (for metrics and logs).
	Type string
	// Body is the JSON sent.
	Body []byte
	// Attempts counts the failed deliveries so far.
	Attempts int
}

// Claim is a message a worker holds under a lease: no other worker claims
// it until the lease ends, unless it is settled with [Queue.Done] or
// [Queue.Retry] first.
type Claim struct {
	Message
	// Lease identifies this claim; Done and Retry of an older claim of
	// the same message (whose lease ran out) change nothing.
	Lease string
}

// Queue keeps messages until they are delivered. Implementations are safe
// for concurrent use, also by several processes sharing one database.
type Queue interface {
	// Enqueue stores m, due at once; when it returns nil, m is kept (in
	// the database, for the durable queues).
	Enqueue(ctx context.Context, m Message) error
	// Claim leases up to max due messages until now+lease: messages whose
	// retry time has come, and messages whose earlier lease ran out.
	Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claim, error)
	// Done deletes a delivered message.
	Done(ctx context.Context, c Claim) error
	// Retry counts a failed attempt and makes the message due again at
	// due.
	Retry(ctx context.Context, c Claim, due time.Time) error
	// Pending counts the messages not yet delivered.
	Pending(ctx context.Context) (int64, error)
}

// MemoryQueue is a [Queue] in this process: fast, and lost when the
// process ends (crash or restart). Use it only without a database.
type MemoryQueue struct {
	mu   sync.Mutex
	msgs map[string]*memEntry
	seq  int64
}

type memEntry struct {
	Message
	due   time.Time // zero: due at once
	lease string
	order int64
}

// NewMemoryQueue returns an empty in-process queue.
func NewMemoryQueue() *MemoryQueue { return &MemoryQueue{msgs: map[string]*memEntry{}} }

var _ Queue = (*MemoryQueue)(nil)

// Enqueue implements [Queue].
func (q *MemoryQueue) Enqueue(_ context.Context, m Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.msgs[m.ID] = &memEntry{Message: m, order: q.seq}
	return nil
}

// Claim implements [Queue].
func (q *MemoryQueue) Claim(_ context.Context, now time.Time, lease time.Duration, max int) ([]Claim, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var due []*memEntry
	for _, e := range q.msgs {
		if !e.due.After(now) {
			due = append(due, e)
		}
	}
	slices.SortFunc(due, func(a, b *memEntry) int { return a.due.Compare(b.due)*2 + cmpInt(a.order, b.order) })
	if len(due) > max {
		due = due[:max]
	}
	out := make([]Claim, 0, len(due))
	for _, e := range due {
		e.lease = NewID()
		e.due = now.Add(lease)
		out = append(out, Claim{Message: e.Message, Lease: e.lease})
	}
	return out, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Done implements [Queue].
func (q *MemoryQueue) Done(_ context.Context, c Claim) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.msgs[c.ID]; ok && e.lease == c.Lease {
		delete(q.msgs, c.ID)
	}
	return nil
}

// Retry implements [Queue].
func (q *MemoryQueue) Retry(_ context.Context, c Claim, due time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if e, ok := q.msgs[c.ID]; ok && e.lease == c.Lease {
		e.Attempts++
		e.due, e.lease = due, ""
	}
	return nil
}

// Pending implements [Queue].
func (q *MemoryQueue) Pending(context.Context) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return int64(len(q.msgs)), nil
}
