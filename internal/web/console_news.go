package web

import "net/http"

// consoleNewsRoutes lists the console's news and rating-moderation pages
// (TEMPORARY: empty until written).
func (s *Server) consoleNewsRoutes(staff func(string, http.HandlerFunc)) {}
