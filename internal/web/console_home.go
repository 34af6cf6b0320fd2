package web

import (
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleHomePage is the data of the console's start page.
type consoleHomePage struct {
	Page
	Grants []*culture.Grant
	Units  []consoleUnitRow
	Today  []*culture.Activity
	// What the account may do somewhere, for the quick links.
	CanActivities, CanCheckIn, CanRooms, CanUnits bool
}

func (s *Server) handleConsoleHome(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageActivities, culture.ActCheckIn,
		culture.ActManageRooms, culture.ActManageUnits)
	if err != nil {
		s.error(w, r, err)
		return
	}
	from, to := consoleDay(s.Now())
	roots := consoleRoots(acc, culture.ActManageActivities, culture.ActCheckIn)
	today, err := s.consoleActivitiesIn(r.Context(), roots, culture.ActivityFilter{From: &from, To: &to, Limit: 100})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_home", "", consoleHomePage{
		Page: s.page(r, "工作台"), Grants: acc.Grants, Units: units, Today: today,
		CanActivities: acc.CanAnywhere(culture.ActManageActivities),
		CanCheckIn:    acc.CanAnywhere(culture.ActCheckIn),
		CanRooms:      acc.CanAnywhere(culture.ActManageRooms),
		CanUnits:      acc.CanAnywhere(culture.ActManageUnits),
	})
}

// consoleDay returns the start of now's day in Asia/Shanghai and of the
// next day.
func consoleDay(now time.Time) (time.Time, time.Time) {
	l := now.In(culture.Shanghai)
	start := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, culture.Shanghai)
	return start.UTC(), start.AddDate(0, 0, 1).UTC()
}
