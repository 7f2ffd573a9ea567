package webhook

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// receiver is a webhook endpoint for tests: it verifies each signature,
// de-duplicates by webhook-id, records whether one message was ever
// delivered twice at the same time, and can answer 500 or refuse
// connections.
type receiver struct {
	t    testing.TB
	key  []byte
	now  func() time.Time
	addr string
	srv  *httptest.Server

	mu        sync.Mutex
	failing   bool
	seen      map[string]int     // deliveries by id
	payloads  map[string]Payload // first delivery by id
	order     []string           // ids in order of first delivery
	inFlight  map[string]bool
	overlaps  int // a message delivered while it was being delivered
	badSigned int
}

func newReceiver(t testing.TB, key []byte, now func() time.Time) *receiver {
	r := &receiver{t: t, key: key, now: now, seen: map[string]int{}, payloads: map[string]Payload{}, inFlight: map[string]bool{}}
	r.srv = httptest.NewServer(r)
	r.addr = r.srv.Listener.Addr().String()
	t.Cleanup(func() { r.srv.Close() })
	return r
}

func (r *receiver) URL() string { return "http://" + r.addr + "/events" }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := Verify(r.key, req.Header, body, r.now(), 5*time.Minute); err != nil {
		r.mu.Lock()
		r.badSigned++
		r.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	id := req.Header.Get(HeaderID)
	r.mu.Lock()
	if r.failing {
		r.mu.Unlock()
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	if r.inFlight[id] {
		r.overlaps++
	}
	r.inFlight[id] = true
	r.mu.Unlock()
	var p Payload
	err := json.Unmarshal(body, &p)
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.inFlight, id)
	if err != nil || p.ID != id {
		r.badSigned++
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if r.seen[id] == 0 {
		r.payloads[id] = p
		r.order = append(r.order, id)
	}
	r.seen[id]++
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) setFailing(f bool) { r.mu.Lock(); r.failing = f; r.mu.Unlock() }

// down closes the listener: connections are refused until up.
func (r *receiver) down() { r.srv.Close() }

// up listens again on the same address.
func (r *receiver) up() {
	l, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatalf("listen again on %s: %v", r.addr, err)
	}
	r.srv = httptest.NewUnstartedServer(r)
	r.srv.Listener.Close()
	r.srv.Listener = l
	r.srv.Start()
}

// stats returns the number of distinct messages received, the total
// deliveries, and the overlaps and bad signatures seen.
func (r *receiver) stats() (unique, total, overlaps, bad int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		total += n
	}
	return len(r.seen), total, r.overlaps, r.badSigned
}

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// queueStore opens queues on one database: each call of open is a new
// connection (another server), closed at the end of the test unless the
// test closes it first.
type queueStore struct {
	name string
	// durable: the queue outlives its process.
	durable bool
	// serverLease: leases run on the database's clock (Redis), not the
	// dispatcher's.
	serverLease bool
	setup       func(t *testing.T) (open func() (Queue, func()))
}

func queueStores() []queueStore {
	return []queueStore{
		{"memory", false, false, func(t *testing.T) func() (Queue, func()) {
			q := NewMemoryQueue()
			return func() (Queue, func()) { return q, func() {} }
		}},
		{"sqlite", true, false, func(t *testing.T) func() (Queue, func()) {
			path := filepath.Join(t.TempDir(), "events.db")
			return func() (Queue, func()) {
				db, err := sqlite.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				return openSQL(t, db, SQLite)
			}
		}},
		{"postgres", true, false, func(t *testing.T) func() (Queue, func()) {
			dsn := servicetest.PostgresDatabase(t)
			return func() (Queue, func()) {
				pool, err := pgxpool.New(context.Background(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				q, closeDB := openSQL(t, stdlib.OpenDBFromPool(pool), Postgres)
				return q, func() { closeDB(); pool.Close() }
			}
		}},
		{"mysql", true, false, func(t *testing.T) func() (Queue, func()) {
			_, dsn := servicetest.MySQLDatabase(t)
			return func() (Queue, func()) {
				db, err := mysql.Open(dsn, mysql.Options{})
				if err != nil {
					t.Fatal(err)
				}
				return openSQL(t, db, MySQL)
			}
		}},
		{"redis", true, true, func(t *testing.T) func() (Queue, func()) {
			u, prefix := servicetest.RedisPrefix(t)
			return func() (Queue, func()) {
				o, err := goredis.ParseURL(u)
				if err != nil {
					t.Fatal(err)
				}
				c := goredis.NewClient(o)
				q, err := NewRedisQueue(context.Background(), c, prefix)
				if err != nil {
					t.Fatal(err)
				}
				var once sync.Once
				closeFn := func() { once.Do(func() { c.Close() }) }
				t.Cleanup(closeFn)
				return q, closeFn
			}
		}},
	}
}

func openSQL(t *testing.T, db interface {
	Close() error
}, d Dialect) (Queue, func()) {
	t.Helper()
	sqlDB := db.(interface{ Close() error })
	var once sync.Once
	closeFn := func() { once.Do(func() { sqlDB.Close() }) }
	t.Cleanup(closeFn)
	q, err := NewSQLQueue(context.Background(), asSQL(db), d)
	if err != nil {
		t.Fatal(err)
	}
	return q, closeFn
}

var discard = slog.New(slog.NewTextHandler(io.Discard, nil))

// newTestDispatcher is a dispatcher on q sending to rcv, on clk.
func newTestDispatcher(t *testing.T, q Queue, rcv *receiver, clk *clock, lease time.Duration) *Dispatcher {
	t.Helper()
	d, err := NewDispatcher(Options{
		Sender: &Sender{URL: rcv.URL(), Key: rcv.key, Timeout: 10 * time.Second},
		Queue:  q, Now: clk.Now, Logger: discard, Lease: lease,
		MinBackoff: 10 * time.Second, MaxBackoff: 40 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// emitN emits n signIn events and returns their ids in order.
func emitN(t *testing.T, d *Dispatcher, n int) {
	t.Helper()
	for i := range n {
		if err := d.Emit(context.Background(), TypeSignIn, map[string]any{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
}

func pending(t *testing.T, q Queue) int64 {
	t.Helper()
	n, err := q.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeliveryResumes: the receiver answers 500, then refuses
// connections, then comes back: every message is retried on the backoff
// schedule (never before it is due) and delivered once it is back.
func TestDeliveryResumes(t *testing.T) {
	for _, st := range queueStores() {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			_, key := newSecret(t)
			clk := &clock{t: time.Now()}
			rcv := newReceiver(t, key, clk.Now)
			q, _ := st.setup(t)()
			d := newTestDispatcher(t, q, rcv, clk, 0)
			const n = 5
			emitN(t, d, n)

			rcv.setFailing(true)
			if del, failed, err := d.Deliver(ctx); err != nil || del != 0 || failed != n {
				t.Fatalf("receiver answering 500: delivered %d failed %d err %v; want 0, %d, nil", del, failed, err, n)
			}
			if del, failed, err := d.Deliver(ctx); err != nil || del+failed != 0 {
				t.Fatalf("before the backoff: delivered %d failed %d err %v; want nothing claimed", del, failed, err)
			}
			rcv.down()
			clk.Add(d.Backoff(1))
			if del, failed, err := d.Deliver(ctx); err != nil || del != 0 || failed != n {
				t.Fatalf("receiver refusing connections: delivered %d failed %d err %v; want 0, %d, nil", del, failed, err, n)
			}
			if got := pending(t, q); got != n {
				t.Fatalf("pending = %d, want %d", got, n)
			}
			rcv.up()
			rcv.setFailing(false)
			clk.Add(d.Backoff(2) - time.Millisecond)
			if del, failed, err := d.Deliver(ctx); err != nil || del+failed != 0 {
				t.Fatalf("1 ms before the second retry: delivered %d failed %d err %v; want nothing claimed", del, failed, err)
			}
			clk.Add(time.Millisecond)
			if del, failed, err := d.Deliver(ctx); err != nil || del != n || failed != 0 {
				t.Fatalf("receiver back: delivered %d failed %d err %v; want %d, 0, nil", del, failed, err, n)
			}
			unique, total, overlaps, bad := rcv.stats()
			if unique != n || total != n || overlaps != 0 || bad != 0 {
				t.Errorf("receiver saw %d messages in %d deliveries (%d overlapping, %d badly signed); want %d once each", unique, total, overlaps, bad, n)
			}
			if got := pending(t, q); got != 0 {
				t.Errorf("pending after delivery = %d, want 0", got)
			}
		})
	}
}

// TestDeliveryAfterRestart: a server holding leases on some messages
// stops dead (its connection closed, nothing settled) and a new one starts
// on the same database: every message is delivered, each exactly once.
func TestDeliveryAfterRestart(t *testing.T) {
	for _, st := range queueStores() {
		if !st.durable {
			continue // the memory queue is lost with its process (docs/events.md)
		}
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			_, key := newSecret(t)
			clk := &clock{t: time.Now()}
			rcv := newReceiver(t, key, clk.Now)
			open := st.setup(t)
			q1, kill := open()
			d1 := newTestDispatcher(t, q1, rcv, clk, time.Minute)
			const n = 8
			emitN(t, d1, n)
			// The first server claims half the messages and dies before it
			// sends them.
			held, err := q1.Claim(ctx, clk.Now(), time.Minute, n/2)
			if err != nil || len(held) != n/2 {
				t.Fatalf("claim: %d messages, err %v", len(held), err)
			}
			kill()

			lease := time.Minute
			if st.serverLease {
				lease = time.Millisecond // Redis measures idle time by its own clock
			}
			q2, _ := open()
			d2 := newTestDispatcher(t, q2, rcv, clk, lease)
			if !st.serverLease {
				if del, _, err := d2.Deliver(ctx); err != nil || del != n-n/2 {
					t.Fatalf("new server, leases still running: delivered %d, err %v; want %d", del, err, n-n/2)
				}
				clk.Add(time.Minute)
			}
			deadline, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			for pending(t, q2) > 0 {
				if _, _, err := d2.Deliver(deadline); err != nil {
					t.Fatalf("deliver: %v (pending %d)", err, pending(t, q2))
				}
			}
			unique, total, overlaps, bad := rcv.stats()
			if unique != n || total != n || overlaps != 0 || bad != 0 {
				t.Errorf("receiver saw %d messages in %d deliveries (%d overlapping, %d badly signed); want %d once each", unique, total, overlaps, bad, n)
			}
		})
	}
}

// TestDownAMinuteAcrossRestart: on the default schedule (5 s, doubling)
// the receiver refuses connections for a minute, so the server tries at
// 0, 5, 15 and 35 s; it then stops dead and a new server starts on the
// same database as the receiver comes back at 60 s. The restart does not
// reset the schedule (due times are stored): the new server sends nothing
// before the retry due at 75 s, and at 75 s every message, each once.
func TestDownAMinuteAcrossRestart(t *testing.T) {
	for _, st := range queueStores() {
		if !st.durable {
			continue // the memory queue is lost with its process (docs/events.md)
		}
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			_, key := newSecret(t)
			t0 := time.Now()
			clk := &clock{t: t0}
			at := func(d time.Duration) { clk.mu.Lock(); clk.t = t0.Add(d); clk.mu.Unlock() }
			rcv := newReceiver(t, key, clk.Now)
			newServer := func(q Queue) *Dispatcher {
				d, err := NewDispatcher(Options{Sender: &Sender{URL: rcv.URL(), Key: key}, Queue: q, Now: clk.Now, Logger: discard})
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			deliver := func(d *Dispatcher, when string, wantDelivered, wantFailed int) {
				t.Helper()
				if del, failed, err := d.Deliver(ctx); err != nil || del != wantDelivered || failed != wantFailed {
					t.Fatalf("%s: delivered %d failed %d err %v; want %d, %d, nil", when, del, failed, err, wantDelivered, wantFailed)
				}
			}
			open := st.setup(t)
			q1, kill := open()
			d1 := newServer(q1)
			const n = 4
			emitN(t, d1, n)
			rcv.down()
			var attempt time.Duration
			for i := 1; attempt < time.Minute; i++ {
				if i > 1 { // a new message is due at once
					at(attempt - time.Millisecond)
					deliver(d1, fmt.Sprintf("1 ms before attempt %d", i), 0, 0)
				}
				at(attempt)
				deliver(d1, fmt.Sprintf("attempt %d at %v, receiver down", i, attempt), 0, n)
				attempt += d1.Backoff(i)
			}
			if attempt != 75*time.Second {
				t.Fatalf("next attempt at %v, want 75 s (0, 5, 15, 35, 75 s)", attempt)
			}
			kill()

			at(time.Minute)
			rcv.up()
			q2, _ := open()
			d2 := newServer(q2)
			if got := pending(t, q2); got != n {
				t.Fatalf("pending after the restart = %d, want %d", got, n)
			}
			deliver(d2, "new server at 60 s, receiver back", 0, 0)
			at(attempt - time.Millisecond)
			deliver(d2, "new server 1 ms before the retry due at 75 s", 0, 0)
			at(attempt)
			deliver(d2, "new server at 75 s", n, 0)
			unique, total, overlaps, bad := rcv.stats()
			if unique != n || total != n || overlaps != 0 || bad != 0 {
				t.Errorf("receiver saw %d messages in %d deliveries (%d overlapping, %d badly signed); want %d once each", unique, total, overlaps, bad, n)
			}
			if got := pending(t, q2); got != 0 {
				t.Errorf("pending after delivery = %d, want 0", got)
			}
		})
	}
}

// TestTwoWorkers: two servers on one database deliver concurrently; no
// message is delivered twice, let alone at the same time.
func TestTwoWorkers(t *testing.T) {
	for _, st := range queueStores() {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			_, key := newSecret(t)
			clk := &clock{t: time.Now()}
			rcv := newReceiver(t, key, clk.Now)
			open := st.setup(t)
			qa, _ := open()
			qb, _ := open()
			da := newTestDispatcher(t, qa, rcv, clk, time.Minute)
			db := newTestDispatcher(t, qb, rcv, clk, time.Minute)
			const n = 60
			emitN(t, da, n/2)
			emitN(t, db, n/2)
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for _, d := range []*Dispatcher{da, db} {
				wg.Go(func() {
					for {
						del, failed, err := d.Deliver(ctx)
						if err != nil {
							errs <- err
							return
						}
						if failed > 0 {
							errs <- fmt.Errorf("%d deliveries failed", failed)
							return
						}
						if del == 0 {
							left, err := d.Queue().Pending(ctx)
							if err != nil || left == 0 {
								errs <- err
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			unique, total, overlaps, bad := rcv.stats()
			if unique != n || total != n || overlaps != 0 || bad != 0 {
				t.Errorf("receiver saw %d messages in %d deliveries (%d overlapping, %d badly signed); want %d once each", unique, total, overlaps, bad, n)
			}
		})
	}
}

// asSQL is db as a *sql.DB.
func asSQL(db any) *sql.DB { return db.(*sql.DB) }
