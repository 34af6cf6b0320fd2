package web

import "net/http"

// consoleCommunityRoutes lists the console's community pages (TEMPORARY:
// empty until written). staff registers a route for signed-in staff.
func (s *Server) consoleCommunityRoutes(staff func(string, http.HandlerFunc)) {}
