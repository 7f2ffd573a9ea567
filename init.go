package nextauth

import (
	"strings"
	"time"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/csrf"
)

// initCSRF reads or issues the CSRF token (core.md §5.2). A cookie hashed
// with a previous secret is accepted and re-issued under the current one.
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
// cookie when it changed (core.md §6.1).
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
		s.callback, err = h.redirectCallback(s, param)
	case cookieVal != "":
		s.callback, err = h.redirectCallback(s, cookieVal)
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

// redirectCallback runs Callbacks.Redirect or the default same-origin rule.
func (h *Handler) redirectCallback(s *state, url string) (string, error) {
	if h.cfg.Callbacks.Redirect != nil {
		return h.cfg.Callbacks.Redirect(s.ctx, url, s.site.url.origin)
	}
	return defaultRedirect(url, s.site.url.origin), nil
}
