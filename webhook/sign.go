// Package webhook sends signed HTTP webhooks per the Standard Webhooks
// specification (docs/events.md), and delivers the [nextauth.Events] as
// webhooks, durably when a database keeps the queue.
//
// # Signing
//
// A request carries three headers:
//
//	webhook-id:        the message id (the same id on every retry of one message)
//	webhook-timestamp: the send time, in whole seconds since the Unix epoch
//	webhook-signature: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body))
//
// The secret is written "whsec_" + base64 of the key bytes (the form the
// Standard Webhooks libraries generate and read); [ParseSecret] reads it.
// A receiver recomputes the signature over the raw body and compares it in
// constant time, and should refuse timestamps far from its clock (the
// libraries allow five minutes) and ids it has already handled.
//
// # Events
//
// A [Dispatcher] turns the handler's events (sign-in, sign-out, user
// created, user updated, account linked) into messages in a [Queue],
// inserted before the request answers, and a worker ([Dispatcher.Run])
// sends them, retrying with capped exponential backoff until the receiver
// answers 2xx. Queues: [NewSQLQueue] (SQLite, PostgreSQL, MySQL/MariaDB,
// table nextauth_events), [NewRedisQueue] (a stream with a consumer
// group) and [NewMemoryQueue] (lost when the process ends).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SecretPrefix starts a secret in its written form.
const SecretPrefix = "whsec_"

// Header names of the Standard Webhooks specification.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// minKeyBytes and maxKeyBytes bound a secret's key: the specification asks
// for 24 to 64 random bytes.
const (
	minKeyBytes = 24
	maxKeyBytes = 64
)

// ErrSecret is the error of a secret that is not "whsec_" + base64 of 24
// to 64 bytes.
var ErrSecret = errors.New(`webhook: the secret must be "whsec_" followed by the base64 of 24 to 64 random bytes, e.g. "whsec_" + $(openssl rand -base64 32)`)

// ParseSecret reads a secret written "whsec_" + base64 (standard
// alphabet, padded) of 24 to 64 key bytes and returns the key.
func ParseSecret(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(s, SecretPrefix)
	if !ok {
		return nil, ErrSecret
	}
	key, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(key) < minKeyBytes || len(key) > maxKeyBytes {
		return nil, ErrSecret
	}
	return key, nil
}

// Signature returns the webhook-signature value of the message id sent at
// ts with body: "v1," + base64(HMAC-SHA256(key, id.timestamp.body)).
func Signature(key []byte, id string, ts time.Time, body []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Sign sets the three webhook headers of r, whose body is body.
func Sign(r *http.Request, key []byte, id string, ts time.Time, body []byte) {
	r.Header.Set(HeaderID, id)
	r.Header.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	r.Header.Set(HeaderSignature, Signature(key, id, ts, body))
}

// Verify checks the webhook headers of a received message against key:
// a v1 signature among the space-separated ones in webhook-signature that
// matches, and a timestamp within tolerance of now. It is the receiver's
// side, used by tests and by Go receivers.
func Verify(key []byte, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, tsText, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id == "" || tsText == "" || sigs == "" {
		return errors.New("webhook: missing webhook-id, webhook-timestamp or webhook-signature")
	}
	secs, err := strconv.ParseInt(tsText, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook: bad webhook-timestamp %q", tsText)
	}
	ts := time.Unix(secs, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return fmt.Errorf("webhook: timestamp %d is too far from now", secs)
	}
	want := Signature(key, id, ts, body)
	for sig := range strings.FieldsSeq(sigs) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhook: no signature matches")
}
