package web

import "net/http"

// communityRoutes lists the community pages (TEMPORARY: empty until written).
func (s *Server) communityRoutes(mux *http.ServeMux) {}
