package nextauth

// This file holds what a Go program calls on a Handler from its own routes:
// the session of a request (GetSession, like NextAuth's getServerSession),
// its raw token (Token, like getToken), a middleware that requires a
// session, and a provider's access token.

import (
	"context"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/jsuri"
	"github.com/nextauth-go/nextauth/jwt"
)

// GetSession returns the session of r, like NextAuth's getServerSession: the
// jwt and session callbacks run as for GET /session. When w is not nil the
// session cookie is re-issued on it with a new expiry (sliding sessions),
// as GET /session does; pass nil to read without writing. It returns
// [ErrNoSession] when r has no valid session.
func (h *Handler) GetSession(w http.ResponseWriter, r *http.Request) (*Session, error) {
	sess, set := h.sessions.read(r.Context(), r, "", nil)
	if w != nil {
		for _, c := range set {
			w.Header().Add("Set-Cookie", c)
		}
	}
	if sess == nil {
		return nil, ErrNoSession
	}
	return sess, nil
}

// Token returns the decoded session token of r (from the session cookie or
// an "Authorization: Bearer" header), like next-auth/jwt's getToken. It
// returns [ErrNoSession] when there is none or it does not decode.
func (h *Handler) Token(r *http.Request) (jwt.Claims, error) {
	claims, err := jwt.GetToken(r, jwt.GetTokenOptions{Codec: h.codec, CookieName: h.siteFor(r).cookies.sessionToken.name})
	if err != nil {
		return nil, ErrNoSession
	}
	return claims, nil
}

type sessionKey struct{}

// SessionFromContext returns the session [Handler.RequireSession] stored in
// ctx.
func SessionFromContext(ctx context.Context) (*Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(*Session)
	return s, ok
}

// RequireSession lets a request through to next only with a valid session,
// which next finds with [SessionFromContext]. Without one, a page request
// (GET or HEAD accepting text/html) is redirected to the sign-in page with a
// callbackUrl back to it, and anything else gets 401 with
// {"error":"SessionRequired"}.
func (h *Handler) RequireSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, err := h.GetSession(nil, r)
		if err == nil {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
			return
		}
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && strings.Contains(r.Header.Get("Accept"), "text/html") {
			st := h.siteFor(r)
			back := st.url.origin + r.URL.RequestURI()
			http.Redirect(w, r, st.url.base()+"/signin?error=SessionRequired&callbackUrl="+jsuri.EncodeURIComponent(back), http.StatusFound)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="nextauth"`)
		writeJSON(w, http.StatusUnauthorized, []byte(`{"error":"SessionRequired"}`))
	})
}

// AccessToken returns a valid access token of providerID for the session of
// r, refreshing it first when it has expired (or is about to) and
// [Config.RefreshAccessTokens] is on. Under the JWT strategy a refresh
// re-issues the session cookie on w (w may be nil to skip that, at the cost
// of refreshing again next time); under the database strategy the account
// is updated in the adapter (which must implement [AccountUpdater]).
// Concurrent calls for the same session share one refresh, so a rotated
// refresh token is not lost.
func (h *Handler) AccessToken(w http.ResponseWriter, r *http.Request, providerID string) (string, error) {
	return h.sessions.accessToken(w, r, providerID)
}
