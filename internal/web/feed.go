package web

import "net/http"

// feedRoutes lists the iCalendar feeds and the resident's calendar page.
func (s *Server) feedRoutes(mux *http.ServeMux) {}
