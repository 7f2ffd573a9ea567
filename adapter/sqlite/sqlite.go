// Package sqlite is the embedded default [nextauth.Adapter]: users,
// accounts, database sessions and verification tokens in one SQLite file,
// through database/sql and the pure-Go modernc.org/sqlite driver (no cgo).
//
//	a, err := sqlite.OpenAdapter(ctx, "nextauth.db") // opens, migrates, owns the db
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer a.Close()
//	h, err := nextauth.New(nextauth.Config{Adapter: a, ...})
//
// # Schema
//
// The tables and columns are those of NextAuth's PostgreSQL adapter
// (docs/compatibility.md#adapters-and-the-data-model): users, accounts,
// sessions and verification_token, with the camelCase quoted columns "userId",
// "providerAccountId", "emailVerified" and "sessionToken" and the snake_case
// token columns of accounts. SQLite types replace PostgreSQL's: ids are
// INTEGER PRIMARY KEY (users' never reused, as with SERIAL), strings are TEXT,
// and every timestamp ("emailVerified", expires) is an INTEGER of milliseconds
// since the Unix epoch (JavaScript's Date.valueOf()), so times keep
// millisecond precision and compare with indexes. expires_at stays in Unix
// seconds, as in NextAuth. Empty strings, a null or absent user field, a
// zero ExpiresAt and a nil EmailVerified are stored as NULL; a user's NULL
// name, e-mail or image reads back as [nextauth.Null]. Tables are STRICT.
//
// Beyond the reference schema, the store enforces UNIQUE email, UNIQUE
// (provider, "providerAccountId"), UNIQUE "sessionToken", PRIMARY KEY
// (identifier, token) and foreign keys to users with ON DELETE CASCADE,
// and indexes every lookup: sessions and accounts by "userId", and the
// expires columns for [Adapter.DeleteExpired].
//
// Revoked JWT sessions ([nextauth.JWTRevoker]) are kept in two tables of
// the adapter's own: nextauth_revoked_sessions (sid TEXT PRIMARY KEY,
// expires) and nextauth_revoked_users ("userId" TEXT PRIMARY KEY, before,
// expires), times in milliseconds, each indexed on expires so that
// [Adapter.DeleteExpired] removes the ended ones.
//
// [Adapter.Migrate] creates and upgrades the schema; the versions applied
// are recorded in the nextauth_migrations table.
//
// # Ownership
//
// [New] wraps a *sql.DB that the caller keeps owning: the caller closes it
// after [Adapter.Close]. [OpenAdapter] opens the database itself, and its
// adapter's Close closes the database too.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nextauth-go/nextauth"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// mmapSize is the largest part of the database file, in bytes, that
// connections opened by [Open] read through a memory map (PRAGMA
// mmap_size). It is off: every pooled connection maps the file on its own,
// so a large store showed up several times over in the process's resident
// memory (533 MiB for a 131 MB file under load), against a few
// microseconds per lookup saved. Pages are read with read(2) through the
// operating system's page cache instead.
const mmapSize = 0

// busyTimeout is how long, in milliseconds, a connection opened by [Open]
// waits for another connection's (or process's) write lock before failing
// with SQLITE_BUSY.
const busyTimeout = 5000

// Memory is the path that makes [Open] create a private in-memory database
// instead of a file: it lives as long as the *sql.DB, which then has a
// single connection. Meant for tests and throwaway servers.
const Memory = ":memory:"

// Open opens (creating it if needed) the SQLite database file at path for
// use by [New]. Every pooled connection gets journal_mode=WAL (readers do
// not block the writer), busy_timeout=5s, foreign_keys=ON and
// synchronous=NORMAL (durable at each WAL checkpoint, safe against
// corruption), mmap_size=0 (no memory map: see mmapSize),
// and starts its write transactions with BEGIN IMMEDIATE so
// they queue on busy_timeout instead of failing halfway.
//
// SQLite has one writer at a time and WAL lets readers run beside it, so the
// pool keeps max(4, GOMAXPROCS) connections open and idle. path is a file
// system path, or [Memory].
//
// The caller owns the returned database and closes it. Open checks that the
// file can be opened; it does not create the schema ([Adapter.Migrate]).
func Open(path string) (*sql.DB, error) {
	return open(path, false)
}

// OpenExisting is [Open] for a database that must already exist: it never
// creates the file (Prisma's file: URLs name an app's existing database),
// and fails with an error wrapping [fs.ErrNotExist] and naming the path
// when there is none.
func OpenExisting(path string) (*sql.DB, error) {
	if path != Memory {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if !st.Mode().IsRegular() {
			return nil, fmt.Errorf("sqlite: open %s: not a file", path)
		}
	}
	return open(path, true)
}

// OpenReadOnly opens the existing database file at path read-only (mode=ro)
// and without [Open]'s pragmas, so that looking at an app's database
// changes nothing in it, not even its journal mode. It fails with an
// error wrapping [fs.ErrNotExist] when there is no file.
func OpenReadOnly(path string) (*sql.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	p := strings.TrimSuffix(dsn(path), dsnParams()) + "?mode=ro&_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")"
	db, err := sql.Open("sqlite", p)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

func open(path string, existing bool) (*sql.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	source := dsn(path)
	if existing && path != Memory {
		source += "&mode=rw" // never create the file, even if it went meanwhile
	}
	db, err := sql.Open("sqlite", source)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	if path == Memory {
		n = 1 // every connection would have its own database
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n) // reused, not reopened: pragmas and prepared statements survive
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return db, nil
}

// dsnParams are the connection settings of [Open]: the pragmas each new
// connection runs, and BEGIN IMMEDIATE.
func dsnParams() string {
	return "?_pragma=busy_timeout(" + strconv.Itoa(busyTimeout) + ")" +
		"&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)" +
		"&_pragma=mmap_size(" + strconv.Itoa(mmapSize) + ")" +
		"&_pragma=foreign_keys(1)" +
		"&_txlock=immediate"
}

// dsn is the modernc.org/sqlite data source name for path: a "file:" URI,
// so that any character of the path survives, with the connection pragmas
// as _pragma parameters, which the driver runs on every new connection.
func dsn(path string) string {
	params := dsnParams()
	if path == Memory {
		return "file::memory:" + params
	}
	p := filepath.ToSlash(path)
	if filepath.VolumeName(path) != "" {
		p = "/" + p // file:///C:/dir/file.db
	}
	if strings.HasPrefix(p, "//") {
		p = "/" + strings.TrimLeft(p, "/") // "//x" would be a URI authority
	}
	p = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
	return "file:" + p + params
}

// Adapter is a [nextauth.Adapter] on an SQLite database. It also implements
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.ExpiredDeleter], [nextauth.AccountUpdater],
// [nextauth.SessionLister], [nextauth.JWTRevoker] and
// [io.Closer], and has
// [Adapter.GetAccount] (the suite's adaptertest.AccountGetter). It is
// safe for concurrent use.
//
// Writes from one Adapter take turns on an in-process lock before asking
// SQLite for its write lock, so concurrent writers of one process queue in
// Go rather than in SQLite's busy handler; writers in other processes are
// waited for up to the connection's busy_timeout.
type Adapter struct {
	db     *sql.DB
	ownsDB bool
	// serverOnly: the adapter of [ServerTables], whose database has no
	// table of this package's layout.
	serverOnly bool

	// write serialises this adapter's writes (a mutex that honours ctx).
	write chan struct{}

	// stmts holds the prepared statements once the schema exists; mu guards
	// preparing them.
	stmts atomic.Pointer[statements]
	mu    sync.Mutex

	// userCols caches the users table's columns (UserColumns).
	userCols atomic.Pointer[map[string]bool]
}

var (
	_ nextauth.Adapter         = (*Adapter)(nil)
	_ nextauth.UserDeleter     = (*Adapter)(nil)
	_ nextauth.AccountUnlinker = (*Adapter)(nil)
	_ nextauth.ExpiredDeleter  = (*Adapter)(nil)
	_ nextauth.AccountUpdater  = (*Adapter)(nil)
	_ nextauth.SessionLister   = (*Adapter)(nil)
	_ nextauth.JWTRevoker      = (*Adapter)(nil)
	_ io.Closer                = (*Adapter)(nil)
)

// New returns an adapter on db, which should come from [Open] (any
// modernc.org/sqlite database works; without foreign_keys=ON the adapter
// still deletes a user's accounts and sessions and refuses rows of unknown
// users itself). Call [Adapter.Migrate] before first use unless the schema
// is known to be current.
//
// The caller keeps owning db: [Adapter.Close] releases the prepared
// statements but leaves db open.
func New(db *sql.DB) *Adapter {
	return &Adapter{db: db, write: make(chan struct{}, 1)}
}

// OpenAdapter opens the database file at path with [Open], applies
// [Adapter.Migrate] and returns an adapter that owns the database: its
// Close closes it.
func OpenAdapter(ctx context.Context, path string) (*Adapter, error) {
	db, err := Open(path)
	if err != nil {
		return nil, err
	}
	a := New(db)
	a.ownsDB = true
	if err := a.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// Close releases the prepared statements, and closes the database if the
// adapter was made by [OpenAdapter]. The adapter must not be used after.
func (a *Adapter) Close() error {
	var errs []error
	if st := a.stmts.Swap(nil); st != nil {
		errs = append(errs, st.close())
	}
	if a.ownsDB {
		errs = append(errs, a.db.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// lock takes the adapter's write lock, or fails with ctx's error.
func (a *Adapter) lock(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // select would pick at random between both ready cases
	}
	select {
	case a.write <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unlock releases the write lock taken by lock.
func (a *Adapter) unlock() { <-a.write }

// statementsFor returns the prepared statements, preparing them on first
// use. A failure (typically: no schema yet) is not remembered, so a later
// call after Migrate succeeds.
func (a *Adapter) statementsFor(ctx context.Context) (*statements, error) {
	if st := a.stmts.Load(); st != nil {
		return st, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if st := a.stmts.Load(); st != nil {
		return st, nil
	}
	st, err := prepare(ctx, a.db, a.serverOnly)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare statements (has Migrate run?): %w", err)
	}
	a.stmts.Store(st)
	return st, nil
}

// wrap turns a driver error of operation op into the adapter's error:
// sql.ErrNoRows and foreign key violations become [nextauth.ErrNotFound],
// unique and primary key violations [nextauth.ErrConflict], and a done
// ctx's error is kept visible to errors.Is.
func wrap(ctx context.Context, op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, nextauth.ErrNotFound)
	}
	var se *msqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("sqlite: %s: %w: %w", op, nextauth.ErrConflict, err)
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("sqlite: %s: %w: %w", op, nextauth.ErrNotFound, err)
		}
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, cerr, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// notFound is the error of operation op for a missing row.
func notFound(op string) error {
	return fmt.Errorf("sqlite: %s: %w", op, nextauth.ErrNotFound)
}
