package nextauth

import "net/http"

// getSession answers GET /session (docs/compatibility.md#the-session-endpoint):
// the session as JSON, {} without one.
func (h *Handler) getSession(s *state) {
	sess, set := h.sessions.read(s.ctx, s.r, "", nil)
	s.addCookies(set...)
	s.flushCookies()
	noCache(s.w)
	h.writeSession(s, sess)
}

// postSession answers POST /session, the client's update().
func (h *Handler) postSession(s *state) {
	if !s.csrfOK {
		s.flushCookies()
		writeJSON(s.w, http.StatusBadRequest, []byte("{}"))
		return
	}
	sess, set := h.sessions.read(s.ctx, s.r, TriggerUpdate, s.body["data"])
	s.addCookies(set...)
	s.flushCookies()
	h.writeSession(s, sess)
}

func (h *Handler) writeSession(s *state, sess *Session) {
	if sess == nil {
		writeJSON(s.w, http.StatusOK, []byte("{}"))
		return
	}
	b, err := sess.appendJSON(s.bodyBuf[:0])
	if err != nil {
		h.logError(s.ctx, "SESSION_ERROR", err)
		writeJSON(s.w, http.StatusOK, []byte("{}"))
		return
	}
	writeJSON(s.w, http.StatusOK, b)
}
