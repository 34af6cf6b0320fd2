package web

import "net/http"

// consoleReportRoutes lists this file's console routes (issue 6).
func (s *Server) consoleReportRoutes(staff func(string, http.HandlerFunc)) {}
