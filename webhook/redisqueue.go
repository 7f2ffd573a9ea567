package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// RedisQueue is a [Queue] in Redis: new messages are entries of a stream
// (PREFIX+"events") read by the consumer group "nextauth"; a message
// waiting for a retry is in a sorted set (PREFIX+"events:retry", scored by
// its due time) and goes back to the stream when due. Claim takes entries
// other consumers left unacknowledged longer than the lease (XAUTOCLAIM),
// then new ones (XREADGROUP); Done acknowledges and deletes the entry
// (XACK, XDEL); Retry moves it to the sorted set in the same transaction.
//
// The lease of a stream entry is measured by Redis's clock (its idle
// time); retry times by the callers'.
type RedisQueue struct {
	client   goredis.UniversalClient
	stream   string
	retry    string
	consumer string
}

var _ Queue = (*RedisQueue)(nil)

// redisGroup is the consumer group of the events stream.
const redisGroup = "nextauth"

// NewRedisQueue returns the queue under keyPrefix (e.g. "nextauth:") in
// client, which the caller owns, and creates the stream's consumer group
// when missing. Each queue is a consumer of its own.
func NewRedisQueue(ctx context.Context, client goredis.UniversalClient, keyPrefix string) (*RedisQueue, error) {
	q := &RedisQueue{client: client, stream: keyPrefix + "events", retry: keyPrefix + "events:retry", consumer: NewID()}
	err := client.XGroupCreateMkStream(ctx, q.stream, redisGroup, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return nil, fmt.Errorf("webhook: create the events consumer group: %w", err)
	}
	return q, nil
}

// redisDue moves the messages of the retry set due by ARGV[1] (ms) to the
// stream, at most ARGV[2] of them, atomically.
var redisDue = goredis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  local e = cjson.decode(m)
  redis.call('XADD', KEYS[2], '*', 'id', e.id, 'type', e.type, 'body', e.body, 'attempts', tostring(e.attempts))
  redis.call('ZREM', KEYS[1], m)
end
return #due`)

// Enqueue implements [Queue].
func (q *RedisQueue) Enqueue(ctx context.Context, m Message) error {
	err := q.client.XAdd(ctx, &goredis.XAddArgs{Stream: q.stream, Values: []any{
		"id", m.ID, "type", m.Type, "body", m.Body, "attempts", strconv.Itoa(m.Attempts),
	}}).Err()
	if err != nil {
		return fmt.Errorf("webhook: enqueue %s: %w", m.ID, err)
	}
	return nil
}

// Claim implements [Queue].
func (q *RedisQueue) Claim(ctx context.Context, now time.Time, lease time.Duration, max int) ([]Claim, error) {
	if err := redisDue.Run(ctx, q.client, []string{q.retry, q.stream}, now.UnixMilli(), max).Err(); err != nil {
		return nil, fmt.Errorf("webhook: claim: move due retries: %w", err)
	}
	msgs, _, err := q.client.XAutoClaim(ctx, &goredis.XAutoClaimArgs{
		Stream: q.stream, Group: redisGroup, Consumer: q.consumer, MinIdle: lease, Start: "0-0", Count: int64(max),
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("webhook: claim: %w", err)
	}
	if len(msgs) < max {
		res, err := q.client.XReadGroup(ctx, &goredis.XReadGroupArgs{
			Group: redisGroup, Consumer: q.consumer, Streams: []string{q.stream, ">"}, Count: int64(max - len(msgs)), Block: -1,
		}).Result()
		if err != nil && !errors.Is(err, goredis.Nil) {
			return nil, fmt.Errorf("webhook: claim: %w", err)
		}
		for _, s := range res {
			msgs = append(msgs, s.Messages...)
		}
	}
	out := make([]Claim, 0, len(msgs))
	for _, x := range msgs {
		c := Claim{Lease: x.ID}
		c.ID, _ = x.Values["id"].(string)
		c.Type, _ = x.Values["type"].(string)
		body, _ := x.Values["body"].(string)
		c.Body = []byte(body)
		a, _ := x.Values["attempts"].(string)
		c.Attempts, _ = strconv.Atoi(a)
		if c.ID == "" {
			// Not one of ours (or trimmed): drop it rather than loop on it.
			q.client.XAck(ctx, q.stream, redisGroup, x.ID)
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// Done implements [Queue].
func (q *RedisQueue) Done(ctx context.Context, c Claim) error {
	_, err := q.client.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.XAck(ctx, q.stream, redisGroup, c.Lease)
		p.XDel(ctx, q.stream, c.Lease)
		return nil
	})
	if err != nil {
		return fmt.Errorf("webhook: acknowledge %s: %w", c.ID, err)
	}
	return nil
}

// redisRetry is a message waiting in the retry set.
type redisRetry struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Body     string `json:"body"`
	Attempts int    `json:"attempts"`
}

// Retry implements [Queue]. The entry leaves the stream only if this
// consumer still holds it (another may have claimed it after the lease).
func (q *RedisQueue) Retry(ctx context.Context, c Claim, due time.Time) error {
	m, err := json.Marshal(redisRetry{ID: c.ID, Type: c.Type, Body: string(c.Body), Attempts: c.Attempts + 1})
	if err != nil {
		return fmt.Errorf("webhook: reschedule %s: %w", c.ID, err)
	}
	if err := redisRetryScript.Run(ctx, q.client, []string{q.stream, q.retry}, c.Lease, q.consumer, due.UnixMilli(), m).Err(); err != nil {
		return fmt.Errorf("webhook: reschedule %s: %w", c.ID, err)
	}
	return nil
}

// redisRetryScript moves stream entry ARGV[1], if consumer ARGV[2] holds
// it, to the retry set with score ARGV[3] and member ARGV[4].
var redisRetryScript = goredis.NewScript(`
local p = redis.call('XPENDING', KEYS[1], '` + redisGroup + `', ARGV[1], ARGV[1], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
redis.call('XACK', KEYS[1], '` + redisGroup + `', ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
return 1`)

// Pending implements [Queue].
func (q *RedisQueue) Pending(ctx context.Context) (int64, error) {
	var n, r *goredis.IntCmd
	_, err := q.client.Pipelined(ctx, func(p goredis.Pipeliner) error {
		n = p.XLen(ctx, q.stream)
		r = p.ZCard(ctx, q.retry)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("webhook: count pending: %w", err)
	}
	return n.Val() + r.Val(), nil
}
