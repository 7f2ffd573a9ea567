package config

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
)

func TestParseDatabase(t *testing.T) {
	tests := []struct {
		in                 string
		base               string // the folder of relative file: paths
		wantKind, wantPath string
		wantDSN            string // "" means none
		wantMaxConns       int
		wantExisting       bool
		wantShown          string // "" means in
		wantErr            string // a part of the error; "" for success
		secret             string // must not appear in the error
	}{
		{in: "sqlite://nextauth.db", wantKind: KindSQLite, wantPath: "nextauth.db"},
		{in: "sqlite://data/nextauth.db", base: "/etc/nextauth", wantKind: KindSQLite, wantPath: "data/nextauth.db"}, // working directory: as before
		{in: "sqlite:///var/lib/nextauth.db", wantKind: KindSQLite, wantPath: "/var/lib/nextauth.db"},
		{in: "SQLite://my db.db", wantKind: KindSQLite, wantPath: "my db.db"},
		{in: "sqlite://:memory:", wantKind: KindSQLite, wantPath: sqlite.Memory},

		// Prisma's SQLite URLs: relative to schema.prisma's (or the config's) folder, never created.
		{in: "file:./dev.db", base: "/app/prisma", wantKind: KindSQLite, wantPath: "/app/prisma/dev.db", wantExisting: true},
		{in: "file:dev.db", base: "/app/prisma", wantKind: KindSQLite, wantPath: "/app/prisma/dev.db", wantExisting: true},
		{in: "file:../data/dev.db", base: "/app/prisma", wantKind: KindSQLite, wantPath: "/app/data/dev.db", wantExisting: true},
		{in: "file:./dev.db", wantKind: KindSQLite, wantPath: "dev.db", wantExisting: true},
		{in: "file:/var/lib/app.db", base: "/app/prisma", wantKind: KindSQLite, wantPath: "/var/lib/app.db", wantExisting: true},
		{in: "file:///var/lib/app.db", base: "/app", wantKind: KindSQLite, wantPath: "/var/lib/app.db", wantExisting: true},
		{in: "FILE:./dev.db?connection_limit=1&socket_timeout=10", base: "/app", wantKind: KindSQLite, wantPath: "/app/dev.db", wantExisting: true},
		{in: "file::memory:", wantKind: KindSQLite, wantPath: sqlite.Memory},

		{in: "postgres://u@127.0.0.1/db?sslmode=disable", wantKind: KindPostgres, wantDSN: "postgres://u@127.0.0.1/db?sslmode=disable"},
		{in: "postgresql://u:pw-1234@h/db", wantKind: KindPostgres, wantShown: "postgresql://u:xxxxx@h/db", wantDSN: "postgresql://u:pw-1234@h/db"},
		{in: "postgres:///db?host=/run/postgresql&password=pw-1234", wantKind: KindPostgres, wantShown: "postgres:///db?host=%2Frun%2Fpostgresql&password=xxxxx", wantDSN: "postgres:///db?host=%2Frun%2Fpostgresql&password=pw-1234"},
		// Prisma's parameters: schema is a quoted search_path, connection_limit the pool.
		{in: "postgresql://u:pw@h:5432/app?schema=MySchema", wantKind: KindPostgres, wantShown: "postgresql://u:xxxxx@h:5432/app?schema=MySchema", wantDSN: "postgresql://u:pw@h:5432/app?search_path=%22MySchema%22"},
		{in: "postgres://h/app?schema=a%22b&connection_limit=5&pool_timeout=10&pgbouncer=true&sslmode=require", wantKind: KindPostgres, wantMaxConns: 5,
			wantDSN: "postgres://h/app?default_query_exec_mode=exec&pool_max_conns=5&search_path=%22a%22%22b%22&sslmode=require"},
		{in: "postgres://h/app?schema=", wantErr: "schema= is empty"},
		{in: "postgres://h/app?schema=a&search_path=b", wantErr: "keep one"},
		{in: "postgres://h/app?connection_limit=0", wantErr: `connection_limit="0"`},
		{in: "postgres://h/app?sslidentity=x.p12", wantErr: "sslidentity= (a PKCS#12 file) is not supported"},

		// MySQL and MariaDB, as Prisma and mysql2 read the URL.
		{in: "mysql://root@127.0.0.1:3306/app", wantKind: KindMySQL, wantDSN: "root@tcp(127.0.0.1:3306)/app?parseTime=true"},
		{in: "mysql://app:p%40ss-1234@db.example/app", wantKind: KindMySQL, wantShown: "mysql://app:xxxxx@db.example/app", wantDSN: "app:p@ss-1234@tcp(db.example:3306)/app?parseTime=true"},
		{in: "mariadb://u@[::1]:3307/app?connection_limit=3&connect_timeout=5&sslaccept=strict", wantKind: KindMySQL, wantMaxConns: 3, wantDSN: "u@tcp([::1]:3307)/app?parseTime=true&timeout=5s&tls=true"},
		{in: "mysql://u@localhost/app?socket=/run/mysqld/mysqld.sock&sslaccept=accept_invalid_certs", wantKind: KindMySQL, wantDSN: "u@unix(/run/mysqld/mysqld.sock)/app?parseTime=true&tls=skip-verify"},
		{in: "mysql://u@h/app?sslmode=required&socket_timeout=2.5", wantKind: KindMySQL, wantDSN: "u@tcp(h:3306)/app?parseTime=true&readTimeout=2.5s&tls=skip-verify&writeTimeout=2.5s"},
		{in: "mysql://u:pw-1234@h/", wantErr: "mysql://u:xxxxx@h/: names no database", secret: "pw-1234"},
		{in: "mysql://u:pw-1234@h/app?charset=latin1", wantErr: `mysql://u:xxxxx@h/app?charset=latin1: unknown parameter "charset"`, secret: "pw-1234"},
		{in: "mysql://u:pw-1234@h/app?ssl=maybe", wantErr: `ssl="maybe"`, secret: "pw-1234"},
		{in: "mysql://u:pw 1234@h/app", wantErr: "mysql://u:xxxxx@h/app is not a valid URL", secret: "pw 1234"},

		{in: "redis://127.0.0.1:6379/0", wantKind: KindRedis},
		{in: "rediss://:pw-1234@cache.example:6380/2", wantKind: KindRedis, wantShown: "rediss://:xxxxx@cache.example:6380/2"},
		{in: "redis://user:pw-1234@cache.example", wantKind: KindRedis, wantShown: "redis://user:xxxxx@cache.example"},

		{in: "sqlite://", wantErr: `"sqlite://" names no file`},
		{in: "sqlite://x.db?mode=ro", wantErr: "SQLite URLs take no ? or #"},
		{in: "file:", wantErr: `"file:" names no file`},
		{in: "file://host/x.db", wantErr: "a file:// URL names no host"},
		{in: "file:./x.db?mode=ro", wantErr: `unknown parameter "mode" for SQLite`},
		{in: "file:./x.db#a", wantErr: "a file: URL takes no #"},
		{in: "nextauth.db", wantErr: `"nextauth.db" is not a database URL`},
		{in: "mongodb://u:pw-1234@h/db", wantErr: `unknown database scheme "mongodb"`, secret: "pw-1234"},
		{in: "user:pw-1234@host/db", wantErr: `"user:xxxxx@host/db" is not a database URL`, secret: "pw-1234"},
		{in: "postgres://u:pw 1234@h/db", wantErr: "postgres://u:xxxxx@h/db is not a valid URL", secret: "pw 1234"},
		{in: "postgres://u:pw/1234@h:5432/db", wantErr: "postgres://u:xxxxx@h:5432/db is not a valid URL", secret: "pw/1234"},
		{in: "postgres://h:54x2/db", wantErr: `"postgres://h:54x2/db" is not a valid URL: invalid port ":54x2"`},
		{in: "postgres://h:54x2/db?password=pw-1234", wantErr: "postgres://h:54x2/db?password=xxxxx is not a valid URL", secret: "pw-1234"},
		{in: "redis://:pw-1234@h/zero", wantErr: `redis://:xxxxx@h/zero: redis: invalid database number: "zero"`, secret: "pw-1234"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			db, err := parseDatabase(tt.in, tt.base)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("parseDatabase(%q) = %+v, %v, want error with %q", tt.in, db, err, tt.wantErr)
				}
				if err != nil && tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
					t.Errorf("parseDatabase(%q) error = %q, shows the password", tt.in, err)
				}
				return
			}
			wantShown := tt.wantShown
			if wantShown == "" {
				wantShown = tt.in
			}
			if err != nil || db.kind != tt.wantKind || db.path != filepath.FromSlash(tt.wantPath) || db.shown != wantShown || db.url != tt.in ||
				db.dsn != tt.wantDSN || db.maxConns != tt.wantMaxConns || db.existing != tt.wantExisting {
				t.Errorf("parseDatabase(%q, %q) = %+v, %v, want kind %q, path %q, shown %q, dsn %q, max conns %d, existing %v",
					tt.in, tt.base, db, err, tt.wantKind, tt.wantPath, wantShown, tt.wantDSN, tt.wantMaxConns, tt.wantExisting)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:p@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"redis://:p@h:6379/0", "redis://:xxxxx@h:6379/0"},
		{"smtp://u:p%40ss@smtp.example:587", "smtp://u:xxxxx@smtp.example:587"},
		{"smtp://u:p@ss@smtp.example:587", "smtp://u:xxxxx@smtp.example:587"},
		{"postgres://u:p w@h/db", "postgres://u:xxxxx@h/db"}, // does not parse
		{"postgres://u:p w@h/db?password=x&a=b", "postgres://u:xxxxx@h/db?password=xxxxx&a=b"},
		{"sqlite://a%zz.db", "sqlite://a%zz.db"}, // nothing to mask: as written
		{"console", "console"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestScrub(t *testing.T) {
	const raw = "postgres://u:p%40ss-word@h/db"
	cause := errors.New("dial " + raw + ": password p@ss-word or p%40ss-word refused")
	err := scrub(cause, raw)
	const want = "dial postgres://u:xxxxx@h/db: password xxxxx or xxxxx refused"
	if err.Error() != want {
		t.Errorf("scrub(%q) = %q, want %q", cause, err, want)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(scrub(err), err) = false, want true")
	}
	if plain := errors.New("no secret here"); scrub(plain, raw) != plain {
		t.Errorf("scrub(%q) changed an error without secrets", plain)
	}
}

func TestDatabaseKeys(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		get  func(nextauth.Config) any
		want any
	}{
		{"strategy defaults to database with a database", "database: sqlite://x.db\n", func(c nextauth.Config) any { return c.Session.Strategy }, nextauth.StrategyDatabase},
		{"strategy jwt with a database", "database: sqlite://x.db\nsession: {strategy: jwt}\n", func(c nextauth.Config) any { return c.Session.Strategy }, nextauth.StrategyJWT},
		{"strategy database", "database: redis://h/0\nsession: {strategy: database}\n", func(c nextauth.Config) any { return c.Session.Strategy }, nextauth.StrategyDatabase},
		{"adapter stands in", "database: postgres://u:pw@h/db\n", func(c nextauth.Config) any { return c.Adapter.(interface{ String() string }).String() }, "postgres://u:xxxxx@h/db"},
		{"no adapter without database", "", func(c nextauth.Config) any { return c.Adapter == nil }, true},
		{
			"email_rate_limit", "email_rate_limit: {per_address: 2, per_client: -1, window: 90}\n",
			func(c nextauth.Config) any { return c.EmailRateLimit },
			nextauth.RateLimit{PerAccount: 2, PerClient: -1, Window: 90 * time.Second},
		},
		{"email_rate_limit default", "", func(c nextauth.Config) any { return c.EmailRateLimit }, nextauth.RateLimit{}},
		{
			"email defaults", "database: sqlite://x.db\nproviders: [{type: email, server: file:m.log}]\n",
			func(c nextauth.Config) any {
				return []any{c.Providers[0].Info(), c.Providers[0].(nextauth.EmailProvider).MaxAge()}
			},
			[]any{nextauth.ProviderInfo{ID: "email", Name: "Email", Type: nextauth.TypeEmail}, 24 * time.Hour},
		},
		{
			"email id, name, max_age", "database: sqlite://x.db\nproviders: [{type: email, id: mail, name: E-mail, server: \"smtps://u:p@smtp.example\", from: a@b.example, max_age: 10m}]\n",
			func(c nextauth.Config) any {
				return []any{c.Providers[0].Info(), c.Providers[0].(nextauth.EmailProvider).MaxAge()}
			},
			[]any{nextauth.ProviderInfo{ID: "mail", Name: "E-mail", Type: nextauth.TypeEmail}, 10 * time.Minute},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := build(t, tt.yaml)
			if got := tt.get(cfg); !equal(got, tt.want) {
				t.Errorf("NextAuth() of %q: got %#v, want %#v", tt.yaml, got, tt.want)
			}
		})
	}
}

func TestDatabaseProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // every problem, in order
	}{
		{"unknown scheme", "database: mongodb://h/db\n", []string{
			`config: t.yaml:2: database: unknown database scheme "mongodb"; want sqlite://, file:, postgres:// (or postgresql://), mysql://, redis:// or rediss://`,
		}},
		{"database_layout without database", "database_layout: prisma\n", []string{
			"config: t.yaml:2: database_layout: there is no database",
		}},
		{"database_layout unknown", "database: sqlite://x.db\ndatabase_layout: sequelize\n", []string{
			`config: t.yaml:3: database_layout: unknown layout "sequelize"; want one of pg-adapter, prisma, kysely, drizzle, typeorm`,
		}},
		{"database_layout on redis", "database: redis://h/0\ndatabase_layout: prisma\n", []string{
			"config: t.yaml:3: database_layout: is for SQL databases only",
		}},
		{"prisma_schema without database", "prisma_schema: prisma/schema.prisma\n", []string{
			"config: t.yaml:2: prisma_schema: there is no database; it locates the file of a database: file:… URL",
		}},
		{"prisma_schema with sqlite://", "database: sqlite://x.db\nprisma_schema: prisma/schema.prisma\n", []string{
			"config: t.yaml:3: prisma_schema: only locates the file of a database: file:… URL (Prisma's SQLite URL); remove it",
		}},
		{"key_prefix on sqlite", "database: sqlite://x.db\ndatabase_options: {key_prefix: \"a:\"}\n", []string{
			"config: t.yaml:3: database_options.key_prefix: is for redis databases only",
		}},
		{"cleanup_interval on redis", "database: redis://h/0\ndatabase_options: {cleanup_interval: 1m}\n", []string{
			"config: t.yaml:3: database_options.cleanup_interval: is for SQL databases only (Redis expires sessions and tokens by itself)",
		}},
		{"cleanup_interval too short", "database: sqlite://x.db\ndatabase_options: {cleanup_interval: 10ms}\n", []string{
			"config: t.yaml:3: database_options.cleanup_interval: 10ms is less than 1s",
		}},
		{"strategy database without database", "session: {strategy: database}\n", []string{
			"config: t.yaml:2: session.strategy: database sessions need a database; set database:, e.g. sqlite://nextauth.db",
		}},
		{"email without database", "providers: [{type: email, server: file:m.log}]\n", []string{
			"config: t.yaml:2: providers[0]: an email provider needs a database to keep its sign-in tokens (EMAIL_REQUIRES_ADAPTER_ERROR)",
		}},
		{"console without --dev", "database: sqlite://x.db\nproviders: [{type: email, server: console}]\n", []string{
			"config: t.yaml:3: providers[0].server: console prints sign-in links, which are passwords, to the terminal: it is allowed with --dev only",
		}},
		{"server missing", "database: sqlite://x.db\nproviders:\n- type: email\n  from: a@b.example\n", []string{
			"config: t.yaml:4: providers[0].server: missing",
		}},
		{"smtp without //", "database: sqlite://x.db\nproviders: [{type: email, server: \"smtp:h\"}]\n", []string{
			`config: t.yaml:3: providers[0].server: "smtp:h": want smtp://[user:password@]host[:port]`,
		}},
		{"smtp unparseable, password masked", "database: sqlite://x.db\nproviders: [{type: email, server: \"smtp://u:pw 1234@h:587\"}]\n", []string{
			"config: t.yaml:3: providers[0].server: provider: email: SMTP URL: net/url: invalid userinfo",
		}},
		{"email keys are its own", "database: sqlite://x.db\nproviders: [{type: email, server: file:m.log, users: []}]\n", []string{
			"config: t.yaml:3: providers[0].users: unknown key; known keys here: id, name, server, from, max_age",
		}},
		{"duplicate email ids", "database: sqlite://x.db\nproviders: [{type: email, server: file:a.log}, {type: email, server: file:b.log}]\n", []string{
			`config: t.yaml:3: providers[1].id: "email" is already the id of providers[0]`,
		}},
		{"rate limit kinds", "email_rate_limit: {per_address: [1], window: soon}\n", []string{
			"config: t.yaml:2: email_rate_limit.per_address: want a whole number, got a list",
			`config: t.yaml:2: email_rate_limit.window: want whole seconds`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte("secret: s\n"+tt.yaml), nil)
			_, err := f.NextAuth()
			got := problemLines(err)
			if len(got) != len(tt.want) {
				t.Fatalf("NextAuth() of %q = %d problems:\n%s\nwant %d:\n%s", tt.yaml, len(got), strings.Join(got, "\n"), len(tt.want), strings.Join(tt.want, "\n"))
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("NextAuth() of %q: problem %d = %q, want %q", tt.yaml, i, got[i], tt.want[i])
				}
				if strings.Contains(got[i], "1234") {
					t.Errorf("NextAuth() of %q: problem %q shows the password", tt.yaml, got[i])
				}
			}
		})
	}
}

// TestNextAuthIsOffline checks that NextAuth opens nothing: no SQLite file
// appears, unreachable servers are not an error, and the stand-in adapter
// refuses every call.
func TestNextAuthIsOffline(t *testing.T) {
	dir := t.TempDir()
	for _, db := range []string{"sqlite://" + filepath.Join(dir, "x.db"), "postgres://u:p@127.0.0.1:1/db", "redis://127.0.0.1:1/0"} {
		t.Run(db, func(t *testing.T) {
			cfg := build(t, "database: "+db+"\nproviders: [{type: email, server: \"smtp://127.0.0.1:1\"}]\n")
			if _, err := nextauth.New(cfg); err != nil {
				t.Errorf("nextauth.New(NextAuth() of %s) = %v, want nil", db, err)
			}
			if _, err := cfg.Adapter.GetUser(context.Background(), "1"); !errors.Is(err, errNotOpened) {
				t.Errorf("Adapter.GetUser() = %v, want errNotOpened", err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after NextAuth(), stat x.db = %v, want it not to exist", err)
	}
}

// equal compares with == or, for slices, element by element.
func equal(a, b any) bool {
	as, ok1 := a.([]any)
	bs, ok2 := b.([]any)
	if ok1 && ok2 {
		if len(as) != len(bs) {
			return false
		}
		for i := range as {
			if as[i] != bs[i] {
				return false
			}
		}
		return true
	}
	return a == b
}

// TestOpenSQLite opens a new SQLite file and uses it, and a console e-mail
// server (allowed after Dev) prints to the writer given.
func TestOpenSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "n.db")
	f, err := Parse("t.yaml", []byte("secret: s\ndatabase: sqlite://"+path+"\nproviders: [{type: email, server: console}]\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f.dev = true // as Dev sets it
	var console bytes.Buffer
	cfg, store, err := f.Open(context.Background(), &console)
	if err != nil {
		t.Fatalf("Open() = %v", err)
	}
	defer store.Close()
	if store.Kind != KindSQLite || store.Database != "sqlite://"+path || store.CleanupInterval != DefaultCleanupInterval || cfg.Adapter != store.Adapter {
		t.Errorf("Open() store = %+v, want sqlite, %s, cleanup %s, the Config's adapter", store, path, DefaultCleanupInterval)
	}
	if store.RateStore != nil || cfg.RateStore != nil {
		t.Errorf("Open() of SQLite: RateStore %v, Config.RateStore %v; want nil (limits in the process)", store.RateStore, cfg.RateStore)
	}
	if _, ok := store.Adapter.(*sqlite.Adapter); !ok {
		t.Fatalf("Open() adapter = %T, want *sqlite.Adapter", store.Adapter)
	}
	ctx := context.Background()
	u, err := store.Adapter.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.com")})
	if err != nil || u.ID == "" {
		t.Errorf("CreateUser() = %+v, %v, want a user", u, err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("stat %s after Open() = %v, want the file", path, err)
	}
	req := nextauth.VerificationRequest{Identifier: "a@example.com", URL: "http://localhost:3000/api/auth/callback/email?token=t0k3n"}
	if err := cfg.Providers[0].(nextauth.EmailProvider).SendVerificationRequest(ctx, req); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(console.String(), req.URL) {
		t.Errorf("console = %q, want the link %s", console.String(), req.URL)
	}
	if err := store.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name     string
		database string
		wantErr  string
	}{
		{"sqlite in a missing directory", "sqlite://" + filepath.Join(t.TempDir(), "no", "such", "dir", "x.db"), "config: database sqlite://"},
		{"postgres unreachable", "postgres://u:pw-1234@127.0.0.1:1/db?connect_timeout=5", "config: database postgres://u:xxxxx@127.0.0.1:1/db?connect_timeout=5: "},
		{"redis unreachable", "redis://:pw-1234@127.0.0.1:1/0", "config: database redis://:xxxxx@127.0.0.1:1/0: "},
		{"mysql unreachable", "mysql://u:pw-1234@127.0.0.1:1/db?connect_timeout=5", "config: database mysql://u:xxxxx@127.0.0.1:1/db?connect_timeout=5: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \""+tt.database+"\"\n"), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, store, err := f.Open(context.Background(), nil)
			if err == nil || store != nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("Open() = %v, %v, want nil and an error starting %q", store, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "pw-1234") {
				t.Errorf("Open() error = %q, shows the password", err)
			}
		})
	}
}

func TestOpenWithoutDatabase(t *testing.T) {
	f, err := Parse("t.yaml", []byte("secret: s\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, store, err := f.Open(context.Background(), nil)
	if err != nil || store.Adapter != nil || cfg.Adapter != nil || store.CleanupInterval != 0 || store.Close() != nil {
		t.Errorf("Open() without database = %+v, %v, want an empty store", store, err)
	}
	f, _ = Parse("t.yaml", []byte("url: ftp://x\n"), nil)
	if _, store, err := f.Open(context.Background(), nil); err == nil || store != nil {
		t.Errorf("Open() of a config with problems = %v, %v, want nil and the problems", store, err)
	}
}

func TestOpenPostgres(t *testing.T) {
	dsn := newPostgresDatabase(t)
	f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \"${DB}\"\ndatabase_options: {cleanup_interval: 1m}\n"), mapEnv(map[string]string{"DB": dsn}))
	if err != nil {
		t.Fatal(err)
	}
	cfg, store, err := f.Open(context.Background(), nil)
	if err != nil {
		t.Fatalf("Open(%s) = %v", dsn, err)
	}
	defer store.Close()
	if store.Kind != KindPostgres || store.CleanupInterval != time.Minute || cfg.Session.Strategy != nextauth.StrategyDatabase {
		t.Errorf("Open(%s) = %+v, strategy %q, want postgres, cleanup 1m, database sessions", dsn, store, cfg.Session.Strategy)
	}
	if _, ok := store.Adapter.(nextauth.ExpiredDeleter); !ok {
		t.Errorf("Open(%s) adapter %T is not an ExpiredDeleter", dsn, store.Adapter)
	}
	if _, err := store.Adapter.CreateUser(context.Background(), nextauth.User{Email: nextauth.String("a@example.com")}); err != nil {
		t.Errorf("CreateUser() = %v, want the schema migrated", err)
	}
	checkSharedRateStore(t, cfg, store)
}

func TestOpenMySQL(t *testing.T) {
	dbURL := newMySQLDatabase(t)
	f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \"${DB}?connection_limit=3\"\ndatabase_options: {cleanup_interval: 1m}\n"), mapEnv(map[string]string{"DB": dbURL}))
	if err != nil {
		t.Fatal(err)
	}
	cfg, store, err := f.Open(context.Background(), nil)
	if err != nil {
		t.Fatalf("Open(%s) = %v", dbURL, err)
	}
	defer store.Close()
	if store.Kind != KindMySQL || store.CleanupInterval != time.Minute || cfg.Session.Strategy != nextauth.StrategyDatabase {
		t.Errorf("Open(%s) = %+v, strategy %q, want mysql, cleanup 1m, database sessions", dbURL, store, cfg.Session.Strategy)
	}
	for _, capability := range []func(nextauth.Adapter) bool{
		func(a nextauth.Adapter) bool { _, ok := a.(nextauth.ExpiredDeleter); return ok },
		func(a nextauth.Adapter) bool { _, ok := a.(nextauth.JWTRevoker); return ok },
		func(a nextauth.Adapter) bool { _, ok := a.(nextauth.SessionLister); return ok },
		func(a nextauth.Adapter) bool { _, ok := a.(nextauth.AccountUpdater); return ok },
	} {
		if !capability(store.Adapter) {
			t.Errorf("Open(%s) adapter %T lacks a capability of the SQL stores", dbURL, store.Adapter)
		}
	}
	if _, err := store.Adapter.CreateUser(context.Background(), nextauth.User{Email: nextauth.String("a@example.com")}); err != nil {
		t.Errorf("CreateUser() = %v, want the schema migrated", err)
	}
	if err := store.Ping(context.Background()); err != nil {
		t.Errorf("Ping() = %v", err)
	}
	checkSharedRateStore(t, cfg, store)
}

// checkSharedRateStore checks that a database that keeps rate limits gives
// the Config its RateStore, and that it works.
func checkSharedRateStore(t *testing.T, cfg nextauth.Config, store *Store) {
	t.Helper()
	if store.RateStore == nil || cfg.RateStore == nil {
		t.Fatalf("Open() of a %s database: RateStore %v, Config.RateStore %v; want the adapter's", store.Kind, store.RateStore, cfg.RateStore)
	}
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		if ok, err := cfg.RateStore.Take(ctx, "config-test", 1, time.Minute); ok != want || err != nil {
			t.Errorf("Take() #%d = %v, %v, want %v (limit 1)", i+1, ok, err, want)
		}
	}
}

func TestOpenRedis(t *testing.T) {
	redisURL, prefix := redisPrefix(t)
	f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \""+redisURL+"\"\ndatabase_options: {key_prefix: \""+prefix+"\"}\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg, store, err := f.Open(context.Background(), nil)
	if err != nil {
		t.Fatalf("Open(%s) = %v", redisURL, err)
	}
	defer store.Close()
	if store.Kind != KindRedis || store.CleanupInterval != 0 {
		t.Errorf("Open(%s) = %+v, want redis without cleanup", redisURL, store)
	}
	checkSharedRateStore(t, cfg, store)
	u, err := store.Adapter.CreateUser(context.Background(), nextauth.User{Email: nextauth.String("a@example.com")})
	if err != nil {
		t.Fatalf("CreateUser() = %v", err)
	}
	got, err := store.Adapter.GetUserByEmail(context.Background(), "a@example.com")
	if err != nil || got.ID != u.ID {
		t.Errorf("GetUserByEmail() = %+v, %v, want %+v", got, err, u)
	}
}

func TestMigrate(t *testing.T) {
	sqliteDB := "sqlite://" + filepath.Join(t.TempDir(), "m.db")
	// The SQL schemas grow by appended migrations: the first run applies
	// every one (1 to N), the second none.
	const (
		appliedAll = `: applied (migration 1; schema version 1|migrations 1 to (\d+); schema version (\d+))$`
		upToDate   = `: schema already up to date \(version (\d+)\)$`
		redisNoop  = `: nothing to migrate: Redis needs no schema \(connection checked\)$`
	)
	tests := []struct {
		name  string
		db    func(t *testing.T) (database, options string)
		first string // pattern of MigrateResult.String of the first run
		again string // of the second
	}{
		{"sqlite", func(*testing.T) (string, string) { return sqliteDB, "" }, "^" + regexp.QuoteMeta(sqliteDB) + appliedAll, upToDate},
		{"postgres", func(t *testing.T) (string, string) { return newPostgresDatabase(t), "" }, appliedAll, upToDate},
		{"mysql", func(t *testing.T) (string, string) { return newMySQLDatabase(t), "" }, appliedAll, upToDate},
		{
			"redis", func(t *testing.T) (string, string) {
				u, prefix := redisPrefix(t)
				return u, "database_options: {key_prefix: \"" + prefix + "\"}\n"
			},
			redisNoop, redisNoop,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, opts := tt.db(t)
			// No secret: migrate does not need one.
			f, err := Parse("t.yaml", []byte("database: \""+db+"\"\n"+opts), nil)
			if err != nil {
				t.Fatal(err)
			}
			var first MigrateResult
			for i, want := range []string{tt.first, tt.again} {
				r, err := f.Migrate(context.Background())
				if err != nil || !regexp.MustCompile(want).MatchString(r.String()) {
					t.Errorf("Migrate() #%d = %q, %v, want it to match %q", i+1, r, err, want)
				}
				if i == 0 {
					first = r
					continue
				}
				if r.Before != first.After || r.After != first.After || (first.Kind != KindRedis && (first.Before != 0 || first.After < 1)) {
					t.Errorf("Migrate() versions: first %d → %d, then %d → %d; want 0 → N, then N → N", first.Before, first.After, r.Before, r.After)
				}
			}
		})
	}
}

func TestMigrateProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       string
	}{
		{"no database", "secret: s\n", "config: t.yaml: database: no database to migrate; set database:"},
		{"bad database", "database: ftp://x\n", `config: t.yaml:1: database: unknown database scheme "ftp"`},
		{"unknown key", "database: sqlite://x.db\ncolour: red\n", "config: t.yaml:2: colour: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _ := Parse("t.yaml", []byte(tt.yaml), nil)
			if _, err := f.Migrate(context.Background()); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Migrate() of %q = %v, want %q", tt.yaml, err, tt.want)
			}
		})
	}
}
