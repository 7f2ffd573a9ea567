package nextauth

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/nextauth-go/nextauth/internal/jsonstr"
)

// This file writes answers the way NextAuth under Next.js does
// (docs/compatibility.md#routes): redirects as a 302 or JSON {url}, JSON
// bodies, plain-text errors, pages.

// configErrorMessage is the body of a configuration error
// (docs/compatibility.md#errors).
const configErrorMessage = `{"message":"There is a problem with the server configuration. Check the server logs for more information."}`

// Header values shared by every response that sends them. They are never
// modified: net/http only reads header values.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	htmlContentType = []string{"text/html; charset=utf-8"}
	cacheControl    = []string{"private, no-cache, no-store"}
	pragmaNoCache   = []string{"no-cache"}
	expiresZero     = []string{"0"}
	frameDeny       = []string{"DENY"}
	noSniff         = []string{"nosniff"}
	sameOrigin      = []string{"same-origin"}
)

// redirect answers a redirect result: JSON {url} with status (200 when 0)
// when the body said json=true, else a 302.
func (h *Handler) redirect(s *state, target string, status int) {
	s.flushCookies()
	if s.json {
		if status == 0 {
			status = http.StatusOK
		}
		b := make([]byte, 0, len(target)+16)
		b = append(b, `{"url":`...)
		b = jsonstr.Append(b, target)
		b = append(b, '}')
		writeJSON(s.w, status, b)
		return
	}
	s.w.Header().Set("Location", target)
	s.w.WriteHeader(http.StatusFound)
}

// serverError answers a failure of ours: 500 with the configuration message.
func (h *Handler) serverError(s *state, code string, err error) {
	h.log.LogAttrs(s.ctx, slog.LevelError, "internal error", slog.String("code", code), slog.Any("err", err))
	writeJSON(s.w, http.StatusInternalServerError, []byte(configErrorMessage))
}

// page writes a rendered page with the queued cookies.
func (h *Handler) page(s *state, status int, buf *bytes.Buffer) {
	s.flushCookies()
	hd := s.w.Header()
	hd["Content-Type"] = htmlContentType
	hd["X-Frame-Options"] = frameDeny
	hd["X-Content-Type-Options"] = noSniff
	hd["Referrer-Policy"] = sameOrigin
	s.w.WriteHeader(status)
	_, _ = s.w.Write(buf.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// noCache are the headers GET /csrf and GET /session send (4.24.12+).
func noCache(w http.ResponseWriter) {
	hd := w.Header()
	hd["Cache-Control"] = cacheControl
	hd["Pragma"] = pragmaNoCache
	hd["Expires"] = expiresZero
}

// textResponse writes a plain-text answer without a Content-Type, as Next.js
// does for res.send(string) of the core's 400/500 texts.
func textResponse(w http.ResponseWriter, status int, body string) {
	w.Header()["Content-Type"] = nil
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// unsupported is the answer to any action/method pair NextAuth does not
// serve, with no cookies.
func unsupported(w http.ResponseWriter, method string) {
	textResponse(w, http.StatusBadRequest, fmt.Sprintf("Error: This action with HTTP %s is not supported by NextAuth.js", method))
}

// trailingSlash answers a path that ends in a slash as Next.js does for any
// route: 308 to the same path without that one slash (query kept), with a
// Refresh header and the target as the body. The target is the public path:
// when the router stripped the base path, it is put back.
func trailingSlash(w http.ResponseWriter, r *http.Request, basePath string) {
	p := r.URL.EscapedPath()
	p = p[:len(p)-1]
	if rest, found := strings.CutPrefix(p, basePath); !found || (rest != "" && rest[0] != '/') {
		p = basePath + "/" + strings.TrimPrefix(p, "/")
	}
	if r.URL.RawQuery != "" {
		p += "?" + r.URL.RawQuery
	}
	hd := w.Header()
	hd["Location"] = []string{p}
	hd["Refresh"] = []string{"0;url=" + p}
	textResponse(w, http.StatusPermanentRedirect, p)
}

// notFoundPage is the body of a 404 (the base path itself): Next.js answers
// it with its HTML error page; ours says the same in a few words.
const notFoundPage = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>404: This page could not be found</title></head><body><h1>404</h1><p>This page could not be found.</p></body></html>`

var nextCacheControl = []string{"private, no-cache, no-store, max-age=0, must-revalidate"}

// notFound answers a path with no action, with the headers Next.js sends.
func notFound(w http.ResponseWriter) {
	hd := w.Header()
	hd["Content-Type"] = htmlContentType
	hd["Cache-Control"] = nextCacheControl
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, notFoundPage)
}
