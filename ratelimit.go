package nextauth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"
)

// RateStore keeps rate-limit buckets and lockout records. The default
// (a nil Config.RateStore) is in memory, per process; a fleet shares one through Redis or PostgreSQL
// (adapter/redis and adapter/postgres provide one) so that it enforces one
// limit. Implementations must be safe for concurrent use, and each call
// must be atomic: two servers calling at once must see each other's effect
// (adapter/ratestoretest checks it).
//
// The handler gives a store only keys of at most 128 bytes (a short kind,
// ":" and the base64url SHA-256 of the rest), whatever a client sends.
type RateStore interface {
	// Take takes one token from key's bucket, which holds limit tokens and
	// refills completely over window, and reports whether there was one.
	Take(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
	// Refund gives one token back to the bucket of key, limit and window
	// (the one Take took from), never beyond limit; a bucket that is full,
	// or forgotten, stays as it is. Credentials sign-in takes its tokens
	// before the password check, so that parallel guesses cannot slip
	// through, and refunds them when the password was right: only failures
	// count.
	Refund(ctx context.Context, key string, limit int, window time.Duration) error
	// Attempt decides, in one atomic step, whether a credentials sign-in
	// on key's account may check its password, and counts it as a failure
	// in advance (a right password then calls Reset). The record holds the
	// failures n and the time the account is locked until:
	//
	//   - while now is before the lock's end, Attempt reports false and
	//     changes nothing;
	//   - otherwise it adds one to n and, once n reaches maxFailures, locks
	//     the account for duration doubled for each failure beyond
	//     maxFailures (duration·2^(n−maxFailures)), at most maxDuration;
	//     the record is forgotten (n back to 0) maxDuration after this last
	//     counted failure; it reports true.
	//
	// maxFailures is at least 1 and duration and maxDuration are positive
	// ([Lockout]'s fields). Concurrent calls on one key are serialised: of
	// any number of calls on a fresh key within the first lock, exactly
	// maxFailures report true.
	Attempt(ctx context.Context, key string, maxFailures int, duration, maxDuration time.Duration) (bool, error)
	// Reset forgets key's lockout record (its failures and lock).
	Reset(ctx context.Context, key string) error
}

// maxIdentifierBytes bounds the account identifier of a credentials
// sign-in: a longer one is refused before any limit is counted or
// anything stored.
const maxIdentifierBytes = 256

// defaultClientIPv6Prefix is the network per-client limits count an IPv6
// client by when Config.ClientIPv6Prefix is 0.
const defaultClientIPv6Prefix = 64

// rateKey is the key a RateStore keeps for key under kind: kind, ":" and
// the unpadded base64url SHA-256 of key, so that no input makes a store's
// key long (a 6 KB key fails PostgreSQL's index, and a 900 KB user name
// must not become a 900 KB Redis key) or lets one kind's key collide with
// another's.
func rateKey(kind, key string) string {
	sum := sha256.Sum256([]byte(key))
	return kind + ":" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// rateClient is the client per-client limits count: the client's address
// (see clientIP), or for IPv6 the network of Config.ClientIPv6Prefix bits
// around it, since one host usually holds a whole /64 and could otherwise
// rotate through its addresses.
func (h *Handler) rateClient(r *http.Request) string {
	ip := h.clientIP(r)
	a, err := netip.ParseAddr(ip)
	if err != nil || !a.Is6() || a.Is4In6() {
		return ip
	}
	bits := h.cfg.ClientIPv6Prefix
	if bits == 0 {
		bits = defaultClientIPv6Prefix
	}
	p, err := a.WithZone("").Prefix(bits)
	if err != nil {
		return ip
	}
	return p.String()
}

// allow takes a token of key's bucket (limit per window); a negative limit
// is off. A store failure lets the request through (and is logged): a
// broken limiter must not lock everyone out.
func (h *Handler) allow(s *state, kind, key string, limit int, window time.Duration) bool {
	if limit < 0 {
		return true
	}
	return h.takeToken(s, kind, rateKey(kind, key), limit, window)
}

// takeToken takes a token of the bucket stored under storeKey.
func (h *Handler) takeToken(s *state, kind, storeKey string, limit int, window time.Duration) bool {
	ok, err := h.rates.Take(s.ctx, storeKey, limit, window)
	if err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		return true
	}
	if !ok {
		h.rateLimited(s, kind)
	}
	return ok
}

// rateLimited logs and reports a refusal by the limit kind.
func (h *Handler) rateLimited(s *state, kind string) {
	h.log.LogAttrs(s.ctx, slog.LevelWarn, "rate limited", slog.String("code", "RATE_LIMITED"), slog.String("limit", kind))
	if o := h.cfg.Observer; o != nil {
		o.RateLimited(kind)
	}
}

// takenToken is a token taken from a bucket that may be given back.
type takenToken struct {
	key   string // as stored
	limit int
}

// take is allow for a token that may be refunded: a token it took is
// added to taken.
func (h *Handler) take(s *state, taken *[]takenToken, kind, key string, limit int, window time.Duration) bool {
	if limit < 0 {
		return true
	}
	storeKey := rateKey(kind, key)
	ok := h.takeToken(s, kind, storeKey, limit, window)
	if ok {
		*taken = append(*taken, takenToken{storeKey, limit})
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

// lockoutKey is the lockout record of one credentials account.
func lockoutKey(providerID, account string) string {
	// The id's length keeps "a:b"+"c" apart from "a"+"b:c".
	return rateKey("lockout", strconv.Itoa(len(providerID))+":"+providerID+":"+account)
}

// lockoutAllows counts a credentials sign-in on the account of key as a
// failure before its password is checked and reports whether the account
// is open (RateStore.Attempt). Off (always true) with a negative
// MaxFailures; a store failure lets the attempt through and is logged.
func (h *Handler) lockoutAllows(s *state, key string) bool {
	lo := h.cfg.Lockout
	if lo.MaxFailures < 0 {
		return true
	}
	ok, err := h.rates.Attempt(s.ctx, key, lo.MaxFailures, lo.Duration, lo.MaxDuration)
	if err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
		return true
	}
	return ok
}

// clearLockout forgets the account's failures after a right password.
func (h *Handler) clearLockout(s *state, key string) {
	if h.cfg.Lockout.MaxFailures < 0 {
		return
	}
	if err := h.rates.Reset(s.ctx, key); err != nil {
		h.logError(s.ctx, "RATE_LIMIT_ERROR", err)
	}
}

// decoyCheck does, for a sign-in refused because its account is locked,
// the password check work of a provider whose check time would otherwise
// reveal the lock ([CredentialsDecoy]); its outcome is never looked at. A
// panic in it is logged.
func (h *Handler) decoyCheck(s *state, p CredentialsProvider, creds Credentials) {
	d, ok := p.(CredentialsDecoy)
	if !ok {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			h.logError(s.ctx, "CREDENTIALS_AUTHORIZE_ERROR", fmt.Errorf("decoy check: %v", v))
		}
	}()
	d.DecoyAuthorize(s.ctx, creds, s.r)
}

// identifierField is the submitted field naming the account of a
// credentials provider, for the per-account limit and lockout: the
// provider's [CredentialsIdentifier] field, else "username" if it declares
// that field, else "email" if it declares that one, else its first
// declared field that is not a password; "" (no per-account protection)
// for a provider declaring no fields.
func identifierField(p CredentialsProvider) string {
	if ci, ok := p.(CredentialsIdentifier); ok {
		if f := ci.IdentifierField(); f != "" {
			return f
		}
	}
	fields := p.Fields()
	for _, name := range [...]string{"username", "email"} {
		for _, f := range fields {
			if f.Name == name {
				return name
			}
		}
	}
	for _, f := range fields {
		if f.Type != "password" {
			return f.Name
		}
	}
	return ""
}
