package redis

import goredis "github.com/redis/go-redis/v9"

// Lua scripts make each multi-key operation atomic: Redis runs a script
// without interleaving other commands, so a uniqueness check and the write
// that depends on it cannot be split by a concurrent caller.
//
// Conventions: KEYS holds the keys known before the script runs (the first
// one decides the Redis Cluster slot); keys derived from stored data are
// built from key prefixes passed in ARGV. Status-returning scripts answer
// statusOK, statusNotFound or statusConflict; data-returning scripts answer
// false (a nil reply, goredis.Nil) for "not found".

// Script status replies.
const (
	statusOK       = 1
	statusNotFound = 0
	statusConflict = -1
	statusChanged  = 2 // the record is no longer the one the caller read
)

// luaDeadline computes when a session or verification token key expires:
// at its Expires (ARGV expiresMs, Unix milliseconds), but never sooner than
// minTTLms after now (Redis's own clock, so client clock skew cannot make a
// key vanish at once). It returns the deadline and now, both in ms.
const luaDeadline = `
local function deadline(expiresMs, minTTLms)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local d = tonumber(expiresMs)
  if d < now + tonumber(minTTLms) then d = now + tonumber(minTTLms) end
  return d, now
end
`

// luaIndexSession records token in the user's session index (a sorted set
// scored by key deadline), drops members whose keys have expired, and
// makes the index itself expire with its last member.
const luaIndexSession = `
local function indexSession(zkey, token, d, now)
  redis.call('ZADD', zkey, string.format('%.0f', d), token)
  redis.call('ZREMRANGEBYSCORE', zkey, '-inf', '(' .. string.format('%.0f', now))
  local last = redis.call('ZRANGE', zkey, -1, -1, 'WITHSCORES')
  if last[2] then redis.call('PEXPIREAT', zkey, last[2]) end
end
`

// luaAccountIndex reads and upgrades a user's account index, a sorted set
// of "<provider>:<providerAccountId>" scored by link order (1, 2, …). An
// index written as a plain set by earlier versions of this package is
// read as it is, and turned into a sorted set before any write, its
// members scored 0: older than any account linked since, in no known order
// among themselves.
const luaAccountIndex = `
local function accountMembers(key)
  if redis.call('TYPE', key).ok == 'set' then
    local m = redis.call('SMEMBERS', key)
    table.sort(m, function(x, y) return x > y end)
    return m
  end
  return redis.call('ZREVRANGE', key, 0, -1)
end
local function upgradeAccountIndex(key)
  if redis.call('TYPE', key).ok ~= 'set' then return end
  local m = redis.call('SMEMBERS', key)
  redis.call('DEL', key)
  for _, v in ipairs(m) do redis.call('ZADD', key, 0, v) end
end
`

// createUser: KEYS[1] user, KEYS[2] e-mail index (absent without e-mail);
// ARGV[1] id, ARGV[2] user JSON.
const luaCreateUser = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if KEYS[2] and not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return -1 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`

// getUserByEmail: KEYS[1] e-mail index (value: user id); ARGV[1] user key
// prefix. Returns the user JSON.
const luaGetUserByEmail = `
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('GET', ARGV[1] .. id)
`

// getUserByAccount: KEYS[1] account; ARGV[1] user key prefix. Returns the
// user JSON.
const luaGetUserByAccount = `
local a = redis.call('GET', KEYS[1])
if not a then return false end
return redis.call('GET', ARGV[1] .. cjson.decode(a).userId)
`

// updateUser: KEYS[1] user, KEYS[2] new e-mail index (absent without
// e-mail); ARGV[1] id, ARGV[2] user JSON, ARGV[3] e-mail index prefix,
// ARGV[4] the user JSON ARGV[2] was made from: another one stored answers
// statusChanged and writes nothing.
const luaUpdateUser = `
local old = redis.call('GET', KEYS[1])
if not old then return 0 end
if old ~= ARGV[4] then return 2 end
local oldEmail = cjson.decode(old).email
local oldKey = false
if type(oldEmail) == 'string' and oldEmail ~= '' then oldKey = ARGV[3] .. oldEmail end
local newKey = KEYS[2] or false
if newKey and newKey ~= oldKey then
  local owner = redis.call('GET', newKey)
  if owner and owner ~= ARGV[1] then return -1 end
  redis.call('SET', newKey, ARGV[1])
end
if oldKey and oldKey ~= newKey and redis.call('GET', oldKey) == ARGV[1] then
  redis.call('DEL', oldKey)
end
redis.call('SET', KEYS[1], ARGV[2])
return 1
`

// deleteUser: KEYS[1] user, KEYS[2] account index, KEYS[3] session index;
// ARGV[1] id, ARGV[2] e-mail index prefix, ARGV[3] account key prefix,
// ARGV[4] session key prefix, ARGV[5] session claims key prefix. Entries
// are deleted only if they still belong to this user.
const luaDeleteUser = luaAccountIndex + `
local u = redis.call('GET', KEYS[1])
if not u then return 0 end
local email = cjson.decode(u).email
if type(email) == 'string' and email ~= '' then
  local k = ARGV[2] .. email
  if redis.call('GET', k) == ARGV[1] then redis.call('DEL', k) end
end
for _, m in ipairs(accountMembers(KEYS[2])) do
  local k = ARGV[3] .. m
  local v = redis.call('GET', k)
  if v and cjson.decode(v).userId == ARGV[1] then redis.call('DEL', k) end
end
for _, m in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
  local k = ARGV[4] .. m
  local v = redis.call('GET', k)
  if v and cjson.decode(v).userId == ARGV[1] then redis.call('DEL', k, ARGV[5] .. m) end
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return 1
`

// linkAccount: KEYS[1] user, KEYS[2] account, KEYS[3] account index;
// ARGV[1] account JSON, ARGV[2] account index member. The member is
// scored one more than the user's latest link.
const luaLinkAccount = luaAccountIndex + `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return -1 end
upgradeAccountIndex(KEYS[3])
local last = redis.call('ZREVRANGE', KEYS[3], 0, 0, 'WITHSCORES')
local seq = 1
if last[2] then seq = tonumber(last[2]) + 1 end
redis.call('ZADD', KEYS[3], string.format('%.0f', seq), ARGV[2])
return 1
`

// unlinkAccount: KEYS[1] account; ARGV[1] account index prefix, ARGV[2]
// account index member.
const luaUnlinkAccount = luaAccountIndex + `
local a = redis.call('GET', KEYS[1])
if not a then return 0 end
redis.call('DEL', KEYS[1])
local index = ARGV[1] .. cjson.decode(a).userId
upgradeAccountIndex(index)
redis.call('ZREM', index, ARGV[2])
return 1
`

// getUserAccount: KEYS[1] account index; ARGV[1] account key prefix,
// ARGV[2] member prefix ("<provider>:"), ARGV[3] user id. Returns {member,
// account JSON} of the user's latest link at the provider. It reads the
// user's index, not every account.
const luaGetUserAccount = luaAccountIndex + `
for _, m in ipairs(accountMembers(KEYS[1])) do
  if string.sub(m, 1, #ARGV[2]) == ARGV[2] then
    local v = redis.call('GET', ARGV[1] .. m)
    if v and cjson.decode(v).userId == ARGV[3] then return {m, v} end
  end
end
return false
`

// updateAccount: KEYS[1] account; ARGV[1] JSON object of the token fields.
// Writes the stored userId, type, provider and providerAccountId followed
// by the new token fields, in one SET, and returns the new account JSON.
// Only strings go through cjson: it would round expires_at to 14 digits.
const luaUpdateAccount = `
local old = redis.call('GET', KEYS[1])
if not old then return false end
local o = cjson.decode(old)
local out = '{"userId":' .. cjson.encode(o.userId) .. ',"type":' .. cjson.encode(o.type) ..
  ',"provider":' .. cjson.encode(o.provider) .. ',"providerAccountId":' .. cjson.encode(o.providerAccountId)
if ARGV[1] == '{}' then out = out .. '}' else out = out .. ',' .. string.sub(ARGV[1], 2) end
redis.call('SET', KEYS[1], out)
return out
`

// createSession: KEYS[1] user, KEYS[2] session, KEYS[3] session index;
// ARGV[1] session JSON, ARGV[2] token, ARGV[3] expires (ms), ARGV[4] min
// TTL (ms).
const luaCreateSession = luaDeadline + luaIndexSession + `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local d, now = deadline(ARGV[3], ARGV[4])
if not redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', string.format('%.0f', d - now)) then return -1 end
indexSession(KEYS[3], ARGV[2], d, now)
return 1
`

// getSessionAndUser: KEYS[1] session; ARGV[1] user key prefix. Returns
// {session JSON, user JSON}: one round trip for GET /session.
const luaGetSessionAndUser = `
local s = redis.call('GET', KEYS[1])
if not s then return false end
local u = redis.call('GET', ARGV[1] .. cjson.decode(s).userId)
if not u then return false end
return {s, u}
`

// updateSession: KEYS[1] session, KEYS[2] session claims; ARGV[1]
// expires (ISO 8601), ARGV[2] expires (ms), ARGV[3] min TTL (ms), ARGV[4]
// session index prefix, ARGV[5] token. Returns the new session JSON. The
// claims, if any, get the session's new expiry: the same absolute
// millisecond (PEXPIREAT), as relative TTLs set by two commands can land
// a millisecond apart when the server's clock ticks between them.
const luaUpdateSession = luaDeadline + luaIndexSession + `
local s = redis.call('GET', KEYS[1])
if not s then return false end
local obj = cjson.decode(s)
obj.expires = ARGV[1]
local out = cjson.encode(obj)
local d, now = deadline(ARGV[2], ARGV[3])
local at = string.format('%.0f', d)
redis.call('SET', KEYS[1], out)
redis.call('PEXPIREAT', KEYS[1], at)
redis.call('PEXPIREAT', KEYS[2], at)
indexSession(ARGV[4] .. obj.userId, ARGV[5], d, now)
return out
`

// deleteSession: KEYS[1] session, KEYS[2] session claims; ARGV[1]
// session index prefix, ARGV[2] token. Returns the deleted session JSON.
const luaDeleteSession = `
local s = redis.call('GET', KEYS[1])
if not s then return false end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', ARGV[1] .. cjson.decode(s).userId, ARGV[2])
return s
`

// setSessionClaims: KEYS[1] session, KEYS[2] session claims; ARGV[1]
// claims JSON. The claims key expires with the session's, at the same
// absolute millisecond: both keys get PEXPIREAT of the session's deadline
// read from the server's clock (TIME + PTTL; the session's may move by a
// millisecond). No session (status not found) stores nothing.
const luaSetSessionClaims = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -2 then return 0 end
redis.call('SET', KEYS[2], ARGV[1])
if ttl >= 0 then
  local t = redis.call('TIME')
  local at = string.format('%.0f', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl)
  redis.call('PEXPIREAT', KEYS[1], at)
  redis.call('PEXPIREAT', KEYS[2], at)
end
return 1
`

// createVerificationToken: KEYS[1] token; ARGV[1] token JSON, ARGV[2]
// expires (ms), ARGV[3] min TTL (ms).
const luaCreateVerificationToken = luaDeadline + `
local d, now = deadline(ARGV[2], ARGV[3])
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', string.format('%.0f', d - now)) then return -1 end
return 1
`

// useVerificationToken: KEYS[1] token. Returns the deleted token JSON.
// GET and DEL in one script: of concurrent callers exactly one gets it.
const luaUseVerificationToken = `
local v = redis.call('GET', KEYS[1])
if not v then return false end
redis.call('DEL', KEYS[1])
return v
`

// scripts holds one [goredis.Script] per operation. Scripts cache their
// SHA-1, so each [Adapter] has its own set rather than sharing globals.
type scripts struct {
	createUser, getUserByEmail, getUserByAccount, updateUser, deleteUser *goredis.Script
	linkAccount, unlinkAccount, getUserAccount, updateAccount            *goredis.Script
	createSession, getSessionAndUser, updateSession, deleteSession       *goredis.Script
	createVerificationToken, useVerificationToken, setSessionClaims      *goredis.Script
}

func newScripts() scripts {
	return scripts{
		createUser:              goredis.NewScript(luaCreateUser),
		getUserByEmail:          goredis.NewScript(luaGetUserByEmail),
		getUserByAccount:        goredis.NewScript(luaGetUserByAccount),
		updateUser:              goredis.NewScript(luaUpdateUser),
		deleteUser:              goredis.NewScript(luaDeleteUser),
		linkAccount:             goredis.NewScript(luaLinkAccount),
		unlinkAccount:           goredis.NewScript(luaUnlinkAccount),
		getUserAccount:          goredis.NewScript(luaGetUserAccount),
		updateAccount:           goredis.NewScript(luaUpdateAccount),
		createSession:           goredis.NewScript(luaCreateSession),
		getSessionAndUser:       goredis.NewScript(luaGetSessionAndUser),
		updateSession:           goredis.NewScript(luaUpdateSession),
		deleteSession:           goredis.NewScript(luaDeleteSession),
		createVerificationToken: goredis.NewScript(luaCreateVerificationToken),
		useVerificationToken:    goredis.NewScript(luaUseVerificationToken),
		setSessionClaims:        goredis.NewScript(luaSetSessionClaims),
	}
}
