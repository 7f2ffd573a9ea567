package config

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/redis"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
	"github.com/nextauth-go/nextauth/internal/layout"
	"github.com/nextauth-go/nextauth/webhook"
)

// Store is the database [File.Open] connected. Close it when done.
type Store struct {
	// Adapter is the connected database; nil when the file names none.
	Adapter nextauth.Adapter
	// Kind is KindSQLite, KindPostgres, KindMySQL or KindRedis; "" without
	// a database.
	Kind string
	// Database is the database URL with its password masked; "" without a
	// database.
	Database string
	// CleanupInterval is how often expired sessions and tokens should be
	// deleted (Adapter is then a [nextauth.ExpiredDeleter]); 0 means never.
	CleanupInterval time.Duration
	// Layout is the layout of the SQL database's tables, found before
	// anything was created (Empty for a new database, then created as
	// the pg-adapter layout).
	Layout layout.Result
	// Warnings are problems that do not stop the server, worth logging: a
	// PostgreSQL schema whose constraints could not all be added.
	Warnings []string
	// RateStore keeps rate limits and lockout counters in the database,
	// so that every server using it enforces one limit: the adapter's
	// RateStore() (adapter/redis, adapter/postgres and adapter/mysql have
	// one). nil for
	// other databases and without one: limits then stay in the process.
	RateStore nextauth.RateStore

	// events makes the event queue on first use (EventQueue).
	events eventQueues

	// url and options are what was opened, for Serves; url holds the
	// password.
	url     string
	options DatabaseOptions
	// forced and prismaSchema are database_layout and prisma_schema as
	// opened, for Serves.
	forced, prismaSchema string
	// closers close what Open opened beside the adapter (its pool or
	// database handle), after the adapter.
	closers []func() error
}

// LayoutDescription says which layout the SQL database's tables have, as
// the server logs it at start: "pg-adapter: tables users, …", or
// "pg-adapter (created in an empty database)"; "" for Redis or no
// database.
func (s *Store) LayoutDescription() string {
	switch {
	case s.Adapter == nil || s.Kind == KindRedis:
		return ""
	case s.Layout.Layout == layout.Empty:
		return string(created) + " (created in an empty database)"
	}
	return s.Layout.String()
}

// pingToken is the session token Ping looks up: no session has it
// (tokens are UUIDs or random hex).
const pingToken = "nextauth-readiness-check"

// Ping checks that the database answers within ctx: with the adapter's
// Ping method when it has one, else by looking up a session that does not
// exist (not found is an answer). It returns nil without a database.
func (s *Store) Ping(ctx context.Context) error {
	var err error
	switch a := s.Adapter.(type) {
	case nil:
		return nil
	case interface{ Ping(context.Context) error }:
		err = a.Ping(ctx)
	default:
		_, _, err = a.GetSessionAndUser(ctx, pingToken)
		if errors.Is(err, nextauth.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		return fmt.Errorf("config: database %s: %w", s.Database, scrub(err, s.url))
	}
	return nil
}

// Serves reports whether s is the database f names, with the same
// database_options (both none counts), database_layout and prisma_schema, so that [File.Reuse] can build f's
// Config on it instead of opening another.
func (s *Store) Serves(f *File) bool {
	a, b := s.options, f.DatabaseOptions
	sameCleanup := (a.CleanupInterval == nil) == (b.CleanupInterval == nil) &&
		(a.CleanupInterval == nil || *a.CleanupInterval == *b.CleanupInterval)
	return s.url == f.Database && a.KeyPrefix == b.KeyPrefix && sameCleanup &&
		s.forced == f.DatabaseLayout && s.prismaSchema == f.PrismaSchema
}

// Reuse checks f as [File.Open] does and builds its Config on s, which
// must serve f ([Store.Serves]): what a configuration reload does when
// the database did not change. It connects nothing; console e-mail
// servers print to console. s stays the caller's to close.
func (f *File) Reuse(console io.Writer, s *Store) (nextauth.Config, error) {
	b, err := f.build(console)
	if err != nil {
		return nextauth.Config{}, err
	}
	if !s.Serves(f) {
		return nextauth.Config{}, errors.New("config: the open database is not the one the file names (or its database_options changed); use File.Open")
	}
	return withStore(b.cfg, s), nil
}

// withStore sets cfg's Adapter and RateStore to s's.
func withStore(cfg nextauth.Config, s *Store) nextauth.Config {
	cfg.Adapter = s.Adapter
	cfg.RateStore = s.RateStore
	return cfg
}

// Close closes the database connection, if any.
func (s *Store) Close() error {
	var errs []error
	if c, ok := s.Adapter.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// openSQLite opens db's SQLite file: created when missing for an
// sqlite:// URL, never for a file: URL (the app's existing database),
// whose missing file is an error naming the path it was looked for at.
func openSQLite(db *database) (*sql.DB, error) {
	if !db.existing {
		return sqlite.Open(db.path)
	}
	h, err := sqlite.OpenExisting(db.path)
	if errors.Is(err, fs.ErrNotExist) {
		abs, aerr := filepath.Abs(db.path)
		if aerr != nil {
			abs = db.path
		}
		return nil, fmt.Errorf("%s does not exist: a file: URL names an existing database, which is never created "+
			"(a relative path is resolved against the folder of prisma_schema, else of the config file)", abs)
	}
	return h, err
}

// Open checks f as [File.NextAuth] does and, when there is no problem,
// opens what it names: it connects the database (creating an SQLite file,
// relative to the working directory, when missing) and brings its schema
// up to date (SQLite, PostgreSQL and MySQL), or, when it holds another
// NextAuth adapter's tables, serves them as they are with adapter/sqllayout
// (Store.Warnings then say what is unavailable), and makes console e-mail
// servers print to console. The returned Config has Store.Adapter as its Adapter
// and Store.RateStore as its RateStore (nil, the in-process default,
// unless the database keeps rate limits). Close the Store when done; on
// error there is nothing to close.
//
// Connection errors name the database with its password masked.
func (f *File) Open(ctx context.Context, console io.Writer) (nextauth.Config, *Store, error) {
	b, err := f.build(console)
	if err != nil {
		return nextauth.Config{}, nil, err
	}
	cfg, db := b.cfg, b.db
	s := &Store{url: f.Database, options: f.DatabaseOptions, forced: f.DatabaseLayout, prismaSchema: f.PrismaSchema}
	if db == nil {
		return cfg, s, nil
	}
	s.Kind, s.Database = db.kind, db.shown
	s.CleanupInterval = cleanupInterval(db, f.DatabaseOptions)
	switch db.kind {
	case KindSQLite:
		if db.existing {
			if _, err := os.Stat(db.path); errors.Is(err, fs.ErrNotExist) {
				_, err = openSQLite(db) // the error naming the resolved path
				return nextauth.Config{}, nil, openError(db, err)
			}
		}
		schema, err := inspectSQLite(ctx, db)
		if err != nil {
			return nextauth.Config{}, nil, openError(db, err)
		}
		if s.Layout, err = f.checkLayout(schema, layout.SQLite, KindSQLite); err != nil {
			return nextauth.Config{}, nil, layoutError(db, err)
		}
		h, err := openSQLite(db)
		if err != nil {
			return nextauth.Config{}, nil, openError(db, err)
		}
		if foreign(s.Layout) {
			a, err := sqllayout.New(ctx, h, sqllayout.SQLite, string(s.Layout.Layout))
			if err != nil {
				return nextauth.Config{}, nil, openError(db, errors.Join(err, h.Close()))
			}
			own := sqlite.NewServerTables(h)
			s.Adapter, err = f.beside(ctx, a, own)
			if err != nil {
				return nextauth.Config{}, nil, openError(db, errors.Join(err, own.Close(), h.Close()))
			}
			s.closers = append(s.closers, own.Close, h.Close)
			s.events.sqlDB, s.events.dialect = h, webhook.SQLite
			break
		}
		a := sqlite.New(h)
		if err := a.Migrate(ctx); err != nil {
			return nextauth.Config{}, nil, openError(db, errors.Join(err, a.Close(), h.Close()))
		}
		s.Adapter, s.closers = a, append(s.closers, h.Close)
		s.events.sqlDB, s.events.dialect = h, webhook.SQLite
	case KindPostgres:
		pool, err := pgxpool.New(ctx, db.dsn)
		if err != nil {
			return nextauth.Config{}, nil, openError(db, fmt.Errorf("postgres: connect: %w", err))
		}
		schema, err := inspectPostgres(ctx, pool)
		if err == nil {
			s.Layout, err = f.checkLayout(schema, layout.Postgres, KindPostgres)
			if err != nil {
				pool.Close()
				return nextauth.Config{}, nil, layoutError(db, err)
			}
		}
		if err == nil && foreign(s.Layout) {
			h := sqllayout.PostgresDB(pool)
			a, err := sqllayout.New(ctx, h, sqllayout.Postgres, string(s.Layout.Layout))
			if err == nil {
				s.Adapter, err = f.beside(ctx, a, postgres.NewServerTables(pool))
			}
			if err != nil {
				h.Close()
				pool.Close()
				return nextauth.Config{}, nil, openError(db, err)
			}
			s.closers = append(s.closers, h.Close, func() error { pool.Close(); return nil })
			s.events.sqlDB, s.events.dialect = h, webhook.Postgres
			break
		}
		a := postgres.New(pool)
		if err == nil {
			err = a.Migrate(ctx)
		}
		if w, ok := errors.AsType[*postgres.SchemaWarning](err); ok {
			s.Warnings = append(s.Warnings, scrub(w, db.url).Error())
			err = nil
		}
		if err != nil {
			pool.Close()
			return nextauth.Config{}, nil, openError(db, err)
		}
		h := sqllayout.PostgresDB(pool)
		s.Adapter, s.closers = a, append(s.closers, h.Close, func() error { pool.Close(); return nil })
		s.events.sqlDB, s.events.dialect = h, webhook.Postgres
	case KindMySQL:
		h, err := mysql.Open(db.dsn, mysql.Options{MaxConns: db.maxConns})
		if err != nil {
			return nextauth.Config{}, nil, openError(db, err)
		}
		schema, err := inspectMySQL(ctx, h)
		if err == nil {
			s.Layout, err = f.checkLayout(schema, layout.MySQL, KindMySQL)
			if err != nil {
				h.Close()
				return nextauth.Config{}, nil, layoutError(db, err)
			}
		}
		if err == nil && foreign(s.Layout) {
			a, err := sqllayout.New(ctx, h, sqllayout.MySQL, string(s.Layout.Layout))
			if err == nil {
				s.Adapter, err = f.beside(ctx, a, mysql.NewServerTables(h))
			}
			if err != nil {
				return nextauth.Config{}, nil, openError(db, errors.Join(err, h.Close()))
			}
			s.closers = append(s.closers, h.Close)
			s.events.sqlDB, s.events.dialect = h, webhook.MySQL
			break
		}
		a := mysql.New(h)
		if err == nil {
			err = a.Migrate(ctx)
		}
		if err != nil {
			return nextauth.Config{}, nil, openError(db, errors.Join(err, h.Close()))
		}
		s.Adapter, s.closers = a, append(s.closers, h.Close)
		s.events.sqlDB, s.events.dialect = h, webhook.MySQL
	case KindRedis:
		a, err := redis.Connect(ctx, db.url, redis.Options{KeyPrefix: f.DatabaseOptions.KeyPrefix})
		if err != nil {
			return nextauth.Config{}, nil, openError(db, err)
		}
		s.Adapter = a
		s.events.redis = func(ctx context.Context) (webhook.Queue, error) {
			return webhook.NewRedisQueue(ctx, a.Client(), a.KeyPrefix())
		}
	}
	if _, ok := s.Adapter.(nextauth.ExpiredDeleter); !ok {
		s.CleanupInterval = 0
	}
	if foreign(s.Layout) && !f.DatabaseOptions.serverTables() {
		s.Warnings = append(s.Warnings, foreignWarnings(s.Layout, db.kind)...)
	}
	s.RateStore = rateStoreOf(s.Adapter)
	return withStore(cfg, s), s, nil
}

// rateStorer is an adapter that keeps rate limits in its database
// (adapter/redis and adapter/postgres), so a fleet shares them.
type rateStorer interface {
	RateStore() nextauth.RateStore
}

// rateStoreOf is a's RateStore when it has one, else nil.
func rateStoreOf(a nextauth.Adapter) nextauth.RateStore {
	if rs, ok := a.(rateStorer); ok {
		return rs.RateStore()
	}
	return nil
}

// openError is a failure to open db, password masked.
func openError(db *database, err error) error {
	return fmt.Errorf("config: database %s: %w", db.shown, scrub(err, db.url))
}

// MigrateResult says what [File.Migrate] did.
type MigrateResult struct {
	// Kind is KindSQLite, KindPostgres, KindMySQL or KindRedis.
	Kind string
	// Database is the database URL with its password masked.
	Database string
	// Before and After are the schema versions before and after (the
	// highest migration applied; 0 for an empty database). Both are 0 for
	// Redis, which has no schema.
	Before, After int
	// Warning, if not empty, says which PostgreSQL constraints existing
	// data prevented (the schema works but does not enforce them).
	Warning string
	// Layout is the layout found before migrating (SQL databases).
	Layout layout.Result
	// DryRun: nothing was changed; After is the version Migrate would
	// bring the schema to.
	DryRun bool
	// Indexes, for another adapter's layout, plans the indexes its tables
	// lack (see [MigrateResult.PlanString]); Added names those Migrate
	// added.
	Indexes *layout.Plan
	Added   []string
	// EventsTable: the file has an events key and the server's own layout
	// had no nextauth_events table (the events queue); Migrate created it,
	// a dry run would.
	EventsTable bool
}

// eventsTableDone and eventsTableTodo are what String says of
// EventsTable.
const (
	eventsTableDone = "created the events queue table nextauth_events"
	eventsTableTodo = "create the events queue table nextauth_events"
)

// String describes the result in one line (two with a warning); a dry
// run's names the layout found and what Migrate would do.
func (r MigrateResult) String() string {
	if r.DryRun {
		return r.dryRun()
	}
	var s string
	switch {
	case foreign(r.Layout):
		s = r.foreignString()
	case r.Kind == KindRedis:
		s = fmt.Sprintf("%s: nothing to migrate: Redis needs no schema (connection checked)", r.Database)
	case r.Before == r.After:
		s = fmt.Sprintf("%s: schema already up to date (version %d)", r.Database, r.After)
	case r.Before+1 == r.After:
		s = fmt.Sprintf("%s: applied migration %d; schema version %d", r.Database, r.After, r.After)
	default:
		s = fmt.Sprintf("%s: applied migrations %d to %d; schema version %d", r.Database, r.Before+1, r.After, r.After)
	}
	if r.EventsTable {
		s += "; " + eventsTableDone
	}
	if r.Warning != "" {
		s += "\nwarning: " + r.Warning
	}
	return s
}

// dryRun is String of a dry run.
func (r MigrateResult) dryRun() string {
	if r.Kind == KindRedis {
		return fmt.Sprintf("%s: nothing to migrate: Redis needs no schema (connection checked)", r.Database)
	}
	found := "layout " + string(created) + " (" + strings.Join(r.Layout.Tables, ", ") + ")"
	switch {
	case r.Layout.Layout == layout.Empty:
		found = "no NextAuth table: the " + string(created) + " layout (" + createdTables + ") would be created"
	case foreign(r.Layout):
		return r.foreignString()
	}
	var todo string
	switch {
	case r.Before >= r.After && r.EventsTable:
		todo = fmt.Sprintf("schema up to date (version %d); would %s", r.Before, eventsTableTodo)
	case r.Before >= r.After:
		todo = fmt.Sprintf("schema up to date (version %d); nothing to do", r.Before)
	case r.Before+1 == r.After:
		todo = fmt.Sprintf("schema version %d; would apply migration %d", r.Before, r.After)
	default:
		todo = fmt.Sprintf("schema version %d; would apply migrations %d to %d", r.Before, r.Before+1, r.After)
	}
	if r.EventsTable && r.Before < r.After {
		todo += " and " + eventsTableTodo
	}
	return fmt.Sprintf("%s: %s; %s (dry run: nothing changed)", r.Database, found, todo)
}

// foreignTables names another adapter's layout and its tables:
// "prisma (Auth.js: User, Account, Session, VerificationToken)".
func foreignTables(r layout.Result) string {
	tables := strings.Join(r.Tables, ", ")
	if r.Variant != "" {
		tables = r.Variant + ": " + tables
	}
	return string(r.Layout) + " (" + tables + ")"
}

// Migrate brings the schema of f's database up to date, as the server
// does when it starts, and says what it did. It checks only what it needs:
// the file's syntax and keys, database, database_options and
// database_layout (a missing secret is no problem). Like the server, it
// first inspects the tables: a layout this version does not serve, or a
// partial or mixed one, is an error and nothing is created; on another
// adapter's layout it adds only the nextauth_* indexes its tables lack
// (layout.PlanIndexes; a unique one only when no two rows share its key),
// never changing the adapter's tables or columns. When the file has an
// events key, it also creates the events queue, table nextauth_events, in
// the server's own layout (beside another adapter's, the server creates
// it at start with its other nextauth_* tables). For Redis it only checks
// the connection.
func (f *File) Migrate(ctx context.Context) (MigrateResult, error) {
	return f.migrate(ctx, false, nil)
}

// MigrateShowingPlan is [File.Migrate] calling show with the plan
// ([MigrateResult.PlanString]) before it adds the indexes another
// adapter's layout lacks; show is not called when there is nothing to add.
func (f *File) MigrateShowingPlan(ctx context.Context, show func(plan string)) (MigrateResult, error) {
	return f.migrate(ctx, false, show)
}

// MigrateDryRun is [File.Migrate] without a change to the database: it
// inspects the tables, reads the schema version and says which
// migrations Migrate would apply, or the indexes it would add to another
// adapter's layout (an SQLite file that does not exist is not created).
func (f *File) MigrateDryRun(ctx context.Context) (MigrateResult, error) {
	return f.migrate(ctx, true, nil)
}

func (f *File) migrate(ctx context.Context, dry bool, show func(string)) (MigrateResult, error) {
	v := &validator{f: f, problems: append([]error(nil), f.problems...)}
	db := v.database(f.Database, f.DatabaseOptions)
	if f.Database == "" && !f.reported("database") {
		v.addf("database", "no database to migrate; set database:, e.g. sqlite://nextauth.db")
	}
	if err := errors.Join(sortProblems(v.problems)...); err != nil {
		return MigrateResult{}, err
	}
	r := MigrateResult{Kind: db.kind, Database: db.shown, DryRun: dry}
	var err error
	switch db.kind {
	case KindSQLite:
		err = f.migrateSQLite(ctx, db, &r)
	case KindPostgres:
		err = f.migratePostgres(ctx, db, &r)
	case KindMySQL:
		err = f.migrateMySQL(ctx, db, &r)
	case KindRedis:
		var a *redis.Adapter
		if a, err = redis.Connect(ctx, db.url, redis.Options{KeyPrefix: f.DatabaseOptions.KeyPrefix}); err == nil {
			err = a.Close()
		}
	}
	if err == nil && foreign(r.Layout) {
		err = migrateIndexes(ctx, db, &r, show)
	}
	if err != nil {
		return MigrateResult{}, openError(db, err)
	}
	return r, nil
}

// migrateSQLite migrates d's SQLite file, or says what it would do.
func (f *File) migrateSQLite(ctx context.Context, d *database, r *MigrateResult) (err error) {
	if d.existing {
		if _, err := os.Stat(d.path); errors.Is(err, fs.ErrNotExist) {
			_, err = openSQLite(d) // the error naming the resolved path
			return err
		}
	}
	schema, err := inspectSQLite(ctx, d)
	if err != nil {
		return err
	}
	if r.Layout, err = f.checkLayout(schema, layout.SQLite, KindSQLite); err != nil || foreign(r.Layout) {
		return err // another adapter's tables: migrate (below) adds indexes only
	}
	version := func(db *sql.DB) (int, error) {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'nextauth_migrations'`).Scan(&n)
		if err != nil || n == 0 {
			return 0, err
		}
		var v sql.NullInt64
		err = db.QueryRowContext(ctx, `SELECT max(version) FROM nextauth_migrations`).Scan(&v)
		return int(v.Int64), err
	}
	if r.DryRun {
		r.After = sqlite.SchemaVersion()
		if err := f.migrateEvents(ctx, nil, webhook.SQLite, schema, r); err != nil {
			return err
		}
		ro, err := sqlite.OpenReadOnly(d.path)
		if errors.Is(err, fs.ErrNotExist) || d.path == sqlite.Memory {
			return nil // a new file: every migration
		}
		if err != nil {
			return err
		}
		defer ro.Close()
		r.Before, err = version(ro)
		return err
	}
	db, err := openSQLite(d)
	if err != nil {
		return err
	}
	a := sqlite.New(db)
	defer func() { err = errors.Join(err, a.Close(), db.Close()) }()
	if r.Before, err = version(db); err != nil {
		return err
	}
	if err := a.Migrate(ctx); err != nil {
		return err
	}
	if r.After, err = version(db); err != nil {
		return err
	}
	return f.migrateEvents(ctx, db, webhook.SQLite, schema, r)
}

// migrateMySQL migrates d's MySQL or MariaDB database, or says what it
// would do.
func (f *File) migrateMySQL(ctx context.Context, d *database, r *MigrateResult) (err error) {
	h, err := mysql.Open(d.dsn, mysql.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, h.Close()) }()
	schema, err := inspectMySQL(ctx, h)
	if err != nil {
		return err
	}
	if r.Layout, err = f.checkLayout(schema, layout.MySQL, KindMySQL); err != nil || foreign(r.Layout) {
		return err // another adapter's tables: migrate (below) adds indexes only
	}
	a := mysql.New(h)
	if r.Before, err = a.Version(ctx); err != nil {
		return err
	}
	if r.DryRun {
		r.After = mysql.SchemaVersion()
		return f.migrateEvents(ctx, h, webhook.MySQL, schema, r)
	}
	if err := a.Migrate(ctx); err != nil {
		return err
	}
	if r.After, err = a.Version(ctx); err != nil {
		return err
	}
	return f.migrateEvents(ctx, h, webhook.MySQL, schema, r)
}

// migratePostgres migrates d's PostgreSQL database, or says what it would
// do.
func (f *File) migratePostgres(ctx context.Context, d *database, r *MigrateResult) error {
	pool, err := pgxpool.New(ctx, d.dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	schema, err := inspectPostgres(ctx, pool)
	if err != nil {
		return err
	}
	if r.Layout, err = f.checkLayout(schema, layout.Postgres, KindPostgres); err != nil || foreign(r.Layout) {
		return err // another adapter's tables: migrate (below) adds indexes only
	}
	version := func() (int, error) {
		var exists bool
		err := pool.QueryRow(ctx, `SELECT to_regclass('nextauth_migrations') IS NOT NULL`).Scan(&exists)
		if err != nil || !exists {
			return 0, err
		}
		var v *int32
		err = pool.QueryRow(ctx, `SELECT max(version) FROM nextauth_migrations`).Scan(&v)
		if v == nil {
			return 0, err
		}
		return int(*v), err
	}
	if r.Before, err = version(); err != nil {
		return err
	}
	if r.DryRun {
		r.After = postgres.SchemaVersion()
		return f.migrateEvents(ctx, nil, webhook.Postgres, schema, r)
	}
	if err := postgres.New(pool).Migrate(ctx); err != nil {
		w, ok := errors.AsType[*postgres.SchemaWarning](err)
		if !ok {
			return err
		}
		r.Warning = scrub(w, d.url).Error()
	}
	if r.After, err = version(); err != nil {
		return err
	}
	h := sqllayout.PostgresDB(pool)
	return errors.Join(f.migrateEvents(ctx, h, webhook.Postgres, schema, r), h.Close())
}

// summaryDatabase is the database line of [Summary].
func summaryDatabase(a nextauth.Adapter) string {
	switch s := a.(type) {
	case nil:
		return "none"
	case fmt.Stringer:
		return s.String()
	}
	return fmt.Sprintf("%T", a)
}
