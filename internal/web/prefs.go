package web

import (
	"net/http"
	"net/url"
)

// handleTextSize toggles the large-text mode for older residents and goes
// back to the page it was asked from (only ever a path on this site).
func (s *Server) handleTextSize(w http.ResponseWriter, r *http.Request) {
	on := !s.sessions.GetBool(r.Context(), "large_text")
	s.sessions.Put(r.Context(), "large_text", on)
	back := "/"
	if u, err := url.Parse(r.Header.Get("Referer")); err == nil && localPath(u.RequestURI()) {
		back = u.RequestURI()
	}
	redirect(w, r, back)
}
