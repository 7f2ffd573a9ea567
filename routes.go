package nextauth

import (
	"bytes"
	"log/slog"
	"net/http"
	"unicode/utf8"

	"github.com/nextauth-go/nextauth/internal/pages"
)

// routeTable maps action → method → handler (docs/compatibility.md#routes). Anything not in
// it gets the 400 "not supported" answer.
func routeTable() map[string]map[string]routeFunc {
	return map[string]map[string]routeFunc{
		"providers":      {http.MethodGet: (*Handler).getProviders},
		"session":        {http.MethodGet: (*Handler).getSession, http.MethodPost: (*Handler).postSession},
		"csrf":           {http.MethodGet: (*Handler).getCSRF},
		"signin":         {http.MethodGet: (*Handler).getSignIn, http.MethodPost: (*Handler).postSignIn},
		"signout":        {http.MethodGet: (*Handler).getSignOut, http.MethodPost: (*Handler).postSignOut},
		"callback":       {http.MethodGet: (*Handler).callback, http.MethodPost: (*Handler).callback},
		"verify-request": {http.MethodGet: (*Handler).getVerifyRequest},
		"error":          {http.MethodGet: (*Handler).getError},
		"_log":           {http.MethodPost: (*Handler).postLog},
	}
}

// getProviders answers GET /providers: the provider map, no cookies.
func (h *Handler) getProviders(s *state) {
	writeJSON(s.w, http.StatusOK, s.site.provJSON)
}

// getCSRF answers GET /csrf.
func (h *Handler) getCSRF(s *state) {
	s.flushCookies()
	noCache(s.w)
	b := make([]byte, 0, 80)
	b = append(b, `{"csrfToken":"`...)
	b = append(b, s.csrfToken...)
	b = append(b, `"}`...)
	writeJSON(s.w, http.StatusOK, b)
}

// maxClientLogField bounds each client-supplied value POST /_log logs, in
// bytes.
const maxClientLogField = 1024

// defaultLogPerClient is LogRateLimit.PerClient's default: entries one
// client may log per minute. NextAuth's client sends one per failed
// session or CSRF fetch, so a browser stays far below it.
const defaultLogPerClient = 60

// postLog answers POST /_log: the browser client's log proxy
// (docs/compatibility.md#the-_log-endpoint). It logs the entry and answers
// 200 with an empty body. Anyone can write here, so the entry is logged as
// "client log (client-supplied)" with code CLIENT_LOG and source=client,
// the client's own code as client_code, at warn at most whatever level it
// claims, each field cut to maxClientLogField bytes. A client over
// LogRateLimit gets 429 with an empty body; only the refusal is logged.
func (h *Handler) postLog(s *state) {
	s.w.Header()["Content-Type"] = nil
	rl := h.cfg.LogRateLimit
	if !h.allow(s, "log_client", h.rateClient(s.r), rl.PerClient, rl.Window) {
		s.w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	level := slog.LevelWarn
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("code", "CLIENT_LOG"), slog.String("source", "client"))
	switch l := s.body.First("level"); l {
	case "error", "warn", "debug":
		attrs = append(attrs, slog.String("client_level", l))
		if l == "debug" {
			level = slog.LevelDebug
		}
	}
	attrs = append(attrs, slog.String("client_code", truncate(s.body.First("code"), maxClientLogField)))
	if msg := s.body.First("message"); msg != "" {
		attrs = append(attrs, slog.String("message", truncate(msg, maxClientLogField)))
	}
	h.log.LogAttrs(s.ctx, level, "client log (client-supplied)", attrs...)
	s.w.WriteHeader(http.StatusOK)
}

// truncate cuts s to at most n bytes, at a UTF-8 character boundary, and
// marks a cut with "…" (within the n bytes).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "…"
	i := max(n-len(mark), 0)
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + mark
}

// getVerifyRequest answers GET /verify-request.
func (h *Handler) getVerifyRequest(s *state) {
	if p := h.cfg.Pages.VerifyRequest; p != "" {
		h.redirect(s, p, 0)
		return
	}
	var buf bytes.Buffer
	if err := h.pages.VerifyRequest(&buf, pages.VerifyRequestData{Theme: h.theme(), Origin: s.site.url.origin, Host: s.site.url.host}); err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	h.page(s, http.StatusOK, &buf)
}

// getError answers GET /error (docs/compatibility.md#errors).
func (h *Handler) getError(s *state) {
	code := s.query.First("error")
	if _, present := s.query["error"]; !present {
		code = s.providerID
	}
	if signinErrorCodes[code] {
		h.redirect(s, s.site.url.base()+"/signin?error="+code, 0)
		return
	}
	if p := h.cfg.Pages.Error; p != "" {
		h.redirect(s, appendQuery(p, "error="+code), 0)
		return
	}
	h.renderError(s, code, 0, true)
}

// renderError renders the built-in error page; status 0 means the code's
// own status. withURLs false renders it without links (configuration errors
// found before the request was set up).
func (h *Handler) renderError(s *state, code string, status int, withURLs bool) {
	d := pages.ErrorData{Theme: h.theme(), Error: code}
	if withURLs {
		d.BaseURL, d.Origin, d.Host = s.site.url.base(), s.site.url.origin, s.site.url.host
	}
	var buf bytes.Buffer
	st, err := h.pages.Error(&buf, d)
	if err != nil {
		h.serverError(s, "RENDER_ERROR", err)
		return
	}
	if status == 0 {
		status = st
	}
	h.page(s, status, &buf)
}

// theme converts the configured theme for the page renderer.
func (h *Handler) theme() pages.Theme {
	t := h.cfg.Theme
	return pages.Theme{ColorScheme: t.ColorScheme, BrandColor: t.BrandColor, Logo: t.Logo, ButtonText: t.ButtonText}
}
