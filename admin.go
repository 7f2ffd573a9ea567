package nextauth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// RevokeSession ends one session: a database session by its token, or a
// JWT session by its "sid" claim (the adapter must implement JWTRevoker).
func (h *Handler) RevokeSession(ctx context.Context, id string) error {
	return h.sessions.revoke(ctx, id)
}

// SignOutEverywhere ends every session of the adapter user userID:
// database sessions are deleted, JWT sessions signed in before now are
// refused from now on. It returns how many database sessions were deleted.
//
// Under the JWT strategy it does not reach the sessions of a credentials
// provider's user with the same id (tokens of this server's credentials
// sign-ins are marked; see [Handler.SignOutEverywhereCredentials]); tokens
// minted by a Node.js app on the same secret carry no mark and are ended
// by their sub, as in NextAuth.
func (h *Handler) SignOutEverywhere(ctx context.Context, userID string) (int64, error) {
	return h.sessions.revokeUser(ctx, userID)
}

// SignOutEverywhereCredentials ends every session of the user whose id
// the credentials provider providerID's Authorize returned: under the JWT
// strategy its tokens signed in before now are refused from now on
// (revocations recorded under "credentials:<provider>:<id>", apart from
// adapter users); under the database strategy the sessions of the adapter
// user its credentials account is linked to are deleted, and their number
// returned. An unknown provider id, or one that is not a credentials
// provider, is [ErrNotFound]; an empty id is an error.
func (h *Handler) SignOutEverywhereCredentials(ctx context.Context, providerID, id string) (int64, error) {
	if _, ok := h.byID[providerID].(CredentialsProvider); !ok {
		return 0, fmt.Errorf("%w: no credentials provider %q", ErrNotFound, providerID)
	}
	if id == "" {
		return 0, errors.New("nextauth: sign out everywhere: empty credentials user id")
	}
	return h.sessions.revokeCredentialsUser(ctx, providerID, id)
}

// ListSessions returns userID's database sessions (the database strategy;
// JWT sessions are not stored anywhere).
func (h *Handler) ListSessions(ctx context.Context, userID string) ([]AdapterSession, error) {
	return h.sessions.list(ctx, userID)
}

// sessionFingerprint identifies a database session without revealing its
// token (the admin endpoint lists and deletes sessions by it).
func sessionFingerprint(token string) string {
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
//	DELETE /credentials/{provider}/users/{id}/sessions
//	                                       sign a credentials provider's user out everywhere
//	                                       (SignOutEverywhereCredentials)
//
// {id} in /users/... is an adapter user's id; a credentials sign-in under
// the JWT strategy is reached only through /credentials/....
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
			b = append(b, sessionFingerprint(s.SessionToken)...)
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
		writeJSON(w, http.StatusOK, append(append([]byte(`{"deleted":`), strconv.FormatInt(n, 10)...), '}'))
	})
	mux.HandleFunc("DELETE /credentials/{provider}/users/{id}/sessions", func(w http.ResponseWriter, r *http.Request) {
		n, err := h.SignOutEverywhereCredentials(r.Context(), r.PathValue("provider"), r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, append(append([]byte(`{"deleted":`), strconv.FormatInt(n, 10)...), '}'))
	})
	mux.HandleFunc("DELETE /users/{id}/sessions/{print}", func(w http.ResponseWriter, r *http.Request) {
		list, err := h.ListSessions(r.Context(), r.PathValue("id"))
		if err != nil {
			adminError(w, err)
			return
		}
		for _, s := range list {
			if sessionFingerprint(s.SessionToken) == r.PathValue("print") {
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
		if err := h.sessions.revokeSID(r.Context(), r.PathValue("sid")); err != nil {
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
