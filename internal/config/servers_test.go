package config

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// Environment variables naming the real servers of the tests, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable and
// redis://127.0.0.1:6379/0 (scripts/test.sh sets them).
const (
	envPostgres = "NEXTAUTH_TEST_POSTGRES_URL"
	envRedis    = "NEXTAUTH_TEST_REDIS_URL"
)

// serverURL is the URL in the environment variable name; without it the
// test is skipped, or fails under CI=true.
func serverURL(t *testing.T, name string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must provide the server (scripts/test.sh setup does)", name)
		}
		t.Skipf("%s is not set: skipping (scripts/test.sh setup provides a server)", name)
	}
	return u
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newPostgresDatabase creates an empty PostgreSQL database for this test,
// dropped when it ends, and returns its URL.
func newPostgresDatabase(t *testing.T) string {
	t.Helper()
	base := serverURL(t, envPostgres)
	name := "nextauth_config_" + randomHex(t, 6)
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
		t.Fatalf("CREATE DATABASE %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("DROP DATABASE %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil || !strings.Contains(base, "://") {
		t.Fatalf("%s must be a postgres:// URL: %v", envPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

// redisPrefix returns the Redis URL and a key prefix of this test; keys
// under it are deleted when the test ends.
func redisPrefix(t *testing.T) (redisURL, prefix string) {
	t.Helper()
	redisURL = serverURL(t, envRedis)
	prefix = "nextauth-config-test:" + randomHex(t, 6) + ":"
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(redisURL)
		if err != nil {
			t.Errorf("%s: %v", envRedis, err)
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			err = c.Del(ctx, keys...).Err()
		}
		if err != nil {
			t.Errorf("deleting %s* keys: %v", prefix, err)
		}
	})
	return redisURL, prefix
}
