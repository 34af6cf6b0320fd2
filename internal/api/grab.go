package api

import (
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// grabJSON is the waiting-list and no-show part of a booking.
type grabJSON struct {
	Pool           string     `json:"pool,omitempty"`
	QueueRank      *int       `json:"queue_rank,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	LateCancel     bool       `json:"late_cancel,omitempty"`
	Waived         bool       `json:"waived,omitempty"`
}

func newGrabJSON(b *culture.Booking) grabJSON {
	v := grabJSON{Pool: b.Pool, LateCancel: b.LateCancel, Waived: b.Waived}
	if b.Status == culture.BookingWaitlisted {
		v.QueueRank = b.QueueRank
	}
	if b.Status == culture.BookingOffered && b.OfferExpiresAt != nil {
		v.OfferExpiresAt = utc(*b.OfferExpiresAt)
	}
	return v
}

var errNoGrab = notFound("该功能未启用。")

// handleOfferClaim confirms the caller's waiting-list offer.
func (a *API) handleOfferClaim(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil && a.grab == nil {
		err = errNoGrab
	}
	var b *culture.Booking
	if err == nil {
		b, err = a.grab.ClaimOffer(r.Context(), account(r.Context()).ID, id)
	}
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		err = errBookingNotFound
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, withActivity(b))
}

// recordJSON is the caller's no-show record and the rule.
type recordJSON struct {
	Rule            string        `json:"rule"`
	Count           int           `json:"count"`
	Limit           int           `json:"limit"`
	RestrictedUntil *time.Time    `json:"restricted_until"`
	Entries         []bookingJSON `json:"entries"`
}

// handleMyRecord shows the caller's no-shows and late cancellations.
func (a *API) handleMyRecord(w http.ResponseWriter, r *http.Request) {
	if a.grab == nil {
		a.writeError(w, r, errNoGrab)
		return
	}
	rec, err := a.grab.FindNoShowRecord(r.Context(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := recordJSON{Rule: rec.Rules.Text(), Count: rec.Count, Limit: rec.Rules.NoShowLimit, Entries: []bookingJSON{}}
	if rec.RestrictedUntil != nil {
		out.RestrictedUntil = utc(*rec.RestrictedUntil)
	}
	for _, b := range rec.Entries {
		out.Entries = append(out.Entries, withActivity(b))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// waiveRequest is the body of a waiver.
type waiveRequest struct {
	Reason string `json:"reason"`
}

// handleNoShowWaive waives a no-show, for staff who manage the activity's
// unit; to anyone else the booking does not exist.
func (a *API) handleNoShowWaive(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil && a.grab == nil {
		err = errNoGrab
	}
	var body waiveRequest
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	var b *culture.Booking
	if err == nil {
		b, err = a.waivable(r, id)
	}
	if err == nil {
		b, err = a.grab.WaiveNoShow(r.Context(), b.ID, account(r.Context()).ID, body.Reason)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, withActivity(b))
}

// waivable returns a booking the caller may waive: staff with
// ActManageActivities at the activity's unit. Accounts without that right
// anywhere get forbidden whatever the id; staff of other units get not
// found, as for an id that does not exist.
func (a *API) waivable(r *http.Request, id int64) (*culture.Booking, error) {
	me := account(r.Context())
	if !me.CanAnywhere(culture.ActManageActivities) {
		return nil, culture.ErrForbidden
	}
	b, err := a.bookings.FindBookingByID(r.Context(), id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, errBookingNotFound
	} else if err != nil {
		return nil, err
	}
	unit, err := a.activityUnit(r.Context(), b.ActivityID)
	if err != nil {
		return nil, err
	} else if !me.Can(culture.ActManageActivities, unit) {
		return nil, errBookingNotFound // as for an unknown id: no existence oracle
	}
	return b, nil
}
