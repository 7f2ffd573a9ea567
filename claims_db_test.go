package nextauth_test

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/rules"
)

// TestUserFieldsDatabase: under database sessions user_fields shows the
// user row's id, a column the app added to users (read live, so a change
// shows at once) and the claims a rule computed at sign-in, kept in
// nextauth_session_claims; on SQLite and PostgreSQL.
func TestUserFieldsDatabase(t *testing.T) {
	stores := claimsStores()
	r := mustRules(t, rules.Config{Claims: map[string]string{"tier": `user.email.endsWith("@example.com") ? "gold" : "basic"`}})
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			a, exec := st.open(t)
			// The app's own column, added to the default layout's users.
			exec(`ALTER TABLE users ADD COLUMN role TEXT`)
			h := newHandler(t, func(cfg *nextauth.Config) {
				cfg.Adapter = a
				cfg.Claims = []nextauth.ClaimsFunc{r.Claims}
				cfg.Session.UserFields = []string{"id", "role", "tier", "missing"}
				cfg.Logger = slog.New(slog.NewTextHandler(tlog{t}, nil))
			})
			c := newClient(t, h)
			c.signIn()
			u, err := a.GetUserByEmail(context.Background(), "alice@example.com")
			if err != nil {
				t.Fatal(err)
			}
			want := `{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png","id":"` + u.ID + `","role":null,"tier":"gold"},"expires":"`
			if body := c.get("/api/auth/session").Body.String(); !strings.HasPrefix(body, want) {
				t.Errorf("GET /session = %s\nwant %s…", body, want)
			}
			exec(`UPDATE users SET role = 'admin' WHERE email = ?`, "alice@example.com")
			want = strings.Replace(want, `"role":null`, `"role":"admin"`, 1)
			if body := c.get("/api/auth/session").Body.String(); !strings.HasPrefix(body, want) {
				t.Errorf("GET /session after the app set role = %s\nwant %s…", body, want)
			}
			// Without user_fields the answer is NextAuth's.
			h2 := newHandler(t, func(cfg *nextauth.Config) { cfg.Adapter = a })
			c.h = h2
			if body := c.get("/api/auth/session").Body.String(); !strings.HasPrefix(body, `{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png"},"expires":"`) {
				t.Errorf("GET /session without user_fields = %s", body)
			}
		})
	}
}

// claimsStore is an adapter that keeps session claims, on a fresh
// database, and a way to run SQL on that database.
type claimsStore struct {
	name string
	open func(t *testing.T) (nextauth.Adapter, func(q string, args ...any))
}

// claimsStores are the stores of the claims tests: SQLite and
// PostgreSQL.
func claimsStores() []claimsStore {
	return []claimsStore{
		{"sqlite", func(t *testing.T) (nextauth.Adapter, func(string, ...any)) {
			db, err := sqlite.Open(filepath.Join(t.TempDir(), "nextauth.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			a := sqlite.New(db)
			if err := a.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return a, sqlExec(t, db)
		}},
		{"postgres", func(t *testing.T) (nextauth.Adapter, func(string, ...any)) {
			ctx := context.Background()
			pool, err := pgxpool.New(ctx, servicetest.PostgresDatabase(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			a := postgres.New(pool)
			if err := a.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			return a, func(q string, args ...any) {
				t.Helper()
				if _, err := pool.Exec(ctx, strings.ReplaceAll(q, "?", "$1"), args...); err != nil {
					t.Fatal(err)
				}
			}
		}},
	}
}

func sqlExec(t *testing.T, db *sql.DB) func(string, ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
}

// TestClaimsNeedStore: rules under database sessions need an adapter that
// keeps claims.
func TestClaimsNeedStore(t *testing.T) {
	_, err := nextauth.New(testConfig(func(cfg *nextauth.Config) {
		cfg.Adapter = plainAdapter{}
		cfg.Claims = []nextauth.ClaimsFunc{func(context.Context, nextauth.ClaimsParams) (map[string]any, error) { return nil, nil }}
	}))
	if err == nil || !strings.Contains(err.Error(), "SessionClaimsStore") {
		t.Errorf("New = %v; want the SessionClaimsStore problem", err)
	}
}

// plainAdapter is an Adapter with no optional capability.
type plainAdapter struct{ nextauth.Adapter }

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
