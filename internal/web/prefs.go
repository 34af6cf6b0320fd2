package web

import "net/http"

// handleTextSize toggles the large-text mode for older residents.
func (s *Server) handleTextSize(w http.ResponseWriter, r *http.Request) {
	on := !s.sessions.GetBool(r.Context(), "large_text")
	s.sessions.Put(r.Context(), "large_text", on)
	back := r.Header.Get("Referer")
	if back == "" {
		back = "/"
	}
	redirect(w, r, back)
}
