package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoActivities refuses accounts that manage no activities anywhere.
var errNoActivities = culture.Errorf(culture.EFORBIDDEN, "您没有管理活动的权限。")

// consoleActivitiesPage lists the activities in the account's scope.
type consoleActivitiesPage struct {
	Page
	Units    []consoleUnitRow
	UnitID   int64
	Upcoming []*culture.Activity
	Recent   []*culture.Activity
}

// consoleActivityPage shows one activity and its bookings.
type consoleActivityPage struct {
	Page
	Activity *culture.Activity
	Bookings []*culture.Booking
	// Booked counts the seats of active bookings; CheckedIn those checked in.
	Booked, CheckedIn, Pending int
}

func (s *Server) handleConsoleActivities(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActManageActivities) {
		s.error(w, r, errNoActivities)
		return
	}
	roots, unitID, ok := s.consoleListRoots(w, r, acc)
	if !ok {
		return
	}
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageActivities)
	if err != nil {
		s.error(w, r, err)
		return
	}
	today, _ := consoleDay(s.Now())
	upcoming, err := s.consoleActivitiesIn(r.Context(), roots, culture.ActivityFilter{From: &today, Limit: 100})
	if err != nil {
		s.error(w, r, err)
		return
	}
	recent, err := s.consoleActivitiesIn(r.Context(), roots, culture.ActivityFilter{To: &today, Desc: true, Limit: 30})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_activities", "", consoleActivitiesPage{
		Page: s.page(r, "活动管理"), Units: units, UnitID: unitID, Upcoming: upcoming, Recent: recent,
	})
}

// consoleListRoots reads ?unit=: one unit the account manages activities
// of, or by default every subtree it does.
func (s *Server) consoleListRoots(w http.ResponseWriter, r *http.Request, acc *culture.Account) ([]int64, int64, bool) {
	v := r.URL.Query().Get("unit")
	if v == "" {
		return consoleRoots(acc, culture.ActManageActivities), 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return nil, 0, false
	}
	if _, err := s.consoleUnitFor(r.Context(), acc, culture.ActManageActivities, id); err != nil {
		s.error(w, r, err)
		return nil, 0, false
	}
	return []int64{id}, id, true
}

// consoleUnitFor loads a unit and checks that acc may do act there.
func (s *Server) consoleUnitFor(ctx context.Context, acc *culture.Account, act string, id int64) (*culture.Unit, error) {
	u, err := s.Units.FindUnitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return u, acc.Check(act, u)
}

// consoleActivity loads the activity named by the path and checks that the
// account manages activities of its unit. On failure it answers.
func (s *Server) consoleActivity(w http.ResponseWriter, r *http.Request) (*culture.Activity, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	return s.consoleActivityByID(w, r, id)
}

func (s *Server) consoleActivityByID(w http.ResponseWriter, r *http.Request, id int64) (*culture.Activity, bool) {
	a, err := s.Activities.FindActivityByID(r.Context(), id)
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageActivities, a.UnitID)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return a, true
}

func (s *Server) handleConsoleActivityView(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok {
		return
	}
	bookings, err := s.consoleBookingsOf(r.Context(), a.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data := consoleActivityPage{Page: s.page(r, a.Title), Activity: a, Bookings: bookings}
	for _, b := range bookings {
		switch b.Status {
		case culture.BookingPending:
			data.Pending++
		case culture.BookingCheckedIn:
			data.CheckedIn += b.Seats
		}
		if b.Active() {
			data.Booked += b.Seats
		}
	}
	s.render(w, r, http.StatusOK, "console_activity", "", data)
}

// consoleBookingsOf returns every booking of an activity, page by page.
func (s *Server) consoleBookingsOf(ctx context.Context, activityID int64) ([]*culture.Booking, error) {
	var out []*culture.Booking
	for {
		page, total, err := s.Bookings.FindBookings(ctx, culture.BookingFilter{
			ActivityID: &activityID, Limit: 500, Offset: len(out)})
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) == 0 || len(out) >= total || len(out) >= 100000 {
			return out, nil
		}
	}
}

func (s *Server) handleConsoleActivityCancelConfirm(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok {
		return
	}
	if a.Status == culture.ActivityCancelled {
		s.flash(r, "该活动已取消。")
		redirect(w, r, consoleActivityURL(a.ID))
		return
	}
	s.render(w, r, http.StatusOK, "console_activity_cancel", "", consoleActivityPage{
		Page: s.page(r, "取消活动"), Activity: a,
	})
}

// handleConsoleActivityCancel cancels after the confirm step: a post
// without confirm=yes shows the confirmation instead.
func (s *Server) handleConsoleActivityCancel(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	if r.PostForm.Get("confirm") != "yes" {
		s.handleConsoleActivityCancelConfirm(w, r)
		return
	}
	if err := s.Activities.CancelActivity(r.Context(), a.ID); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "活动已取消，已预约的居民的预约随之取消。")
	redirect(w, r, consoleActivityURL(a.ID))
}

func (s *Server) handleConsoleBookingDecide(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	b, ok := s.consoleBooking(w, r, id)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	approve, ok := map[string]bool{"approve": true, "decline": false}[r.PostForm.Get("decision")]
	if !ok {
		s.error(w, r, culture.Invalid("decision", "请选择“通过”或“不通过”。"))
		return
	}
	if _, err := s.Bookings.DecideBooking(r.Context(), id, approve); culture.ErrorCode(err) == culture.EINTERNAL {
		s.error(w, r, err)
		return
	} else if err != nil {
		s.flash(r, culture.ErrorMessage(err))
	} else {
		s.flash(r, map[bool]string{true: "已通过该报名。", false: "已拒绝该报名。"}[approve])
	}
	redirect(w, r, consoleActivityURL(b.ActivityID))
}

// errConsoleNoBooking answers an unknown booking and one of an activity
// outside the caller's units alike, so that another branch cannot tell
// which booking ids exist (as check-in answers "票码无效" to both).
var errConsoleNoBooking = culture.Errorf(culture.ENOTFOUND, "预约不存在。")

// consoleBooking returns the booking with id for staff who manage its
// activity's unit. Staff without that right anywhere get 403 whatever the
// id; everyone else gets the same 404 for a booking that does not exist
// and for one outside their units.
func (s *Server) consoleBooking(w http.ResponseWriter, r *http.Request, id int64) (*culture.Booking, bool) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActManageActivities) {
		s.error(w, r, culture.ErrForbidden)
		return nil, false
	}
	b, err := s.Bookings.FindBookingByID(r.Context(), id)
	var a *culture.Activity
	if err == nil {
		a, err = s.Activities.FindActivityByID(r.Context(), b.ActivityID)
	}
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), acc, culture.ActManageActivities, a.UnitID)
	}
	switch culture.ErrorCode(err) {
	case "":
		return b, true
	case culture.ENOTFOUND, culture.EFORBIDDEN:
		s.error(w, r, errConsoleNoBooking)
	default:
		s.error(w, r, err)
	}
	return nil, false
}

func consoleActivityURL(id int64) string { return fmt.Sprintf("/console/activities/%d", id) }

// consoleTime shows an optional time as "2006-01-02 15:04" in Shanghai.
func consoleTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(culture.Shanghai).Format("2006-01-02 15:04")
}
