package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// checkinRequest carries a ticket code as scanned or typed.
type checkinRequest struct {
	Code string `json:"code"`
}

// checkinJSON is the result of a check-in.
type checkinJSON struct {
	Booking  bookingJSON  `json:"booking"`
	Activity activityJSON `json:"activity"`
	// Already is true when the ticket had been checked in before.
	Already bool `json:"already"`
}

// maxCodeLen bounds a typed ticket code.
const maxCodeLen = 32

// errBadCode answers every code the caller cannot check in: unknown, or
// for an activity outside the caller's units, so that another branch
// learns nothing.
var errBadCode = culture.Refuse(culture.ENOTFOUND, culture.ReasonBadCode, "票码无效，请核对后重试。")

var errNoCode = culture.Invalid("code", "请输入票码。")

// handleCheckinCreate checks a ticket in at a unit where the caller holds
// a check-in grant.
func (a *API) handleCheckinCreate(w http.ResponseWriter, r *http.Request) {
	me := account(r.Context())
	if !me.CanAnywhere(culture.ActCheckIn) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	var req checkinRequest
	if err := decodeJSON(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	code := culture.NormalizeCode(req.Code)
	unit, err := a.checkinUnit(r.Context(), code)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	res, err := a.bookings.CheckInCode(r.Context(), code, unit.ID, me.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, checkinJSON{
		Booking: newBookingJSON(res.Booking), Activity: newActivityJSON(res.Activity), Already: res.Already,
	})
}

// checkinUnit finds the unit of the code's activity and requires the
// caller to check in there; otherwise the code is "bad".
func (a *API) checkinUnit(ctx context.Context, code string) (*culture.Unit, error) {
	if code == "" {
		return nil, errNoCode
	} else if !validCode(code) {
		return nil, errBadCode
	}
	b, err := a.bookings.FindBookingByCode(ctx, code)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, errBadCode
	} else if err != nil {
		return nil, err
	}
	unit, err := a.activityUnit(ctx, b.ActivityID)
	if err != nil {
		return nil, err
	} else if !account(ctx).Can(culture.ActCheckIn, unit) {
		return nil, errBadCode
	}
	return unit, nil
}

// validCode reports whether a normalised code could be a ticket code.
func validCode(code string) bool {
	if len(code) > maxCodeLen {
		return false
	}
	for _, c := range code {
		if !strings.ContainsRune(culture.CodeAlphabet(), c) {
			return false
		}
	}
	return true
}
