package redis

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/nextauth-go/nextauth"
)

// Keys of [nextauth.JWTRevoker], after [Options.KeyPrefix]:
//
//	revoked-sid:<sid>        "1", expiring when the revocation ends
//	revoked-user:<userId>    "before" in Unix ms, expiring maxAge after the last revocation
const (
	revokedSIDKey  = "revoked-sid:"
	revokedUserKey = "revoked-user:"
)

var (
	_ nextauth.SessionLister = (*Adapter)(nil)
	_ nextauth.JWTRevoker    = (*Adapter)(nil)
)

// listSessions: KEYS[1] session index; ARGV[1] session key prefix, ARGV[2]
// user id. Returns {token, session JSON, …} of the indexed sessions that
// still exist and belong to the user: the index's members only, never the
// whole key space.
var listSessionsScript = goredis.NewScript(`
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local v = redis.call('GET', ARGV[1] .. m)
  if v and cjson.decode(v).userId == ARGV[2] then
    out[#out + 1] = m
    out[#out + 1] = v
  end
end
return out
`)

// deleteUserSessions: KEYS[1] session index; ARGV[1] session key prefix,
// ARGV[2] user id, ARGV[3] session claims key prefix. Deletes the user's indexed sessions and the index, and
// returns how many sessions it deleted. Atomic: of concurrent calls, each
// session is counted once.
var deleteUserSessionsScript = goredis.NewScript(`
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local k = ARGV[1] .. m
  local v = redis.call('GET', k)
  if v and cjson.decode(v).userId == ARGV[2] then
    redis.call('DEL', k, ARGV[3] .. m)
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
return n
`)

// revokeJWT: KEYS[1] revoked sid; ARGV[1] end (Unix ms). The key expires
// at the end, or keeps its later one; an end already past (by the Redis
// server's clock) writes nothing.
var revokeJWTScript = goredis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = tonumber(ARGV[1])
if at <= now then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 or (ttl > 0 and now + ttl >= at) then return 0 end
redis.call('SET', KEYS[1], '1', 'PX', string.format('%.0f', at - now))
return 1
`)

// revokeUserJWTs: KEYS[1] revoked user; ARGV[1] before (Unix ms), ARGV[2]
// maxAge (ms). Keeps the later of the stored and the new "before", and the
// later of the stored and the new end. An ended record has expired: it is
// gone, and the new one starts afresh.
var revokeUserJWTsScript = goredis.NewScript(`
local b = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
local old = redis.call('GET', KEYS[1])
if old then
  local ob = tonumber(old)
  if ob and ob > b then b = ob end
  local ottl = redis.call('PTTL', KEYS[1])
  if ottl > ttl then ttl = ottl end
end
redis.call('SET', KEYS[1], string.format('%.0f', b), 'PX', string.format('%.0f', ttl))
return 1
`)

// ListSessions returns userID's sessions, newest expiry first, through the
// user-sessions index, in one round trip. Expired sessions are listed
// until Redis evicts them (see the package documentation).
func (a *Adapter) ListSessions(ctx context.Context, userID string) ([]nextauth.AdapterSession, error) {
	v, err := listSessionsScript.Run(ctx, a.client, []string{a.userSessionsPrefix + userID}, a.sessionPrefix, userID).Slice()
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	list := make([]nextauth.AdapterSession, 0, len(v)/2)
	for i := 0; i+1 < len(v); i += 2 {
		token, _ := v[i].(string)
		s, err := decodeSession(replyString(v[i+1]))
		if err != nil {
			return nil, wrap("list sessions", err)
		}
		s.SessionToken = token // the key matched byte for byte
		list = append(list, s)
	}
	slices.SortStableFunc(list, func(x, y nextauth.AdapterSession) int { return y.Expires.Compare(x.Expires) })
	return list, nil
}

// DeleteUserSessions deletes userID's sessions, their claims and their
// index in one script and returns how many sessions there were.
func (a *Adapter) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	n, err := deleteUserSessionsScript.Run(ctx, a.client, []string{a.userSessionsPrefix + userID}, a.sessionPrefix, userID, a.sessionClaimsPrefix).Int64()
	if err != nil {
		return 0, wrap("delete user sessions", err)
	}
	return n, nil
}

// RevokeJWT revokes the JWT session sid until expires (to the
// millisecond): its key expires then. Revoking it again keeps the later
// end; an expires already past changes nothing. An empty sid is an error.
func (a *Adapter) RevokeJWT(ctx context.Context, sid string, expires time.Time) error {
	if sid == "" {
		return errors.New("redis: revoke JWT: empty sid")
	}
	if !expires.After(time.Now()) {
		return nil
	}
	err := revokeJWTScript.Run(ctx, a.client, []string{a.prefix + revokedSIDKey + sid}, expires.UnixMilli()).Err()
	return wrap("revoke JWT", err)
}

// RevokeUserJWTs revokes userID's JWT sessions signed in before before
// (to the millisecond); the record's key expires maxAge (rounded up to a
// millisecond) after the last revocation. While it lives, revoking again
// keeps the later before. An empty userID or a maxAge of zero or less is
// an error.
func (a *Adapter) RevokeUserJWTs(ctx context.Context, userID string, before time.Time, maxAge time.Duration) error {
	if userID == "" {
		return errors.New("redis: revoke user JWTs: empty user id")
	}
	if maxAge <= 0 {
		return fmt.Errorf("redis: revoke user JWTs: maxAge %v is not positive", maxAge)
	}
	ttl := int64((maxAge + time.Millisecond - 1) / time.Millisecond)
	err := revokeUserJWTsScript.Run(ctx, a.client, []string{a.prefix + revokedUserKey + userID}, before.UnixMilli(), ttl).Err()
	return wrap("revoke user JWTs", err)
}

// JWTRevoked reports whether sid was revoked, or userID's sessions signed
// in before a time after authTime were, with one MGET of the two keys.
func (a *Adapter) JWTRevoked(ctx context.Context, sid, userID string, authTime time.Time) (bool, error) {
	sidKey, userKey := a.prefix+revokedSIDKey+sid, a.prefix+revokedUserKey+userID
	// An empty sid or user id is never revoked (RevokeJWT and
	// RevokeUserJWTs refuse them): ask for the other key only.
	var keys []string
	switch {
	case sid != "" && userID != "":
		keys = []string{sidKey, userKey}
	case sid != "":
		keys = []string{sidKey}
	case userID != "":
		keys = []string{userKey}
	default:
		return false, nil
	}
	vals, err := a.client.MGet(ctx, keys...).Result()
	if err != nil {
		return false, wrap("JWT revoked", err)
	}
	if len(vals) != len(keys) {
		return false, fmt.Errorf("redis: JWT revoked: MGET returned %d values for %d keys", len(vals), len(keys))
	}
	if sid != "" && vals[0] != nil {
		return true, nil
	}
	if userID == "" || vals[len(vals)-1] == nil {
		return false, nil
	}
	s, _ := vals[len(vals)-1].(string)
	before, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return false, fmt.Errorf("redis: JWT revoked: user record %q: %w", s, err)
	}
	return authTime.UnixMilli() < before, nil
}
