package api

import "net/http"

// router is what routes registers on: an *http.ServeMux, or a recorder in
// the test that checks the OpenAPI document.
type router interface {
	Handle(pattern string, h http.Handler)
}

// routes lists every route of the API. Routes wrapped in requireAccount
// need a bearer token; the OpenAPI document marks them with bearerAuth.
func (a *API) routes(r router) {
	r.Handle("GET /api/v1/openapi.json", http.HandlerFunc(a.handleOpenAPI))

	r.Handle("POST /api/v1/auth/code", http.HandlerFunc(a.handleAuthCode))
	r.Handle("POST /api/v1/auth/token", http.HandlerFunc(a.handleAuthToken))

	r.Handle("GET /api/v1/units", http.HandlerFunc(a.handleUnitIndex))

	r.Handle("GET /api/v1/activities", http.HandlerFunc(a.handleActivityIndex))
	r.Handle("GET /api/v1/activities/{id}", http.HandlerFunc(a.handleActivityView))
	r.Handle("POST /api/v1/activities", a.requireAccount(a.handleActivityCreate))
	r.Handle("POST /api/v1/activities/{id}/bookings", a.requireAccount(a.handleBookingCreate))
	r.Handle("GET /api/v1/activities/{id}/lottery", http.HandlerFunc(a.handleLotteryView))

	r.Handle("GET /api/v1/bookings/{id}", a.requireAccount(a.handleBookingView))
	r.Handle("POST /api/v1/bookings/{id}/cancel", a.requireAccount(a.handleBookingCancel))
	r.Handle("POST /api/v1/bookings/{id}/claim", a.requireAccount(a.handleOfferClaim))
	r.Handle("POST /api/v1/bookings/{id}/waive", a.requireAccount(a.handleNoShowWaive))

	r.Handle("POST /api/v1/checkins", a.requireAccount(a.handleCheckinCreate))

	r.Handle("GET /api/v1/me", a.requireAccount(a.handleMe))
	r.Handle("GET /api/v1/me/bookings", a.requireAccount(a.handleMyBookings))
	r.Handle("GET /api/v1/me/record", a.requireAccount(a.handleMyRecord))
	r.Handle("GET /api/v1/me/family", a.requireAccount(a.handleFamilyIndex))
	r.Handle("POST /api/v1/me/family", a.requireAccount(a.handleFamilyCreate))
	r.Handle("DELETE /api/v1/me/family/{id}", a.requireAccount(a.handleFamilyDelete))
}
