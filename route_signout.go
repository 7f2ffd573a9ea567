package nextauth

import (
	"bytes"
	"net/http"

	"github.com/nextauth-go/nextauth/internal/cookie"
	"github.com/nextauth-go/nextauth/internal/pages"
)

// getSignOut answers GET /signout: the application's page or ours.
func (h *Handler) getSignOut(s *state) {
	if p := h.cfg.Pages.SignOut; p != "" {
		h.redirect(s, p, 0)
		return
	}
	var buf bytes.Buffer
	if err := h.pages.SignOut(&buf, pages.SignOutData{Theme: h.theme(), BaseURL: s.site.url.base(), CSRFToken: s.csrfToken}); err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	h.page(s, http.StatusOK, &buf)
}

// postSignOut answers POST /signout (docs/compatibility.md#sign-out): the
// session ends, its cookie is cleared, and the browser goes to the
// callbackUrl.
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
	if ev, fire := h.sessions.end(s.ctx, chunks.Value); fire {
		emit(s.ctx, h, "SIGN_OUT", h.cfg.Events.SignOut, ev)
	}
	s.addCookies(chunks.Clean(c.opts)...)
	h.redirect(s, s.callback, 0)
}
