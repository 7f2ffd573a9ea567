// Package servicetest gives tests their own PostgreSQL or MySQL database or
// Redis key prefix on the servers the test script provides
// (NEXTAUTH_TEST_POSTGRES_URL, NEXTAUTH_TEST_MYSQL_URL,
// NEXTAUTH_TEST_REDIS_URL). Without a server a test is skipped, or fails
// under CI=true, where a missing service is an error.
package servicetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// Environment variables naming the servers.
const (
	EnvPostgres = "NEXTAUTH_TEST_POSTGRES_URL"
	EnvMySQL    = "NEXTAUTH_TEST_MYSQL_URL"
	EnvRedis    = "NEXTAUTH_TEST_REDIS_URL"
)

// URL returns the server URL in the environment variable env, skipping the
// test (or failing it under CI=true) when it is unset.
func URL(t testing.TB, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must provide the server (scripts/test.sh setup does)", env)
		}
		t.Skipf("%s is not set: skipping (scripts/test.sh setup provides a server)", env)
	}
	return u
}

// RandomHex is n random bytes in hex, for unique names.
func RandomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// PostgresDatabase creates an empty database for this test on the server of
// NEXTAUTH_TEST_POSTGRES_URL, drops it (WITH (FORCE)) when the test ends and
// returns its DSN.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t, EnvPostgres)
	name := "nextauth_" + RandomHex(t, 8)
	admin := func(sql string) error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := admin("CREATE DATABASE " + name); err != nil {
		t.Fatalf("CREATE DATABASE %s on %s: %v", name, EnvPostgres, err)
	}
	t.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	return WithDatabase(t, base, name)
}

// WithDatabase returns dsn (a URL or key=value DSN) naming database name.
func WithDatabase(t testing.TB, dsn, name string) string {
	t.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " dbname=" + name
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// RedisPrefix returns the Redis URL and a key prefix no other test uses;
// keys under it are deleted when the test ends.
func RedisPrefix(t testing.TB) (redisURL, prefix string) {
	t.Helper()
	redisURL = URL(t, EnvRedis)
	prefix = "nextauth-test:" + RandomHex(t, 8) + ":"
	t.Cleanup(func() {
		if err := DeleteRedisPrefix(redisURL, prefix); err != nil {
			t.Errorf("deleting %s* keys: %v", prefix, err)
		}
	})
	return redisURL, prefix
}

// DeleteRedisPrefix deletes every key under prefix.
func DeleteRedisPrefix(redisURL, prefix string) error {
	opts, err := goredis.ParseURL(redisURL)
	if err != nil {
		return err
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return err
	}
	if len(keys) > 0 {
		return c.Del(ctx, keys...).Err()
	}
	return nil
}

// MySQLDatabase creates an empty database for this test on the MySQL or
// MariaDB server of NEXTAUTH_TEST_MYSQL_URL (mysql://user:password@host:port,
// a user that may create databases), drops it when the test ends, and
// returns its mysql:// URL and the same as a go-sql-driver/mysql DSN.
func MySQLDatabase(t testing.TB) (dbURL, dsn string) {
	t.Helper()
	base := URL(t, EnvMySQL)
	name := "nextauth_" + RandomHex(t, 8)
	admin, err := sql.Open("mysql", MySQLDSN(t, base, ""))
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("CREATE DATABASE %s on %s: %v", name, EnvMySQL, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", MySQLDSN(t, base, ""))
		if err == nil {
			_, err = db.Exec("DROP DATABASE IF EXISTS " + name)
			db.Close()
		}
		if err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	u.Path = "/" + name
	return u.String(), MySQLDSN(t, base, name)
}

// MySQLDSN is the driver DSN of a mysql://user:password@host:port URL,
// naming database name ("" for none).
func MySQLDSN(t testing.TB, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	c := mysql.NewConfig()
	c.User = u.User.Username()
	c.Passwd, _ = u.User.Password()
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	c.Net, c.Addr, c.DBName = "tcp", net.JoinHostPort(u.Hostname(), port), name
	c.ParseTime, c.Loc, c.Timeout = true, time.UTC, 10*time.Second
	return c.FormatDSN()
}
