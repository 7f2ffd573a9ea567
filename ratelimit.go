package nextauth

import (
	"context"
	"log/slog"
	"time"
)

// RateStore keeps rate-limit buckets and failure counters. The default
// (a nil Config.RateStore) is in memory, per process; a fleet shares one through Redis or PostgreSQL
// (adapter/redis and adapter/postgres provide one) so that it enforces one
// limit. Implementations must be safe for concurrent use.
type RateStore interface {
	// Take takes one token from key's bucket, which holds limit tokens and
	// refills completely over window, and reports whether there was one.
	Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
	// Incr adds one to key's counter, which is forgotten ttl after its last
	// increment, and returns the new count.
	Incr(ctx context.Context, key string, ttl time.Duration) (int64, error)
	// Count returns key's counter (0 when absent or forgotten).
	Count(ctx context.Context, key string) (int64, error)
	// Reset forgets key's counter.
	Reset(ctx context.Context, key string) error
	// Refund gives one token back to the bucket of key, limit and window
	// (the one Take took from), never beyond limit; a bucket that is full,
	// or forgotten, stays as it is. Credentials sign-in takes its tokens
	// before the password check, so that parallel guesses cannot slip
	// through, and refunds them when the password was right: only failures
	// count.
	Refund(ctx context.Context, key string, limit int, window time.Duration) error
}

// allow takes a token of key's bucket (limit per window); a negative limit
// is off. A store failure lets the request through (and is logged): a
// broken limiter must not lock everyone out.
func (h *Handler) allow(s *state, kind, key string, limit int, window time.Duration) bool {
	if limit < 0 {
		return true
	}
	ok, err := h.rates.Take(s.ctx, key, limit, window)
	if err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		return true
	}
	if !ok {
		h.log.LogAttrs(s.ctx, slog.LevelWarn, "rate limited", slog.String("code", "RATE_LIMITED"), slog.String("limit", kind))
		if o := h.cfg.Observer; o != nil {
			o.RateLimited(kind)
		}
	}
	return ok
}

// takenToken is a token taken from a bucket that may be given back.
type takenToken struct {
	key   string
	limit int
}

// take is allow for a token that may be refunded: a token it took is
// added to taken.
func (h *Handler) take(s *state, taken *[]takenToken, kind, key string, limit int, window time.Duration) bool {
	if limit < 0 {
		return true
	}
	ok := h.allow(s, kind, key, limit, window)
	if ok {
		*taken = append(*taken, takenToken{key, limit})
	}
	return ok
}

// refund gives the taken tokens back. A store failure is logged: the
// attempt then counts, as it did before the password check.
func (h *Handler) refund(s *state, taken []takenToken, window time.Duration) {
	for _, t := range taken {
		if err := h.rates.Refund(s.ctx, t.key, t.limit, window); err != nil {
			h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		}
	}
}

// lockoutKey is the failure counter of one credentials account.
func lockoutKey(providerID, account string) string { return "cred:f:" + providerID + ":" + account }

// lockedOut reports whether the account is locked: it has failed at least
// MaxFailures times and the lock, Duration doubled for each failure beyond
// that (up to MaxDuration), has not run out since the last failure. The
// counter itself expires then, so a quiet account unlocks by itself.
func (h *Handler) lockedOut(s *state, key string) bool {
	lo := h.cfg.Lockout
	if lo.MaxFailures < 0 {
		return false
	}
	n, err := h.rates.Count(s.ctx, key)
	if err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		return false
	}
	return n >= int64(lo.MaxFailures)
}

// recordFailure counts a failed credentials sign-in; the counter lives as
// long as the lock it may cause.
func (h *Handler) recordFailure(s *state, key string) {
	lo := h.cfg.Lockout
	if lo.MaxFailures < 0 {
		return
	}
	// The counter's lifetime grows with it: below the threshold it is the
	// window failures are counted in (MaxDuration), above it the lock.
	n, err := h.rates.Count(s.ctx, key)
	if err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		return
	}
	ttl := lo.MaxDuration
	if over := n + 1 - int64(lo.MaxFailures); over >= 0 {
		ttl = lo.Duration
		for i := int64(0); i < over && ttl < lo.MaxDuration; i++ {
			ttl *= 2
		}
		ttl = min(ttl, lo.MaxDuration)
	}
	if _, err := h.rates.Incr(s.ctx, key, ttl); err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
	}
}
