package web

import "net/http"

// consoleStatsRoutes lists this file's console routes (issue 6).
func (s *Server) consoleStatsRoutes(staff func(string, http.HandlerFunc)) {}
