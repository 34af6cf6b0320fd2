package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleActivityFields are the inputs of the activity form.
var consoleActivityFields = []string{"unit_id", "room_id", "series_id", "title", "description",
	"category", "audience", "age_min", "age_max", "starts_at", "ends_at", "capacity", "mode",
	"opens_at", "closes_at", "max_per_booking", "weeks", "lottery_weighted",
	"reserved_walkin", "reserved_community", "reserve_release_at", "real_name"}

// consoleActivityFormPage is the data of the create and edit forms.
type consoleActivityFormPage struct {
	Page
	Form *consoleForm
	// Activity is the activity being edited; nil on the create form.
	Activity *culture.Activity
	Units    []consoleUnitRow
	Rooms    []*culture.Room
	Series   []*culture.Series
}

// ReservesReleased reports whether the edited activity's reserved seats
// have gone public (their release time has passed): the store then
// refuses to change them.
func (p consoleActivityFormPage) ReservesReleased() bool {
	a := p.Activity
	return a != nil && a.ReserveReleaseAt != nil && !p.Now.Before(*a.ReserveReleaseAt)
}

func (s *Server) handleConsoleActivityNew(w http.ResponseWriter, r *http.Request) {
	if !consoleAccount(r).CanAnywhere(culture.ActManageActivities) {
		s.error(w, r, errNoActivities)
		return
	}
	f := newConsoleForm("")
	f.Values["weeks"], f.Values["max_per_booking"], f.Values["mode"] = "1", "1", culture.ModeFirstCome
	if u := r.URL.Query().Get("unit"); u != "" {
		f.Values["unit_id"] = u
	}
	s.renderActivityForm(w, r, http.StatusOK, f, nil)
}

func (s *Server) handleConsoleActivityCreate(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActManageActivities) {
		s.error(w, r, errNoActivities)
		return
	}
	if !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleActivityFields...)
	a, weeks := consoleActivityOf(f, s.Now())
	if err := s.consoleCheckActivityUnit(r.Context(), acc, f, a.UnitID); err != nil {
		s.error(w, r, err)
		return
	}
	if f.Valid() {
		created, err := s.Activities.CreateActivity(r.Context(), a, weeks)
		if err == nil {
			s.flash(r, fmt.Sprintf("已创建 %d 场活动。", len(created)))
			redirect(w, r, consoleActivityURL(created[0].ID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderActivityForm(w, r, http.StatusUnprocessableEntity, f, nil)
}

// consoleCheckActivityUnit checks the chosen unit: unknown units are a
// field message, units outside the account's scope are forbidden.
func (s *Server) consoleCheckActivityUnit(ctx context.Context, acc *culture.Account, f *consoleForm, id int64) error {
	if id == 0 {
		return nil // the form already says to choose one
	}
	_, err := s.consoleUnitFor(ctx, acc, culture.ActManageActivities, id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		f.fail("unit_id", "所选单位不存在。")
		return nil
	}
	return err
}

func (s *Server) handleConsoleActivityEdit(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok {
		return
	}
	if a.Status == culture.ActivityCancelled {
		s.flash(r, "该活动已取消，不能再编辑。")
		redirect(w, r, consoleActivityURL(a.ID))
		return
	}
	s.renderActivityForm(w, r, http.StatusOK, consoleActivityFormOf(a), a)
}

func (s *Server) handleConsoleActivityUpdate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleActivityFields...)
	upd := consoleActivityUpdateOf(f)
	if f.Valid() {
		_, err := s.Activities.UpdateActivity(r.Context(), a.ID, upd)
		if err == nil {
			s.flash(r, "活动已保存。")
			redirect(w, r, consoleActivityURL(a.ID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderActivityForm(w, r, http.StatusUnprocessableEntity, f, a)
}

// renderActivityForm shows the create form (a == nil) or the edit form of a,
// with the units, rooms and series to choose from.
func (s *Server) renderActivityForm(w http.ResponseWriter, r *http.Request, status int, f *consoleForm, a *culture.Activity) {
	data := consoleActivityFormPage{Page: s.page(r, "新建活动"), Form: f, Activity: a}
	var err error
	if a != nil {
		data.Title = "编辑活动"
		data.Rooms, err = s.Units.FindRooms(r.Context(), a.UnitID)
	} else {
		data.Units, data.Rooms, err = s.consoleActivityUnits(r.Context(), consoleAccount(r))
	}
	if err == nil {
		data.Series, err = s.Activities.FindSeries(r.Context())
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "console_activity_form", "", data)
}

// consoleActivityUnits returns the units the account manages activities of
// and their rooms.
func (s *Server) consoleActivityUnits(ctx context.Context, acc *culture.Account) ([]consoleUnitRow, []*culture.Room, error) {
	return s.consoleUnitsAndRooms(ctx, acc, culture.ActManageActivities)
}

// consoleActivityOf reads the create form into an activity and the number
// of weeks it repeats, and checks it, noting problems on f.
func consoleActivityOf(f *consoleForm, now time.Time) (*culture.Activity, int) {
	a := &culture.Activity{
		RoomID: f.id("room_id"), SeriesID: f.id("series_id"),
		Title:    f.text("title", "请填写标题。"),
		Category: f.text("category", "请选择活动类别。"),
		Mode:     f.text("mode", "请选择预约方式。"),
		AgeMin:   f.int("age_min", 0), AgeMax: f.int("age_max", 0),
		Description: f.Get("description"), Audience: f.Get("audience"),
		Capacity: consoleCapacity(f), MaxPerBooking: f.int("max_per_booking", 1),
		StartsAt: consoleRequiredTime(f, "starts_at", "请填写开始时间。"),
		EndsAt:   consoleRequiredTime(f, "ends_at", "请填写结束时间。"),
		OpensAt:  f.time("opens_at"), ClosesAt: f.time("closes_at"),
		LotteryWeighted: f.Get("lottery_weighted") == "1",
	}
	a.ReservedWalkin, a.ReservedCommunity, a.RealName = consoleActivityReserves(f)
	if t := f.time("reserve_release_at"); !t.IsZero() {
		a.ReserveReleaseAt = &t // blank: the store's default, an hour before the start
	}
	if id := f.id("unit_id"); id != nil {
		a.UnitID = *id
	} else {
		f.fail("unit_id", "请选择单位。")
	}
	weeks := f.int("weeks", 1)
	if weeks < 1 || weeks > 26 {
		f.fail("weeks", "每周重复的周数应在 1 到 26 之间。")
	}
	consoleCheckActivity(f, *a, now)
	return a, weeks
}

// consoleCheckActivity runs the domain checks on a copy of a with the
// store's defaults (booking opens now and closes at the start), so that the
// form shows their message beside any parse errors.
func consoleCheckActivity(f *consoleForm, a culture.Activity, now time.Time) {
	if a.OpensAt.IsZero() {
		a.OpensAt = now
	}
	if a.ClosesAt.IsZero() {
		a.ClosesAt = a.StartsAt
	}
	if err := a.Validate(); err != nil {
		f.absorb(err)
	}
}

func consoleRequiredTime(f *consoleForm, name, msg string) time.Time {
	if f.Get(name) == "" {
		f.fail(name, msg)
	}
	return f.time(name)
}

// consoleActivityReserves reads the reserved seats (blank is none) and the
// real-name checkbox.
func consoleActivityReserves(f *consoleForm) (walkin, community int, realName bool) {
	const msg = "预留名额应在 0 到 100000 之间。"
	return f.intIn("reserved_walkin", 0, 0, culture.MaxSeats, msg), f.intIn("reserved_community", 0, 0, culture.MaxSeats, msg),
		f.Get("real_name") == "1"
}

// consoleCapacity reads the number of seats.
func consoleCapacity(f *consoleForm) int {
	return f.intIn("capacity", 0, 0, culture.MaxSeats, "名额应在 0 到 100000 之间。")
}

// consoleActivityUpdateOf reads the edit form. Blank booking times keep the
// stored ones; a blank room clears the room; a blank reserve release time
// is the default, an hour before the (new) start.
func consoleActivityUpdateOf(f *consoleForm) culture.ActivityUpdate {
	title, category := f.text("title", "请填写标题。"), f.text("category", "请选择活动类别。")
	desc, audience := f.Get("description"), f.Get("audience")
	start := consoleRequiredTime(f, "starts_at", "请填写开始时间。")
	end := consoleRequiredTime(f, "ends_at", "请填写结束时间。")
	capacity, most := consoleCapacity(f), f.int("max_per_booking", 1)
	room := f.id("room_id")
	if room == nil {
		room = new(int64)
	}
	upd := culture.ActivityUpdate{Title: &title, Category: &category, Description: &desc,
		Audience: &audience, RoomID: room, StartsAt: &start, EndsAt: &end,
		Capacity: &capacity, MaxPerBooking: &most}
	if t := f.time("opens_at"); !t.IsZero() {
		upd.OpensAt = &t
	}
	if t := f.time("closes_at"); !t.IsZero() {
		upd.ClosesAt = &t
	}
	walkin, community, realName := consoleActivityReserves(f)
	upd.ReservedWalkin, upd.ReservedCommunity, upd.RealName = &walkin, &community, &realName
	if t := f.time("reserve_release_at"); !t.IsZero() {
		upd.ReserveReleaseAt = &t
	} else if !start.IsZero() {
		t := start.Add(-consoleDefaultRelease)
		upd.ReserveReleaseAt = &t
	}
	return upd
}

// consoleDefaultRelease is how long before the start the reserves go
// public when no time is set (the store's default).
const consoleDefaultRelease = time.Hour

// consoleActivityFormOf fills the edit form from a stored activity.
func consoleActivityFormOf(a *culture.Activity) *consoleForm {
	f := newConsoleForm("")
	local := func(t time.Time) string { return t.In(culture.Shanghai).Format("2006-01-02T15:04") }
	v := f.Values
	v["title"], v["description"], v["category"], v["audience"] = a.Title, a.Description, a.Category, a.Audience
	v["starts_at"], v["ends_at"] = local(a.StartsAt), local(a.EndsAt)
	v["opens_at"], v["closes_at"] = local(a.OpensAt), local(a.ClosesAt)
	v["capacity"], v["max_per_booking"] = strconv.Itoa(a.Capacity), strconv.Itoa(a.MaxPerBooking)
	v["mode"], v["unit_id"] = a.Mode, strconv.FormatInt(a.UnitID, 10)
	if a.RoomID != nil {
		v["room_id"] = strconv.FormatInt(*a.RoomID, 10)
	}
	v["reserved_walkin"], v["reserved_community"] = strconv.Itoa(a.ReservedWalkin), strconv.Itoa(a.ReservedCommunity)
	// The default release time stays blank, so that it follows the start.
	if t := a.ReserveReleaseAt; t != nil && !t.Equal(a.StartsAt.Add(-consoleDefaultRelease)) {
		v["reserve_release_at"] = local(*t)
	}
	if a.RealName {
		v["real_name"] = "1"
	}
	return f
}
