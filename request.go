package nextauth

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/csrf"
	"github.com/nextauth-go/nextauth/internal/form"
	"github.com/nextauth-go/nextauth/internal/jsuri"
)

// This file prepares a request for its route (docs/compatibility.md#routes,
// #csrf, #callbackurl-and-redirects): the path split into action and
// provider id, the body parsed, the callbackUrl checked and resolved, and
// the CSRF token read or issued.

// state is one request on its way through the handler.
type state struct {
	site       *site
	w          http.ResponseWriter
	r          *http.Request
	ctx        context.Context
	action     string
	providerID string
	query      form.Values
	body       form.Values
	json       bool // body.json === "true"
	csrfToken  string
	csrfOK     bool
	callback   string // resolved callbackUrl
	// callbackCookie is the callback-url cookie's value, read once.
	callbackCookie string
	cookies        []string // Set-Cookie values, in emission order
	cookieBuf      [4]string
	takenBuf       [2]takenToken // rate tokens a credentials sign-in may give back
	bodyBuf        [256]byte     // the JSON body of GET /session, kept in the state's one allocation
}

// splitPath strips the base path (when the router did not) and returns the
// action and provider id, each percent-decoded.
func splitPath(r *http.Request, basePath string) (action, providerID string, ok bool) {
	p := r.URL.EscapedPath()
	if rest, found := strings.CutPrefix(p, basePath); found && (rest == "" || rest[0] == '/') {
		p = rest
	}
	p = strings.TrimPrefix(p, "/")
	seg0, rest, _ := strings.Cut(p, "/")
	seg1, _, _ := strings.Cut(rest, "/")
	action, err1 := jsuri.DecodeURIComponent(seg0)
	providerID, err2 := jsuri.DecodeURIComponent(seg1)
	return action, providerID, err1 == nil && err2 == nil
}

// readBody parses the request body (1 MB limit → 413; invalid JSON → 400),
// as Next.js's body parser does.
func (h *Handler) readBody(s *state) bool {
	if s.r.Body == nil || s.r.Body == http.NoBody {
		return true
	}
	if s.r.ContentLength > h.cfg.MaxBodyBytes {
		textResponse(s.w, http.StatusRequestEntityTooLarge, "Body exceeded 1mb limit")
		return false
	}
	data, err := io.ReadAll(http.MaxBytesReader(s.w, s.r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			textResponse(s.w, http.StatusRequestEntityTooLarge, "Body exceeded 1mb limit")
			return false
		}
		textResponse(s.w, http.StatusBadRequest, "Bad Request")
		return false
	}
	if len(data) == 0 {
		return true
	}
	s.body, err = form.Parse(s.r.Header.Get("Content-Type"), data)
	if err != nil {
		textResponse(s.w, http.StatusBadRequest, "Invalid JSON")
		return false
	}
	return true
}

// assertCallbackURL rejects a query callbackUrl or callback-url cookie that
// is not an http(s) URL (NextAuth's INVALID_CALLBACK_URL_ERROR). NextAuth
// answers 500; a client's bad input is a 400 here, with the same body.
func (h *Handler) assertCallbackURL(s *state) bool {
	bad := ""
	s.callbackCookie, _ = cookie.Get(s.r, s.site.cookies.callbackURL.name)
	if q := s.query.First("callbackUrl"); q != "" && !validCallbackURL(q, s.site.url) {
		bad = q
	} else if c := s.callbackCookie; c != "" && !validCallbackURL(c, s.site.url) {
		bad = c
	}
	if bad == "" {
		return true
	}
	// The value comes from the client: cut, so that a long one cannot grow
	// the log (as POST /_log's fields).
	h.log.LogAttrs(s.ctx, slog.LevelError, "invalid callback URL", slog.String("code", "INVALID_CALLBACK_URL_ERROR"), slog.String("url", truncate(bad, maxClientLogField)))
	isPage := s.r.Method == http.MethodGet && (s.action == "signin" || s.action == "signout" || s.action == "error" || s.action == "verify-request")
	if !isPage {
		writeJSON(s.w, http.StatusBadRequest, []byte(configErrorMessage))
		return false
	}
	if e := h.cfg.Pages.Error; e != "" && !strings.HasPrefix(s.query.First("callbackUrl"), e) {
		s.w.Header().Set("Location", e+"?error=Configuration")
		s.w.WriteHeader(http.StatusFound)
		return false
	}
	h.renderError(s, "configuration", http.StatusBadRequest, false)
	return false
}

// initCSRF reads or issues the CSRF token (docs/compatibility.md#csrf). A
// cookie hashed with a previous secret is accepted and re-issued under the
// current one.
func (h *Handler) initCSRF(s *state) error {
	c := s.site.cookies.csrfToken
	if v, ok := cookie.GetRaw(s.r, c.name); ok {
		var token string
		var idx int
		if t, hash, found := strings.Cut(v, "%7C"); found && !strings.Contains(t, "%") && !strings.Contains(hash, "%") {
			// The form we write: token%7Chash, checked without decoding.
			token, idx, ok = csrf.CheckParts(t, hash, h.secrets)
		} else {
			decoded, _ := cookie.Get(s.r, c.name)
			token, idx, ok = csrf.Check(decoded, h.secrets)
		}
		if ok {
			s.csrfToken = token
			if s.r.Method == "POST" {
				submitted, _ := s.body.String("csrfToken")
				s.csrfOK = csrf.Verify(token, submitted)
			}
			if idx > 0 {
				s.addCookies(cookie.Serialize(c.name, token+"|"+csrf.Hash(token, h.cfg.Secret), c.opts, time.Time{}))
			}
			return nil
		}
	}
	token, value, err := csrf.New(h.cfg.Rand, h.cfg.Secret)
	if err != nil {
		return err
	}
	s.csrfToken = token
	s.addCookies(cookie.Serialize(c.name, value, c.opts, time.Time{}))
	return nil
}

// initCallbackURL resolves callbackUrl from the body, the query or the
// callback-url cookie through the redirect callback, and stores it in the
// cookie when it changed (docs/compatibility.md#callbackurl-and-redirects).
func (h *Handler) initCallbackURL(s *state) error {
	c := s.site.cookies.callbackURL
	cookieVal := s.callbackCookie
	param := s.body.First("callbackUrl")
	if param == "" {
		param = s.query.First("callbackUrl")
	}
	s.callback = s.site.url.origin
	var err error
	switch {
	case param != "":
		s.callback, err = h.callRedirect(s.ctx, param, s.site.url.origin)
	case cookieVal != "":
		s.callback, err = h.callRedirect(s.ctx, cookieVal, s.site.url.origin)
	}
	if err != nil {
		return err
	}
	// What gets stored and redirected to must itself pass the callback-URL
	// check: a relative value like "/%zz" or one with control characters
	// would otherwise go into the cookie and lock the browser out of every
	// route until it is closed.
	if s.callback != s.site.url.origin && !validCallbackURL(s.callback, s.site.url) {
		s.callback = s.site.url.origin
	}
	if s.callback != cookieVal {
		s.addCookies(cookie.Serialize(c.name, s.callback, c.opts, time.Time{}))
	}
	return nil
}

// addCookies queues Set-Cookie values.
func (s *state) addCookies(c ...string) { s.cookies = append(s.cookies, c...) }

// flushCookies writes the queued cookies into the response header.
func (s *state) flushCookies() {
	if len(s.cookies) > 0 {
		s.w.Header()["Set-Cookie"] = s.cookies
	}
}

// errorURL is {base}/error?error=code.
func (s *state) errorURL(code string) string {
	return s.site.url.base() + "/error?error=" + code
}

// sessionCookie is the raw value of the request's session cookie (its
// chunks joined), "" without one.
func (s *state) sessionCookie() string {
	return cookie.ReadChunks(s.r, s.site.cookies.sessionToken.name).Value
}
