// Package redis stores NextAuth users, accounts, database sessions and
// verification tokens in Redis, like NextAuth's Upstash Redis adapter
// (@next-auth/upstash-redis-adapter), with uniqueness enforced atomically
// and expiry left to Redis.
//
// # Keys
//
// Every key starts with [Options.KeyPrefix]. Entities are JSON strings:
//
//	user:<id>                                 user
//	user-email:<email>                        user id (unique e-mail)
//	account:<provider>:<providerAccountId>    account (unique per provider)
//	user-accounts:<userId>                    sorted set of "<provider>:<providerAccountId>", scored by link order
//	session:<sessionToken>                    session
//	user-sessions:<userId>                    sorted set of session tokens, scored by key deadline
//	session-claims:<sessionToken>             claims computed at sign-in (JSON object), expiring with the session
//	verification-token:<identifier>:<token>   verification token
//	rate:bucket:<limit>:<window µs>:<key>     hash of tokens and updated (Unix µs): a rate-limit bucket
//	rate:lock:<key>                           hash of n (failures) and until (Unix µs): a lockout record
//	revoked-sid:<sid>                         "1": a revoked JWT session, expiring when its revocation ends
//	revoked-user:<userId>                     Unix ms: the user's JWT sessions signed in before are revoked
//
// A user's name, e-mail or image that is null (NULL) is left out of its
// JSON; a missing, "" or null member reads back as [nextauth.Null].
// Members of a user beyond id, name, email, image and emailVerified are
// the application's (a role it keeps on its users): UpdateUser keeps them
// as they are, and [Adapter.UserColumns] reads them for
// session.user_fields.
//
// The rate: keys belong to [Adapter.RateStore] (see [NewRateStore]); they
// expire by themselves, a bucket one window after its last token was
// taken, a lockout record the lockout's max duration after its last
// counted failure.
//
// The revoked- keys belong to the [nextauth.JWTRevoker] methods; a
// revoked-user key expires maxAge after the user's last revocation.
// [Adapter.JWTRevoked] reads both with one MGET.
//
// In <provider> and <identifier>, "%" and ":" are written "%25" and "%3A"
// so that the two parts of a key cannot be confused.
//
// Earlier versions kept user-accounts as a plain set. The scripts read
// such an index as it is and turn it into a sorted set at the next link
// or unlink, its old members counting as linked before any account since.
//
// # Expiry
//
// Session and verification-token keys expire by themselves at their
// Expires, so no periodic cleanup is needed (the adapter is no
// [nextauth.ExpiredDeleter]). The contract asks GetSessionAndUser and
// UseVerificationToken to return expired entries as they are; here that
// holds only until Redis evicts them, after which they are
// [nextauth.ErrNotFound] — to NextAuth, an absent session and an expired
// one mean the same thing. So that an entry written already expired (or
// about to expire) can still be read, deleted or used, every write keeps
// the key for at least [Options.MinTTL] (1 minute by default) after the
// write: a key expires at the later of Expires and now+MinTTL, "now" being
// the Redis server's clock. UpdateSession moves the deadline.
//
// # Atomicity and deployments
//
// Operations that check and write several keys run as Lua scripts, so
// concurrent callers cannot both create a user with one e-mail, link one
// provider account twice, reuse a session token, or use one verification
// token, and concurrent UpdateAccount calls each replace all of an
// account's tokens. The scripts derive some keys from stored data, so all keys must
// live on one node: use a standalone or Sentinel-managed Redis, or, with
// Redis Cluster, a KeyPrefix with a hash tag such as "{nextauth}:". The
// scripts write after reading the server clock (TIME), which needs Redis 5
// or later; the tests run against Redis 7.
package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
)

// DefaultKeyPrefix is the key prefix used when [Options.KeyPrefix] is
// empty.
const DefaultKeyPrefix = "nextauth:"

// DefaultMinTTL is the minimum lifetime used when [Options.MinTTL] is zero.
const DefaultMinTTL = time.Minute

// Options configures an [Adapter]. The zero value is ready to use.
type Options struct {
	// KeyPrefix starts every key the adapter reads or writes, so that
	// several deployments (or tests) can share one Redis database.
	// Default: [DefaultKeyPrefix]. With Redis Cluster it must contain a
	// hash tag, e.g. "{nextauth}:".
	KeyPrefix string
	// MinTTL is how long a session or verification token key is kept at
	// least after it is written, even when its Expires is past or nearer,
	// so that an entry created already expired can still be read and
	// used. Default (zero or negative): [DefaultMinTTL]. Values under a
	// millisecond are rounded up to one.
	MinTTL time.Duration
}

// Adapter is a [nextauth.Adapter] backed by Redis. It also implements
// [nextauth.UserDeleter], [nextauth.AccountUnlinker],
// [nextauth.AccountUpdater], [nextauth.SessionLister],
// [nextauth.JWTRevoker], [nextauth.SessionClaimsStore],
// [nextauth.UserColumnReader] and [io.Closer]. It is safe for concurrent
// use.
type Adapter struct {
	client goredis.UniversalClient
	owned  bool // Close closes client (made by Connect)
	minTTL int64

	// Key prefixes: prefix is Options.KeyPrefix, the others include it.
	prefix                                                     string
	userPrefix, emailPrefix, accountPrefix, userAccountsPrefix string
	sessionPrefix, userSessionsPrefix, tokenPrefix             string
	sessionClaimsPrefix                                        string

	scripts scripts
}

var (
	_ nextauth.Adapter         = (*Adapter)(nil)
	_ nextauth.UserDeleter     = (*Adapter)(nil)
	_ nextauth.AccountUnlinker = (*Adapter)(nil)
	_ nextauth.AccountUpdater  = (*Adapter)(nil)
	_ io.Closer                = (*Adapter)(nil)
)

// New returns an adapter storing its data through client, which the caller
// owns: [Adapter.Close] leaves it open. client must not be a
// [goredis.Ring] (its keys would be spread over shards the scripts cannot
// reach together).
func New(client goredis.UniversalClient, opts Options) *Adapter {
	prefix := opts.KeyPrefix
	if prefix == "" {
		prefix = DefaultKeyPrefix
	}
	minTTL := opts.MinTTL
	if minTTL <= 0 {
		minTTL = DefaultMinTTL
	}
	ms := int64((minTTL + time.Millisecond - 1) / time.Millisecond)
	return &Adapter{
		client:              client,
		minTTL:              ms,
		prefix:              prefix,
		userPrefix:          prefix + "user:",
		emailPrefix:         prefix + "user-email:",
		accountPrefix:       prefix + "account:",
		userAccountsPrefix:  prefix + "user-accounts:",
		sessionPrefix:       prefix + "session:",
		userSessionsPrefix:  prefix + "user-sessions:",
		sessionClaimsPrefix: prefix + "session-claims:",
		tokenPrefix:         prefix + "verification-token:",
		scripts:             newScripts(),
	}
}

// Connect opens a client for url ("redis://[user:password@]host:port/db"
// or "rediss://…" for TLS, as parsed by go-redis's ParseURL), checks it
// with PING and returns an adapter whose [Adapter.Close] closes the client.
func Connect(ctx context.Context, url string, opts Options) (*Adapter, error) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: parse url: %w", err)
	}
	// Fail fast while Redis is down (the client's defaults retry three times
	// with back-off, holding each request over a second), unless the URL
	// says otherwise.
	q := strings.ToLower(url)
	if !strings.Contains(q, "max_retries=") {
		o.MaxRetries = 1
	}
	if !strings.Contains(q, "dial_timeout=") {
		o.DialTimeout = time.Second
	}
	client := goredis.NewClient(o)
	if err := client.Ping(ctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis: connect to %s: %w", o.Addr, err)
	}
	a := New(client, opts)
	a.owned = true
	return a, nil
}

// Client is the adapter's client, for other data kept beside the
// adapter's (the event stream of webhook.NewRedisQueue).
func (a *Adapter) Client() goredis.UniversalClient { return a.client }

// KeyPrefix is the prefix of the adapter's keys.
func (a *Adapter) KeyPrefix() string { return a.prefix }

// Close closes the client if the adapter was made by [Connect]; for an
// adapter made by [New] it does nothing.
func (a *Adapter) Close() error {
	if !a.owned {
		return nil
	}
	if err := a.client.Close(); err != nil {
		return fmt.Errorf("redis: close: %w", err)
	}
	return nil
}

// keyPart escapes s for use before a ":" separator inside a key.
func keyPart(s string) string {
	if !strings.ContainsAny(s, "%:") {
		return s
	}
	return strings.NewReplacer("%", "%25", ":", "%3A").Replace(s)
}

// accountID is the account's key suffix and its member in the user's
// account index.
func accountID(provider, providerAccountID string) string {
	return keyPart(provider) + ":" + providerAccountID
}

// run runs a script and reports its reply; goredis.Nil (a false reply)
// becomes [nextauth.ErrNotFound].
func (a *Adapter) run(ctx context.Context, s *goredis.Script, keys []string, args ...any) (any, error) {
	v, err := s.Run(ctx, a.client, keys, args...).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nextauth.ErrNotFound
	}
	return v, err
}

// runStatus runs a status-returning script and maps its status to nil,
// [nextauth.ErrNotFound] or [nextauth.ErrConflict].
func (a *Adapter) runStatus(ctx context.Context, s *goredis.Script, keys []string, args ...any) error {
	v, err := a.run(ctx, s, keys, args...)
	if err != nil {
		return err
	}
	switch v {
	case int64(statusOK):
		return nil
	case int64(statusNotFound):
		return nextauth.ErrNotFound
	case int64(statusConflict):
		return nextauth.ErrConflict
	case int64(statusChanged):
		return errChanged
	}
	return fmt.Errorf("unexpected script reply %v", v)
}

// errChanged is a script's statusChanged: the record it was to replace
// changed since the caller read it.
var errChanged = errors.New("changed concurrently")

// replyString is a script's bulk-string reply; anything else becomes ""
// and fails to decode.
func replyString(v any) string {
	s, _ := v.(string)
	return s
}

// get reads one key; a missing key is [nextauth.ErrNotFound].
func (a *Adapter) get(ctx context.Context, key string) (string, error) {
	v, err := a.client.Get(ctx, key).Result()
	if errors.Is(err, goredis.Nil) {
		return "", nextauth.ErrNotFound
	}
	return v, err
}

// wrap prefixes err with the operation's name.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}
