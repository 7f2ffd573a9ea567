package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/nextauth-go/nextauth/adapter/sqlite"
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

// pgURL returns admin (a postgres:// URL) with its database set to name.
func pgURL(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("the PostgreSQL address must be a postgres:// URL")
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func pgURLCmd(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: pg-url ADMIN_URL NAME")
	}
	s, err := pgURL(args[0], args[1])
	if err != nil {
		return err
	}
	fmt.Println(s)
	return nil
}

func pgAdmin(ctx context.Context, admin string) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return conn, nil
}

func pgDropAll(ctx context.Context, conn *pgx.Conn, names []string) error {
	for _, name := range names {
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
	}
	return nil
}

func pgCreate(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: pg-create ADMIN_URL NAME...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgAdmin(ctx, args[0])
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if err := pgDropAll(ctx, conn, args[1:]); err != nil {
		return err
	}
	for _, name := range args[1:] {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
	}
	return nil
}

func pgDrop(args []string) error {
	if len(args) < 2 {
		return errors.New("usage: pg-drop ADMIN_URL NAME...")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgAdmin(ctx, args[0])
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return pgDropAll(ctx, conn, args[1:])
}

// seedBatch is how many sessions one INSERT adds.
const seedBatch = 100_000

// seed adds sessions of one user (the one the benchmark signed in through
// the API) with random UUID tokens and a 30-day expiry, in bulk INSERTs,
// until the table holds the wanted total.
func seed(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: seed DB_URL TOTAL EMAIL")
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
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		have, err = seedSQLite(ctx, strings.TrimPrefix(dbURL, "sqlite://"), total, email)
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		have, err = seedPostgres(ctx, dbURL, total, email)
	default:
		return errors.New("DB_URL: want sqlite://FILE or postgres://…")
	}
	if err != nil {
		return err
	}
	fmt.Printf("sessions: %d (were %d), seeded in %.1fs\n", total, have, time.Since(start).Seconds())
	return nil
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
	default:
		return errors.New("DB_URL: want sqlite://FILE or postgres://…")
	}
	if len(list) == 0 {
		return errors.New("no sessions stored")
	}
	return os.WriteFile(out, []byte(strings.Join(list, "\n")+"\n"), 0o600)
}
