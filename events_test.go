package nextauth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/authtest"
	"github.com/nextauth-go/nextauth/webhook"
)

// eventSink is a webhook receiver that verifies each signature and keeps
// the payloads by id (de-duplicated), in order of arrival.
type eventSink struct {
	key []byte
	mu  sync.Mutex
	got []map[string]any
	ids map[string]bool
	bad int
}

func (s *eventSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := webhook.Verify(s.key, r.Header, body, time.Now(), 5*time.Minute); err != nil {
		s.bad++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil || p["id"] != r.Header.Get(webhook.HeaderID) {
		s.bad++
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if !s.ids[p["id"].(string)] {
		s.ids[p["id"].(string)] = true
		s.got = append(s.got, p)
	}
}

// take returns the payloads received since the last take.
func (s *eventSink) take() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	got := s.got
	s.got = nil
	return got
}

// newEventDispatcher returns a dispatcher on q posting to a new sink.
func newEventDispatcher(t *testing.T, q webhook.Queue) (*webhook.Dispatcher, *eventSink) {
	t.Helper()
	key := make([]byte, 32)
	rand.Read(key)
	parsed, err := webhook.ParseSecret(webhook.SecretPrefix + base64.StdEncoding.EncodeToString(key))
	if err != nil {
		t.Fatal(err)
	}
	sink := &eventSink{key: parsed, ids: map[string]bool{}}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	d, err := webhook.NewDispatcher(webhook.Options{Sender: &webhook.Sender{URL: srv.URL, Key: parsed}, Queue: q})
	if err != nil {
		t.Fatal(err)
	}
	return d, sink
}

// deliverAll runs the worker until the queue is empty.
func deliverAll(t *testing.T, d *webhook.Dispatcher) {
	t.Helper()
	ctx := context.Background()
	for {
		n, err := d.Queue().Pending(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if _, failed, err := d.Deliver(ctx); err != nil || failed > 0 {
			t.Fatalf("deliver: %d failed, err %v", failed, err)
		}
	}
}

// field reads a path of keys in a decoded payload.
func field(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// TestEventsWebhookOAuth signs a new user in with the real OpenID Provider
// (database sessions, the queue in SQLite) and signs out: createUser,
// linkAccount, signIn and signOut arrive, signed, with the documented
// payload and no provider token.
func TestEventsWebhookOAuth(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/nextauth.db"
	a, err := sqlite.OpenAdapter(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := webhook.NewSQLQueue(ctx, db, webhook.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	d, sink := newEventDispatcher(t, q)
	op := authtest.NewOIDCProvider(t, authtest.WithUser("sub-42", "ev@example.com", "Eve"))
	h := newHandler(t, func(c *nextauth.Config) {
		c.Adapter = a
		c.Providers = append(c.Providers, corpProvider(op, []string{"state", "pkce"}, ""))
		c.Events = d.Events()
	})
	c := newClient(t, h)
	if got := oauthRoundTrip(t, c, op); got != "http://localhost:3111/home" {
		t.Fatalf("callback redirect = %q", got)
	}
	deliverAll(t, d)
	got := sink.take()
	var types []string
	for _, p := range got {
		types = append(types, p["type"].(string))
	}
	if want := []string{"createUser", "linkAccount", "signIn"}; !equalStrings(types, want) {
		t.Fatalf("event types = %v, want %v", types, want)
	}
	userID, _ := field(got[0], "data", "user", "id").(string)
	if userID == "" || field(got[0], "data", "user", "email") != "ev@example.com" || field(got[0], "data", "user", "name") != "Eve" {
		t.Errorf("createUser data = %v", got[0]["data"])
	}
	link := got[1]
	if field(link, "data", "account", "provider") != "corp" || field(link, "data", "account", "providerAccountId") != "sub-42" ||
		field(link, "data", "account", "type") != "oauth" || field(link, "data", "user", "id") != userID {
		t.Errorf("linkAccount data = %v", link["data"])
	}
	signIn := got[2]
	if field(signIn, "data", "isNewUser") != true || field(signIn, "data", "account", "provider") != "corp" || field(signIn, "data", "user", "id") != userID {
		t.Errorf("signIn data = %v", signIn["data"])
	}
	for _, p := range got {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if acct, ok := field(p, "data", "account").(map[string]any); ok && acct[k] != nil {
				t.Errorf("%s event carries %s", p["type"], k)
			}
		}
		if ts, _ := p["timestamp"].(string); ts == "" {
			t.Errorf("%s event without a timestamp", p["type"])
		} else if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
			t.Errorf("%s timestamp %q: %v", p["type"], ts, err)
		}
	}

	w := c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}})
	if w.Code != http.StatusOK {
		t.Fatalf("sign-out: %d %s", w.Code, w.Body)
	}
	deliverAll(t, d)
	got = sink.take()
	if len(got) != 1 || got[0]["type"] != "signOut" || field(got[0], "data", "session", "userId") != userID {
		t.Fatalf("sign-out events = %v", got)
	}
	if field(got[0], "data", "session", "sessionToken") != nil {
		t.Error("signOut event carries the session token")
	}
	if sink.bad != 0 {
		t.Errorf("%d requests with a bad signature or payload", sink.bad)
	}
}

// TestEventsWebhookCredentials: with JWT sessions, signIn and signOut
// (with the token's claims) arrive; a type left out is not sent.
func TestEventsWebhookCredentials(t *testing.T) {
	key := make([]byte, 32)
	rand.Read(key)
	sink := &eventSink{key: key, ids: map[string]bool{}}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)
	d, err := webhook.NewDispatcher(webhook.Options{Sender: &webhook.Sender{URL: srv.URL, Key: key}, Types: []string{webhook.TypeSignOut}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(t, func(c *nextauth.Config) { c.Events = d.Events() })
	c := newClient(t, h)
	c.signIn()
	if w := c.postForm("/api/auth/signout", url.Values{"csrfToken": {c.csrf()}, "json": {"true"}}); w.Code != http.StatusOK {
		t.Fatalf("sign-out: %d %s", w.Code, w.Body)
	}
	deliverAll(t, d)
	got := sink.take()
	if len(got) != 1 || got[0]["type"] != "signOut" || field(got[0], "data", "token", "sub") != "1" || field(got[0], "data", "token", "email") != "alice@example.com" {
		t.Fatalf("events = %v, want one signOut with alice's token", got)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
