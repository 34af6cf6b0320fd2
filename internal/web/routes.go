package web

import "net/http"

// routes lists every resident-facing route. The staff console's routes are
// in console_routes.go.
func (s *Server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", s.static.handler())
	mux.HandleFunc("POST /prefs/text-size", s.handleTextSize)

	mux.HandleFunc("GET /{$}", s.handleHome)
	mux.HandleFunc("GET /activities", s.handleActivityIndex)
	mux.HandleFunc("GET /activities/{id}", s.handleActivityView)
	mux.HandleFunc("POST /activities/{id}/book", s.handleBookingCreate)
	mux.HandleFunc("GET /activities/{id}/lottery", s.handleLotteryView)
	mux.HandleFunc("GET /units/{id}", s.handleUnitView)

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
	mux.HandleFunc("GET /me/record", s.handleRecordView)
	mux.HandleFunc("GET /me/family", s.handleFamilyIndex)
	mux.HandleFunc("POST /me/family", s.handleFamilyCreate)
	mux.HandleFunc("POST /me/family/{id}/delete", s.handleFamilyDelete)

	mux.HandleFunc("/", s.notFound)
}
