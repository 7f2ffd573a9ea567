package config

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/internal/layout"
)

// Database kinds, as [Store.Kind] and [MigrateResult.Kind] name them.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
	KindMySQL    = "mysql"
	KindRedis    = "redis"
)

// DefaultCleanupInterval is database_options.cleanup_interval's default.
const DefaultCleanupInterval = 10 * time.Minute

// minCleanupInterval is the shortest cleanup_interval accepted.
const minCleanupInterval = time.Second

// database is a checked database: URL.
type database struct {
	kind string // KindSQLite, KindPostgres, KindMySQL or KindRedis
	url  string // as written, password included: for connecting only
	// dsn is what the driver is given, password included: postgres: the
	// URL without the parameters only Prisma knows (schema= becomes
	// search_path); mysql: the driver's DSN; "" for the others.
	dsn string
	// path is the SQLite file (relative to the working directory unless
	// resolved from a file: URL), or sqlite.Memory.
	path string
	// existing: a Prisma file: URL, whose database is never created.
	existing bool
	// maxConns is the pool size a connection_limit parameter asks for; 0
	// means the adapter's default.
	maxConns int
	shown    string // url with its password masked, for messages and logs
}

// parseDatabase checks a database: URL. base is the folder a relative
// file: path is resolved against ("" for the working directory). Its
// errors never hold the password.
func parseDatabase(s, base string) (database, error) {
	db := database{url: s, shown: redact(s)}
	if rest, ok := cutPrefixFold(s, "file:"); ok {
		return parseFileURL(db, rest, base)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return db, fmt.Errorf("%q is not a database URL; want sqlite://FILE, file:FILE, postgres://…, mysql://… or redis://…", db.shown)
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		db.kind = KindSQLite
		switch {
		case rest == "":
			return db, errors.New(`"sqlite://" names no file; want e.g. sqlite://nextauth.db (relative to the working directory) or sqlite:///var/lib/nextauth.db`)
		case strings.ContainsAny(rest, "?#"):
			return db, fmt.Errorf("%q: SQLite URLs take no ? or # (the connection settings are fixed)", db.shown)
		case rest == sqlite.Memory:
			db.path = sqlite.Memory
		default:
			db.path = rest
		}
		return db, nil
	case "postgres", "postgresql":
		db.kind = KindPostgres
		u, err := url.Parse(s)
		if err != nil {
			return db, urlError(s, err)
		}
		if db.dsn, db.maxConns, err = postgresDSN(u); err != nil {
			return db, fmt.Errorf("%s: %w", db.shown, err)
		}
		return db, nil
	case "mysql", "mariadb":
		db.kind = KindMySQL
		u, err := url.Parse(s)
		if err != nil {
			return db, urlError(s, err)
		}
		if db.dsn, db.maxConns, err = mysqlDSN(u); err != nil {
			return db, fmt.Errorf("%s: %w", db.shown, scrub(err, s))
		}
		return db, nil
	case "redis", "rediss":
		db.kind = KindRedis
		if _, err := url.Parse(s); err != nil {
			return db, urlError(s, err)
		}
		if _, err := goredis.ParseURL(s); err != nil {
			return db, fmt.Errorf("%s: %w", db.shown, scrub(err, s))
		}
		return db, nil
	}
	return db, fmt.Errorf("unknown database scheme %q; want sqlite://, file:, postgres:// (or postgresql://), mysql://, redis:// or rediss://", scheme)
}

// cutPrefixFold is strings.CutPrefix ignoring ASCII case.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// urlError explains why url.Parse refused s without showing a password.
func urlError(s string, err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err
	}
	if shown := redact(s); shown != s || strings.Contains(s, "@") {
		// The cause may quote part of the user name or password.
		return fmt.Errorf("%s is not a valid URL (percent-encode special characters of the user name and password, e.g. %%40 for @)", shown)
	}
	return fmt.Errorf("%q is not a valid URL: %w", s, err)
}

// masked replaces passwords in messages.
const masked = "xxxxx"

// redact returns s, a URL, with the password of its user information and
// any password= query parameter masked. It works on text that does not
// parse as a URL too, masking too much rather than too little.
func redact(s string) string {
	if !strings.Contains(s, "@") && !strings.Contains(strings.ToLower(s), "password=") {
		return s // nothing to mask: show it as written
	}
	// Trust the parse only if it found the user information: an "@" it
	// placed in the path, query or fragment may end a password all the
	// same.
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && strings.HasPrefix(strings.ToLower(s), strings.ToLower(u.Scheme)+"://") &&
		(u.User != nil || !strings.Contains(s, "@")) && lastAtInAuthority(s) {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), masked)
		}
		q := u.Query()
		if q.Has("password") {
			q.Set("password", masked)
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + len("://")
	}
	if at := strings.LastIndexByte(s[start:], '@'); at >= 0 {
		if c := strings.IndexByte(s[start:start+at], ':'); c >= 0 {
			s = s[:start+c+1] + masked + s[start+at:]
		}
	}
	if i := strings.Index(strings.ToLower(s), "password="); i >= 0 {
		end := strings.IndexAny(s[i:], "&#")
		if end < 0 {
			end = len(s) - i
		}
		s = s[:i+len("password=")] + masked + s[i+end:]
	}
	return s
}

// lastAtInAuthority reports whether the last "@" of s (if any) comes
// before the end of the authority, so that a parse of s saw all of the user
// information (a password holding "#", "?" or "/" would otherwise spill
// into the fragment, query or path).
func lastAtInAuthority(s string) bool {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		start = i + len("://")
	}
	end := len(s)
	if i := strings.IndexAny(s[start:], "/?#"); i >= 0 {
		end = start + i
	}
	return strings.LastIndexByte(s, '@') < end
}

// secretsOf lists what must not appear in messages about rawURL: the URL
// itself and its password, raw and decoded.
func secretsOf(rawURL string) []string {
	secrets := []string{rawURL}
	start := 0
	if i := strings.Index(rawURL, "://"); i >= 0 {
		start = i + len("://")
	}
	if at := strings.LastIndexByte(rawURL[start:], '@'); at >= 0 {
		if _, pw, ok := strings.Cut(rawURL[start:start+at], ":"); ok && pw != "" {
			secrets = append(secrets, pw)
			if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
				secrets = append(secrets, dec)
			}
		}
	}
	if u, err := url.Parse(rawURL); err == nil {
		if pw := u.Query().Get("password"); pw != "" {
			secrets = append(secrets, pw)
		}
	}
	return secrets
}

// scrubbed is an error whose message has secrets masked; the chain stays
// intact for errors.Is and errors.As.
type scrubbed struct {
	err error
	msg string
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub masks rawURL and its password in err's message (drivers may quote
// what they were given).
func scrub(err error, rawURL string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	shown := redact(rawURL)
	for i, s := range secretsOf(rawURL) {
		if i == 0 {
			msg = strings.ReplaceAll(msg, s, shown)
			continue
		}
		msg = strings.ReplaceAll(msg, s, masked)
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbed{err: err, msg: msg}
}

// errNotOpened is what the stand-in adapter of [File.NextAuth] returns.
var errNotOpened = errors.New("config: the database is not connected (File.NextAuth only checks it; use File.Open)")

// unopened stands for the database a File names in the Config that
// [File.NextAuth] returns: it gives the Config the shape it will have
// (database sessions, e-mail providers accepted by nextauth.New) without
// connecting. Every call fails with errNotOpened.
type unopened struct{ db database }

var _ nextauth.Adapter = unopened{}

// String is the database URL with its password masked.
func (u unopened) String() string { return u.db.shown }

func (unopened) CreateUser(context.Context, nextauth.User) (nextauth.User, error) {
	return nextauth.User{}, errNotOpened
}

func (unopened) GetUser(context.Context, string) (nextauth.User, error) {
	return nextauth.User{}, errNotOpened
}

func (unopened) GetUserByEmail(context.Context, string) (nextauth.User, error) {
	return nextauth.User{}, errNotOpened
}

func (unopened) GetUserByAccount(context.Context, string, string) (nextauth.User, error) {
	return nextauth.User{}, errNotOpened
}

func (unopened) UpdateUser(context.Context, nextauth.User) (nextauth.User, error) {
	return nextauth.User{}, errNotOpened
}

func (unopened) LinkAccount(context.Context, nextauth.Account) error { return errNotOpened }

func (unopened) CreateSession(context.Context, nextauth.AdapterSession) (nextauth.AdapterSession, error) {
	return nextauth.AdapterSession{}, errNotOpened
}

func (unopened) GetSessionAndUser(context.Context, string) (nextauth.AdapterSession, nextauth.User, error) {
	return nextauth.AdapterSession{}, nextauth.User{}, errNotOpened
}

func (unopened) UpdateSession(context.Context, string, time.Time) (nextauth.AdapterSession, error) {
	return nextauth.AdapterSession{}, errNotOpened
}

func (unopened) DeleteSession(context.Context, string) (nextauth.AdapterSession, error) {
	return nextauth.AdapterSession{}, errNotOpened
}

func (unopened) CreateVerificationToken(context.Context, nextauth.VerificationToken) error {
	return errNotOpened
}

func (unopened) UseVerificationToken(context.Context, string, string) (nextauth.VerificationToken, error) {
	return nextauth.VerificationToken{}, errNotOpened
}

// database checks the database and database_options keys; the database is
// nil when there is none or it has problems.
func (v *validator) database(s string, o DatabaseOptions) *database {
	var db *database
	if s != "" {
		parsed, err := parseDatabase(s, v.f.fileBase())
		if err != nil {
			v.add("database", err)
		} else {
			db = &parsed
		}
	}
	if v.f.PrismaSchema != "" {
		switch {
		case s == "":
			v.addf("prisma_schema", "there is no database; it locates the file of a database: file:… URL")
		case db != nil && !db.existing:
			v.addf("prisma_schema", "only locates the file of a database: file:… URL (Prisma's SQLite URL); remove it")
		}
	}
	if l := v.f.DatabaseLayout; l != "" {
		switch {
		case s == "":
			v.addf("database_layout", "there is no database")
		case db != nil && db.kind == KindRedis:
			v.addf("database_layout", "is for SQL databases only")
		case !slices.Contains(layout.Names(), l):
			v.addf("database_layout", "unknown layout %q; want one of %s", l, strings.Join(layout.Names(), ", "))
		}
	}
	kind := ""
	if db != nil {
		kind = db.kind
	}
	if o.KeyPrefix != "" {
		switch {
		case s == "":
			v.addf("database_options.key_prefix", "there is no database; set database: redis://…")
		case db != nil && kind != KindRedis:
			v.addf("database_options.key_prefix", "is for redis databases only")
		}
	}
	if o.CleanupInterval != nil {
		d := time.Duration(*o.CleanupInterval)
		switch {
		case s == "":
			v.addf("database_options.cleanup_interval", "there is no database to clean up; set database:")
		case db != nil && kind == KindRedis:
			v.addf("database_options.cleanup_interval", "is for SQL databases only (Redis expires sessions and tokens by itself)")
		case d < 0:
			v.addf("database_options.cleanup_interval", "must not be negative (0 turns the cleanup off)")
		case d > 0 && d < minCleanupInterval:
			v.addf("database_options.cleanup_interval", "%s is less than %s", d, minCleanupInterval)
		}
	}
	if o.ServerTables != nil {
		switch {
		case s == "":
			v.addf("database_options.server_tables", "there is no database; set database:")
		case db != nil && kind == KindRedis:
			v.addf("database_options.server_tables", "is for SQL databases only (Redis keeps revocations and rate limits itself)")
		}
	}
	return db
}

// fileBase is the folder a relative file: database path is resolved
// against: prisma_schema's folder (prisma_schema itself relative to the
// config file's folder), else the config file's folder, else "" (the
// working directory).
func (f *File) fileBase() string {
	base := ""
	if f.Path != "" {
		base = filepath.Dir(f.Path)
	}
	if ps := f.PrismaSchema; ps != "" {
		if !filepath.IsAbs(ps) {
			ps = filepath.Join(base, ps)
		}
		base = filepath.Dir(ps)
	}
	return base
}

// cleanupInterval is how often db is cleaned up under o.
func cleanupInterval(db *database, o DatabaseOptions) time.Duration {
	switch {
	case db == nil || db.kind == KindRedis:
		return 0
	case o.CleanupInterval != nil:
		return time.Duration(*o.CleanupInterval)
	}
	return DefaultCleanupInterval
}
