package nextauth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
)

// readSession is GET/POST /session's work for either strategy: the session
// of r (nil for none) and the Set-Cookie values to send.
func (h *Handler) readSession(ctx context.Context, r *http.Request, trigger string, data any) (*Session, []string) {
	if h.database() {
		return h.dbSession(ctx, r, trigger, data)
	}
	return h.jwtSession(ctx, r, trigger, data)
}

// dbSession reads a database session (core.md §8.3, flows.md §9): expired
// sessions are deleted, the expiry is extended every UpdateAge, and the
// cookie's expiry slides on every read.
func (h *Handler) dbSession(ctx context.Context, r *http.Request, trigger string, data any) (*Session, []string) {
	c := h.siteFor(r).cookies.sessionToken
	chunks := cookie.ReadChunks(r, c.name)
	token := chunks.Value
	if token == "" {
		return nil, nil
	}
	a := h.cfg.Adapter
	stored, user, err := a.GetSessionAndUser(ctx, token)
	if errors.Is(err, ErrNotFound) {
		return nil, chunks.Clean(c.opts)
	}
	if err != nil {
		h.logError(ctx, "SESSION_ERROR", err)
		return nil, nil
	}
	now := h.now()
	if stored.Expires.Before(now) {
		if _, err := a.DeleteSession(ctx, token); err != nil && !errors.Is(err, ErrNotFound) {
			h.logError(ctx, "SESSION_ERROR", err)
		}
		return nil, chunks.Clean(c.opts)
	}
	maxAge, updateAge := h.cfg.Session.MaxAge, h.cfg.Session.UpdateAge
	if due := stored.Expires.Add(-maxAge).Add(updateAge); !due.After(now) {
		if _, err := a.UpdateSession(ctx, token, now.Add(maxAge)); err != nil {
			h.logError(ctx, "SESSION_ERROR", err)
			return nil, nil
		}
	}
	sess := &Session{
		User:    &SessionUser{Name: user.Name, Email: user.Email, Image: user.Image},
		Expires: stored.Expires.Truncate(time.Millisecond),
	}
	sess, err = h.sessionCallback(ctx, SessionParams{Session: sess, User: &user, Trigger: trigger, NewSession: data})
	if err != nil {
		h.logError(ctx, "SESSION_ERROR", err)
		return nil, nil
	}
	set := []string{cookie.Serialize(c.name, token, c.opts, now.Add(maxAge))}
	if f := h.cfg.Events.Session; f != nil && sess != nil {
		h.event(ctx, "SESSION", func() { f(ctx, SessionEvent{Session: sess}) })
	}
	return sess, set
}

// newSessionToken makes a database session token: a random UUID v4 unless
// Session.GenerateSessionToken says otherwise.
func (h *Handler) newSessionToken() (string, error) {
	if g := h.cfg.Session.GenerateSessionToken; g != nil {
		return g()
	}
	return uuid4(h.cfg.Rand)
}

// uuid4 is a random RFC 4122 version 4 UUID in lower-case hex.
func uuid4(rnd io.Reader) (string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(rnd, b[:]); err != nil {
		return "", fmt.Errorf("nextauth: random: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[x>>4], hex[x&0xf])
	}
	return string(out), nil
}

// createDBSession starts a database session for userID and queues its
// cookie (not chunked; Expires = the session's expiry).
func (h *Handler) createDBSession(s *state, userID string) error {
	token, err := h.newSessionToken()
	if err != nil {
		return err
	}
	stored, err := h.cfg.Adapter.CreateSession(s.ctx, AdapterSession{SessionToken: token, UserID: userID, Expires: h.now().Add(h.cfg.Session.MaxAge)})
	if err != nil {
		return err
	}
	c := s.site.cookies.sessionToken
	chunks := cookie.ReadChunks(s.r, c.name)
	s.addCookies(chunks.Write(c.name, stored.SessionToken, c.opts, stored.Expires)...)
	return nil
}

// signOutDB deletes the database session of the request (core.md §9.2).
func (h *Handler) signOutDB(s *state, token string) {
	deleted, err := h.cfg.Adapter.DeleteSession(s.ctx, token)
	var ev SignOutEvent
	switch {
	case err == nil:
		ev.Session = &deleted
	case errors.Is(err, ErrNotFound):
	default:
		h.log.LogAttrs(s.ctx, slog.LevelError, "sign-out failed", slog.String("code", "SIGNOUT_ERROR"), slog.String("err", err.Error()))
	}
	if f := h.cfg.Events.SignOut; f != nil {
		h.event(s.ctx, "SIGN_OUT", func() { f(s.ctx, ev) })
	}
}
