package nextauth_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/redis"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/servicetest"
	"github.com/nextauth-go/nextauth/rules"
)

// TestUserFieldsDatabase: under database sessions user_fields shows the
// user row's id, a column the app added to users (read live, so a change
// shows at once) and the claims a rule computed at sign-in, kept beside
// the session; on SQLite, PostgreSQL and MySQL (a column added by ALTER
// TABLE) and Redis (a member the app writes into the user's record).
func TestUserFieldsDatabase(t *testing.T) {
	stores := claimsStores()
	r := mustRules(t, rules.Config{Claims: map[string]string{"tier": `user.email.endsWith("@example.com") ? "gold" : "basic"`}})
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			a, role := st.open(t)
			role.add() // the app's own column, added to the default layout's users
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
			want := func(role string) string {
				return `{"user":{"name":"Alice","email":"alice@example.com","image":"https://img.example/alice.png","id":"` + u.ID + `",` + role + `"tier":"gold"},"expires":"`
			}
			if body := c.get("/api/auth/session").Body.String(); !strings.HasPrefix(body, want(role.unset)) {
				t.Errorf("GET /session = %s\nwant %s…", body, want(role.unset))
			}
			role.set(u.ID, "admin")
			if body := c.get("/api/auth/session").Body.String(); !strings.HasPrefix(body, want(`"role":"admin",`)) {
				t.Errorf("GET /session after the app set role = %s\nwant %s…", body, want(`"role":"admin",`))
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
// database, with the app's role on its users.
type claimsStore struct {
	name string
	open func(t *testing.T) (nextauth.Adapter, roleColumn)
}

// roleColumn is the role an app keeps on its users, in the store's way: a
// column it adds to users (SQL), a member it writes into the user's record
// (Redis).
type roleColumn struct {
	add func()                    // the app's migration, before sign-in
	set func(userID, role string) // the app sets a user's role
	// unset is the role in GET /session's user before set: null for an
	// added column, left out on Redis, where the member is absent until
	// written.
	unset string
}

// sqlRole is the role column of an SQL database, run through exec.
func sqlRole(exec func(q string, args ...any), textType string, set string) roleColumn {
	return roleColumn{
		add:   func() { exec(`ALTER TABLE users ADD COLUMN role ` + textType) },
		set:   func(id, role string) { exec(set, role, id) },
		unset: `"role":null,`,
	}
}

// claimsStores are the stores of the claims tests: SQLite, PostgreSQL,
// MySQL and Redis.
func claimsStores() []claimsStore {
	return []claimsStore{
		{"sqlite", func(t *testing.T) (nextauth.Adapter, roleColumn) {
			db, err := sqlite.Open(filepath.Join(t.TempDir(), "nextauth.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			a := sqlite.New(db)
			if err := a.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return a, sqlRole(sqlExec(t, db), "TEXT", `UPDATE users SET role = ? WHERE id = ?`)
		}},
		{"postgres", func(t *testing.T) (nextauth.Adapter, roleColumn) {
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
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := pool.Exec(ctx, q, args...); err != nil {
					t.Fatal(err)
				}
			}
			return a, sqlRole(exec, "TEXT", `UPDATE users SET role = $1 WHERE id::text = $2`)
		}},
		{"mysql", func(t *testing.T) (nextauth.Adapter, roleColumn) {
			_, dsn := servicetest.MySQLDatabase(t)
			a, err := mysql.Connect(context.Background(), dsn, mysql.Options{MaxConns: 2})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			db, err := sql.Open("mysql", dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return a, sqlRole(sqlExec(t, db), "VARCHAR(32)", "UPDATE users SET role = ? WHERE id = ?")
		}},
		{"redis", func(t *testing.T) (nextauth.Adapter, roleColumn) {
			url, prefix := servicetest.RedisPrefix(t)
			a, err := redis.Connect(context.Background(), url, redis.Options{KeyPrefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = a.Close() })
			return a, roleColumn{
				add: func() {}, // no schema: the member is there once the app writes it
				set: func(id, role string) { setUserMember(t, a.Client(), a.KeyPrefix()+"user:"+id, "role", role) },
			}
		}},
	}
}

// setUserMember writes member into the JSON user record at key, as an app
// keeping its own fields on the Redis adapter's users would.
func setUserMember(t *testing.T, c goredis.UniversalClient, key, member string, value any) {
	t.Helper()
	ctx := context.Background()
	s, err := c.Get(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	m[member] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Set(ctx, key, b, 0).Err(); err != nil {
		t.Fatal(err)
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
