// Package culture holds Wenyun's domain: units, rooms, accounts, grants,
// activities and bookings, the service interfaces that store them, the rules
// that validate them and the permission checks that guard them.
package culture

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web layer.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ETOOMANY      = "too_many_requests"
)

// Reasons name a specific refusal so that clients can act on it. The API
// returns the reason as its error code when one is set.
const (
	ReasonSoldOut       = "sold_out"
	ReasonAlreadyBooked = "already_booked"
	ReasonNotOpen       = "not_open"
	ReasonClosed        = "closed"
	ReasonNoBooking     = "no_booking_needed"
	ReasonCancelled     = "activity_cancelled"
	ReasonTooMany       = "too_many_attendees"
	ReasonBadCode       = "bad_code"
	ReasonNotBookable   = "not_bookable"
	ReasonAlreadyIn     = "already_checked_in"
	ReasonRestricted    = "no_show_restricted"
	ReasonWeeklyLimit   = "weekly_limit"
	ReasonIDTaken       = "id_already_booked"
	ReasonBadID         = "invalid_id_number"
	ReasonOfferExpired  = "offer_expired"
	ReasonNotLottery    = "not_lottery"
	ReasonKeyReused     = "idempotency_key_reused"
	ReasonSupportQuota  = "support_quota"
	ReasonNotAttended   = "not_attended"
	ReasonAlreadyRated  = "already_rated"
	ReasonNotPublished  = "not_published"
)

// Error is a domain error: a code, an optional reason and a message that is
// safe to show to the user (in Chinese). Any other error is internal.
type Error struct {
	Code    string
	Reason  string
	Message string
	// Field names the input field at fault, for forms.
	Field string
}

func (e *Error) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("wenyun error: code=%s reason=%s message=%s", e.Code, e.Reason, e.Message)
	}
	return fmt.Sprintf("wenyun error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Refuse returns an *Error carrying a reason.
func Refuse(code, reason, message string) *Error {
	return &Error{Code: code, Reason: reason, Message: message}
}

// Invalid returns an EINVALID error for one field.
func Invalid(field, message string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: message}
}

// ErrorCode unwraps err and returns its code; EINTERNAL for non-domain errors.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the reason of a domain error, or "".
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "系统内部错误，请稍后再试。"
}

// Common refusals, shared so that pages and API say the same thing.
var (
	ErrSoldOut       = Refuse(ECONFLICT, ReasonSoldOut, "名额已满，下次早点来哦。")
	ErrAlreadyBooked = Refuse(ECONFLICT, ReasonAlreadyBooked, "您已预约过该活动，请在“我的票券”中查看。")
	ErrNotOpen       = Refuse(EFORBIDDEN, ReasonNotOpen, "预约尚未开始，请在开放时间后再试。")
	ErrClosed        = Refuse(EFORBIDDEN, ReasonClosed, "预约已截止。")
	ErrNoBooking     = Refuse(EINVALID, ReasonNoBooking, "该活动无需预约，直接到场参加即可。")
	ErrCancelled     = Refuse(ECONFLICT, ReasonCancelled, "该活动已取消。")
	ErrUnauthorized  = Errorf(EUNAUTHORIZED, "请先登录。")
	ErrForbidden     = Errorf(EFORBIDDEN, "您没有权限进行此操作。")
)
