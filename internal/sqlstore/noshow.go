package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// No-shows (爽约). After an activity ends, SettleAttendance turns its
// confirmed bookings that were not checked in into no_show. A late
// cancellation (late_cancel, see Rules.CancelCutoff) counts the same. An
// account with Rules.NoShowLimit unwaived ones among activities that
// started within Rules.NoShowWindow is restricted until the latest start
// plus Rules.BanFor: first-come booking is refused, lotteries are not.
// accounts.restricted_until caches the result; it is recomputed whenever a
// count changes (settlement, late cancellation, waiver).

// countsAsNoShow selects an account's bookings b that count.
const countsAsNoShow = `(b.status = 'no_show' OR b.late_cancel = 1)`

// SettleAttendance settles every ended activity once: each is claimed with
// a conditional update of attendance_settled, so concurrent runs (in any
// process) settle it exactly once. It returns the number of bookings
// marked no_show. Offers and waiting-list places left over are cancelled.
func (s *Store) SettleAttendance(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "SettleAttendance")
	ids, err := s.dueActivities(ctx, `attendance_settled = 0 AND ends_at <= ?`)
	for _, id := range ids {
		var marked int
		err = s.update(ctx, func(tx *Tx) (err error) {
			marked, err = settleActivity(ctx, tx, id)
			return err
		})
		if err != nil {
			return n, err
		}
		n += marked
	}
	return n, err
}

func settleActivity(ctx context.Context, tx *Tx, id int64) (int, error) {
	res, err := tx.exec(ctx, `UPDATE activities SET attendance_settled = 1
		WHERE id = ? AND attendance_settled = 0`, id)
	if err != nil {
		return 0, err
	}
	if rows, err := res.RowsAffected(); err != nil || rows == 0 {
		return 0, err
	}
	_, err = tx.exec(ctx, `UPDATE bookings SET status = 'cancelled', updated_at = ?
		WHERE activity_id = ? AND status IN ('waitlisted', 'offered')`, tx.nowUnix(), id)
	if err != nil {
		return 0, err
	}
	accounts, err := tx.queryIDs(ctx, `UPDATE bookings SET status = 'no_show', updated_at = ?
		WHERE activity_id = ? AND status = 'confirmed' RETURNING account_id`, tx.nowUnix(), id)
	if err != nil {
		return 0, err
	}
	for _, acc := range accounts {
		if err := recomputeRestriction(ctx, tx, acc); err != nil {
			return 0, err
		}
	}
	return len(accounts), nil
}

// noShowStarts returns the starts of the account's counting bookings
// within the rule's window, latest first.
func noShowStarts(ctx context.Context, tx *Tx, accountID int64) ([]int64, error) {
	since := tx.now.Add(-tx.grab.rules.NoShowWindow)
	return tx.queryIDs(ctx, `SELECT a.starts_at FROM bookings b JOIN activities a ON a.id = b.activity_id
		WHERE b.account_id = ? AND b.waived = 0 AND `+countsAsNoShow+` AND a.starts_at > ?
		ORDER BY a.starts_at DESC`, accountID, unix(since))
}

// recomputeRestriction sets the account's restricted_until from its
// record: the latest counting start plus the ban, or 0.
func recomputeRestriction(ctx context.Context, tx *Tx, accountID int64) error {
	starts, err := noShowStarts(ctx, tx, accountID)
	if err != nil {
		return err
	}
	var until int64
	r := tx.grab.rules
	if r.NoShowLimit > 0 && len(starts) >= r.NoShowLimit {
		until = starts[0] + int64(r.BanFor/time.Second)
	}
	_, err = tx.exec(ctx, `UPDATE accounts SET restricted_until = ? WHERE id = ?`, until, accountID)
	return err
}

// checkRestriction refuses a first-come booking of a restricted account.
func checkRestriction(ctx context.Context, tx *Tx, accountID int64) error {
	var until int64
	err := tx.queryRow(ctx, `SELECT restricted_until FROM accounts WHERE id = ?`, accountID).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) || until <= tx.nowUnix() {
		return nil
	} else if err != nil {
		return err
	}
	starts, err := noShowStarts(ctx, tx, accountID)
	if err != nil {
		return err
	}
	return culture.ErrRestricted(len(starts), fromUnix(until))
}

// markLateCancel flags a confirmed booking cancelled within the cutoff
// before the start, and recomputes the account's restriction.
func markLateCancel(ctx context.Context, tx *Tx, b *culture.Booking) error {
	if b.Status != culture.BookingConfirmed || !tx.grab.rules.Late(tx.now, b.Activity.StartsAt) {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE bookings SET late_cancel = 1 WHERE id = ?`, b.ID)
	if err != nil {
		return err
	}
	return recomputeRestriction(ctx, tx, b.AccountID)
}

// FindNoShowRecord returns the account's no-shows and late cancellations
// (waived ones too, newest first), the count that the rule looks at and
// the restriction, if one is in force.
func (s *Store) FindNoShowRecord(ctx context.Context, accountID int64) (rec *culture.NoShowRecord, err error) {
	defer wrapStoreCall(&err, "FindNoShowRecord(%d)", accountID)
	err = s.view(ctx, func(tx *Tx) error {
		rec = &culture.NoShowRecord{Rules: tx.grab.rules}
		bs, _, err := findBookingsWhere(ctx, tx, "b.account_id = ? AND "+countsAsNoShow+
			" ORDER BY a.starts_at DESC, b.id DESC LIMIT 100", accountID)
		if err != nil {
			return err
		}
		rec.Entries = bs
		starts, err := noShowStarts(ctx, tx, accountID)
		if err != nil {
			return err
		}
		rec.Count = len(starts)
		var until int64
		err = tx.queryRow(ctx, `SELECT restricted_until FROM accounts WHERE id = ?`, accountID).Scan(&until)
		if until > tx.nowUnix() {
			t := fromUnix(until)
			rec.RestrictedUntil = &t
		}
		return err
	})
	return rec, err
}

// findBookingsWhere returns the bookings matching cond (which may end in
// ORDER BY and LIMIT), with attendees.
func findBookingsWhere(ctx context.Context, tx *Tx, cond string, args ...any) ([]*culture.Booking, int, error) {
	rows, err := tx.query(ctx, bookingSelect+" WHERE "+cond, args...)
	if err != nil {
		return nil, 0, err
	}
	bs := []*culture.Booking{}
	for rows.Next() {
		var r bookingRow
		if err := rows.Scan(r.dest()...); err != nil {
			rows.Close()
			return nil, 0, err
		}
		bs = append(bs, r.booking())
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	return bs, len(bs), bookingAttendees(ctx, tx, bs)
}

// WaiveNoShow waives a booking's no-show or late cancellation, recomputes
// the account's restriction and writes the waiver with its reason to the
// audit log, in one transaction. The caller checks the permission.
func (s *Store) WaiveNoShow(ctx context.Context, bookingID, staffID int64, reason string) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "WaiveNoShow(booking=%d, staff=%d)", bookingID, staffID)
	if err := culture.CheckWaiveReason(reason); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		b, err = waiveNoShow(ctx, tx, bookingID, staffID, reason)
		return err
	})
	return b, err
}

func waiveNoShow(ctx context.Context, tx *Tx, bookingID, staffID int64, reason string) (*culture.Booking, error) {
	res, err := tx.exec(ctx, `UPDATE bookings SET waived = 1, updated_at = ?
		WHERE id = ? AND waived = 0 AND (status = 'no_show' OR late_cancel = 1)`, tx.nowUnix(), bookingID)
	if err != nil {
		return nil, err
	}
	b, err := bookingWhere(ctx, tx, "b.id = ?", bookingID)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 && b.Waived {
		return nil, culture.Errorf(culture.ECONFLICT, "该爽约记录已免除。")
	} else if n == 0 {
		return nil, culture.Errorf(culture.EINVALID, "该预约没有爽约记录，无需免除。")
	}
	if err := recomputeRestriction(ctx, tx, b.AccountID); err != nil {
		return nil, err
	}
	return b, audit(ctx, tx, staffID, "waive_no_show", bookingTarget(bookingID), reason)
}
