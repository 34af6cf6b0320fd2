package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// bookingJSON is a booking as the API shows it. Activity is set in every
// reply except the one to booking, so that a replay gets the same body (the
// activity's seats_left moves on).
type bookingJSON struct {
	ID          int64          `json:"id"`
	ActivityID  int64          `json:"activity_id"`
	Status      string         `json:"status"`
	StatusLabel string         `json:"status_label"`
	Seats       int            `json:"seats"`
	Code        string         `json:"code"`
	DisplayCode string         `json:"display_code"`
	Attendees   []attendeeJSON `json:"attendees"`
	CreatedAt   *time.Time     `json:"created_at"`
	CheckedInAt *time.Time     `json:"checked_in_at"`
	Activity    *activityJSON  `json:"activity,omitempty"`
	// Waiting list and no-show record (see grab.go).
	grabJSON
}

// attendeeJSON is one person a booking admits.
type attendeeJSON struct {
	Name           string `json:"name"`
	Self           bool   `json:"self"`
	FamilyMemberID *int64 `json:"family_member_id"`
	IDMasked       string `json:"id_masked,omitempty"`
}

func newBookingJSON(b *culture.Booking) bookingJSON {
	v := bookingJSON{
		ID: b.ID, ActivityID: b.ActivityID, Status: b.Status, StatusLabel: b.StatusLabel(),
		Seats: b.Seats, Code: b.Code, DisplayCode: b.DisplayCode(), Attendees: []attendeeJSON{},
		CreatedAt: utc(b.CreatedAt),
	}
	if b.CheckedInAt != nil {
		v.CheckedInAt = utc(*b.CheckedInAt)
	}
	for _, at := range b.Attendees {
		v.Attendees = append(v.Attendees, attendeeJSON{Name: at.Name, Self: at.Self,
			FamilyMemberID: at.FamilyMemberID, IDMasked: at.IDMasked})
	}
	v.grabJSON = newGrabJSON(b)
	return v
}

// withActivity adds the booking's activity to its view, when loaded.
func withActivity(b *culture.Booking) bookingJSON {
	v := newBookingJSON(b)
	if b.Activity != nil {
		act := newActivityJSON(b.Activity)
		v.Activity = &act
	}
	return v
}

// bookingRequest asks for seats: the caller (self, true by default when no
// family member is named) and family members.
type bookingRequest struct {
	Self            *bool   `json:"self"`
	FamilyMemberIDs []int64 `json:"family_member_ids"`
	// Waitlist joins the waiting list when the activity is sold out.
	Waitlist bool `json:"waitlist"`
	// RealNames: name and resident ID per attendee (self first, then
	// family in order) for real-name activities.
	RealNames []culture.RealName `json:"real_names"`
}

// maxAttendees bounds a request; the activity's own limit is lower.
const maxAttendees = 20

var errBookingNotFound = notFound("预约不存在。")

// handleBookingCreate books seats of an activity. A retry with the same
// Idempotency-Key returns the first booking.
func (a *API) handleBookingCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	me := account(r.Context())
	if !a.bookingLimit.Allow(strconv.FormatInt(me.ID, 10)) {
		a.writeError(w, r, errTooMany)
		return
	}
	req, err := readBookingRequest(w, r, id, me.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := a.bookings.CreateBooking(r.Context(), req)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newBookingJSON(b))
}

// readBookingRequest reads an optional body and the Idempotency-Key header
// into a checked domain request.
func readBookingRequest(w http.ResponseWriter, r *http.Request, activityID, accountID int64) (*culture.BookingRequest, error) {
	var body bookingRequest
	if hasBody(r) {
		if err := decodeJSON(w, r, &body); err != nil {
			return nil, err
		}
	}
	req := &culture.BookingRequest{
		ActivityID: activityID, AccountID: accountID, FamilyIDs: body.FamilyMemberIDs,
		Self: len(body.FamilyMemberIDs) == 0, IdempotencyKey: r.Header.Get("Idempotency-Key"),
		Waitlist: body.Waitlist, RealNames: body.RealNames,
	}
	if body.Self != nil {
		req.Self = *body.Self
	}
	if err := checkBookingRequest(req); err != nil {
		return nil, err
	}
	return req, req.Validate()
}

// checkBookingRequest checks what the domain's Validate leaves to callers.
func checkBookingRequest(req *culture.BookingRequest) error {
	if len(req.FamilyIDs) > maxAttendees {
		return culture.Invalid("family_member_ids", "参加人过多。")
	}
	for _, id := range req.FamilyIDs {
		if id <= 0 {
			return culture.Invalid("family_member_ids", "家庭成员编号无效。")
		}
	}
	if len(req.IdempotencyKey) > culture.MaxIdempotencyKey {
		return culture.Invalid("idempotency_key", "Idempotency-Key 过长（最多 100 个字符）。")
	}
	if !culture.ValidIdempotencyKey(req.IdempotencyKey) {
		return culture.Invalid("idempotency_key", "Idempotency-Key 只能包含可见的 ASCII 字符。")
	}
	return nil
}

// handleMyBookings lists the caller's bookings, newest first.
func (a *API) handleMyBookings(w http.ResponseWriter, r *http.Request) {
	f, p, err := myBookingFilter(r.URL.Query(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	bookings, total, err := a.bookings.FindBookings(r.Context(), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := list[bookingJSON]{Items: make([]bookingJSON, 0, len(bookings)), Total: total, Page: p.Page, PerPage: p.PerPage}
	for _, b := range bookings {
		out.Items = append(out.Items, withActivity(b))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// myBookingFilter reads page, per_page, status and upcoming.
func myBookingFilter(q url.Values, accountID int64) (culture.BookingFilter, page, error) {
	f := culture.BookingFilter{AccountID: &accountID}
	p, err := parsePage(q)
	if err != nil {
		return f, p, err
	}
	if s := q.Get("status"); s != "" {
		if _, ok := culture.BookingStatusLabels[s]; !ok {
			return f, p, culture.Invalid("status", "参数 status 不是有效的预约状态。")
		}
		f.Status = &s
	}
	f.Upcoming, err = queryBool(q, "upcoming")
	f.Limit, f.Offset = p.limit(), p.offset()
	return f, p, err
}

// handleBookingView shows a booking to its owner, or to staff who manage
// the activity's unit; to anyone else it does not exist.
func (a *API) handleBookingView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := a.readableBooking(r.Context(), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, withActivity(b))
}

// readableBooking finds a booking the caller may read. Someone else's
// booking answers exactly as a missing one, so ids leak nothing.
func (a *API) readableBooking(ctx context.Context, id int64) (*culture.Booking, error) {
	me := account(ctx)
	b, err := a.bookings.FindBookingByID(ctx, id)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND:
		return nil, errBookingNotFound
	case err != nil:
		return nil, err
	case b.AccountID == me.ID:
		return b, nil
	case !me.CanAnywhere(culture.ActManageActivities):
		return nil, errBookingNotFound
	}
	unit, err := a.activityUnit(ctx, b.ActivityID)
	if err != nil {
		return nil, err
	} else if !me.Can(culture.ActManageActivities, unit) {
		return nil, errBookingNotFound
	}
	return b, nil
}

// activityUnit returns the unit an activity belongs to.
func (a *API) activityUnit(ctx context.Context, activityID int64) (*culture.Unit, error) {
	act, err := a.activities.FindActivityByID(ctx, activityID)
	if err != nil {
		return nil, err
	}
	return a.units.FindUnitByID(ctx, act.UnitID)
}

// handleBookingCancel cancels one of the caller's own bookings; the store
// reports anyone else's as not found.
func (a *API) handleBookingCancel(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := a.bookings.CancelBooking(r.Context(), account(r.Context()).ID, id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, withActivity(b))
}
