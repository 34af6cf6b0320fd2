package web

import "net/http"

// newsRoutes lists the news pages (TEMPORARY: empty until written).
func (s *Server) newsRoutes(mux *http.ServeMux) {}
