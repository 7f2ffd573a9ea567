package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
)

// reloadConfig is a config whose provider id and brand colour tell which
// version is served.
func reloadConfig(id, color string) string {
	return `secret: s
metrics_addr: 127.0.0.1:0
theme: {brand_color: "` + color + `"}
providers:
  - {type: credentials, id: ` + id + `, authorize_url: "http://127.0.0.1:1/authorize"}
`
}

// rewrite replaces the config file's text.
func rewrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// providerIDs is GET /providers' ids.
func providerIDs(t *testing.T, base string) []string {
	t.Helper()
	_, body := get(t, &http.Client{Timeout: 30 * time.Second}, base+"/api/auth/providers")
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("GET /providers = %q: %v", body, err)
	}
	var ids []string
	for id := range m {
		ids = append(ids, id)
	}
	return ids
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func TestReload(t *testing.T) {
	path := writeConfig(t, reloadConfig("first", "#ff0000"))
	s := startServer(t, nil, "--config", path)
	client := &http.Client{Timeout: 30 * time.Second}
	served := func(id, color string) {
		t.Helper()
		if ids := providerIDs(t, s.base); len(ids) != 1 || ids[0] != id {
			t.Errorf("providers = %q, want [%s]", ids, id)
		}
		if _, page := get(t, client, s.base+"/api/auth/signin"); !strings.Contains(page, color) {
			t.Errorf("the sign-in page does not use the brand colour %s", color)
		}
	}
	// counted checks the reloads in the metrics. A reload is counted
	// before its configuration is served, so once the test sees the new
	// configuration, the count must be there too.
	// (A result not seen yet has no line.)
	counted := func(ok, rejected int) {
		t.Helper()
		_, metrics := get(t, client, s.metrics+"/metrics")
		for result, n := range map[string]int{"ok": ok, "rejected": rejected} {
			line := fmt.Sprintf(`nextauth_config_reloads_total{result=%q} %d`, result, n)
			if n > 0 && !strings.Contains(metrics, line+"\n") {
				t.Errorf("metrics have no %q", line)
			}
		}
	}
	served("first", "#ff0000")

	// A direct reload.
	rewrite(t, path, reloadConfig("second", "#00ff00"))
	if err := s.svc.reload(); err != nil {
		t.Fatalf("reload() = %v", err)
	}
	served("second", "#00ff00")
	counted(1, 0)

	// A broken file: every problem is logged, the old config serves on.
	rewrite(t, path, "secret: s\nmetrics_addr: 127.0.0.1:0\ntheme: {color_scheme: neon}\ncolour: blue\n")
	err := s.svc.reload()
	if err == nil {
		t.Fatal("reload() of a broken file = nil, want its problems")
	}
	for _, want := range []string{path + `:3: theme.color_scheme: \"neon\": want auto, light or dark`, path + ":4: colour: unknown key"} {
		if !strings.Contains(s.stderr.String(), `msg="config problem" problem="config: `+want) {
			t.Errorf("stderr has no problem %q:\n%s", want, s.stderr)
		}
	}
	if !strings.Contains(s.stderr.String(), `msg="reload rejected: still serving the previous configuration"`) || !strings.Contains(err.Error(), "colour") {
		t.Errorf("reload() = %v; stderr does not say the reload was rejected", err)
	}
	served("second", "#00ff00")
	counted(1, 1)

	// A reload signal through the server's channel: the reload runs in
	// the server's goroutine, and the new configuration being served is
	// the signal that it is done.
	rewrite(t, path, reloadConfig("third", "#0000ff"))
	s.hup <- syscall.SIGHUP
	waitFor(t, "the third config", func() bool { ids := providerIDs(t, s.base); return len(ids) == 1 && ids[0] == "third" })
	counted(2, 1)
	served("third", "#0000ff")

	// A real SIGHUP to this process, delivered by signal.Notify as main
	// sets it up.
	signal.Notify(s.hup, syscall.SIGHUP)
	defer signal.Stop(s.hup)
	rewrite(t, path, reloadConfig("fourth", "#123456"))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the fourth config", func() bool { ids := providerIDs(t, s.base); return len(ids) == 1 && ids[0] == "fourth" })
	counted(3, 1)
	served("fourth", "#123456")

	// stop waits for the reload goroutine, so every reload has logged.
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(s.stderr.String(), `msg="configuration reloaded"`); n != 3 {
		t.Errorf("%d reloads logged, want 3", n)
	}
	if strings.Contains(s.stderr.String(), "previous database closed") {
		t.Error("a reload closed the database, but there is none")
	}
}

func TestReloadWithoutConfig(t *testing.T) {
	s := startServer(t, map[string]string{"NEXTAUTH_SECRET": "s"})
	if err := s.svc.reload(); err != nil {
		t.Errorf("reload() without --config = %v, want nil", err)
	}
	if !strings.Contains(s.stderr.String(), "nothing to reload") {
		t.Errorf("stderr = %q, want a word about it", s.stderr)
	}
}

// TestReloadDrainsRequests reloads with another database while a sign-in
// is under way: the sign-in finishes on the old database, which is closed
// only after it, while new requests already use the new one.
func TestReloadDrainsRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	authorize := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, `{"id":"u1","name":"Slow","email":"slow@example.com"}`)
	}))
	defer authorize.Close()
	var releaseOnce sync.Once
	releaseSignIn := func() { releaseOnce.Do(func() { close(release) }) }
	defer releaseSignIn() // before authorize.Close, which waits for the handler
	dir := t.TempDir()
	config := func(db string) string {
		return "secret: s\nlog: {format: json}\ndatabase: sqlite://" + filepath.Join(dir, db) +
			"\nproviders: [{type: credentials, authorize_url: \"" + authorize.URL + "\"}]\n"
	}
	path := writeConfig(t, config("old.db"))
	s := startServer(t, nil, "--config", path)

	b := newBrowser(t)
	csrf := b.csrf(s.base)
	type result struct {
		status int
		token  string
	}
	done := make(chan result, 1)
	go func() {
		res, err := b.client.PostForm(s.base+"/api/auth/callback/credentials",
			url.Values{"csrfToken": {csrf}, "username": {"slow"}, "password": {"pw"}, "json": {"true"}})
		if err != nil {
			done <- result{}
			return
		}
		_ = res.Body.Close()
		done <- result{res.StatusCode, sessionCookie(res)}
	}()
	select {
	case <-entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the sign-in did not reach the authorize URL")
	}

	old := s.svc.cur.Load()
	rewrite(t, path, config("new.db"))
	if err := s.svc.reload(); err != nil {
		t.Fatalf("reload() = %v", err)
	}
	if status, body := get(t, b.client, s.base+"/api/auth/session"); status != http.StatusOK {
		t.Errorf("GET /session during the slow sign-in = %d %q, want 200", status, body)
	}
	// Once the old generation is retired, closing its database waits only
	// for its requests to drain: check that state while the sign-in is
	// still in it, instead of sleeping to see nothing happen.
	waitFor(t, "the old generation to be retired", old.retired.Load)
	select {
	case <-old.drained:
		t.Fatal("the old generation drained while a request was in it")
	default:
	}
	if n := old.active.Load(); n != 1 {
		t.Errorf("requests in the old generation = %d, want 1 (the slow sign-in)", n)
	}
	if _, err := old.db.store.Adapter.GetUser(context.Background(), "1"); err != nil && !errors.Is(err, nextauth.ErrNotFound) {
		t.Errorf("the old database during the slow sign-in: GetUser error = %v, want it open", err)
	}
	if strings.Contains(s.stderr.String(), "previous database closed") {
		t.Fatal("the old database was closed while a request was using it")
	}
	releaseSignIn()
	var r result
	select {
	case r = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the slow sign-in did not finish")
	}
	if r.status != http.StatusOK || r.token == "" {
		t.Fatalf("the slow sign-in = %d, session cookie %q; want 200 and a session\n%s", r.status, r.token, s.stderr)
	}
	waitFor(t, "the old database to close", func() bool { return strings.Contains(s.stderr.String(), "previous database closed") })

	ctx := context.Background()
	for db, want := range map[string]bool{"old.db": true, "new.db": false} {
		a, err := sqlite.OpenAdapter(ctx, filepath.Join(dir, db))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = a.GetSessionAndUser(ctx, r.token)
		if found := err == nil; found != want {
			t.Errorf("the session in %s: found %v (%v), want %v", db, found, err, want)
		}
		_ = a.Close()
	}
	// The session lives in the old database: the new one does not know it.
	if sess := b.session(s.base); sess.User != nil {
		t.Errorf("session after the reload = %+v, want none (new database)", sess)
	}

	var closedAt, answeredAt int
	for i, l := range logLines(t, s.stderr.String()) {
		switch {
		case l["msg"] == "previous database closed":
			closedAt = i
		case l["msg"] == "request" && l["route"] == "callback":
			answeredAt = i
		}
	}
	if closedAt < answeredAt {
		t.Errorf("the old database was closed (log line %d) before the sign-in was answered (line %d)", closedAt, answeredAt)
	}
}
