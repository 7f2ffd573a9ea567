package config

import (
	"testing"

	"github.com/nextauth-go/nextauth/internal/servicetest"
)

// newPostgresDatabase creates an empty PostgreSQL database for this test.
func newPostgresDatabase(t *testing.T) string { return servicetest.PostgresDatabase(t) }

// redisPrefix returns the Redis URL and a key prefix of this test.
func redisPrefix(t *testing.T) (redisURL, prefix string) { return servicetest.RedisPrefix(t) }

// newMySQLDatabase creates a MySQL database for this test and returns its
// mysql:// URL.
func newMySQLDatabase(t *testing.T) string {
	u, _ := servicetest.MySQLDatabase(t)
	return u
}
