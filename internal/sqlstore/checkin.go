package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Check-in opens this long before an activity starts and closes this long
// after it ends.
const (
	checkInEarly = 2 * time.Hour
	checkInLate  = 1 * time.Hour
)

var (
	errBadCode = culture.Refuse(culture.ENOTFOUND, culture.ReasonBadCode,
		"票码无效，请核对后重试。")
	errNotCheckable = culture.Refuse(culture.EINVALID, culture.ReasonNotBookable,
		"该预约已取消或未通过审核，不能签到。")
	errCheckInWindow = culture.Errorf(culture.EINVALID,
		"不在签到时间内（活动开始前 2 小时至结束后 1 小时）。")
)

// CheckInCode checks in the ticket with the code, as typed or scanned. A
// code of an activity outside the subtree of unit within (when within > 0)
// is reported as unknown, so staff learn nothing of other branches. A
// ticket checked in before is returned with Already set and no error.
func (s *Store) CheckInCode(ctx context.Context, code string, within int64, by int64) (c *culture.CheckIn, err error) {
	defer wrapStoreCall(&err, "CheckInCode(%q, within=%d, by=%d)", code, within, by)
	err = s.update(ctx, func(tx *Tx) error {
		c, err = checkInCode(ctx, tx, culture.NormalizeCode(code), within, by)
		return err
	})
	return c, err
}

func checkInCode(ctx context.Context, tx *Tx, code string, within, by int64) (*culture.CheckIn, error) {
	b, err := checkInFind(ctx, tx, code, within)
	if err != nil {
		return nil, err
	}
	if err := checkInAllowed(tx, b); err != nil {
		return nil, err
	} else if b.Status == culture.BookingCheckedIn {
		return checkInResult(b, true), nil
	}
	res, err := tx.exec(ctx, `UPDATE bookings SET status = 'checked_in', checked_in_at = ?,
		checked_in_by = ?, updated_at = ? WHERE id = ? AND status IN ('confirmed', 'no_show')`,
		tx.nowUnix(), sql.NullInt64{Int64: by, Valid: by > 0}, tx.nowUnix(), b.ID)
	if err != nil {
		return nil, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, err
	}
	// n == 0: another scan of the same ticket committed first.
	if b, err = bookingWhere(ctx, tx, "b.id = ?", b.ID); err != nil {
		return nil, err
	}
	if b.Status != culture.BookingCheckedIn {
		return nil, errNotCheckable
	}
	if n == 1 {
		if err := liftRestriction(ctx, tx, b.AccountID); err != nil {
			return nil, err
		}
		if err := webhookCheckedIn(ctx, tx, b); err != nil {
			return nil, err
		}
	}
	return checkInResult(b, n == 0), nil
}

// liftRestriction recomputes the restriction of an account that just
// checked in: the ticket may have been settled as no_show (a late check-in,
// or a settlement that committed while this transaction waited on the
// booking row, so the status read before is no guide), and then no longer
// counts. A check-in only lowers the count, so an account not restricted
// now stays so and is left alone.
func liftRestriction(ctx context.Context, tx *Tx, accountID int64) error {
	var until int64
	err := tx.queryRow(ctx, `SELECT restricted_until FROM accounts WHERE id = ?`, accountID).Scan(&until)
	if err != nil || until <= tx.nowUnix() {
		return err
	}
	return recomputeRestriction(ctx, tx, accountID)
}

// checkInFind returns the booking with the code if its activity lies in
// the subtree of within (any unit when within is 0).
func checkInFind(ctx context.Context, tx *Tx, code string, within int64) (*culture.Booking, error) {
	b, err := bookingWhere(ctx, tx, "b.code = ?", code)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, errBadCode
	} else if err != nil || within <= 0 {
		return b, err
	}
	var n int
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM units c JOIN units w ON c.path LIKE w.path || '%'
		WHERE c.id = ? AND w.id = ?`, b.Activity.UnitID, within).Scan(&n)
	if err != nil {
		return nil, err
	} else if n == 0 {
		return nil, errBadCode
	}
	return b, nil
}

// checkInAllowed refuses a ticket that cannot be checked in now. A ticket
// already checked in is allowed (it is reported, not changed).
func checkInAllowed(tx *Tx, b *culture.Booking) error {
	a := b.Activity
	switch {
	case a.Status == culture.ActivityCancelled:
		return culture.ErrCancelled
	case b.Status == culture.BookingCheckedIn:
		return nil
	case b.Status != culture.BookingConfirmed && b.Status != culture.BookingNoShow:
		return errNotCheckable
	case tx.now.Before(a.StartsAt.Add(-checkInEarly)), tx.now.After(a.EndsAt.Add(checkInLate)):
		return errCheckInWindow
	}
	return nil
}

func checkInResult(b *culture.Booking, already bool) *culture.CheckIn {
	return &culture.CheckIn{Booking: b, Activity: b.Activity, Already: already}
}
