package main

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// TestForeignLayoutClaims: on Prisma's layout with database sessions, a
// claims rule's claim is kept in the server's nextauth_session_claims
// beside the layout's Session row, GET /session shows it through
// user_fields, and signing out deletes it with the session.
func TestForeignLayoutClaims(t *testing.T) {
	tests := []struct {
		name string
		// open makes the database with Prisma's tables and returns its
		// database: line and a handle on it.
		open func(t *testing.T) (string, *sql.DB)
	}{
		{"sqlite", func(t *testing.T) (string, *sql.DB) {
			path := filepath.Join(t.TempDir(), "dev.db")
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(layoutFixture(t, "prisma-sqlite.sql")); err != nil {
				t.Fatal(err)
			}
			return "file:" + path, db
		}},
		{"postgres", func(t *testing.T) (string, *sql.DB) {
			u := newPostgresDatabase(t)
			db, err := sql.Open("pgx", u)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(layoutFixture(t, "prisma-postgres.sql")); err != nil {
				t.Fatal(err)
			}
			return u, db
		}},
		{"mysql", func(t *testing.T) (string, *sql.DB) {
			u, dsn := servicetest.MySQLDatabase(t)
			db, err := sql.Open("mysql", dsn+"&multiStatements=true")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Exec(layoutFixture(t, "prisma-mysql.sql")); err != nil {
				t.Fatal(err)
			}
			return u, db
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbURL, db := tt.open(t)
			path := writeConfig(t, "secret: s\ndatabase: \""+dbURL+"\"\nsession: {user_fields: [role]}\nclaims: {role: '\"admin\"'}\n"+`providers:
  - type: credentials
    users: [{username: alice, password_hash: "`+hashOf(t, "pw")+`", email: alice@example.com, name: Alice}]
`)
			s := startServer(t, nil, "--config", path)
			b := newBrowser(t)
			token := b.signIn(s.base, b.csrf(s.base), "alice", "pw")
			status, body := get(t, b.client, s.base+"/api/auth/session")
			var v struct {
				User map[string]any `json:"user"`
			}
			if err := json.Unmarshal([]byte(body), &v); status != http.StatusOK || err != nil || v.User == nil {
				t.Fatalf("GET /session = %d %s (%v), want a session", status, body, err)
			}
			if v.User["role"] != "admin" || v.User["email"] != "alice@example.com" {
				t.Errorf("user = %v, want role admin (the claims rule) and alice's e-mail", v.User)
			}
			claimRows := func() int {
				t.Helper()
				var n int
				if err := db.QueryRow(`SELECT count(*) FROM nextauth_session_claims`).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			var js string
			q := `SELECT claims FROM nextauth_session_claims WHERE "sessionToken" = ?`
			switch tt.name {
			case "postgres":
				q = `SELECT claims::text FROM nextauth_session_claims WHERE "sessionToken" = $1`
			case "mysql":
				q = "SELECT claims FROM nextauth_session_claims WHERE `sessionToken` = ?"
			}
			if err := db.QueryRow(q, token).Scan(&js); err != nil {
				t.Fatalf("claims row of the session: %v", err)
			}
			var stored map[string]any
			if err := json.Unmarshal([]byte(js), &stored); err != nil || stored["role"] != "admin" {
				t.Errorf("stored claims = %s (%v), want role admin", js, err)
			}
			b.post(s.base+"/api/auth/signout", url.Values{"csrfToken": {b.csrf(s.base)}, "json": {"true"}})
			if n := claimRows(); n != 0 {
				t.Errorf("claims rows after sign-out = %d, want 0", n)
			}
		})
	}
}
