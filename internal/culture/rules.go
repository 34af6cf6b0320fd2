package culture

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Rules are the per-person rules of ticket grabbing: the no-show rule, the
// cancellation cutoff, the weekly cap and the waiting-list offer window.
// cmd reads them from serve's flags; the store enforces them.
type Rules struct {
	// NoShowLimit no-shows (and late cancellations) within NoShowWindow,
	// counted by activity start, suspend first-come booking for BanFor
	// after the latest of them.
	NoShowLimit  int
	NoShowWindow time.Duration
	BanFor       time.Duration
	// CancelCutoff: cancelling later than this before the start counts like
	// a no-show; cancelling earlier never does.
	CancelCutoff time.Duration
	// WeeklyCap bounds an account's active bookings of activities starting
	// in one Asia/Shanghai week (Monday to Sunday); 0 means no cap.
	WeeklyCap int
	// OfferWindow is how long a waiting-list offer stays open (shorter near
	// the start: at most half the time left, never past the start).
	OfferWindow time.Duration
}

// DefaultRules returns the rules of issue 3: 2 no-shows in 120 days → 30
// days without first-come booking; cancel up to 2 hours before the start;
// no weekly cap; offers open for 30 minutes.
func DefaultRules() Rules {
	return Rules{
		NoShowLimit: 2, NoShowWindow: 120 * 24 * time.Hour, BanFor: 30 * 24 * time.Hour,
		CancelCutoff: 2 * time.Hour, OfferWindow: 30 * time.Minute,
	}
}

// Text states the no-show rule for residents.
func (r Rules) Text() string {
	return fmt.Sprintf("%d 天内爽约（预约后未签到，或开始前 %s内取消）累计 %d 次，将暂停抢票 %d 天，"+
		"期间仍可参加抽签活动；开始前 %s以前取消不计爽约。",
		days(r.NoShowWindow), hoursText(r.CancelCutoff), r.NoShowLimit, days(r.BanFor), hoursText(r.CancelCutoff))
}

// WeeklyText states the weekly cap, or "" when there is none.
func (r Rules) WeeklyText() string {
	if r.WeeklyCap <= 0 {
		return ""
	}
	return fmt.Sprintf("每人每周（周一至周日）最多预约 %d 场活动。", r.WeeklyCap)
}

func days(d time.Duration) int { return int(d / (24 * time.Hour)) }

func hoursText(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf(" %d 小时", int(d/time.Hour))
	}
	return fmt.Sprintf(" %d 分钟", int(d/time.Minute))
}

// OfferDeadline returns when an offer made at now for an activity starting
// at start expires: now + min(OfferWindow, half the time left). ok is false
// when less than a minute would remain, and no offer should be made.
func (r Rules) OfferDeadline(now, start time.Time) (deadline time.Time, ok bool) {
	w := min(r.OfferWindow, start.Sub(now)/2)
	if w < time.Minute {
		return time.Time{}, false
	}
	return now.Add(w).Truncate(time.Second), true
}

// Late reports whether cancelling at now, for an activity starting at
// start, counts like a no-show.
func (r Rules) Late(now, start time.Time) bool { return start.Sub(now) < r.CancelCutoff }

// WeekOf returns the Asia/Shanghai week (Monday 00:00 to the next Monday)
// holding t.
func WeekOf(t time.Time) (from, to time.Time) {
	local := t.In(Shanghai)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, Shanghai)
	from = day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	return from, from.AddDate(0, 0, 7)
}

// NoShowRecord is a resident's no-show record: the bookings that count or
// counted (waived ones included, marked), the count within the rule's
// window and the end of any restriction.
type NoShowRecord struct {
	Rules   Rules      `json:"-"`
	Entries []*Booking `json:"entries"`
	// Count is the number of unwaived entries within the window.
	Count int `json:"count"`
	// RestrictedUntil is set while first-come booking is suspended.
	RestrictedUntil *time.Time `json:"restricted_until,omitempty"`
}

// ErrRestricted refuses a first-come booking of a restricted resident.
func ErrRestricted(count int, until time.Time) *Error {
	return Refuse(EFORBIDDEN, ReasonRestricted, fmt.Sprintf(
		"因近期爽约 %d 次，%s 前暂停抢票，仍可参加抽签活动。", count, until.In(Shanghai).Format("2006年1月2日 15:04")))
}

// ErrWeeklyLimit refuses a booking past the weekly cap.
func ErrWeeklyLimit(n int) *Error {
	return Refuse(EFORBIDDEN, ReasonWeeklyLimit, fmt.Sprintf("每周最多预约 %d 场活动。", n))
}

// Refusals of the waiting list and real-name rules.
var (
	ErrOfferExpired = Refuse(ECONFLICT, ReasonOfferExpired, "候补名额已过期。")
	ErrBadID        = Refuse(EINVALID, ReasonBadID, "身份证号码有误，请核对后重新输入。")
	ErrIDTaken      = Refuse(ECONFLICT, ReasonIDTaken, "该身份证号已预约本场活动。")
	ErrRealNames    = Invalid("real_names", "实名活动请为每位参加人填写姓名和身份证号。")
)

// CheckWaiveReason validates a waiver's reason: 2 to 200 characters of
// clean text (see checkText).
func CheckWaiveReason(reason string) error {
	return checkText("reason", "免除原因", strings.TrimSpace(reason), 2, 200)
}

// CounterRequest books seats at the counter (or by phone) for a resident
// known only by a mobile number: the resident and Companions more people.
type CounterRequest struct {
	ActivityID int64
	Phone      string
	Seats      int
	// StaffID is the staff account booking; it is written to the audit log.
	StaffID int64
}

// GrabService holds the waiting list, no-show and counter operations.
type GrabService interface {
	// Rules returns the rules in force.
	Rules() Rules
	// ClaimOffer confirms the account's offered booking before it expires.
	ClaimOffer(ctx context.Context, accountID, bookingID int64) (*Booking, error)
	// FindNoShowRecord returns the account's no-show record.
	FindNoShowRecord(ctx context.Context, accountID int64) (*NoShowRecord, error)
	// WaiveNoShow waives a booking's no-show (or late cancellation),
	// recomputes the restriction and audits the reason. The caller checks
	// the permission.
	WaiveNoShow(ctx context.Context, bookingID, staffID int64, reason string) (*Booking, error)
	// CounterBooking books for a resident by mobile number from the walk-in
	// pool first, then the public one, and audits it.
	CounterBooking(ctx context.Context, req CounterRequest) (*Booking, error)
}

// validateReserves checks the reserved seats: none for activities without
// booking, and together no more than the capacity. Each reserve is compared
// with the capacity before they are added, so that huge values cannot wrap
// around to a small (or negative) sum.
func (a *Activity) validateReserves() error {
	switch {
	case a.ReservedWalkin < 0 || a.ReservedCommunity < 0:
		return Invalid("reserved_walkin", "预留名额不能为负数。")
	case a.ReservedWalkin > a.Capacity || a.ReservedCommunity > a.Capacity-a.ReservedWalkin:
		return Invalid("reserved_walkin", "预留名额合计不能超过总名额。")
	case a.Mode == ModeOpen && a.ReservedWalkin+a.ReservedCommunity > 0:
		return Invalid("reserved_walkin", "免预约活动无需预留名额。")
	case a.ReserveReleaseAt != nil && a.ReserveReleaseAt.After(a.StartsAt):
		// Seats released after the start could never be booked online.
		return Invalid("reserve_release_at", "预留名额的释放时间不能晚于活动开始时间。")
	}
	return nil
}

// ReservedSeats returns the seats still held for walk-in and community
// booking (before the release).
func (a *Activity) ReservedSeats() int { return a.WalkinLeft + a.CommunityLeft }
