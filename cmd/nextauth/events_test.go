package main

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/webhook"
)

// TestServeEvents runs the server with an events key on each database:
// signing in sends a signed signIn event (the worker is woken by the
// event, no poll needed), and the log names the queue.
func TestServeEvents(t *testing.T) {
	tests := []struct {
		name  string
		yaml  func(t *testing.T) string
		queue string
	}{
		{"sqlite", func(t *testing.T) string { return "database: sqlite://" + filepath.Join(t.TempDir(), "n.db") + "\n" }, "table nextauth_events"},
		{"postgres", func(t *testing.T) string { return "database: \"" + newPostgresDatabase(t) + "\"\n" }, "table nextauth_events"},
		{"mysql", func(t *testing.T) string { return "database: \"" + newMySQLDatabase(t) + "\"\n" }, "table nextauth_events"},
		{"redis", func(t *testing.T) string {
			u, prefix := redisPrefix(t)
			return "database: \"" + u + "\"\ndatabase_options: {key_prefix: \"" + prefix + "\"}\n"
		}, "redis stream"},
		{"none", func(t *testing.T) string { return "" }, "memory"},
	}
	rawKey := []byte("0123456789abcdef0123456789abcdef")
	secret := webhook.SecretPrefix + base64.StdEncoding.EncodeToString(rawKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan webhook.Payload, 8)
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := webhook.Verify(rawKey, r.Header, body, time.Now(), time.Minute); err != nil {
					t.Errorf("bad signature: %v", err)
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				var p webhook.Payload
				if err := json.Unmarshal(body, &p); err != nil {
					t.Errorf("payload %q: %v", body, err)
				}
				got <- p
			}))
			defer rcv.Close()
			path := writeConfig(t, "secret: s\n"+tt.yaml(t)+`events:
  url: `+rcv.URL+`/events
  secret: `+secret+`
  types: [signIn]
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			s := startServer(t, nil, "--config", path)
			b := newBrowser(t)
			b.signIn(s.base, b.csrf(s.base), "alice", "pw")
			select {
			case p := <-got:
				var data webhook.SignInData
				if err := json.Unmarshal(p.Data, &data); err != nil || p.Type != "signIn" || data.User.Email.String() != "alice@example.com" ||
					data.Account == nil || data.Account.Provider != "credentials" {
					t.Errorf("event = %+v (%v), want alice's signIn", p, err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no event within 30 s")
			}
			if err := s.stop(); err != nil {
				t.Errorf("stop = %v", err)
			}
			if log := s.stderr.String(); !strings.Contains(log, "events sent as webhooks") || !strings.Contains(log, tt.queue) {
				t.Errorf("stderr = %q, want the events queue (%s) logged", log, tt.queue)
			}
		})
	}
}

// queueState is the events queue as seen from outside the server.
type queueState struct {
	ids     []string // every event queued, sorted
	held    int      // claimed by a server, under a lease
	untried int      // never attempted
}

func (s queueState) String() string {
	return fmt.Sprintf("%d queued (%d held under a lease, %d never tried)", len(s.ids), s.held, s.untried)
}

// sqlQueueState reads the table nextauth_events of db.
func sqlQueueState(t *testing.T, db *sql.DB) queueState {
	t.Helper()
	rows, err := db.Query(`SELECT id, attempts, lease IS NOT NULL FROM nextauth_events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var s queueState
	for rows.Next() {
		var (
			id       string
			attempts int
			held     bool
		)
		if err := rows.Scan(&id, &attempts, &held); err != nil {
			t.Fatal(err)
		}
		s.ids = append(s.ids, id)
		if held {
			s.held++
		} else if attempts == 0 {
			s.untried++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// redisQueueState reads the stream prefix+"events" (entries new or held)
// and the retry set prefix+"events:retry" (entries waiting for a retry).
func redisQueueState(t *testing.T, c *goredis.Client, prefix string) queueState {
	t.Helper()
	ctx := context.Background()
	var s queueState
	entries, err := c.XRange(ctx, prefix+"events", "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		id, _ := e.Values["id"].(string)
		s.ids = append(s.ids, id)
	}
	if len(entries) > 0 {
		p, err := c.XPending(ctx, prefix+"events", "nextauth").Result()
		if err != nil {
			t.Fatal(err)
		}
		s.held = int(p.Count)
		s.untried = len(entries) - s.held
	}
	retries, err := c.ZRange(ctx, prefix+"events:retry", 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range retries {
		var r struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal([]byte(m), &r); err != nil {
			t.Fatalf("retry entry %q: %v", m, err)
		}
		s.ids = append(s.ids, r.ID)
	}
	slices.Sort(s.ids)
	return s
}

// eventReceiver is an app's webhook endpoint: it verifies the signature,
// answers 500 while down, and while up takes each event, counting its
// deliveries by webhook-id (the de-duplication a receiver does).
type eventReceiver struct {
	t     *testing.T
	key   []byte
	up    atomic.Bool
	tried chan string // the id of each attempt while down
	first chan string // the id of each event delivered the first time

	mu        sync.Mutex
	delivered map[string]int    // deliveries by id
	types     map[string]string // event type by id
}

func newEventReceiver(t *testing.T, key []byte) (*eventReceiver, string) {
	r := &eventReceiver{t: t, key: key, tried: make(chan string, 1000), first: make(chan string, 1000),
		delivered: map[string]int{}, types: map[string]string{}}
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return r, srv.URL + "/events"
}

func (r *eventReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if err := webhook.Verify(r.key, req.Header, body, time.Now(), 5*time.Minute); err != nil {
		r.t.Errorf("bad signature: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p webhook.Payload
	if err := json.Unmarshal(body, &p); err != nil || p.ID != req.Header.Get(webhook.HeaderID) {
		r.t.Errorf("payload %q (%v): want its id in webhook-id", body, err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if !r.up.Load() {
		r.tried <- p.ID
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	r.mu.Lock()
	r.delivered[p.ID]++
	n := r.delivered[p.ID]
	r.types[p.ID] = p.Type
	r.mu.Unlock()
	if n == 1 {
		r.first <- p.ID
	}
	w.WriteHeader(http.StatusNoContent)
}

// collect reads ids from ch until it has n distinct ones, for at most
// limit, and returns them sorted.
func collect(t *testing.T, ch <-chan string, n int, limit time.Duration, what string) []string {
	t.Helper()
	seen := map[string]bool{}
	deadline := time.After(limit)
	for len(seen) < n {
		select {
		case id := <-ch:
			seen[id] = true
		case <-deadline:
			t.Fatalf("%s: %d of %d events within %v", what, len(seen), n, limit)
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

// TestEventsSurviveKill runs the built binary on each durable queue: with
// the receiver down (answering 500), three users sign in and out; once
// each of the six events has failed once and waits for its retry in the
// database, the server is killed (SIGKILL). A new server on the same
// database, with the receiver back, delivers every one of them: the
// receiver gets exactly the ids that were queued, each once.
//
// The restarted server keeps each event's retry time (5 s after its
// failure, stored in the queue), so this waits for that, not for a clock.
// A server killed during a delivery pass leaves the events it held for
// their lease (2 minutes), hence the generous limit; the test logs when
// that happened. Retries after a longer outage, on the default schedule,
// are TestDownAMinuteAcrossRestart's (webhook/dispatcher_test.go).
func TestEventsSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary: not in -short")
	}
	bin := buildBinary(t)
	tests := []struct {
		name string
		// open makes the database; it returns the config's database lines
		// and a reader of its events queue.
		open func(t *testing.T) (string, func() queueState)
	}{
		{"sqlite", func(t *testing.T) (string, func() queueState) {
			path := filepath.Join(t.TempDir(), "n.db")
			var db *sql.DB
			t.Cleanup(func() {
				if db != nil {
					db.Close()
				}
			})
			return "database: sqlite://" + path + "\n", func() queueState {
				if db == nil { // the server creates the file
					var err error
					if db, err = sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)"); err != nil {
						t.Fatal(err)
					}
				}
				return sqlQueueState(t, db)
			}
		}},
		{"postgres", func(t *testing.T) (string, func() queueState) {
			u := newPostgresDatabase(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return "database: \"" + u + "\"\n", func() queueState { return sqlQueueState(t, db) }
		}},
		{"mysql", func(t *testing.T) (string, func() queueState) {
			u, dsn := servicetest.MySQLDatabase(t)
			db, err := sql.Open("mysql", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return "database: \"" + u + "\"\n", func() queueState { return sqlQueueState(t, db) }
		}},
		{"redis", func(t *testing.T) (string, func() queueState) {
			u, prefix := redisPrefix(t)
			o, err := goredis.ParseURL(u)
			if err != nil {
				t.Fatal(err)
			}
			c := goredis.NewClient(o)
			t.Cleanup(func() { c.Close() })
			return "database: \"" + u + "\"\ndatabase_options: {key_prefix: \"" + prefix + "\"}\n",
				func() queueState { return redisQueueState(t, c, prefix) }
		}},
	}
	rawKey := []byte("0123456789abcdef0123456789abcdef")
	secret := webhook.SecretPrefix + base64.StdEncoding.EncodeToString(rawKey)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			database, queue := tt.open(t)
			rcv, rcvURL := newEventReceiver(t, rawKey)
			config := writeConfig(t, "secret: s\n"+database+`events:
  url: `+rcvURL+`
  secret: `+secret+`
  types: [signIn, signOut]
providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			first := startBinary(t, bin, "--config", config)
			const signIns = 3
			for range signIns {
				b := newBrowser(t)
				b.signIn(first.base, b.csrf(first.base), "alice", "pw")
				if res, body := b.post(first.base+"/api/auth/signout", url.Values{"csrfToken": {b.csrf(first.base)}, "json": {"true"}}); res.StatusCode != http.StatusOK {
					t.Fatalf("sign-out = %d %q", res.StatusCode, body)
				}
			}
			const n = 2 * signIns
			tried := collect(t, rcv.tried, n, time.Minute, "first attempts while the receiver is down")
			var state queueState
			eventuallyWithin(t, time.Minute, "every event failed once, rescheduled, none held", func() bool {
				state = queue()
				return len(state.ids) == n && state.held == 0 && state.untried == 0
			}, func() string { return state.String() })
			first.kill(t)

			state = queue()
			if !slices.Equal(state.ids, tried) {
				t.Fatalf("queue after the kill holds %v, want the %d events tried %v", state.ids, n, tried)
			}
			if state.held > 0 {
				t.Logf("the kill came during a delivery pass: %d event(s) held under a lease, delivered once it ends", state.held)
			}

			rcv.up.Store(true)
			second := startBinary(t, bin, "--config", config)
			got := collect(t, rcv.first, n, 4*time.Minute, "deliveries after the restart")
			eventuallyWithin(t, time.Minute, "an empty queue", func() bool {
				state = queue()
				return len(state.ids) == 0
			}, func() string { return state.String() })
			if err := second.stop(t); err != nil {
				t.Errorf("SIGTERM: %v; stderr:\n%s", err, second.stderr)
			}

			if !slices.Equal(got, tried) {
				t.Errorf("delivered %v, want the events queued before the kill %v", got, tried)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			byType := map[string]int{}
			for id, times := range rcv.delivered {
				if times != 1 {
					t.Errorf("event %s delivered %d times, want once", id, times)
				}
				byType[rcv.types[id]]++
			}
			if byType["signIn"] != signIns || byType["signOut"] != signIns || len(byType) != 2 {
				t.Errorf("delivered by type %v, want %d signIn and %d signOut", byType, signIns, signIns)
			}
			for _, p := range []*process{first, second} {
				if log := p.stderr.String(); strings.Contains(log, "EVENTS_QUEUE_ERROR") {
					t.Errorf("stderr has EVENTS_QUEUE_ERROR:\n%s", log)
				}
			}
		})
	}
}
