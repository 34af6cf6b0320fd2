package api

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// activityJSON is an activity as the API shows it. Booking window times are
// null for walk-in (open) activities.
type activityJSON struct {
	ID            int64      `json:"id"`
	UnitID        int64      `json:"unit_id"`
	UnitName      string     `json:"unit_name"`
	RoomID        *int64     `json:"room_id"`
	RoomName      string     `json:"room_name"`
	SeriesID      *int64     `json:"series_id"`
	SeriesName    string     `json:"series_name"`
	Address       string     `json:"address"`
	Title         string     `json:"title"`
	Description   string     `json:"description"`
	Category      string     `json:"category"`
	Audience      string     `json:"audience"`
	AgeMin        int        `json:"age_min"`
	AgeMax        int        `json:"age_max"`
	StartsAt      *time.Time `json:"starts_at"`
	EndsAt        *time.Time `json:"ends_at"`
	Capacity      int        `json:"capacity"`
	SeatsLeft     int        `json:"seats_left"`
	Mode          string     `json:"mode"`
	ModeLabel     string     `json:"mode_label"`
	OpensAt       *time.Time `json:"opens_at"`
	ClosesAt      *time.Time `json:"closes_at"`
	MaxPerBooking int        `json:"max_per_booking"`
	Status        string     `json:"status"`
	CreatedAt     *time.Time `json:"created_at"`
	// RealName activities take a name and resident ID per attendee.
	RealName bool `json:"real_name"`
	// Reserved seats outside seats_left until reserve_release_at (null
	// without reserves): walk-in / phone and the branch community, with
	// what is left of each (0 once released).
	ReservedWalkin    int        `json:"reserved_walkin"`
	ReservedCommunity int        `json:"reserved_community"`
	WalkinLeft        int        `json:"walkin_left"`
	CommunityLeft     int        `json:"community_left"`
	ReserveReleaseAt  *time.Time `json:"reserve_release_at"`
}

func newActivityJSON(a *culture.Activity) activityJSON {
	v := activityJSON{
		ID: a.ID, UnitID: a.UnitID, UnitName: a.UnitName, RoomID: a.RoomID, RoomName: a.RoomName,
		SeriesID: a.SeriesID, SeriesName: a.SeriesName, Address: a.Address,
		Title: a.Title, Description: a.Description, Category: a.Category, Audience: a.Audience,
		AgeMin: a.AgeMin, AgeMax: a.AgeMax, StartsAt: utc(a.StartsAt), EndsAt: utc(a.EndsAt),
		Capacity: a.Capacity, SeatsLeft: a.SeatsLeft, Mode: a.Mode, ModeLabel: a.ModeLabel(),
		MaxPerBooking: a.MaxPerBooking, Status: a.Status, CreatedAt: utc(a.CreatedAt),
		RealName: a.RealName, ReservedWalkin: a.ReservedWalkin, ReservedCommunity: a.ReservedCommunity,
		WalkinLeft: a.WalkinLeft, CommunityLeft: a.CommunityLeft,
	}
	if a.ReserveReleaseAt != nil {
		v.ReserveReleaseAt = utc(*a.ReserveReleaseAt)
	}
	if a.Bookable() {
		v.OpensAt, v.ClosesAt = utc(a.OpensAt), utc(a.ClosesAt)
	}
	return v
}

func newActivityList(acts []*culture.Activity) []activityJSON {
	out := make([]activityJSON, 0, len(acts))
	for _, act := range acts {
		out = append(out, newActivityJSON(act))
	}
	return out
}

// handleActivityIndex lists published activities, filtered and paginated.
func (a *API) handleActivityIndex(w http.ResponseWriter, r *http.Request) {
	f, p, err := a.activityFilter(r.Context(), r.URL.Query())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	acts, total, err := a.activities.FindActivities(r.Context(), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, list[activityJSON]{
		Items: newActivityList(acts), Total: total, Page: p.Page, PerPage: p.PerPage,
	})
}

// activityFilter reads and checks the list parameters. Without from or to,
// the list starts at today's midnight in Shanghai.
func (a *API) activityFilter(ctx context.Context, q url.Values) (culture.ActivityFilter, page, error) {
	published := culture.ActivityPublished
	f := culture.ActivityFilter{Status: &published, Query: q.Get("q")}
	p, err := parsePage(q)
	for _, check := range []func() error{
		func() (err error) { f.Within, err = a.queryUnit(ctx, q); return err },
		func() (err error) { f.From, err = queryTime(q, "from"); return err },
		func() (err error) { f.To, err = queryTime(q, "to"); return err },
		func() (err error) { f.Category, err = queryCategory(q); return err },
		func() (err error) { f.BookableOnly, err = queryBool(q, "bookable"); return err },
		func() error { return checkSearch(f.Query) },
	} {
		if err == nil {
			err = check()
		}
	}
	if err != nil {
		return f, p, err
	}
	return a.finishFilter(f, p)
}

// finishFilter checks the time range, applies defaults and the page.
func (a *API) finishFilter(f culture.ActivityFilter, p page) (culture.ActivityFilter, page, error) {
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return f, p, culture.Invalid("to", "参数 to 应晚于 from。")
	}
	if f.From == nil && f.To == nil {
		from := startOfDay(a.now())
		f.From = &from
	}
	f.Limit, f.Offset = p.limit(), p.offset()
	return f, p, nil
}

// queryUnit reads the unit parameter, which must name an existing unit.
func (a *API) queryUnit(ctx context.Context, q url.Values) (*int64, error) {
	id, err := queryID(q, "unit")
	if err != nil || id == nil {
		return id, err
	}
	if _, err := a.units.FindUnitByID(ctx, *id); err != nil {
		if culture.ErrorCode(err) == culture.ENOTFOUND {
			return nil, culture.Invalid("unit", "参数 unit 指定的单位不存在。")
		}
		return nil, err
	}
	return id, nil
}

// queryCategory reads the category parameter, one of culture.Categories.
func queryCategory(q url.Values) (*string, error) {
	c := q.Get("category")
	if c == "" {
		return nil, nil
	}
	if !slices.Contains(culture.Categories, c) {
		return nil, culture.Invalid("category", "参数 category 不是有效的活动类别。")
	}
	return &c, nil
}

// checkSearch bounds the search text.
func checkSearch(s string) error {
	if !culture.CleanText(s) || utf8.RuneCountInString(s) > 50 {
		return culture.Invalid("q", "参数 q 应为不超过 50 个字的文本。")
	}
	return nil
}

// handleActivityView shows one activity.
func (a *API) handleActivityView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	act, err := a.activities.FindActivityByID(r.Context(), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newActivityJSON(act))
}

// activityRequest creates an activity, repeated weekly when repeat_weeks > 1.
type activityRequest struct {
	UnitID        int64  `json:"unit_id"`
	RoomID        *int64 `json:"room_id"`
	SeriesID      *int64 `json:"series_id"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Category      string `json:"category"`
	Audience      string `json:"audience"`
	AgeMin        int    `json:"age_min"`
	AgeMax        int    `json:"age_max"`
	StartsAt      string `json:"starts_at"`
	EndsAt        string `json:"ends_at"`
	Capacity      int    `json:"capacity"`
	Mode          string `json:"mode"`
	OpensAt       string `json:"opens_at"`
	ClosesAt      string `json:"closes_at"`
	MaxPerBooking *int   `json:"max_per_booking"`
	RepeatWeeks   *int   `json:"repeat_weeks"`
	// Reserved seats (default none) and their release time (default an
	// hour before the start), and real-name booking.
	ReservedWalkin    int    `json:"reserved_walkin"`
	ReservedCommunity int    `json:"reserved_community"`
	ReserveReleaseAt  string `json:"reserve_release_at"`
	RealName          bool   `json:"real_name"`
}

// maxRepeatWeeks bounds weekly repetition (the store's limit).
const maxRepeatWeeks = 26

// handleActivityCreate creates activities at a unit the caller manages.
// The store checks the room and series and validates the activity.
func (a *API) handleActivityCreate(w http.ResponseWriter, r *http.Request) {
	if !account(r.Context()).CanAnywhere(culture.ActManageActivities) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	var req activityRequest
	if err := decodeJSON(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	act, weeks, err := buildActivity(&req)
	if err == nil {
		err = a.authorizeActivity(r.Context(), act.UnitID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	created, err := a.activities.CreateActivity(r.Context(), act, weeks)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, items[activityJSON]{Items: newActivityList(created)})
}

// authorizeActivity checks that the caller manages activities at the unit.
func (a *API) authorizeActivity(ctx context.Context, unitID int64) error {
	if unitID <= 0 {
		return culture.Invalid("unit_id", "请选择单位。")
	}
	unit, err := a.units.FindUnitByID(ctx, unitID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("unit_id", "单位不存在。")
	} else if err != nil {
		return err
	}
	return account(ctx).Check(culture.ActManageActivities, unit)
}

// buildActivity turns a request into an activity and a number of weeks.
// A bookable activity's window defaults (in the store) to opening now and
// closing at the start.
func buildActivity(req *activityRequest) (*culture.Activity, int, error) {
	act := &culture.Activity{
		UnitID: req.UnitID, RoomID: req.RoomID, SeriesID: req.SeriesID,
		Title: req.Title, Description: req.Description, Category: req.Category, Audience: req.Audience,
		AgeMin: req.AgeMin, AgeMax: req.AgeMax, Capacity: req.Capacity, SeatsLeft: req.Capacity,
		Mode: req.Mode, MaxPerBooking: 1, Status: culture.ActivityPublished,
		ReservedWalkin: req.ReservedWalkin, ReservedCommunity: req.ReservedCommunity, RealName: req.RealName,
	}
	if req.MaxPerBooking != nil {
		act.MaxPerBooking = *req.MaxPerBooking
	}
	// Bound the seat numbers before anything adds them up (the domain
	// checks them again, negative ones and against each other).
	switch {
	case req.Capacity > culture.MaxSeats:
		return nil, 0, culture.Invalid("capacity", "名额应在 0 到 100000 之间。")
	case req.ReservedWalkin > culture.MaxSeats:
		return nil, 0, culture.Invalid("reserved_walkin", "预留名额应在 0 到 100000 之间。")
	case req.ReservedCommunity > culture.MaxSeats:
		return nil, 0, culture.Invalid("reserved_community", "预留名额应在 0 到 100000 之间。")
	}
	weeks := 1
	if req.RepeatWeeks != nil {
		weeks = *req.RepeatWeeks
	}
	if weeks < 1 || weeks > maxRepeatWeeks {
		return nil, 0, culture.Invalid("repeat_weeks", "重复周数应在 1 到 26 之间。")
	}
	return act, weeks, activityTimes(act, req)
}

// activityTimes parses the times of a request into act.
func activityTimes(act *culture.Activity, req *activityRequest) error {
	var release time.Time
	for _, f := range []struct {
		name, value string
		dst         *time.Time
		required    bool
	}{
		{"starts_at", req.StartsAt, &act.StartsAt, true},
		{"ends_at", req.EndsAt, &act.EndsAt, true},
		{"opens_at", req.OpensAt, &act.OpensAt, false},
		{"closes_at", req.ClosesAt, &act.ClosesAt, false},
		{"reserve_release_at", req.ReserveReleaseAt, &release, false},
	} {
		if err := bodyTime(f.name, f.value, f.required, f.dst); err != nil {
			return err
		}
	}
	if !release.IsZero() {
		act.ReserveReleaseAt = &release
	}
	return nil
}

// bodyTime parses an RFC 3339 time field of a request body.
func bodyTime(name, value string, required bool, dst *time.Time) error {
	if value == "" && !required {
		return nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return culture.Invalid(name, "字段 "+name+" 应为 RFC 3339 时间，如 2026-03-01T09:00:00+08:00。")
	}
	*dst = t.UTC()
	return nil
}
