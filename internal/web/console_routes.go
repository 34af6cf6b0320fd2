package web

import "net/http"

// consoleRoutes lists every staff console route, all under /console.
func (s *Server) consoleRoutes(mux *http.ServeMux) {
}
