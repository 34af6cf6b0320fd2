package web

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoCheckIn refuses accounts without any check-in grant.
var errNoCheckIn = culture.Errorf(culture.EFORBIDDEN, "您没有检票权限。")

// consoleBadCode is the answer to an unknown code and to a ticket outside
// the checker's scope alike, so another branch learns nothing.
const consoleBadCode = "票码无效"

// consoleCheckinPage is the data of the check-in page and its result block.
type consoleCheckinPage struct {
	Page
	Result *consoleCheckin
}

// consoleCheckin is the outcome of one check-in attempt.
type consoleCheckin struct {
	// Kind is "ok" (green), "warn" (amber: checked in before) or "bad" (red).
	Kind     string
	Heading  string
	Message  string
	Code     string
	Activity *culture.Activity
	Booking  *culture.Booking
	// At is when the ticket was checked in.
	At *time.Time
}

func (s *Server) handleConsoleCheckinPage(w http.ResponseWriter, r *http.Request) {
	if !consoleAccount(r).CanAnywhere(culture.ActCheckIn) {
		s.error(w, r, errNoCheckIn)
		return
	}
	s.render(w, r, http.StatusOK, "console_checkin", "", consoleCheckinPage{Page: s.page(r, "检票")})
}

// handleConsoleCheckin checks a typed or scanned code in. htmx requests get
// the result block alone; plain form posts get the whole page.
func (s *Server) handleConsoleCheckin(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActCheckIn) {
		s.error(w, r, errNoCheckIn)
		return
	}
	if !s.consoleParseForm(w, r) {
		return
	}
	res, err := s.consoleCheckIn(r.Context(), acc, r.PostForm.Get("code"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	block := ""
	if r.Header.Get("HX-Request") == "true" {
		block = "console_checkin_result"
	}
	s.render(w, r, http.StatusOK, "console_checkin", block, consoleCheckinPage{Page: s.page(r, "检票"), Result: res})
}

// consoleCheckIn finds the ticket, checks that acc may check in at its
// activity's unit, and checks it in. Refusals are results; only internal
// failures are errors.
func (s *Server) consoleCheckIn(ctx context.Context, acc *culture.Account, typed string) (*consoleCheckin, error) {
	code := culture.NormalizeCode(strings.TrimSpace(typed))
	if code == "" {
		return &consoleCheckin{Kind: "bad", Heading: "请输入票码"}, nil
	}
	bad := &consoleCheckin{Kind: "bad", Heading: consoleBadCode, Code: culture.FormatCode(code),
		Message: "请核对票码后重试。"}
	if utf8.RuneCountInString(code) > 32 || strings.ContainsFunc(code, consoleNotInCode) {
		bad.Code = ""
		return bad, nil
	}
	unit, err := s.consoleTicketUnit(ctx, code)
	if ec := culture.ErrorCode(err); ec == culture.ENOTFOUND || ec == culture.EINVALID {
		return bad, nil
	} else if err != nil {
		return nil, err
	} else if !acc.Can(culture.ActCheckIn, unit) {
		return bad, nil
	}
	ci, err := s.Bookings.CheckInCode(ctx, code, unit.ID, acc.ID)
	return consoleCheckinResult(ci, err, bad)
}

// consoleTicketUnit returns the unit of the activity a ticket is for.
func (s *Server) consoleTicketUnit(ctx context.Context, code string) (*culture.Unit, error) {
	b, err := s.Bookings.FindBookingByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	unitID := int64(0)
	if b.Activity != nil {
		unitID = b.Activity.UnitID
	} else {
		a, err := s.Activities.FindActivityByID(ctx, b.ActivityID)
		if err != nil {
			return nil, err
		}
		unitID = a.UnitID
	}
	return s.Units.FindUnitByID(ctx, unitID)
}

// consoleCheckinResult turns what CheckInCode returned into what to show.
func consoleCheckinResult(ci *culture.CheckIn, err error, bad *consoleCheckin) (*consoleCheckin, error) {
	switch {
	case err == nil:
		res := &consoleCheckin{Kind: "ok", Heading: "签到成功", Code: bad.Code, Activity: ci.Activity, Booking: ci.Booking}
		if ci.Already {
			res.Kind, res.Heading = "warn", "已签到过"
		}
		if ci.Booking != nil {
			res.At = ci.Booking.CheckedInAt
		}
		return res, nil
	case culture.ErrorReason(err) == culture.ReasonAlreadyIn:
		return &consoleCheckin{Kind: "warn", Heading: "已签到过", Code: bad.Code,
			Message: culture.ErrorMessage(err)}, nil
	case culture.ErrorReason(err) == culture.ReasonBadCode || culture.ErrorCode(err) == culture.ENOTFOUND:
		return bad, nil
	case culture.ErrorCode(err) != culture.EINTERNAL:
		return &consoleCheckin{Kind: "bad", Heading: strings.TrimSuffix(culture.ErrorMessage(err), "。"),
			Code: bad.Code}, nil
	}
	return nil, err
}

// consoleNotInCode reports whether r cannot appear in a ticket code.
func consoleNotInCode(r rune) bool { return !strings.ContainsRune(culture.CodeAlphabet(), r) }
