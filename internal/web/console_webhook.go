package web

import "net/http"

// consoleWebhookRoutes lists this file's console routes (issue 6).
func (s *Server) consoleWebhookRoutes(staff func(string, http.HandlerFunc)) {}
