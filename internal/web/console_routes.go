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

	staff("/console/", s.notFound)
}
