package config

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nextauth-go/nextauth/internal/layout"
	"github.com/nextauth-go/nextauth/webhook"
)

// eventsSpec is a checked events key.
type eventsSpec struct {
	url     string
	key     []byte
	types   []string
	timeout time.Duration
}

// set reports whether the events key has anything in it.
func (e Events) set() bool {
	return e.URL != "" || e.Secret != "" || len(e.Types) > 0 || e.Timeout != nil
}

// events checks the events key; nil when it is not set.
func (v *validator) events(e Events) *eventsSpec {
	if !e.set() {
		return nil
	}
	spec := &eventsSpec{url: e.URL, timeout: webhook.DefaultTimeout}
	if e.URL == "" {
		v.addf("events.url", "missing: the URL that receives the events, e.g. https://app.example.com/api/nextauth-events")
	} else if err := checkEventsURL(e.URL); err != nil {
		v.add("events.url", err)
	}
	if e.Secret == "" {
		v.addf("events.secret", `missing: the signing secret, "whsec_" + base64 of 24 to 64 random bytes, e.g. whsec_$(openssl rand -base64 32)`)
	} else if key, err := webhook.ParseSecret(e.Secret); err != nil {
		v.add("events.secret", errors.New(strings.TrimPrefix(err.Error(), "webhook: ")))
	} else {
		spec.key = key
	}
	for i, t := range e.Types {
		key := "events.types[" + strconv.Itoa(i) + "]"
		switch {
		case !webhook.KnownType(t):
			v.addf(key, "unknown event type %q; known: %s (there is no per-request session event)", t, strings.Join(webhook.Types(), ", "))
		case slices.Contains(spec.types, t):
			v.addf(key, "%s is listed twice", t)
		default:
			spec.types = append(spec.types, t)
		}
	}
	if o := v.f.DatabaseOptions; !o.serverTables() {
		v.addf("events", "the events queue is the server's nextauth_events table, which database_options.server_tables: false "+
			"forbids; remove one of them")
	}
	if e.Timeout != nil {
		if d := time.Duration(*e.Timeout); d <= 0 || d > time.Minute {
			v.addf("events.timeout", "%v: want more than 0 and at most 1 minute", d)
		} else {
			spec.timeout = d
		}
	}
	return spec
}

// checkEventsURL accepts an https URL, or an http URL to a loopback
// address (localhost, 127.0.0.0/8, ::1): events carry personal data.
func checkEventsURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q: want an absolute https URL", s)
	}
	if u.User != nil || u.Fragment != "" {
		return fmt.Errorf("%q: want no user:password@ and no #fragment", s)
	}
	if u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("%q: want https (http only to a loopback address such as 127.0.0.1 or localhost): events carry personal data", s)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// eventsTable is the SQL table of the events queue ([webhook.SQLQueue]).
const eventsTable = "nextauth_events"

// migrateEvents creates the events queue's table in h, the server's own
// layout, when f has an events key, as the server does at its first event
// (CREATE TABLE IF NOT EXISTS: running it again changes nothing).
// r.EventsTable says whether the table was missing from schema, the
// database as inspected before migrating. A dry run only sets that (h may
// then be nil).
func (f *File) migrateEvents(ctx context.Context, h *sql.DB, d webhook.Dialect, schema layout.Schema, r *MigrateResult) error {
	if !f.Events.set() {
		return nil
	}
	_, had := schema[eventsTable]
	r.EventsTable = !had
	if r.DryRun {
		return nil
	}
	_, err := webhook.NewSQLQueue(ctx, h, d)
	return err
}

// eventQueues is what a [Store] needs to make its event queue, once.
type eventQueues struct {
	mu      sync.Mutex
	queue   webhook.Queue
	sqlDB   *sql.DB // SQL databases: the handle nextauth_events lives in
	dialect webhook.Dialect
	redis   func(ctx context.Context) (webhook.Queue, error)
}

// EventQueue is the store's queue of event messages, made on first use:
// the table nextauth_events in an SQL database (the default layout's or
// another adapter's, created when missing), a stream in Redis, or, without
// a database, a queue in this process (lost when it ends), kept across
// reloads that keep the store.
func (s *Store) EventQueue(ctx context.Context) (webhook.Queue, error) {
	e := &s.events
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.queue != nil {
		return e.queue, nil
	}
	var err error
	switch {
	case e.sqlDB != nil:
		e.queue, err = webhook.NewSQLQueue(ctx, e.sqlDB, e.dialect)
	case e.redis != nil:
		e.queue, err = e.redis(ctx)
	default:
		e.queue = webhook.NewMemoryQueue()
	}
	if err != nil {
		return nil, fmt.Errorf("config: database %s: %w", s.Database, scrub(err, s.url))
	}
	return e.queue, nil
}

// EventDispatcher builds the dispatcher of f's events key on s's queue
// ([Store.EventQueue]), reporting to o (nil: nothing) and logging to log;
// nil when f has no events key. f must have been checked ([File.Open] or
// [File.Reuse] on s). Run it ([webhook.Dispatcher.Run]) and give its
// Events to the Config.
func (f *File) EventDispatcher(ctx context.Context, s *Store, o webhook.Observer, log *slog.Logger) (*webhook.Dispatcher, error) {
	v := &validator{f: f}
	spec := v.events(f.Events)
	if err := errors.Join(v.problems...); err != nil || spec == nil {
		return nil, err
	}
	q, err := s.EventQueue(ctx)
	if err != nil {
		return nil, err
	}
	return webhook.NewDispatcher(webhook.Options{
		Sender:   &webhook.Sender{URL: spec.url, Key: spec.key, Timeout: spec.timeout, Client: f.eventsClient()},
		Queue:    q,
		Types:    spec.types,
		Logger:   log,
		Observer: o,
	})
}

// eventsClient is the HTTP client of event deliveries: the default
// transport (the identity providers' measured client is not used, so that
// event receivers do not show up as identity providers in the metrics).
func (f *File) eventsClient() *http.Client { return &http.Client{} }
