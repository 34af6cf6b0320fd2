package web

import "net/http"

// routes lists every resident-facing route. The staff console's routes are
// in console_routes.go.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", s.static.handler())
	mux.HandleFunc("POST /prefs/text-size", s.handleTextSize)
	mux.HandleFunc("/", s.notFound)
}
