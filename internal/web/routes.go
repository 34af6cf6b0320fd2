package web

import (
	"net/http"
	"strings"
)

// routes lists every resident-facing route. The staff console's routes are
// in console_routes.go.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /prefs/text-size", s.handleTextSize)

	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /activities", s.handleActivityIndex)
	mux.HandleFunc("GET /activities/{id}", s.handleActivityView)
	mux.HandleFunc("POST /activities/{id}/book", s.handleBookingCreate)
	mux.HandleFunc("GET /activities/{id}/lottery", s.handleLotteryView)
	mux.HandleFunc("GET /activities/{id}/ratings", s.handleActivityRatings)
	mux.HandleFunc("POST /activities/{id}/rate", s.handleRatingCreate)
	mux.HandleFunc("GET /units/{id}", s.handleUnitView)

	mux.HandleFunc("GET /menu", s.handleMenuIndex)
	mux.HandleFunc("GET /menu/{id}", s.handleMenuItemView)
	mux.HandleFunc("POST /menu/{id}/support", s.handleSupportCreate)
	mux.HandleFunc("POST /menu/{id}/withdraw-support", s.handleSupportWithdraw)
	mux.HandleFunc("GET /providers/{id}", s.handleProviderView)
	mux.HandleFunc("GET /series", s.handleSeriesIndex)
	mux.HandleFunc("GET /series/{id}", s.handleSeriesView)
	mux.HandleFunc("POST /series/{id}/follow", s.handleSeriesFollow)

	// Issue 5: each in its own file (community.go, news.go, inbox.go).
	s.communityRoutes(mux)
	s.newsRoutes(mux)
	s.inboxRoutes(mux)

	mux.HandleFunc("GET /login", s.handleLoginForm)
	mux.HandleFunc("POST /login/code", s.handleLoginCode)
	mux.HandleFunc("GET /login/verify", s.handleLoginVerifyForm)
	mux.HandleFunc("POST /login", s.handleLogin)
	mux.HandleFunc("POST /logout", s.handleLogout)

	mux.HandleFunc("GET /me", s.handleMe)
	mux.HandleFunc("GET /me/tickets", s.handleTicketIndex)
	mux.HandleFunc("GET /me/tickets/{id}", s.handleTicketView)
	mux.HandleFunc("GET /me/tickets/{id}/qr.png", s.handleTicketQR)
	mux.HandleFunc("POST /me/tickets/{id}/cancel", s.handleTicketCancel)
	mux.HandleFunc("POST /me/tickets/{id}/claim", s.handleTicketClaim)
	mux.HandleFunc("GET /me/tickets/{id}/rating", s.handleTicketRating)
	mux.HandleFunc("GET /me/supports", s.handleSupportIndex)
	mux.HandleFunc("GET /me/record", s.handleRecordView)
	mux.HandleFunc("GET /me/family", s.handleFamilyIndex)
	mux.HandleFunc("POST /me/family", s.handleFamilyCreate)
	mux.HandleFunc("POST /me/family/{id}/delete", s.handleFamilyDelete)
	// Issue 6: feed.go (iCalendar feeds and /me/calendar).
	s.feedRoutes(mux)

	mux.HandleFunc("/", s.notFound)
}

// fileRoutes lists the routes served in front of the session and account
// middleware (see Handler): static files and uploaded images, which need
// neither.
func (s *Server) fileRoutes(files *http.ServeMux) {
	files.Handle("GET /static/", securityHeaders(s.static.handler()))
	files.Handle("GET /media/{id}", securityHeaders(http.HandlerFunc(s.handleMedia)))
}

// isFileRequest reports whether r goes to fileRoutes. HEAD is served as
// GET without the body (a GET pattern matches it), so that link checkers
// and caches probing an image get its headers, not the 404 page.
func isFileRequest(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(strings.HasPrefix(r.URL.Path, "/static/") || strings.HasPrefix(r.URL.Path, "/media/"))
}

// checkMethod answers 405 with an Allow header when a request fell through
// to a catch-all ("/", "/console/": routes without a method) although
// another method has a route at its path, as PUT /activities/1 does. Other
// requests go to mux, so unknown paths still get the 404 page. The API's
// dispatch does the same for /api/v1.
func (s *Server) checkMethod(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); !hasMethod(pattern) {
			if allow := allowedMethods(mux, r); allow != "" {
				w.Header().Set("Allow", allow)
				s.methodNotAllowed(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// allowedMethods lists the methods that a route with a method serves at
// r's path; catch-alls, which serve every method, do not count.
func allowedMethods(mux *http.ServeMux, r *http.Request) string {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); hasMethod(pattern) {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// hasMethod reports whether a mux pattern names a method ("GET /me").
func hasMethod(pattern string) bool { return strings.Contains(pattern, " ") }
