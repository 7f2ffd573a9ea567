package nextauth

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// This file is token introspection (docs/forward-auth.md#introspection):
// POST {base}/introspect in the shape of RFC 7662, for backends in any
// language that hold a session token and want to know whose it is.

// IntrospectConfig configures POST {base}/introspect.
type IntrospectConfig struct {
	// Path is the route's action under the base path, one segment; default
	// "introspect".
	Path string
	// ClientID and ClientSecret authenticate the caller, with HTTP Basic
	// (RFC 6749 section 2.3.1) or the form fields client_id and
	// client_secret. ClientID defaults to "introspect"; ClientSecret is
	// required, at least MinIntrospectSecretLength characters.
	ClientID     string
	ClientSecret string
}

// MinIntrospectSecretLength is the shortest IntrospectConfig.ClientSecret
// accepted.
const MinIntrospectSecretLength = 32

// introspectSetup is the checked IntrospectConfig.
type introspectSetup struct {
	action         string
	id, secret     []byte
	maxRequestBody int64
}

// Claims of a JWT session that introspection never shows: the provider's
// tokens and this server's own marker.
var hiddenClaims = map[string]bool{oauthClaim: true, claimCredentials: true}

func newIntrospect(cfg Config, forwardAction string) (*introspectSetup, []error) {
	c := cfg.Introspect
	if c == nil {
		return nil, nil
	}
	var errs []error
	is := &introspectSetup{action: c.Path, id: []byte(c.ClientID), secret: []byte(c.ClientSecret), maxRequestBody: 64 << 10}
	if is.action == "" {
		is.action = "introspect"
	}
	if len(is.id) == 0 {
		is.id = []byte("introspect")
	}
	if strings.ContainsAny(is.action, "/?#%") || routeTable()[is.action] != nil || is.action == forwardAction {
		errs = append(errs, configError("introspect path %q: want one path segment that is not another route", c.Path))
	}
	if len(c.ClientSecret) < MinIntrospectSecretLength {
		errs = append(errs, configError("introspect client secret: want at least %d characters", MinIntrospectSecretLength))
	}
	if strings.Contains(string(is.id), ":") {
		errs = append(errs, configError("introspect client id %q must not contain ':'", c.ClientID))
	}
	return is, errs
}

// introspect answers POST {base}/introspect: 401 for a caller without the
// client secret, 400 without a token, else 200 with {"active":false} or
// the session's claims. Like the forward check it writes no cookie and
// extends no session.
func (h *Handler) introspect(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		unsupported(w, r.Method)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.intro.maxRequestBody)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, []byte(`{"error":"invalid_request"}`))
		return
	}
	if !h.intro.authenticated(r) {
		hd.Set("WWW-Authenticate", `Basic realm="nextauth-introspect"`)
		writeJSON(w, http.StatusUnauthorized, []byte(`{"error":"invalid_client"}`))
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		writeJSON(w, http.StatusBadRequest, []byte(`{"error":"invalid_request","error_description":"token is required"}`))
		return
	}
	id, ok := h.sessions.identify(r.Context(), token)
	if !ok {
		writeJSON(w, http.StatusOK, []byte(`{"active":false}`))
		return
	}
	out := map[string]any{}
	for k, v := range id.Claims {
		if !hiddenClaims[k] {
			out[k] = v
		}
	}
	if h.cfg.Session.Strategy == StrategyDatabase {
		delete(out, "id")
		out["exp"] = id.Expires.Unix()
	}
	out["active"] = true
	out["sub"] = id.UserID
	b, err := json.Marshal(out)
	if err != nil {
		h.logError(r.Context(), "INTROSPECT_ERROR", err)
		writeJSON(w, http.StatusOK, []byte(`{"active":false}`))
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// authenticated checks the caller's client credentials: HTTP Basic (each
// part form-encoded, RFC 6749 section 2.3.1) or client_id and
// client_secret in the form.
func (is *introspectSetup) authenticated(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if ok {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if errors.Join(err1, err2) != nil {
			return false
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	idOK := subtle.ConstantTimeCompare([]byte(id), is.id)
	secretOK := subtle.ConstantTimeCompare([]byte(secret), is.secret)
	return idOK&secretOK == 1
}
