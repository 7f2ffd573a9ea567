package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nextauth-go/nextauth"
	"github.com/nextauth-go/nextauth/adapter/mysql"
	"github.com/nextauth-go/nextauth/adapter/postgres"
	"github.com/nextauth-go/nextauth/adapter/sqlite"
	"github.com/nextauth-go/nextauth/adapter/sqllayout"
)

// freeport prints N distinct ports that were free on 127.0.0.1: all are
// held open together before being released, so they differ.
func freeport(args []string) error {
	n := 1
	if len(args) > 0 {
		v, err := strconv.Atoi(args[0])
		if err != nil || v < 1 {
			return fmt.Errorf("want a positive count, got %q", args[0])
		}
		n = v
	}
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		fmt.Println(l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}

// kindOf tells the kind of database a URL names: "sqlite", "postgres" or
// "mysql" ("" for anything else).
func kindOf(dbURL string) string {
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		return "sqlite"
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return "postgres"
	case strings.HasPrefix(dbURL, "mysql://"), strings.HasPrefix(dbURL, "mariadb://"):
		return "mysql"
	}
	return ""
}

// errURL is the error of a URL of no known kind.
var errURL = errors.New("DB_URL: want sqlite://FILE, postgres://… or mysql://…")

// dbURL returns admin (a postgres:// or mysql:// URL) with its database set
// to name.
func dbURL(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (kindOf(admin) != "postgres" && kindOf(admin) != "mysql") {
		return "", errors.New("the server address must be a postgres:// or mysql:// URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func dbURLCmd(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: db-url ADMIN_URL NAME")
	}
	s, err := dbURL(args[0], args[1])
	if err != nil {
		return err
	}
	fmt.Println(s)
	return nil
}

// mysqlDSN is the go-sql-driver/mysql DSN of a mysql://user:password@host:port/database
// URL (TCP only; the URL's parameters are not read).
func mysqlDSN(dbURL string) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil || kindOf(dbURL) != "mysql" {
		return "", errors.New("want a mysql://user:password@host:port/database URL")
	}
	c := gomysql.NewConfig()
	c.User = u.User.Username()
	c.Passwd, _ = u.User.Password()
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	c.Net, c.Addr, c.DBName = "tcp", net.JoinHostPort(u.Hostname(), port), strings.TrimPrefix(u.Path, "/")
	c.ParseTime, c.Loc, c.Timeout = true, time.UTC, 10*time.Second
	return c.FormatDSN(), nil
}

// openMySQL opens the mysql:// URL with database/sql; multi lets one Exec
// run several statements (a schema file).
func openMySQL(dbURL string, multi bool) (*sql.DB, error) {
	dsn, err := mysqlDSN(dbURL)
	if err != nil {
		return nil, err
	}
	c, err := gomysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c.MultiStatements = multi
	conn, err := gomysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(conn), nil
}

// quoteMySQL quotes a MySQL identifier.
func quoteMySQL(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// dbAdmin runs f for each name on the server of admin, a postgres:// or
// mysql:// URL whose user may create databases.
func dbAdmin(admin string, names []string, f func(ctx context.Context, exec func(string) error, quote func(string) string, name string) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var (
		exec  func(string) error
		quote func(string) string
	)
	switch kindOf(admin) {
	case "postgres":
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			return fmt.Errorf("connect to PostgreSQL: %w", err)
		}
		defer conn.Close(context.Background())
		exec = func(q string) error { _, err := conn.Exec(ctx, q); return err }
		quote = func(n string) string { return pgx.Identifier{n}.Sanitize() }
	case "mysql":
		u, err := dbURL(admin, "")
		if err != nil {
			return err
		}
		db, err := openMySQL(u, false)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.PingContext(ctx); err != nil {
			return fmt.Errorf("connect to MySQL/MariaDB: %w", err)
		}
		exec = func(q string) error { _, err := db.ExecContext(ctx, q); return err }
		quote = quoteMySQL
	default:
		return errors.New("ADMIN_URL: want a postgres:// or mysql:// URL")
	}
	for _, name := range names {
		if err := f(ctx, exec, quote, name); err != nil {
			return err
		}
	}
	return nil
}

// dropDB drops a database, forcing PostgreSQL's connections off.
func dropDB(admin string) func(ctx context.Context, exec func(string) error, quote func(string) string, name string) error {
	return func(ctx context.Context, exec func(string) error, quote func(string) string, name string) error {
		q := "DROP DATABASE IF EXISTS " + quote(name)
		if kindOf(admin) == "postgres" {
			q += " WITH (FORCE)"
		}
		if err := exec(q); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
}

func dbCreate(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: db-create ADMIN_URL NAME...")
	}
	admin := args[0]
	drop := dropDB(admin)
	return dbAdmin(admin, args[1:], func(ctx context.Context, exec func(string) error, quote func(string) string, name string) error {
		if err := drop(ctx, exec, quote, name); err != nil {
			return err
		}
		q := "CREATE DATABASE " + quote(name)
		if kindOf(admin) == "mysql" {
			q += " CHARACTER SET utf8mb4"
		}
		if err := exec(q); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
		return nil
	})
}

func dbDrop(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: db-drop ADMIN_URL NAME...")
	}
	return dbAdmin(args[0], args[1:], dropDB(args[0]))
}

// dbVersion prints the server's version (PostgreSQL's server_version,
// MySQL's or MariaDB's VERSION()).
func dbVersion(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: db-version ADMIN_URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var v string
	switch kindOf(args[0]) {
	case "postgres":
		conn, err := pgx.Connect(ctx, args[0])
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&v); err != nil {
			return err
		}
	case "mysql":
		db, err := openMySQL(args[0], false)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
			return err
		}
	default:
		return errors.New("ADMIN_URL: want a postgres:// or mysql:// URL")
	}
	fmt.Println(v)
	return nil
}

// schema runs a schema file (the SQL an adapter's tooling made, from
// internal/layout/testdata) in the database of DB_URL: another adapter's
// tables, for the per-layout rows.
func schema(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: schema DB_URL FILE.sql")
	}
	dbURL := args[0]
	b, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	switch kindOf(dbURL) {
	case "sqlite":
		db, err := sqlite.Open(strings.TrimPrefix(dbURL, "sqlite://"))
		if err != nil {
			return err
		}
		defer db.Close()
		// One statement at a time: the driver runs only the first of several.
		for stmt := range strings.SplitSeq(string(b), ";\n") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlite: %w\n%s", err, stmt)
			}
		}
		return nil
	case "postgres":
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return fmt.Errorf("postgres: connect: %w", err)
		}
		defer conn.Close(context.Background())
		// The simple protocol runs a whole file of statements.
		_, err = conn.Exec(ctx, string(b), pgx.QueryExecModeSimpleProtocol)
		return err
	case "mysql":
		db, err := openMySQL(dbURL, true)
		if err != nil {
			return err
		}
		defer db.Close()
		_, err = db.ExecContext(ctx, string(b))
		return err
	}
	return errURL
}

// stripComments drops the lines of s that are "--" comments.
func stripComments(s string) string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "--") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// seedBatch is how many sessions one INSERT adds.
const seedBatch = 100_000

// seed adds sessions of one user (the one the benchmark signed in through
// the API) with random UUID tokens and a 30-day expiry until the sessions
// table holds the wanted total. On the server's own layout it uses bulk
// INSERTs; with LAYOUT (another adapter's tables, or pg-adapter's schema
// file) it goes through the server's adapter for that layout, one
// CreateSession a session, so every column is written as the server
// writes it.
func seed(args []string) error {
	if len(args) != 3 && len(args) != 4 {
		return errors.New("usage: seed DB_URL TOTAL EMAIL [LAYOUT]")
	}
	dbURL, email := args[0], args[2]
	total, err := strconv.Atoi(args[1])
	if err != nil || total < 1 {
		return fmt.Errorf("TOTAL: want a positive number, got %q", args[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	start := time.Now()
	var have int
	switch kind := kindOf(dbURL); {
	case len(args) == 4:
		have, err = seedAdapter(ctx, dbURL, args[3], total, email)
	case kind == "sqlite":
		have, err = seedSQLite(ctx, strings.TrimPrefix(dbURL, "sqlite://"), total, email)
	case kind == "postgres":
		have, err = seedPostgres(ctx, dbURL, total, email)
	case kind == "mysql":
		have, err = seedMySQL(ctx, dbURL, total, email)
	default:
		return errURL
	}
	if err != nil {
		return err
	}
	fmt.Printf("sessions: %d (were %d), seeded in %.1fs\n", total, have, time.Since(start).Seconds())
	return nil
}

// layoutAdapter opens the server's adapter for a layout in the database of
// dbURL: adapter/postgres for pg-adapter's tables on PostgreSQL, and
// adapter/sqllayout for another adapter's. close releases it.
func layoutAdapter(ctx context.Context, dbURL, name string) (a nextauth.Adapter, close func(), err error) {
	var (
		h *sql.DB
		d sqllayout.Dialect
	)
	switch kindOf(dbURL) {
	case "postgres":
		pool, err := pgxpool.New(ctx, dbURL)
		if err != nil {
			return nil, nil, err
		}
		if name == "pg-adapter" {
			return postgres.New(pool), pool.Close, nil
		}
		h, d = sqllayout.PostgresDB(pool), sqllayout.Postgres
		defer func() {
			if err != nil {
				pool.Close()
			}
		}()
	case "mysql":
		dsn, err := mysqlDSN(dbURL)
		if err != nil {
			return nil, nil, err
		}
		if h, err = mysql.Open(dsn, mysql.Options{}); err != nil {
			return nil, nil, err
		}
		d = sqllayout.MySQL
	case "sqlite":
		if h, err = sqlite.Open(strings.TrimPrefix(dbURL, "sqlite://")); err != nil {
			return nil, nil, err
		}
		d = sqllayout.SQLite
	default:
		return nil, nil, errURL
	}
	la, err := sqllayout.New(ctx, h, d, name)
	if err != nil {
		h.Close()
		return nil, nil, err
	}
	return la, func() { h.Close() }, nil
}

// randomUUID is a random version-4 UUID, as the server's session tokens.
func randomUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// seedAdapter is seed through the adapter of a layout.
func seedAdapter(ctx context.Context, dbURL, name string, total int, email string) (int, error) {
	a, closeA, err := layoutAdapter(ctx, dbURL, name)
	if err != nil {
		return 0, fmt.Errorf("%s layout: %w", name, err)
	}
	defer closeA()
	u, err := a.GetUserByEmail(ctx, email)
	if err != nil {
		return 0, fmt.Errorf("%s layout: user %s (sign in once first): %w", name, email, err)
	}
	lister, ok := a.(nextauth.SessionLister)
	if !ok {
		return 0, fmt.Errorf("%s layout: the adapter cannot count sessions", name)
	}
	list, err := lister.ListSessions(ctx, u.ID)
	if err != nil {
		return 0, err
	}
	have := len(list)
	expires := time.Now().Add(30 * 24 * time.Hour)
	// A few writers at once: one session per INSERT is a round trip each.
	const writers = 8
	next := make(chan struct{})
	errs := make(chan error, writers)
	for range writers {
		go func() {
			for range next {
				if _, err := a.CreateSession(ctx, nextauth.AdapterSession{SessionToken: randomUUID(), UserID: u.ID, Expires: expires}); err != nil {
					errs <- err
					for range next {
					}
					return
				}
			}
			errs <- nil
		}()
	}
	for n := have; n < total; n++ {
		next <- struct{}{}
	}
	close(next)
	for range writers {
		if e := <-errs; e != nil && err == nil {
			err = fmt.Errorf("%s layout: create session: %w", name, e)
		}
	}
	return have, err
}

// sqliteUUID is an SQL expression for a random version-4 UUID, as the
// server's own session tokens.
const sqliteUUID = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
	substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`

func seedSQLite(ctx context.Context, path string, total int, email string) (int, error) {
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("sqlite: %w (start the server on it first: it creates the schema)", err)
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var userID int64
	if err := db.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, email).Scan(&userID); err != nil {
		return 0, fmt.Errorf("sqlite: user %s (sign in once first): %w", email, err)
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM sessions`).Scan(&have); err != nil {
		return 0, err
	}
	expires := time.Now().Add(30 * 24 * time.Hour).UnixMilli()
	for n := have; n < total; n += seedBatch {
		k := min(seedBatch, total-n)
		_, err := db.ExecContext(ctx, `WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < ?)
			INSERT INTO sessions ("userId", expires, "sessionToken") SELECT ?, ?, `+sqliteUUID+` FROM c`, k, userID, expires)
		if err != nil {
			return have, fmt.Errorf("sqlite: insert sessions: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return have, fmt.Errorf("sqlite: checkpoint: %w", err)
	}
	return have, nil
}

func seedPostgres(ctx context.Context, dsn string, total int, email string) (int, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.Background())
	var userID int64
	if err := conn.QueryRow(ctx, `SELECT id FROM users WHERE email = $1`, email).Scan(&userID); err != nil {
		return 0, fmt.Errorf("postgres: user %s (sign in once first): %w", email, err)
	}
	var have int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&have); err != nil {
		return 0, err
	}
	for n := have; n < total; n += seedBatch {
		k := min(seedBatch, total-n)
		_, err := conn.Exec(ctx, `INSERT INTO sessions ("userId", expires, "sessionToken")
			SELECT $1, now() + interval '30 days', gen_random_uuid()::text FROM generate_series(1, $2)`, userID, k)
		if err != nil {
			return have, fmt.Errorf("postgres: insert sessions: %w", err)
		}
	}
	if _, err := conn.Exec(ctx, `VACUUM ANALYZE sessions`); err != nil {
		return have, fmt.Errorf("postgres: analyze: %w", err)
	}
	return have, nil
}

// mysqlUUID is a MySQL expression for a random version-4 UUID
// (RANDOM_BYTES: MySQL 5.6.17, MariaDB 10.10 and later).
const mysqlUUID = `LOWER(CONCAT(HEX(RANDOM_BYTES(4)), '-', HEX(RANDOM_BYTES(2)), '-4', SUBSTR(HEX(RANDOM_BYTES(2)), 2), '-',
	ELT(1 + FLOOR(RAND() * 4), '8', '9', 'a', 'b'), SUBSTR(HEX(RANDOM_BYTES(2)), 2), '-', HEX(RANDOM_BYTES(6))))`

// mysqlDigits is a derived table of the ten digits; five of them joined
// give the rows of one bulk INSERT (MySQL has no generate_series).
const mysqlDigits = `(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
	UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)`

func seedMySQL(ctx context.Context, dbURL string, total int, email string) (int, error) {
	db, err := openMySQL(dbURL, false)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var userID int64
	if err := db.QueryRowContext(ctx, "SELECT id FROM users WHERE email = ?", email).Scan(&userID); err != nil {
		return 0, fmt.Errorf("mysql: user %s (sign in once first): %w", email, err)
	}
	var have int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sessions").Scan(&have); err != nil {
		return 0, err
	}
	// The server stores times as UTC.
	expires := time.Now().UTC().Add(30 * 24 * time.Hour).Format("2006-01-02 15:04:05.000000")
	for n := have; n < total; n += seedBatch {
		k := min(seedBatch, total-n)
		_, err := db.ExecContext(ctx, "INSERT INTO sessions (`userId`, expires, `sessionToken`) SELECT ?, ?, "+mysqlUUID+
			" FROM "+mysqlDigits+" a, "+mysqlDigits+" b, "+mysqlDigits+" c, "+mysqlDigits+" d, "+mysqlDigits+" e LIMIT ?", userID, expires, k)
		if err != nil {
			return have, fmt.Errorf("mysql: insert sessions: %w", err)
		}
	}
	if _, err := db.ExecContext(ctx, "ANALYZE TABLE sessions"); err != nil {
		return have, fmt.Errorf("mysql: analyze: %w", err)
	}
	return have, nil
}

// tokens writes up to N session tokens, picked at random among the stored
// ones, to OUTFILE, one a line: the cookies of the random-token rows.
func tokens(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: tokens DB_URL N OUTFILE")
	}
	dbURL, out := args[0], args[2]
	n, err := strconv.Atoi(args[1])
	if err != nil || n < 1 {
		return fmt.Errorf("N: want a positive number, got %q", args[1])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var list []string
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		db, err := sqlite.Open(strings.TrimPrefix(dbURL, "sqlite://"))
		if err != nil {
			return err
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, `SELECT "sessionToken" FROM sessions ORDER BY random() LIMIT ?`, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			list = append(list, t)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			return fmt.Errorf("postgres: connect: %w", err)
		}
		defer conn.Close(context.Background())
		rows, err := conn.Query(ctx, `SELECT "sessionToken" FROM sessions ORDER BY random() LIMIT $1`, n)
		if err != nil {
			return err
		}
		list, err = pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
	case strings.HasPrefix(dbURL, "mysql://"), strings.HasPrefix(dbURL, "mariadb://"):
		db, err := openMySQL(dbURL, false)
		if err != nil {
			return err
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, "SELECT `sessionToken` FROM sessions ORDER BY RAND() LIMIT ?", n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t string
			if err := rows.Scan(&t); err != nil {
				return err
			}
			list = append(list, t)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	default:
		return errURL
	}
	if len(list) == 0 {
		return errors.New("no sessions stored")
	}
	return os.WriteFile(out, []byte(strings.Join(list, "\n")+"\n"), 0o600)
}
