package web

import "net/http"

// consoleRoutes lists every staff console route, all under /console. Every
// route but sign-in is for signed-in staff; each handler then checks the
// account's grants at the unit concerned.
func (s *Server) consoleRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /console/login", s.handleConsoleLogin)
	mux.HandleFunc("POST /console/login", s.handleConsoleLoginPost)

	staff := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.staffOnly(h)) }
	staff("GET /console", s.handleConsoleHome)
	staff("GET /console/{$}", s.handleConsoleHome)

	staff("GET /console/activities", s.handleConsoleActivities)
	staff("GET /console/activities/new", s.handleConsoleActivityNew)
	staff("POST /console/activities", s.handleConsoleActivityCreate)
	staff("GET /console/activities/{id}", s.handleConsoleActivityView)
	staff("GET /console/activities/{id}/edit", s.handleConsoleActivityEdit)
	staff("POST /console/activities/{id}/edit", s.handleConsoleActivityUpdate)
	staff("GET /console/activities/{id}/cancel", s.handleConsoleActivityCancelConfirm)
	staff("POST /console/activities/{id}/cancel", s.handleConsoleActivityCancel)
	staff("GET /console/activities/{id}/attendees.csv", s.handleConsoleAttendeesCSV)
	staff("POST /console/bookings/{id}/decide", s.handleConsoleBookingDecide)
	staff("POST /console/bookings/{id}/waive", s.handleConsoleNoShowWaive)
	staff("POST /console/activities/{id}/counter", s.handleConsoleCounterBooking)

	staff("GET /console/checkin", s.handleConsoleCheckinPage)
	staff("POST /console/checkin", s.handleConsoleCheckin)

	staff("GET /console/units", s.handleConsoleUnits)
	staff("POST /console/units", s.handleConsoleUnitCreate)
	staff("GET /console/units/{id}", s.handleConsoleUnit)
	staff("POST /console/units/{id}/rooms", s.handleConsoleRoomCreate)
	staff("POST /console/rooms/{id}", s.handleConsoleRoomUpdate)
	staff("GET /console/staff", s.handleConsoleStaff)
	staff("POST /console/staff", s.handleConsoleStaffCreate)
	staff("POST /console/staff/{id}/grants", s.handleConsoleGrantCreate)
	staff("POST /console/grants/{id}/delete", s.handleConsoleGrantDelete)

	s.consoleMenuRoutes(func(pattern string, h http.HandlerFunc) { staff(pattern, s.menuOnly(h)) })
	// Issue 5: console_community.go, console_news.go (news and rating
	// moderation).
	s.consoleCommunityRoutes(staff)
	s.consoleNewsRoutes(staff)
	// Issue 6: console_stats.go (dashboard, big screen), console_report.go
	// (reports, exports), console_webhook.go.
	s.consoleStatsRoutes(staff)
	s.consoleReportRoutes(staff)
	s.consoleWebhookRoutes(staff)

	staff("/console/", s.notFound)
}

// consoleMenuRoutes lists the culture menu's console routes; menu wraps
// each so that it answers 404 when the server has no menu service.
func (s *Server) consoleMenuRoutes(menu func(string, http.HandlerFunc)) {
	menu("GET /console/providers", s.handleConsoleProviders)
	menu("GET /console/providers/new", s.handleConsoleProviderNew)
	menu("POST /console/providers/new", s.handleConsoleProviderCreate)
	menu("GET /console/providers/{id}/edit", s.handleConsoleProviderEdit)
	menu("POST /console/providers/{id}/edit", s.handleConsoleProviderUpdate)
	menu("POST /console/providers/{id}/staff", s.handleConsoleProviderStaffCreate)

	menu("GET /console/provider", s.handleConsoleProviderHome)
	menu("GET /console/providers/{id}/items", s.handleConsoleProviderItems)
	menu("GET /console/providers/{id}/items/new", s.handleConsoleItemNew)
	menu("POST /console/providers/{id}/items/new", s.handleConsoleItemCreate)
	menu("GET /console/items/{id}/edit", s.handleConsoleItemEdit)
	menu("POST /console/items/{id}/edit", s.handleConsoleItemUpdate)
	menu("POST /console/items/{id}/withdraw", s.handleConsoleItemWithdraw)
	menu("GET /console/providers/{id}/deliveries", s.handleConsoleProviderDeliveries)
	menu("POST /console/deliveries/{id}/confirm", s.handleConsoleDeliveryConfirm)
	menu("POST /console/deliveries/{id}/decline", s.handleConsoleDeliveryDecline)

	menu("GET /console/review", s.handleConsoleReview)
	menu("POST /console/review/{id}/approve", s.handleConsoleReviewApprove)
	menu("POST /console/review/{id}/return", s.handleConsoleReviewReturn)

	menu("GET /console/demand", s.handleConsoleDemand)
	menu("GET /console/requests", s.handleConsoleRequests)
	menu("GET /console/requests/new", s.handleConsoleRequestNew)
	menu("POST /console/requests/new", s.handleConsoleRequestCreate)
	menu("POST /console/requests/{id}/withdraw", s.handleConsoleRequestWithdraw)
	menu("POST /console/requests/{id}/decline", s.handleConsoleRequestDecline)

	menu("GET /console/deliveries", s.handleConsoleDeliveries)
	menu("GET /console/deliveries/new", s.handleConsoleDeliveryNew)
	menu("POST /console/deliveries/new", s.handleConsoleDeliveryCreate)
	menu("GET /console/deliveries/{id}", s.handleConsoleDeliveryView)
	menu("POST /console/deliveries/{id}/mode", s.handleConsoleDeliveryMode)
	menu("POST /console/deliveries/{id}/cancel", s.handleConsoleDeliveryCancel)
	menu("POST /console/deliveries/{id}/settle", s.handleConsoleDeliverySettle)
}
