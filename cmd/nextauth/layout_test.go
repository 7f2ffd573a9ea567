package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// TestLayoutRefusedExit runs the built binary against databases it must
// not serve: TypeORM's tables on SQLite, and a half Drizzle database on
// MariaDB. It exits 1 naming what it found, and creates nothing; migrate
// and migrate --dry-run refuse the same way. An app's Prisma SQLite file
// is served as it is: migrate has nothing to do. migrate --dry-run on a new
// database prints what it would create and creates nothing.
func TestLayoutRefusedExit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary: not in -short")
	}
	bin := buildBinary(t)
	fixture := func(name string) string { return layoutFixture(t, name) }
	runBin := func(dir string, args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "NEXTAUTH_SECRET=layout-test-secret-0123456789abcdef")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		if ee, ok := errors.AsType[*exec.ExitError](err); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, stdout.String(), stderr.String()
	}

	t.Run("typeorm sqlite", func(t *testing.T) {
		// TypeORM's tables on SQLite: a layout this version does not serve
		// on SQLite.
		dir := t.TempDir()
		dbPath := filepath.Join(dir, "app.db")
		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, email TEXT, "emailVerified" TEXT, image TEXT);
CREATE TABLE accounts (id TEXT PRIMARY KEY, "userId" TEXT, type TEXT, provider TEXT, "providerAccountId" TEXT, refresh_token TEXT,
  access_token TEXT, expires_at INTEGER, token_type TEXT, scope TEXT, id_token TEXT, session_state TEXT);
CREATE TABLE sessions (id TEXT PRIMARY KEY, "sessionToken" TEXT, "userId" TEXT, expires TEXT);
CREATE TABLE verification_tokens (id TEXT PRIMARY KEY, token TEXT, identifier TEXT, expires TEXT)`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		before, _ := os.ReadFile(dbPath)
		cfg := writeConfig(t, "database: sqlite://"+dbPath+"\n")
		for _, args := range [][]string{
			{"--config", cfg, "--addr", "127.0.0.1:0"},
			{"migrate", "--config", cfg},
			{"migrate", "--dry-run", "--config", cfg},
		} {
			code, _, stderr := runBin(t.TempDir(), args...)
			if code != 1 || !strings.Contains(stderr, "the database holds the typeorm layout (tables users, accounts, sessions, verification_tokens) on SQLite; this version serves the typeorm layout on PostgreSQL, MySQL/MariaDB only") {
				t.Errorf("nextauth %s: exit %d, stderr %q; want 1 and the layout named", strings.Join(args, " "), code, stderr)
			}
		}
		if after, _ := os.ReadFile(dbPath); !bytes.Equal(before, after) {
			t.Errorf("%s changed", dbPath)
		}
	})

	t.Run("prisma sqlite migrate", func(t *testing.T) {
		// An app's Prisma SQLite file named as the app's .env has it
		// (file:./dev.db beside prisma_schema): served as it is. migrate
		// --dry-run prints the plan and changes nothing; migrate prints it
		// and adds the indexes; run again it has nothing to do and changes
		// nothing.
		app := t.TempDir()
		if err := os.MkdirAll(filepath.Join(app, "prisma"), 0o755); err != nil {
			t.Fatal(err)
		}
		dbPath := filepath.Join(app, "prisma", "dev.db")
		db, err := sql.Open("sqlite", dbPath)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(fixture("prisma-sqlite.sql")); err != nil {
			t.Fatal(err)
		}
		db.Close()
		before, _ := os.ReadFile(dbPath)
		cfg := filepath.Join(app, "nextauth.yaml")
		if err := os.WriteFile(cfg, []byte("database: ${DATABASE_URL:-file:./dev.db}\nprisma_schema: prisma/schema.prisma\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		const (
			served = "layout prisma (next-auth v4: User, Account, Session, VerificationToken), served as it is"
			plan   = served + "\nplan: add 4 indexes (the tables and their columns stay as they are):\n" +
				`  CREATE INDEX IF NOT EXISTS "nextauth_accounts_user_idx" ON "Account" ("userId");` + "\n" +
				"    -- deleting a user and finding a user's account at a provider look accounts up by userId\n"
			added = "\nadded 4 indexes: nextauth_accounts_user_idx, nextauth_sessions_user_idx, nextauth_sessions_expires_idx, nextauth_tokens_expires_idx\n"
		)
		code, stdout, stderr := runBin(t.TempDir(), "migrate", "--dry-run", "--config", cfg)
		if code != 0 || !strings.Contains(stdout, plan) || !strings.HasSuffix(stdout, "\ndry run: nothing changed\n") {
			t.Errorf("migrate --dry-run: exit %d, stdout %q, stderr %q; want 0 and the plan", code, stdout, stderr)
		}
		if after, _ := os.ReadFile(dbPath); !bytes.Equal(before, after) {
			t.Errorf("migrate --dry-run changed %s", dbPath)
		}
		code, stdout, stderr = runBin(t.TempDir(), "migrate", "--config", cfg)
		if code != 0 || !strings.Contains(stdout, plan) || !strings.HasSuffix(stdout, added) || strings.Contains(stdout, "dry run") {
			t.Errorf("migrate: exit %d, stdout %q, stderr %q; want 0, the plan and the indexes added", code, stdout, stderr)
		}
		before, _ = os.ReadFile(dbPath)
		code, stdout, stderr = runBin(t.TempDir(), "migrate", "--config", cfg)
		if code != 0 || !strings.HasSuffix(stdout, served+"; its tables have every index the server needs; nothing to migrate\n") {
			t.Errorf("migrate again: exit %d, stdout %q, stderr %q; want 0 and nothing to do", code, stdout, stderr)
		}
		if after, _ := os.ReadFile(dbPath); !bytes.Equal(before, after) {
			t.Errorf("migrate again changed %s", dbPath)
		}
		entries, _ := os.ReadDir(filepath.Dir(dbPath))
		if len(entries) != 1 {
			t.Errorf("files beside the database: %v, want only dev.db", entries)
		}
	})

	t.Run("half drizzle mysql", func(t *testing.T) {
		dbURL, dsn := servicetest.MySQLDatabase(t)
		db, err := sql.Open("mysql", dsn+"&multiStatements=true")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(fixture("drizzle-mysql.sql")); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec("DROP TABLE `verificationToken`; CREATE TABLE posts (id INT PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		count := func() int {
			var n int
			if err := db.QueryRow("SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE()").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		cfg := writeConfig(t, "database: \""+dbURL+"\"\n")
		for _, args := range [][]string{{"--config", cfg, "--addr", "127.0.0.1:0"}, {"migrate", "--config", cfg}} {
			code, _, stderr := runBin(t.TempDir(), args...)
			if code != 1 || !strings.Contains(stderr, `found "user"; "account"; "session"`) || !strings.Contains(stderr, "nothing was created or changed") {
				t.Errorf("nextauth %s: exit %d, stderr %q; want 1 and the tables found", strings.Join(args, " "), code, stderr)
			}
		}
		if after := count(); after != before {
			t.Errorf("tables: %d before, %d after", before, after)
		}
	})

	t.Run("dry run on a new database", func(t *testing.T) {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "nextauth.yaml")
		if err := os.WriteFile(cfg, []byte("database: sqlite://new.db\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runBin(dir, "migrate", "--dry-run", "--config", cfg)
		if code != 0 || !strings.Contains(stdout, "sqlite://new.db: no NextAuth table: the pg-adapter layout (users, accounts, sessions, verification_token) would be created; schema version 0; would apply migrations 1 to") {
			t.Errorf("migrate --dry-run: exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, "new.db")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("migrate --dry-run created new.db (%v)", err)
		}
		if code, _, stderr := runBin(dir, "migrate", "--config", cfg); code != 0 {
			t.Fatalf("migrate: exit %d, %s", code, stderr)
		}
		code, stdout, _ = runBin(dir, "migrate", "--dry-run", "--config", cfg)
		if code != 0 || !strings.Contains(stdout, "layout pg-adapter (users, accounts, sessions, verification_token); schema up to date") {
			t.Errorf("migrate --dry-run after migrate: exit %d, stdout %q", code, stdout)
		}
	})
}

// TestForeignLayoutServe starts the server on databases made by other
// adapters' tools: the start log names the layout without a warning, a
// credentials sign-in gets a database session whose row is in the layout's
// own session table, and sign-out deletes it; with JWT sessions sign-out
// revokes the token in the server's own tables.
func TestForeignLayoutServe(t *testing.T) {
	fixture := func(name string) string { return layoutFixture(t, name) }
	tests := []struct {
		name, layout string
		// open makes the database and returns its database: line and a
		// handle that counts session rows.
		open func(t *testing.T) (string, func() int)
	}{
		{"prisma on sqlite", "prisma (next-auth v4): tables User, Account, Session, VerificationToken", func(t *testing.T) (string, func() int) {
			path := filepath.Join(t.TempDir(), "dev.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(fixture("prisma-sqlite.sql")); err != nil {
				t.Fatal(err)
			}
			return "file:" + path, func() int { return countRows(t, db, `SELECT count(*) FROM "Session"`) }
		}},
		{"drizzle on mysql", "drizzle: tables user, account, session, verificationToken", func(t *testing.T) (string, func() int) {
			u, dsn := servicetest.MySQLDatabase(t)
			db, err := sql.Open("mysql", dsn+"&multiStatements=true")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(fixture("drizzle-mysql.sql")); err != nil {
				t.Fatal(err)
			}
			return u, func() int { return countRows(t, db, "SELECT count(*) FROM `session`") }
		}},
		{"typeorm on postgres", "typeorm: tables users, accounts, sessions, verification_tokens", func(t *testing.T) (string, func() int) {
			u := newPostgresDatabase(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(fixture("typeorm-postgres.sql")); err != nil {
				t.Fatal(err)
			}
			return u, func() int { return countRows(t, db, "SELECT count(*) FROM public.sessions") }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbURL, sessions := tt.open(t)
			path := writeConfig(t, "secret: s\ndatabase: \""+dbURL+"\"\n"+`providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			s := startServer(t, nil, "--config", path)
			b := newBrowser(t)
			b.signIn(s.base, b.csrf(s.base), "alice", "pw")
			if sess := b.session(s.base); userEmail(sess) != "alice@example.com" {
				t.Errorf("session = %+v, want alice", sess)
			}
			if n := sessions(); n != 1 {
				t.Errorf("session rows in the layout's table = %d, want 1", n)
			}
			b.post(s.base+"/api/auth/signout", url.Values{"csrfToken": {b.csrf(s.base)}, "json": {"true"}})
			if n := sessions(); n != 0 {
				t.Errorf("session rows after sign-out = %d, want 0", n)
			}
			if err := s.stop(); err != nil {
				t.Errorf("stop = %v", err)
			}
			log := s.stderr.String()
			for _, want := range []string{`msg="database connected"`, `layout="` + tt.layout + `"`} {
				if !strings.Contains(log, want) {
					t.Errorf("stderr lacks %q:\n%s", want, log)
				}
			}
			for _, unwanted := range []string{"rate limits and lockout are kept", "revocation is unavailable"} {
				if strings.Contains(log, unwanted) {
					t.Errorf("stderr has %q; the server's own tables keep rate limits and revocations:\n%s", unwanted, log)
				}
			}

			// JWT sessions on the same database: sign-out revokes the token
			// in the server's nextauth_* tables, so a copy of the cookie
			// kept from before is refused.
			jwtPath := writeConfig(t, "secret: s\ndatabase: \""+dbURL+"\"\nsession: {strategy: jwt}\n"+`providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			js := startServer(t, nil, "--config", jwtPath)
			b = newBrowser(t)
			b.signIn(js.base, b.csrf(js.base), "alice", "pw")
			base, err := url.Parse(js.base)
			if err != nil {
				t.Fatal(err)
			}
			kept := newBrowser(t)
			kept.client.Jar.SetCookies(base, b.client.Jar.Cookies(base))
			if sess := kept.session(js.base); userEmail(sess) != "alice@example.com" {
				t.Fatalf("JWT session from the copied cookie = %+v, want alice", sess)
			}
			b.post(js.base+"/api/auth/signout", url.Values{"csrfToken": {b.csrf(js.base)}, "json": {"true"}})
			if sess := kept.session(js.base); userEmail(sess) != "" {
				t.Errorf("JWT session after sign-out from the copied cookie = %+v, want none (revoked)", sess)
			}
			if n := sessions(); n != 0 {
				t.Errorf("session rows with JWT sessions = %d, want 0", n)
			}
			if err := js.stop(); err != nil {
				t.Errorf("stop = %v", err)
			}
		})
	}
}

func countRows(t *testing.T, db *sql.DB, q string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// nodeAdapter runs calls of an official Auth.js adapter through the npm
// fixture of adapter/sqllayout (interop.mjs); without node or the fixture
// the test is skipped (failed under CI=true).
func nodeAdapter(t *testing.T, adapter, dialect, dbURL string, calls ...map[string]any) []json.RawMessage {
	t.Helper()
	dir := filepath.Join("..", "..", "adapter", "sqllayout", "testdata", "node")
	if _, err := exec.LookPath("node"); err != nil {
		skipOrFail(t, "node not found")
	}
	if _, err := os.Stat(filepath.Join(dir, "generated", "sqlite", "index.js")); err != nil {
		skipOrFail(t, "the fixture is not installed: npm ci --prefix adapter/sqllayout/testdata/node")
	}
	in, err := json.Marshal(map[string]any{"adapter": adapter, "dialect": dialect, "url": dbURL, "calls": calls})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "interop.mjs")
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node interop.mjs: %v\n%s", err, stderr.String())
	}
	var out []json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out) != len(calls) {
		t.Fatalf("node interop.mjs answered %q (%v)", stdout.String(), err)
	}
	return out
}

func skipOrFail(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// TestForeignLayoutWithNode runs the server on a database the Node app
// shares through its official adapter: a session the Node adapter made
// works on our /session; an e-mail sign-in through our HTTP API is read
// back by the Node adapter's getSessionAndUser and getUserByEmail, with
// emailVerified the instant of the sign-in; sign-out on ours is seen by
// Node; Node's own rows are unchanged.
func TestForeignLayoutWithNode(t *testing.T) {
	fixture := func(name string) string { return layoutFixture(t, name) }
	tests := []struct {
		adapter, dialect string
		open             func(t *testing.T) (database, nodeURL string)
	}{
		{"prisma", "sqlite", func(t *testing.T) (string, string) {
			path := filepath.Join(t.TempDir(), "dev.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(fixture("prisma-authjs-sqlite.sql")); err != nil {
				t.Fatal(err)
			}
			return "file:" + path, "file:" + path
		}},
		{"drizzle", "pg", func(t *testing.T) (string, string) {
			u := newPostgresDatabase(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(fixture("drizzle-postgres.sql")); err != nil {
				t.Fatal(err)
			}
			return u, u
		}},
		{"typeorm", "mysql", func(t *testing.T) (string, string) {
			u, dsn := servicetest.MySQLDatabase(t)
			db, err := sql.Open("mysql", dsn+"&multiStatements=true")
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec(fixture("typeorm-mysql.sql")); err != nil {
				t.Fatal(err)
			}
			return u, u
		}},
	}
	for _, tt := range tests {
		t.Run(tt.adapter+"/"+tt.dialect, func(t *testing.T) {
			database, nodeURL := tt.open(t)
			node := func(calls ...map[string]any) []json.RawMessage {
				t.Helper()
				return nodeAdapter(t, tt.adapter, tt.dialect, nodeURL, calls...)
			}
			// The Node app's user and session.
			verified := "2024-02-29T12:34:56.789Z"
			out := node(map[string]any{"op": "createUser", "args": []any{map[string]any{
				"id": "0d6f7b8c-1a2b-4c3d-8e4f-5a6b7c8d9e0f", "name": "Node User", "email": "node@example.test",
				"emailVerified": map[string]string{"$date": verified}}}})
			var nu struct{ ID string }
			if err := json.Unmarshal(out[0], &nu); err != nil {
				t.Fatal(err)
			}
			node(map[string]any{"op": "createSession", "args": []any{map[string]any{
				"sessionToken": "node-session", "userId": nu.ID,
				"expires": map[string]string{"$date": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}}}})
			nodeUser := string(node(map[string]any{"op": "getUser", "args": []any{nu.ID}})[0])

			dir := t.TempDir()
			mail := filepath.Join(dir, "mail.log")
			path := writeConfig(t, "secret: s\ndatabase: \""+database+"\"\nproviders: [{type: email, server: \"file:"+mail+"\"}]\n")
			s := startServer(t, nil, "--config", path)

			// Node's session on our /session.
			b := newBrowser(t)
			base, _ := url.Parse(s.base)
			b.client.Jar.SetCookies(base, []*http.Cookie{{Name: "next-auth.session-token", Value: "node-session", Path: "/"}})
			if sess := b.session(s.base); userEmail(sess) != "node@example.test" || sess.User.Name.String() != "Node User" {
				t.Errorf("our /session with Node's session = %+v, want node@example.test", sess)
			}

			// An e-mail sign-in through our HTTP API.
			e := newBrowser(t)
			res, body := e.post(s.base+"/api/auth/signin/email", url.Values{"csrfToken": {e.csrf(s.base)}, "email": {"mail@example.test"}, "json": {"true"}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("POST /signin/email = %d %s", res.StatusCode, body)
			}
			var link struct{ URL string }
			waitFor(t, "the sign-in link", func() bool {
				b, _ := os.ReadFile(mail)
				return json.Unmarshal(bytes.TrimSpace(b), &link) == nil && link.URL != ""
			})
			u, err := url.Parse(link.URL)
			if err != nil {
				t.Fatal(err)
			}
			u.Scheme, u.Host = base.Scheme, base.Host
			noRedirect := *e.client
			noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			before := time.Now()
			cres, err := noRedirect.Get(u.String())
			if err != nil {
				t.Fatal(err)
			}
			cres.Body.Close()
			after := time.Now()
			token := sessionCookie(cres)
			if token == "" {
				t.Fatalf("GET the sign-in link = %d, no session cookie", cres.StatusCode)
			}
			out = node(
				map[string]any{"op": "getSessionAndUser", "args": []any{token}},
				map[string]any{"op": "getUserByEmail", "args": []any{"mail@example.test"}},
			)
			var su struct {
				Session struct{ UserID string }
				User    struct {
					ID            string
					Email         string
					EmailVerified *time.Time
				}
			}
			if err := json.Unmarshal(out[0], &su); err != nil {
				t.Fatalf("node getSessionAndUser = %s: %v", out[0], err)
			}
			ev := su.User.EmailVerified
			if su.User.Email != "mail@example.test" || su.Session.UserID != su.User.ID || ev == nil ||
				ev.Before(before.Add(-time.Second)) || ev.After(after.Add(time.Second)) {
				t.Errorf("node getSessionAndUser(our session) = %s; want mail@example.test verified between %v and %v", out[0], before, after)
			}
			var byEmail struct{ ID string }
			if err := json.Unmarshal(out[1], &byEmail); err != nil || byEmail.ID != su.User.ID {
				t.Errorf("node getUserByEmail = %s, want user %s", out[1], su.User.ID)
			}

			// Sign-out on ours is seen by Node.
			e.post(s.base+"/api/auth/signout", url.Values{"csrfToken": {e.csrf(s.base)}, "json": {"true"}})
			out = node(
				map[string]any{"op": "getSessionAndUser", "args": []any{token}},
				map[string]any{"op": "getUser", "args": []any{nu.ID}},
			)
			if string(out[0]) != "null" {
				t.Errorf("node getSessionAndUser after our sign-out = %s, want null", out[0])
			}
			if string(out[1]) != nodeUser {
				t.Errorf("Node's user after ours = %s, want it unchanged: %s", out[1], nodeUser)
			}
		})
	}
}

// TestMigrateDuplicateKeys runs migrate on TypeORM's tables on PostgreSQL
// where two accounts hold one provider account: --dry-run shows the plan
// with the unique index not added and the duplicate key named, and exits
// 0; migrate adds the other indexes, names the key again, deletes no row
// and exits with an error. Once the app merged the rows, migrate adds the
// unique index.
func TestMigrateDuplicateKeys(t *testing.T) {
	ddl, err := os.ReadFile(filepath.Join("..", "..", "internal", "layout", "testdata", "typeorm-postgres.sql"))
	if err != nil {
		t.Fatal(err)
	}
	u := newPostgresDatabase(t)
	db, err := sql.Open("pgx", u)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const user = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
	for _, q := range []string{string(ddl), "SET search_path = public",
		`INSERT INTO public.users (id, email) VALUES ('` + user + `', 'ada@example.test')`,
		`INSERT INTO public.accounts ("userId", type, provider, "providerAccountId") VALUES
		 ('` + user + `', 'oauth', 'github', '42'), ('` + user + `', 'oauth', 'github', '42')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	cfg := writeConfig(t, "database: \""+u+"\"\n")
	migrate := func(args ...string) (string, error) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"migrate"}, args...), envOf(nil), strings.NewReader(""), &stdout, &stderr)
		return stdout.String(), err
	}
	const notAdded = `not added: nextauth_accounts_provider_key: 1 (provider, providerAccountId) key(s) of "accounts" are held by more than one row: ("github", "42") in 2 rows; merge or delete those rows yourself and run migrate again (no row was deleted)`
	stdout, err := migrate("--dry-run", "--config", cfg)
	if err != nil || !strings.Contains(stdout, "plan: add 3 indexes") || !strings.Contains(stdout, notAdded) ||
		!strings.HasSuffix(stdout, "dry run: nothing changed\n") {
		t.Errorf("migrate --dry-run = %v, stdout %q; want the plan and the key named", err, stdout)
	}
	stdout, err = migrate("--config", cfg)
	if err == nil || !strings.Contains(err.Error(), "1 index(es) not added: rows share their keys (listed above); no row was deleted") ||
		!strings.Contains(stdout, notAdded) ||
		!strings.HasSuffix(stdout, "\nadded 3 indexes: nextauth_accounts_user_idx, nextauth_sessions_user_idx, nextauth_tokens_key\n") {
		t.Errorf("migrate = %v, stdout %q; want an error, the key named and the other indexes added", err, stdout)
	}
	if n := countRows(t, db, "SELECT count(*) FROM public.accounts"); n != 2 {
		t.Errorf("accounts after migrate = %d, want both rows kept", n)
	}
	if n := countRows(t, db, "SELECT count(*) FROM pg_indexes WHERE indexname = 'nextauth_accounts_provider_key'"); n != 0 {
		t.Errorf("the blocked unique index exists")
	}
	if _, err := db.Exec(`DELETE FROM public.accounts WHERE ctid = (SELECT max(ctid) FROM public.accounts)`); err != nil {
		t.Fatal(err)
	}
	stdout, err = migrate("--config", cfg)
	if err != nil || !strings.HasSuffix(stdout, "\nadded 1 index: nextauth_accounts_provider_key\n") {
		t.Errorf("migrate after merging = %v, stdout %q; want the unique index added", err, stdout)
	}
}

// TestForeignLayoutUserFields: session.user_fields reads a column the app
// added to Prisma's User (a role), live, with database sessions, on each
// database Prisma runs on.
func TestForeignLayoutUserFields(t *testing.T) {
	fixture := func(name string) string { return layoutFixture(t, name) }
	tests := []struct {
		name string
		// open makes the database with Prisma's tables and a role column
		// on User, and returns its database: line and a handle on it.
		open func(t *testing.T) (string, *sql.DB)
		// setRole is the UPDATE of User.role, with the dialect's quotes.
		setRole string
	}{
		{"sqlite", func(t *testing.T) (string, *sql.DB) {
			path := filepath.Join(t.TempDir(), "dev.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(fixture("prisma-sqlite.sql") + `;ALTER TABLE "User" ADD COLUMN "role" TEXT`); err != nil {
				t.Fatal(err)
			}
			return "file:" + path, db
		}, `UPDATE "User" SET "role" = 'admin'`},
		{"postgres", func(t *testing.T) (string, *sql.DB) {
			u := newPostgresDatabase(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(fixture("prisma-postgres.sql") + `;ALTER TABLE "User" ADD COLUMN "role" TEXT`); err != nil {
				t.Fatal(err)
			}
			return u, db
		}, `UPDATE "User" SET "role" = 'admin'`},
		{"mysql", func(t *testing.T) (string, *sql.DB) {
			u, dsn := servicetest.MySQLDatabase(t)
			db, err := sql.Open("mysql", dsn+"&multiStatements=true")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(fixture("prisma-mysql.sql")); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec("ALTER TABLE `User` ADD COLUMN `role` VARCHAR(32) NULL"); err != nil {
				t.Fatal(err)
			}
			return u, db
		}, "UPDATE `User` SET `role` = 'admin'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbURL, db := tt.open(t)
			path := writeConfig(t, "secret: s\ndatabase: \""+dbURL+"\"\nsession: {user_fields: [id, role]}\n"+`providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			s := startServer(t, nil, "--config", path)
			b := newBrowser(t)
			b.signIn(s.base, b.csrf(s.base), "alice", "pw")
			user := func() map[string]any {
				t.Helper()
				status, body := get(t, b.client, s.base+"/api/auth/session")
				var v struct {
					User map[string]any `json:"user"`
				}
				if err := json.Unmarshal([]byte(body), &v); status != http.StatusOK || err != nil || v.User == nil {
					t.Fatalf("GET /session = %d %s (%v), want a session", status, body, err)
				}
				return v.User
			}
			var id string
			if err := db.QueryRow(`SELECT id FROM ` + map[bool]string{true: "`User`", false: `"User"`}[tt.name == "mysql"]).Scan(&id); err != nil {
				t.Fatal(err)
			}
			u := user()
			if u["id"] != id || u["email"] != "alice@example.com" {
				t.Errorf("user = %v, want id %q and alice's e-mail", u, id)
			}
			if role, ok := u["role"]; !ok || role != nil {
				t.Errorf("user = %v, want role null while the column is NULL", u)
			}
			if _, err := db.Exec(tt.setRole); err != nil {
				t.Fatal(err)
			}
			if u := user(); u["role"] != "admin" {
				t.Errorf("user after the UPDATE = %v, want role admin (read live from the row)", u)
			}
		})
	}
}

// layoutFixture is a schema made by an adapter's own tool, from
// internal/layout/testdata.
func layoutFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "internal", "layout", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
