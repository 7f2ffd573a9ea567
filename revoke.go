package nextauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/jwt"
)

// Claims that make JWT sessions revocable (set when the Adapter implements
// JWTRevoker): a stable session id and the sign-in time, both kept when
// the token is re-issued.
const (
	claimSID      = "sid"
	claimAuthTime = "auth_time"
)

// ErrNotSupported is returned when the adapter lacks what an operation
// needs (SessionLister, JWTRevoker).
var ErrNotSupported = errors.New("nextauth: not supported by this adapter")

// revoker is the adapter's JWTRevoker under the JWT strategy, or nil.
func (h *Handler) revoker() JWTRevoker {
	if h.database() {
		return nil
	}
	r, _ := h.cfg.Adapter.(JWTRevoker)
	return r
}

// addSessionID gives a new JWT session its id and sign-in time.
func (h *Handler) addSessionID(c jwt.Claims) error {
	if h.revoker() == nil {
		return nil
	}
	sid, err := uuid4(h.cfg.Rand)
	if err != nil {
		return err
	}
	c[claimSID] = sid
	c[claimAuthTime] = float64(h.now().Unix())
	return nil
}

// revoked reports whether a decoded JWT session has been revoked. Tokens
// minted elsewhere (no sid) are checked against "sign out everywhere" by
// their iat.
func (h *Handler) revoked(ctx context.Context, c jwt.Claims) (bool, error) {
	rv := h.revoker()
	if rv == nil {
		return false, nil
	}
	sid, _ := c[claimSID].(string)
	sub, _ := c["sub"].(string)
	at, ok := c[claimAuthTime].(float64)
	if !ok {
		at, _ = c["iat"].(float64)
	}
	return rv.JWTRevoked(ctx, sid, sub, time.Unix(int64(at), 0))
}

// revokeClaims revokes the JWT session c (on sign-out, so that a copied
// token dies with it).
func (h *Handler) revokeClaims(ctx context.Context, c jwt.Claims) error {
	rv := h.revoker()
	sid, _ := c[claimSID].(string)
	if rv == nil || sid == "" {
		return nil
	}
	exp, _ := c["exp"].(float64)
	return rv.RevokeJWT(ctx, sid, time.Unix(int64(exp), 0).Add(jwt.ClockTolerance))
}

// RevokeSession ends one session: a database session by its token, or a
// JWT session by its "sid" claim (the adapter must implement JWTRevoker).
func (h *Handler) RevokeSession(ctx context.Context, id string) error {
	if h.database() {
		_, err := h.cfg.Adapter.DeleteSession(ctx, id)
		return err
	}
	rv := h.revoker()
	if rv == nil {
		return ErrNotSupported
	}
	return rv.RevokeJWT(ctx, id, h.now().Add(max(h.cfg.Session.MaxAge, h.cfg.JWT.MaxAge)).Add(jwt.ClockTolerance))
}

// SignOutEverywhere ends every session of userID: database sessions are
// deleted, JWT sessions signed in before now are refused from now on. It
// returns how many database sessions were deleted.
func (h *Handler) SignOutEverywhere(ctx context.Context, userID string) (int64, error) {
	if h.database() {
		sl, ok := h.cfg.Adapter.(SessionLister)
		if !ok {
			return 0, ErrNotSupported
		}
		return sl.DeleteUserSessions(ctx, userID)
	}
	rv := h.revoker()
	if rv == nil {
		return 0, ErrNotSupported
	}
	maxAge := max(h.cfg.Session.MaxAge, h.cfg.JWT.MaxAge) + jwt.ClockTolerance
	return 0, rv.RevokeUserJWTs(ctx, userID, h.now().Add(time.Second), maxAge)
}

// ListSessions returns userID's database sessions (the database strategy;
// JWT sessions are not stored anywhere).
func (h *Handler) ListSessions(ctx context.Context, userID string) ([]AdapterSession, error) {
	sl, ok := h.cfg.Adapter.(SessionLister)
	if !h.database() || !ok {
		return nil, ErrNotSupported
	}
	return sl.ListSessions(ctx, userID)
}

// SessionFingerprint identifies a database session without revealing its
// token (the admin endpoint lists and deletes sessions by it).
func SessionFingerprint(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:12])
}

// AdminHandler serves a small admin API, protected by the bearer token
// token (compared in constant time; an empty token disables every route):
//
//	GET    /users/{id}/sessions            the user's database sessions (fingerprints and expiry)
//	DELETE /users/{id}/sessions            sign the user out everywhere
//	DELETE /users/{id}/sessions/{print}    delete one database session by fingerprint
//	DELETE /sessions/{sid}                 revoke one JWT session by its sid claim
//
// Mount it under a prefix with http.StripPrefix, away from the public
// routes.
func (h *Handler) AdminHandler(token string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}/sessions", func(w http.ResponseWriter, r *http.Request) {
		list, err := h.ListSessions(r.Context(), r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		b := []byte(`{"sessions":[`)
		for i, s := range list {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"fingerprint":"`...)
			b = append(b, SessionFingerprint(s.SessionToken)...)
			b = append(b, `","expires":"`...)
			b = s.Expires.UTC().AppendFormat(b, isoMillis)
			b = append(b, `"}`...)
		}
		writeJSON(w, http.StatusOK, append(b, "]}"...))
	})
	mux.HandleFunc("DELETE /users/{id}/sessions", func(w http.ResponseWriter, r *http.Request) {
		n, err := h.SignOutEverywhere(r.Context(), r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, append(append([]byte(`{"deleted":`), itoa(int(n))...), '}'))
	})
	mux.HandleFunc("DELETE /users/{id}/sessions/{print}", func(w http.ResponseWriter, r *http.Request) {
		list, err := h.ListSessions(r.Context(), r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		for _, s := range list {
			if SessionFingerprint(s.SessionToken) == r.PathValue("print") {
				if err := h.RevokeSession(r.Context(), s.SessionToken); err != nil {
					adminError(w, err)
					return
				}
				writeJSON(w, http.StatusOK, []byte(`{"deleted":1}`))
				return
			}
		}
		adminError(w, ErrNotFound)
	})
	mux.HandleFunc("DELETE /sessions/{sid}", func(w http.ResponseWriter, r *http.Request) {
		if h.database() {
			adminError(w, ErrNotSupported)
			return
		}
		if err := h.RevokeSession(r.Context(), r.PathValue("sid")); err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, []byte(`{"revoked":1}`))
	})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if token == "" || subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="nextauth-admin"`)
			writeJSON(w, http.StatusUnauthorized, []byte(`{"error":"unauthorized"}`))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func adminError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, []byte(`{"error":"not found"}`))
	case errors.Is(err, ErrNotSupported):
		writeJSON(w, http.StatusNotImplemented, []byte(`{"error":"`+strings.TrimPrefix(err.Error(), "nextauth: ")+`"}`))
	default:
		writeJSON(w, http.StatusInternalServerError, []byte(`{"error":"internal error"}`))
	}
}
