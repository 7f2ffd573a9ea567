package sqllayout_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// nodeDir is the npm fixture of the official adapters.
const nodeDir = "testdata/node"

// requireNode skips the test (fails it under CI=true) without node or the
// installed fixture.
func requireNode(t *testing.T) {
	t.Helper()
	why := ""
	if _, err := exec.LookPath("node"); err != nil {
		why = "node not found"
	} else if _, err := os.Stat(filepath.Join(nodeDir, "generated", "v4-sqlite", "index.js")); err != nil {
		why = "the fixture is not installed: npm ci --prefix adapter/sqllayout/testdata/node"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// call is one call of the official adapter; a time.Time argument travels
// as a Date.
type call struct {
	Op   string `json:"op"`
	Args []any  `json:"args"`
}

// jsDate is a Date argument.
func jsDate(t time.Time) map[string]string {
	return map[string]string{"$date": t.UTC().Format(time.RFC3339Nano)}
}

// official runs calls of the official adapter ("drizzle", "kysely",
// "typeorm") on the database and returns their answers.
func official(t *testing.T, adapter, dialect, url string, calls ...call) []json.RawMessage {
	t.Helper()
	in, err := json.Marshal(map[string]any{"adapter": adapter, "dialect": dialect, "url": url, "calls": calls})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "interop.mjs")
	cmd.Dir = nodeDir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node interop.mjs %s: %v\n%s", dialect, err, stderr.String())
	}
	var out []json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("node interop.mjs answered %q: %v", stdout.String(), err)
	}
	if len(out) != len(calls) {
		t.Fatalf("node answered %d results for %d calls", len(out), len(calls))
	}
	return out
}

// jsUser is a user as the official adapter returns it.
type jsUser struct {
	ID            string     `json:"id"`
	Name          *string    `json:"name"`
	Email         string     `json:"email"`
	EmailVerified *time.Time `json:"emailVerified"`
}

type jsSession struct {
	SessionToken string    `json:"sessionToken"`
	UserID       string    `json:"userId"`
	Expires      time.Time `json:"expires"`
}

func decode[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return v
}

// TestInterop shares each database made by a tool with its official
// adapter (@auth/drizzle-adapter, @auth/kysely-adapter,
// @auth/typeorm-adapter, @auth/prisma-adapter through the Prisma 7 client
// on Auth.js's and on NextAuth v4's schema): a user, account and session written by Node are
// read by the adapter; a user, account, session and e-mail token written by
// the adapter are read (and the token used) by Node, with emailVerified and
// expires the same instants; a session deleted on either side is gone on
// the other; Node's rows are unchanged by the adapter's writes. The
// "+migrated" cases first add the indexes `nextauth migrate` plans (among
// them the unique keys TypeORM's and Kysely's tables lack): both sides
// still read and write the tables.
func TestInterop(t *testing.T) {
	requireNode(t)
	pg := func(fixture string) func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
		return func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
			dsn := servicetest.PostgresDatabase(t)
			return openFixture(t, "pgx", dsn, fixture), sqllayout.Postgres, dsn
		}
	}
	my := func(fixture string) func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
		return func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
			u, _ := servicetest.MySQLDatabase(t)
			return openMySQLFixture(t, u, fixture), sqllayout.MySQL, u
		}
	}
	tests := []struct {
		adapter, dialect string
		open             func(t *testing.T) (*sql.DB, sqllayout.Dialect, string)
		// prec is what session and token expiries keep.
		prec time.Duration
		// migrated: with the indexes of `nextauth migrate` added first.
		migrated bool
	}{
		{"drizzle", "pg", pg("drizzle-postgres"), time.Millisecond, false},
		{"drizzle", "mysql", my("drizzle-mysql"), time.Second, false},
		{"drizzle", "sqlite", func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
			db, path := sqliteFile(t, "drizzle-sqlite")
			return db, sqllayout.SQLite, "file:" + path
		}, time.Millisecond, false},
		{"kysely", "pg", pg("kysely-postgres"), time.Millisecond, false},
		{"typeorm", "pg", pg("typeorm-postgres"), time.Millisecond, false},
		{"typeorm", "mysql", my("typeorm-mysql"), time.Millisecond, false},
		{"prisma", "pg", pg("prisma-authjs-postgres"), time.Millisecond, false},
		{"prisma", "mysql", my("prisma-authjs-mysql"), time.Millisecond, false},
		{"prisma", "sqlite", func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
			db, path := sqliteFile(t, "prisma-authjs-sqlite")
			return db, sqllayout.SQLite, "file:" + path
		}, time.Millisecond, false},
		{"prisma-v4", "pg", pg("prisma-postgres"), time.Millisecond, false},
		{"prisma-v4", "mysql", my("prisma-mysql"), time.Millisecond, false},
		{"prisma-v4", "sqlite", func(t *testing.T) (*sql.DB, sqllayout.Dialect, string) {
			db, path := sqliteFile(t, "prisma-sqlite")
			return db, sqllayout.SQLite, "file:" + path
		}, time.Millisecond, false},
	}
	for _, tt := range tests {
		switch tt.adapter + "/" + tt.dialect {
		case "typeorm/pg", "typeorm/mysql", "kysely/pg", "prisma/mysql", "drizzle/sqlite", "prisma-v4/sqlite":
			tt.migrated = true
			tests = append(tests, tt)
		}
	}
	for _, tt := range tests {
		name := tt.adapter + "/" + tt.dialect
		if tt.migrated {
			name += "+migrated"
		}
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			db, d, url := tt.open(t)
			if tt.migrated {
				migrated(t, db, d)
			}
			a := newAdapter(t, db, d, strings.TrimSuffix(tt.adapter, "-v4"))
			node := func(t *testing.T, dialect, url string, calls ...call) []json.RawMessage {
				t.Helper()
				return official(t, tt.adapter, dialect, url, calls...)
			}
			verified := time.Date(2024, 2, 29, 12, 34, 56, 789_000_000, time.UTC)
			expires := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(tt.prec)

			// Written by Node, read by the adapter.
			out := node(t, tt.dialect, url, call{Op: "createUser", Args: []any{map[string]any{
				"id": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "name": "Node User", "email": "node@example.test", "emailVerified": jsDate(verified),
			}}})
			nu := decode[jsUser](t, out[0])
			node(t, tt.dialect, url,
				call{Op: "linkAccount", Args: []any{map[string]any{"userId": nu.ID, "type": "oauth", "provider": "github",
					"providerAccountId": "node-42", "access_token": "gho_node", "expires_at": 1900000000, "token_type": "bearer"}}},
				call{Op: "createSession", Args: []any{map[string]any{"sessionToken": "node-token", "userId": nu.ID, "expires": jsDate(expires)}}},
			)
			s, u, err := a.GetSessionAndUser(ctx, "node-token")
			if err != nil {
				t.Fatalf("GetSessionAndUser(node's session) error = %v", err)
			}
			if u.ID != nu.ID || u.Email.String() != "node@example.test" || u.Name.String() != "Node User" ||
				u.EmailVerified == nil || !u.EmailVerified.Equal(verified) || !s.Expires.Equal(expires) {
				t.Errorf("node's session read as %+v, %+v; want user %s verified %v, expires %v", s, u, nu.ID, verified, expires)
			}
			if got, err := a.GetUserByAccount(ctx, "github", "node-42"); err != nil || got.ID != nu.ID {
				t.Errorf("GetUserByAccount(node's account) = %v, %v", got.ID, err)
			}
			acc, err := a.GetAccount(ctx, "github", "node-42")
			if err != nil || acc.AccessToken != "gho_node" || acc.ExpiresAt != 1900000000 {
				t.Errorf("GetAccount(node's account) = %+v, %v", acc, err)
			}

			// Written by the adapter, read by Node.
			ours, err := a.CreateUser(ctx, nextauth.User{Email: nextauth.String("go@example.test"), EmailVerified: &verified})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.LinkAccount(ctx, nextauth.Account{UserID: ours.ID, Type: "oidc", Provider: "google", ProviderAccountID: "go-7", IDToken: "eyJ.go"}); err != nil {
				t.Fatal(err)
			}
			if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: "go-token", UserID: ours.ID, Expires: expires}); err != nil {
				t.Fatal(err)
			}
			if err := a.CreateVerificationToken(ctx, nextauth.VerificationToken{Identifier: "go@example.test", Token: "hashed", Expires: expires}); err != nil {
				t.Fatal(err)
			}
			out = node(t, tt.dialect, url,
				call{Op: "getSessionAndUser", Args: []any{"go-token"}},
				call{Op: "getUserByEmail", Args: []any{"go@example.test"}},
				call{Op: "getUserByAccount", Args: []any{map[string]any{"provider": "google", "providerAccountId": "go-7"}}},
				call{Op: "useVerificationToken", Args: []any{map[string]any{"identifier": "go@example.test", "token": "hashed"}}},
			)
			su := decode[struct {
				Session jsSession `json:"session"`
				User    jsUser    `json:"user"`
			}](t, out[0])
			if su.User.ID != ours.ID || su.User.EmailVerified == nil || !su.User.EmailVerified.Equal(verified) ||
				su.Session.UserID != ours.ID || !su.Session.Expires.Equal(expires) {
				t.Errorf("node getSessionAndUser(our session) = %s; want user %s verified %v, expires %v", out[0], ours.ID, verified, expires)
			}
			if byEmail := decode[jsUser](t, out[1]); byEmail.ID != ours.ID || byEmail.Name != nil {
				t.Errorf("node getUserByEmail = %s, want user %s with a null name", out[1], ours.ID)
			}
			if byAcct := decode[jsUser](t, out[2]); byAcct.ID != ours.ID {
				t.Errorf("node getUserByAccount = %s, want user %s", out[2], ours.ID)
			}
			vt := decode[struct {
				Identifier string    `json:"identifier"`
				Expires    time.Time `json:"expires"`
			}](t, out[3])
			if vt.Identifier != "go@example.test" || !vt.Expires.Equal(expires) {
				t.Errorf("node useVerificationToken = %s, want expires %v", out[3], expires)
			}
			if _, err := a.UseVerificationToken(ctx, "go@example.test", "hashed"); !errors.Is(err, nextauth.ErrNotFound) {
				t.Errorf("UseVerificationToken after node used it: error = %v, want not found", err)
			}

			// Sign-out on either side is seen by the other.
			if _, err := a.DeleteSession(ctx, "go-token"); err != nil {
				t.Fatal(err)
			}
			out = node(t, tt.dialect, url,
				call{Op: "getSessionAndUser", Args: []any{"go-token"}},
				call{Op: "deleteSession", Args: []any{"node-token"}},
				call{Op: "getUser", Args: []any{nu.ID}},
			)
			if string(out[0]) != "null" {
				t.Errorf("node getSessionAndUser(our signed-out session) = %s, want null", out[0])
			}
			if _, _, err := a.GetSessionAndUser(ctx, "node-token"); !errors.Is(err, nextauth.ErrNotFound) {
				t.Errorf("GetSessionAndUser(node's signed-out session) error = %v, want not found", err)
			}
			// Node's user is as Node wrote it.
			if again := decode[jsUser](t, out[2]); again.ID != nu.ID || again.Email != nu.Email || again.Name == nil || *again.Name != "Node User" ||
				again.EmailVerified == nil || !again.EmailVerified.Equal(verified) {
				t.Errorf("node getUser(its user) after ours = %s", out[2])
			}
		})
	}
}
