package config

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/webhook"
)

var eventsSecret = webhook.SecretPrefix + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestEventsProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"ok https", "events: {url: https://app.example/hook, secret: " + eventsSecret + ", types: [signIn, signOut]}\n", nil},
		{"ok loopback http", "events: {url: http://127.0.0.1:9000/hook, secret: " + eventsSecret + "}\n", nil},
		{"ok localhost", "events: {url: http://localhost:9000/hook, secret: " + eventsSecret + "}\n", nil},
		{"http elsewhere", "events: {url: http://app.example/hook, secret: " + eventsSecret + "}\n", []string{
			`config: t.yaml:2: events.url: "http://app.example/hook": want https (http only to a loopback address`,
		}},
		{"not a URL", "events: {url: /hook, secret: " + eventsSecret + "}\n", []string{
			`config: t.yaml:2: events.url: "/hook": want an absolute https URL`,
		}},
		{"no url", "events: {secret: " + eventsSecret + "}\n", []string{"config: t.yaml:2: events.url: missing"}},
		{"bad secret", "events:\n  url: https://app.example/hook\n  secret: hunter2\n", []string{
			`config: t.yaml:4: events.secret: the secret must be "whsec_" followed by the base64 of 24 to 64 random bytes`,
		}},
		{"no secret", "events: {url: https://app.example/hook}\n", []string{"config: t.yaml:2: events.secret: missing"}},
		{"unknown and repeated types", "events:\n  url: https://app.example/hook\n  secret: " + eventsSecret + "\n  types:\n  - session\n  - signIn\n  - signIn\n", []string{
			`config: t.yaml:6: events.types[0]: unknown event type "session"; known: signIn, signOut, createUser, updateUser, linkAccount`,
			"config: t.yaml:8: events.types[2]: signIn is listed twice",
		}},
		{"timeout", "events: {url: https://app.example/hook, secret: " + eventsSecret + ", timeout: 2h}\n", []string{
			"config: t.yaml:2: events.timeout: 2h0m0s: want more than 0 and at most 1 minute",
		}},
		{"no server tables", "database: sqlite://a.db\ndatabase_options: {server_tables: false}\nevents: {url: https://app.example/hook, secret: " + eventsSecret + "}\n", []string{
			"config: t.yaml:4: events: the events queue is the server's nextauth_events table, which database_options.server_tables: false forbids",
		}},
		{"unknown key", "events: {url: https://app.example/hook, secret: " + eventsSecret + ", retries: 3}\n", []string{
			"config: t.yaml:2: events.retries: unknown key; known keys here: url, secret, types, timeout",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), nil)
			_, err := f.NextAuth()
			got := problemLines(err)
			if len(got) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("problem %d = %q, want %q…", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestEventsSurviveRestart opens the binary's store as the server does,
// queues events with the dispatcher of the events key, closes the store
// without delivering (the server killed), opens it again and delivers:
// every event arrives once, in the SQL table or the Redis stream.
func TestEventsSurviveRestart(t *testing.T) {
	databases := []struct {
		name string
		url  func(t *testing.T) (db string, options string)
	}{
		{"sqlite", func(t *testing.T) (string, string) { return "sqlite://" + filepath.Join(t.TempDir(), "n.db"), "" }},
		{"postgres", func(t *testing.T) (string, string) { return servicetest.PostgresDatabase(t), "" }},
		{"mysql", func(t *testing.T) (string, string) { u, _ := servicetest.MySQLDatabase(t); return u, "" }},
		{"redis", func(t *testing.T) (string, string) {
			u, prefix := servicetest.RedisPrefix(t)
			return u, "database_options: {key_prefix: \"" + prefix + "\"}\n"
		}},
	}
	key, err := webhook.ParseSecret(eventsSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, db := range databases {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			var mu sync.Mutex
			seen := map[string]int{}
			rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if err := webhook.Verify(key, r.Header, body, time.Now(), time.Minute); err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				mu.Lock()
				seen[r.Header.Get(webhook.HeaderID)]++
				mu.Unlock()
			}))
			defer rcv.Close()
			dbURL, options := db.url(t)
			yaml := "secret: s\ndatabase: " + dbURL + "\n" + options + "events:\n  url: " + rcv.URL + "/hook\n  secret: " + eventsSecret + "\n"
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			open := func() (*Store, *webhook.Dispatcher, nextauth.Events) {
				f, err := Parse("t.yaml", []byte(yaml), nil)
				if err != nil {
					t.Fatal(err)
				}
				_, st, err := f.Open(ctx, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				d, err := f.EventDispatcher(ctx, st, nil, log)
				if err != nil || d == nil {
					t.Fatalf("EventDispatcher = %v, %v", d, err)
				}
				return st, d, d.Events()
			}
			st, _, ev := open()
			const n = 4
			for i := range n {
				ev.CreateUser(ctx, nextauth.User{ID: "u" + string(rune('0'+i))})
			}
			if err := st.Close(); err != nil { // killed: nothing delivered
				t.Fatal(err)
			}
			st2, d2, _ := open()
			defer st2.Close()
			if got, err := d2.Queue().Pending(ctx); err != nil || got != n {
				t.Fatalf("pending after restart = %d, %v; want %d", got, err, n)
			}
			if del, failed, err := d2.Deliver(ctx); err != nil || del != n || failed != 0 {
				t.Fatalf("Deliver = %d delivered, %d failed, %v; want %d, 0, nil", del, failed, err, n)
			}
			if len(seen) != n {
				t.Errorf("receiver got %d distinct events, want %d", len(seen), n)
			}
			for id, c := range seen {
				if c != 1 {
					t.Errorf("event %s delivered %d times", id, c)
				}
			}
		})
	}
}

// TestMigrateEventsTable: with an events key, migrate creates the events
// queue's table nextauth_events in the server's own layout (a dry run says
// it would and changes nothing), and says nothing of it once it is there;
// without one it creates no such table. Beside another adapter's layout
// migrate leaves it to the server's start, as the other nextauth_* tables.
func TestMigrateEventsTable(t *testing.T) {
	events := "events: {url: https://app.example/hook, secret: " + eventsSecret + "}\n"
	hasTable := func(a appDB) bool { return slices.Contains(a.tables(), "nextauth_events") }
	for _, kind := range []string{KindSQLite, KindPostgres, KindMySQL} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			a := newAppDB(t, kind, nil)
			plain, err := Parse("t.yaml", []byte("database: \""+a.url+"\"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := plain.Migrate(ctx); err != nil || r.EventsTable || strings.Contains(r.String(), "nextauth_events") {
				t.Fatalf("Migrate() without events = %q, %v", r, err)
			}
			if hasTable(a) {
				t.Fatalf("tables without events: %v, want no nextauth_events", a.tables())
			}
			f, err := Parse("t.yaml", []byte("database: \""+a.url+"\"\n"+events), nil)
			if err != nil {
				t.Fatal(err)
			}
			r, err := f.MigrateDryRun(ctx)
			if want := "schema up to date (version "; err != nil || !r.EventsTable ||
				!strings.Contains(r.String(), want) || !strings.HasSuffix(r.String(), "; would create the events queue table nextauth_events (dry run: nothing changed)") {
				t.Errorf("MigrateDryRun() = %q, %v; want %q… and the table it would create", r, err, want)
			}
			if hasTable(a) {
				t.Fatal("MigrateDryRun() created nextauth_events")
			}
			r, err = f.Migrate(ctx)
			if err != nil || !r.EventsTable || !strings.HasSuffix(r.String(), "; created the events queue table nextauth_events") {
				t.Errorf("Migrate() = %q, %v; want the table created", r, err)
			}
			if !hasTable(a) {
				t.Fatalf("tables after Migrate(): %v, want nextauth_events", a.tables())
			}
			for _, m := range []func(context.Context) (MigrateResult, error){f.Migrate, f.MigrateDryRun} {
				if r, err := m(ctx); err != nil || r.EventsTable || strings.Contains(r.String(), "nextauth_events") {
					t.Errorf("migrate again = %q, %v; want nothing said of the table that is there", r, err)
				}
			}
			// The server's queue is the table migrate made.
			cfg := "secret: s\ndatabase: \"" + a.url + "\"\n" + events
			f, err = Parse("t.yaml", []byte(cfg), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, store, err := f.Open(ctx, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			q, err := store.EventQueue(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := q.Enqueue(ctx, webhook.Message{ID: webhook.NewID(), Type: webhook.TypeSignIn, Body: []byte("{}")}); err != nil {
				t.Fatal(err)
			}
			if n, err := q.Pending(ctx); err != nil || n != 1 {
				t.Errorf("Pending() = %d, %v; want 1", n, err)
			}
		})
	}
	t.Run("new sqlite file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "new.db")
		f, err := Parse("t.yaml", []byte("database: sqlite://"+path+"\n"+events), nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.MigrateDryRun(context.Background())
		if err != nil || !strings.HasSuffix(r.String(), " and create the events queue table nextauth_events (dry run: nothing changed)") {
			t.Errorf("MigrateDryRun() = %q, %v; want the migrations and the table", r, err)
		}
		r, err = f.Migrate(context.Background())
		if err != nil || !regexp.MustCompile(`: applied migrations 1 to \d+; schema version \d+; created the events queue table nextauth_events$`).MatchString(r.String()) {
			t.Errorf("Migrate() = %q, %v; want the migrations and the table", r, err)
		}
	})
	t.Run("prisma sqlite", func(t *testing.T) {
		a := newAppDB(t, KindSQLite, []string{"prisma-sqlite.sql"})
		f, err := Parse("t.yaml", []byte("database: \""+a.url+"\"\n"+events), nil)
		if err != nil {
			t.Fatal(err)
		}
		if r, err := f.Migrate(context.Background()); err != nil || r.EventsTable || strings.Contains(r.String(), "nextauth_events") {
			t.Errorf("Migrate() on Prisma's layout = %q, %v; want only its indexes", r, err)
		}
		if hasTable(a) {
			t.Errorf("Migrate() on Prisma's layout created nextauth_events; the server creates it at start")
		}
	})
}
