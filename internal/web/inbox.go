package web

import "net/http"

// inboxRoutes lists the inbox and notification-preference pages
// (TEMPORARY: empty until written).
func (s *Server) inboxRoutes(mux *http.ServeMux) {}
