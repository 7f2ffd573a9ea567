package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/nextauth-go/nextauth/adapter/sqlite"
)

// Connection strings as a Node app's .env holds them (DATABASE_URL), so
// that database: ${DATABASE_URL} works: Prisma's file: and ?schema=, and
// mysql:// URLs as Prisma, mysql2 and the ORMs on it read them.

// fileParams are the parameters Prisma reads in an SQLite file: URL; none
// matters here (the connection settings are fixed), so they are accepted
// and ignored.
var fileParams = []string{"connection_limit", "socket_timeout"}

// parseFileURL reads rest, the part after "file:" of an SQLite URL in
// Prisma's form: file:./dev.db, file:dev.db, file:/abs/dev.db or
// file:///abs/dev.db. A relative path is resolved against base, as Prisma
// resolves it against the folder of schema.prisma. The database is never
// created: it must exist when opened.
func parseFileURL(db database, rest, base string) (database, error) {
	db.kind = KindSQLite
	p, query, _ := strings.Cut(rest, "?")
	if strings.Contains(p, "#") {
		return db, fmt.Errorf("%q: a file: URL takes no #", db.shown)
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return db, fmt.Errorf("%q: %w", db.shown, err)
		}
		for k := range q {
			if !slices.Contains(fileParams, k) {
				return db, fmt.Errorf("%q: unknown parameter %q for SQLite (known: %s, which are ignored)", db.shown, k, strings.Join(fileParams, ", "))
			}
		}
	}
	if after, ok := strings.CutPrefix(p, "//"); ok {
		if !strings.HasPrefix(after, "/") {
			return db, fmt.Errorf("%q: a file:// URL names no host; want file:./dev.db, file:/abs/dev.db or file:///abs/dev.db", db.shown)
		}
		p = after
	}
	switch {
	case p == "":
		return db, fmt.Errorf("%q names no file; want e.g. file:./dev.db (relative to prisma_schema's folder, else the config file's)", db.shown)
	case p == sqlite.Memory:
		db.path = sqlite.Memory
		return db, nil
	}
	if !filepath.IsAbs(p) && base != "" {
		p = filepath.Join(base, p)
	}
	db.path = filepath.Clean(p)
	db.existing = true
	return db, nil
}

// Parameters of a postgres:// URL that Prisma reads and pgx does not
// (pgx would send them to the server as settings, which refuses them).
// Those in prismaIgnored only tune Prisma's own pool or engine.
var prismaIgnored = []string{"pool_timeout", "socket_timeout", "statement_cache_size", "sslaccept"}

// postgresDSN is u for pgx: Prisma's schema=NAME becomes the search_path
// NAME (quoted: Prisma quotes schema names, so MySchema stays MySchema),
// connection_limit the pool size, pgbouncer=true statements that need no
// prepared-statement cache, and the other Prisma-only parameters are
// dropped. Everything else is pgx's.
func postgresDSN(u *url.URL) (dsn string, maxConns int, err error) {
	q := u.Query()
	if q.Has("search_path") && q.Has("schema") {
		return "", 0, errors.New("both schema= (Prisma's) and search_path= are set; keep one")
	}
	if q.Has("schema") {
		name := q.Get("schema")
		if name == "" {
			return "", 0, errors.New("schema= is empty")
		}
		q.Del("schema")
		q.Set("search_path", `"`+strings.ReplaceAll(name, `"`, `""`)+`"`)
	}
	if q.Has("connection_limit") {
		n, err := strconv.Atoi(q.Get("connection_limit"))
		if err != nil || n < 1 {
			return "", 0, fmt.Errorf("connection_limit=%q: want a whole number of at least 1", q.Get("connection_limit"))
		}
		q.Del("connection_limit")
		q.Set("pool_max_conns", strconv.Itoa(n))
		maxConns = n
	}
	if q.Has("pgbouncer") {
		if q.Get("pgbouncer") == "true" {
			q.Set("default_query_exec_mode", "exec")
		}
		q.Del("pgbouncer")
	}
	for _, k := range prismaIgnored {
		q.Del(k)
	}
	if q.Has("sslidentity") {
		return "", 0, errors.New("sslidentity= (a PKCS#12 file) is not supported; use pgx's sslcert= and sslkey=")
	}
	v := *u
	v.RawQuery = q.Encode()
	return v.String(), maxConns, nil
}

// mysqlParams are the parameters a mysql:// URL may have, as Prisma and
// mysql2 (Drizzle, Kysely, TypeORM) read them.
var mysqlParams = []string{"connect_timeout", "connection_limit", "pool_timeout", "socket", "socket_timeout", "ssl", "sslaccept", "sslmode"}

// mysqlDSN translates a mysql://user:password@host:port/database URL into
// the DSN of github.com/go-sql-driver/mysql: user and password
// percent-decoded, port 3306 by default, times read as time.Time in UTC
// (parseTime, loc=UTC), utf8mb4. Parameters: socket=PATH (a Unix socket
// instead of host:port), connect_timeout and socket_timeout (seconds),
// connection_limit (the pool size), ssl=true or sslaccept=strict (TLS,
// certificate checked), sslaccept=accept_invalid_certs (TLS, not
// checked), sslmode=disable|preferred|required|verify_ca|verify_identity;
// pool_timeout is Prisma's and ignored. Any other parameter is an error,
// so that a TLS requirement is never dropped silently.
func mysqlDSN(u *url.URL) (dsn string, maxConns int, err error) {
	if u.Opaque != "" {
		return "", 0, errors.New("want mysql://user:password@host:port/database")
	}
	c := mysql.NewConfig()
	if u.User != nil {
		c.User = u.User.Username()
		c.Passwd, _ = u.User.Password()
	}
	c.DBName = strings.TrimPrefix(u.Path, "/")
	if c.DBName == "" || strings.Contains(c.DBName, "/") {
		return "", 0, errors.New("names no database; want mysql://user:password@host:port/database")
	}
	host := u.Hostname()
	if host == "" {
		host = "localhost"
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	c.Net, c.Addr = "tcp", net.JoinHostPort(host, port)
	c.ParseTime, c.Loc = true, time.UTC
	q := u.Query()
	for k := range q {
		if !slices.Contains(mysqlParams, k) {
			return "", 0, fmt.Errorf("unknown parameter %q (known: %s)", k, strings.Join(mysqlParams, ", "))
		}
	}
	seconds := func(k string) (time.Duration, error) {
		n, err := strconv.ParseFloat(q.Get(k), 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("%s=%q: want seconds", k, q.Get(k))
		}
		return time.Duration(n * float64(time.Second)), nil
	}
	if q.Has("socket") {
		c.Net, c.Addr = "unix", q.Get("socket")
	}
	if q.Has("connect_timeout") {
		if c.Timeout, err = seconds("connect_timeout"); err != nil {
			return "", 0, err
		}
	}
	if q.Has("socket_timeout") {
		if c.ReadTimeout, err = seconds("socket_timeout"); err != nil {
			return "", 0, err
		}
		c.WriteTimeout = c.ReadTimeout
	}
	if q.Has("connection_limit") {
		if maxConns, err = strconv.Atoi(q.Get("connection_limit")); err != nil || maxConns < 1 {
			return "", 0, fmt.Errorf("connection_limit=%q: want a whole number of at least 1", q.Get("connection_limit"))
		}
	}
	tls := ""
	switch q.Get("ssl") {
	case "":
	case "true", "1":
		tls = "true"
	case "false", "0":
		tls = "false"
	default:
		return "", 0, fmt.Errorf("ssl=%q: want true or false", q.Get("ssl"))
	}
	switch q.Get("sslaccept") {
	case "":
	case "strict":
		tls = "true"
	case "accept_invalid_certs":
		tls = "skip-verify"
	default:
		return "", 0, fmt.Errorf("sslaccept=%q: want strict or accept_invalid_certs", q.Get("sslaccept"))
	}
	switch m := strings.ToLower(q.Get("sslmode")); m {
	case "":
	case "disable", "disabled":
		tls = "false"
	case "prefer", "preferred":
		tls = "preferred"
	case "require", "required":
		tls = "skip-verify"
	case "verify_ca", "verify-ca", "verify_identity", "verify-full", "verify_full":
		tls = "true"
	default:
		return "", 0, fmt.Errorf("sslmode=%q: want disable, preferred, required, verify_ca or verify_identity", q.Get("sslmode"))
	}
	if tls != "" {
		c.TLSConfig = tls
	}
	return c.FormatDSN(), maxConns, nil
}
