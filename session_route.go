package nextauth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/jwt"
)

// getSession answers GET /session (core.md §8.1, §8.2).
func (h *Handler) getSession(s *state) {
	sess, set := h.readSession(s.ctx, s.r, "", nil)
	s.addCookies(set...)
	s.flushCookies()
	noCache(s.w)
	h.writeSession(s, sess)
}

// postSession answers POST /session, the client's update() (core.md §8.4).
func (h *Handler) postSession(s *state) {
	if !s.csrfOK {
		s.flushCookies()
		writeJSON(s.w, http.StatusBadRequest, []byte("{}"))
		return
	}
	sess, set := h.readSession(s.ctx, s.r, TriggerUpdate, s.body["data"])
	s.addCookies(set...)
	s.flushCookies()
	h.writeSession(s, sess)
}

func (h *Handler) writeSession(s *state, sess *Session) {
	if sess == nil {
		writeJSON(s.w, http.StatusOK, []byte("{}"))
		return
	}
	b, err := sess.appendJSON(make([]byte, 0, 256))
	if err != nil {
		h.logError(s.ctx, "SESSION_ERROR", err)
		writeJSON(s.w, http.StatusOK, []byte("{}"))
		return
	}
	writeJSON(s.w, http.StatusOK, b)
}

// jwtSession reads the session token of r, runs the jwt and session
// callbacks and returns the session with the Set-Cookie values that re-issue
// the token (or clear a bad one). A nil session means none.
func (h *Handler) jwtSession(ctx context.Context, r *http.Request, trigger string, data any) (*Session, []string) {
	c := h.siteFor(r).cookies.sessionToken
	chunks := cookie.ReadChunks(r, c.name)
	if chunks.Value == "" {
		return nil, nil
	}
	claims, err := h.codec.Decode(chunks.Value)
	if err != nil {
		h.log.LogAttrs(ctx, slog.LevelWarn, "invalid session token", slog.String("code", "JWT_SESSION_ERROR"), slog.String("err", err.Error()))
		return nil, chunks.Clean(c.opts)
	}
	if revoked, err := h.revoked(ctx, claims); err != nil {
		// The store is unreachable: no session now, but keep the cookie.
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return nil, nil
	} else if revoked {
		return nil, chunks.Clean(c.opts)
	}
	h.refreshClaims(ctx, claims)
	token, err := h.jwtCallback(ctx, JWTParams{Token: claims, Trigger: trigger, Session: data})
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return nil, chunks.Clean(c.opts)
	}
	expires := h.now().Add(h.cfg.Session.MaxAge).Truncate(time.Millisecond)
	sess := &Session{User: sessionUser(claims), Expires: expires}
	sess, err = h.sessionCallback(ctx, SessionParams{Session: sess, Token: token, Trigger: trigger, NewSession: data})
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return nil, chunks.Clean(c.opts)
	}
	if token == nil {
		// NextAuth returns the session built so far and drops the cookie.
		h.logError(ctx, "JWT_SESSION_ERROR", fmt.Errorf("jwt callback returned no token"))
		return sess, chunks.Clean(c.opts)
	}
	encoded, err := h.codec.Encode(token, h.cfg.Session.MaxAge)
	if err != nil {
		h.logError(ctx, "JWT_SESSION_ERROR", err)
		return sess, chunks.Clean(c.opts)
	}
	set := chunks.Write(c.name, encoded, c.opts, expires)
	if f := h.cfg.Events.Session; f != nil && sess != nil {
		h.event(ctx, "SESSION", func() { f(ctx, SessionEvent{Session: sess, Token: token}) })
	}
	return sess, set
}

// sessionUser is the default session user taken from token claims.
func sessionUser(c jwt.Claims) *SessionUser {
	u := &SessionUser{}
	u.Name, _ = c["name"].(string)
	u.Email, _ = c["email"].(string)
	u.Image, _ = c["picture"].(string)
	return u
}

// sessionCallback runs Callbacks.Session or returns the session unchanged.
func (h *Handler) sessionCallback(ctx context.Context, p SessionParams) (sess *Session, err error) {
	if h.cfg.Callbacks.Session == nil {
		return p.Session, nil
	}
	defer func() {
		if r := recover(); r != nil {
			sess, err = nil, fmt.Errorf("session callback panicked: %v", r)
		}
	}()
	return h.cfg.Callbacks.Session(ctx, p)
}

// postSignOut answers POST /signout (core.md §9.2).
func (h *Handler) postSignOut(s *state) {
	if !s.csrfOK {
		h.redirect(s, s.site.url.base()+"/signout?csrf=true", 0)
		return
	}
	c := s.site.cookies.sessionToken
	chunks := cookie.ReadChunks(s.r, c.name)
	if chunks.Value == "" {
		h.redirect(s, s.callback, 0)
		return
	}
	if h.database() {
		h.signOutDB(s, chunks.Value)
	} else if claims, err := h.codec.Decode(chunks.Value); err != nil {
		h.log.LogAttrs(s.ctx, slog.LevelWarn, "sign-out with an invalid session token", slog.String("code", "SIGNOUT_ERROR"), slog.String("err", err.Error()))
	} else {
		if err := h.revokeClaims(s.ctx, claims); err != nil {
			h.logError(s.ctx, "SIGNOUT_ERROR", err)
		}
		if f := h.cfg.Events.SignOut; f != nil {
			h.event(s.ctx, "SIGN_OUT", func() { f(s.ctx, SignOutEvent{Token: claims}) })
		}
	}
	s.addCookies(chunks.Clean(c.opts)...)
	h.redirect(s, s.callback, 0)
}
