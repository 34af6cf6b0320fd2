package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.LotteryService = (*Store)(nil)

// initLottery gives a new lottery activity its secret seed (32 random
// bytes, hex) and publishes the commitment hex(SHA-256(seed bytes)). The
// seed leaves the store only after the draw: activityColumns reads it as
// ” while lottery_drawn_at is NULL.
func initLottery(ctx context.Context, tx *Tx, a *culture.Activity, id int64) error {
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return err
	}
	sum := sha256.Sum256(seed)
	_, err := tx.exec(ctx, `UPDATE activities SET lottery_seed = ?, lottery_commit = ?,
		lottery_weighted = ? WHERE id = ?`,
		hex.EncodeToString(seed), hex.EncodeToString(sum[:]), boolInt(a.LotteryWeighted), id)
	return err
}

// lockLotteryWindow is taken by an application before its insert: it locks
// the activity row while the lottery is undrawn and published, so that an
// application either commits before the draw (or a cancellation) reads
// the applications or is refused.
func lockLotteryWindow(ctx context.Context, tx *Tx, activityID int64) error {
	res, err := tx.exec(ctx, `UPDATE activities SET updated_at = updated_at
		WHERE id = ? AND lottery_drawn_at IS NULL AND status = 'published'`, activityID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return errorOr(refuseUnpublished(ctx, tx, activityID), culture.ErrClosed)
}

// FindLottery returns the lottery of an activity: the commitment, and once
// drawn the seed and the applications in draw order.
func (s *Store) FindLottery(ctx context.Context, activityID int64) (l *culture.Lottery, err error) {
	defer wrapStoreCall(&err, "FindLottery(%d)", activityID)
	err = s.view(ctx, func(tx *Tx) error {
		l, err = lotteryOf(ctx, tx, activityID)
		return err
	})
	return l, err
}

func lotteryOf(ctx context.Context, tx *Tx, activityID int64) (*culture.Lottery, error) {
	a, err := activityByID(ctx, tx, activityID)
	if err != nil {
		return nil, err
	}
	if a.Mode != culture.ModeLottery {
		return nil, culture.ErrNotLottery(a)
	}
	l := &culture.Lottery{Activity: a, Commitment: a.LotteryCommit, Seed: a.LotterySeed,
		DrawAt: a.ClosesAt, DrawnAt: a.LotteryDrawnAt, Weighted: a.LotteryWeighted,
		Seats: a.SeatsLeft, Entries: []*culture.LotteryEntry{}}
	if !l.Drawn() {
		err := tx.queryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE activity_id = ?
			AND status = 'applied'`, activityID).Scan(&l.Applications)
		return l, err
	}
	if err := tx.queryRow(ctx, `SELECT COALESCE(lottery_seats, 0) FROM activities WHERE id = ?`,
		activityID).Scan(&l.Seats); err != nil {
		return nil, err
	}
	l.Entries, err = lotteryEntries(ctx, tx, activityID)
	l.Applications = len(l.Entries)
	return l, err
}

// lotteryEntries reads the applications of a drawn lottery in draw order.
func lotteryEntries(ctx context.Context, tx *Tx, activityID int64) ([]*culture.LotteryEntry, error) {
	rows, err := tx.query(ctx, `SELECT b.lottery_rank, b.id, b.seats, b.lottery_weight, b.lottery_won,
		b.status, acc.name, COALESCE(acc.phone, '')
		FROM bookings b JOIN accounts acc ON acc.id = b.account_id
		WHERE b.activity_id = ? AND b.lottery_rank IS NOT NULL ORDER BY b.lottery_rank`, activityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*culture.LotteryEntry{}
	for rows.Next() {
		e := &culture.LotteryEntry{}
		var won int
		var name, phone string
		if err := rows.Scan(&e.Rank, &e.BookingID, &e.Seats, &e.Weight, &won, &e.Status,
			&name, &phone); err != nil {
			return nil, err
		}
		e.Won, e.Name = won != 0, applicantName(name, phone)
		out = append(out, e)
	}
	return out, rows.Err()
}

// applicantName masks the account's name, or its mobile number if unnamed.
func applicantName(name, phone string) string {
	if name != "" {
		return culture.MaskName(name)
	}
	return culture.MaskPhone(phone)
}

// DrawLottery draws the lottery of an activity whose application window
// has closed, in one transaction. The draw is claimed by setting
// lottery_drawn_at where it is NULL and the activity is published, so when
// several processes try at once exactly one draws; the others (and later
// calls) get the stored result. A draw that meets a committed cancellation
// is refused with ErrCancelled.
func (s *Store) DrawLottery(ctx context.Context, activityID int64) (l *culture.Lottery, err error) {
	defer wrapStoreCall(&err, "DrawLottery(%d)", activityID)
	err = s.update(ctx, func(tx *Tx) error {
		l, _, err = drawLottery(ctx, tx, activityID)
		return err
	})
	return l, err
}

// drawLottery draws and reports whether this call did the draw.
func drawLottery(ctx context.Context, tx *Tx, activityID int64) (*culture.Lottery, bool, error) {
	a, err := activityByID(ctx, tx, activityID)
	if err != nil {
		return nil, false, err
	}
	if err := checkDrawable(tx, a); err != nil {
		return nil, false, err
	}
	res, err := tx.exec(ctx, `UPDATE activities SET lottery_drawn_at = ?, updated_at = ?
		WHERE id = ? AND lottery_drawn_at IS NULL AND status = 'published'`, tx.nowUnix(), tx.nowUnix(), activityID)
	if err != nil {
		return nil, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, err
	}
	if n == 1 {
		if err := runDraw(ctx, tx, activityID); err != nil {
			return nil, false, err
		}
	}
	l, err := lotteryOf(ctx, tx, activityID)
	if err == nil && n == 0 && !l.Drawn() {
		// Not drawn, yet not claimed: cancelled since it was read.
		return nil, false, culture.ErrCancelled
	}
	return l, err == nil && n == 1, err
}

var errDrawEarly = culture.Errorf(culture.EINVALID, "报名尚未截止，截止后才能抽签。")

// checkDrawable refuses activities that are not lotteries, are cancelled
// or are still taking applications.
func checkDrawable(tx *Tx, a *culture.Activity) error {
	switch {
	case a.Mode != culture.ModeLottery:
		return culture.ErrNotLottery(a)
	case a.LotteryDrawnAt != nil:
		return nil
	case a.Status == culture.ActivityCancelled:
		return culture.ErrCancelled
	case tx.now.Before(a.ClosesAt):
		return errDrawEarly
	}
	return nil
}

// runDraw draws the claimed lottery: it weighs the applications, orders
// them with culture.Draw, confirms the winners (taking their seats with a
// conditional decrement) and waitlists the rest by draw position.
func runDraw(ctx context.Context, tx *Tx, activityID int64) error {
	var seedHex string
	var seats int
	err := tx.queryRow(ctx, `SELECT lottery_seed, seats_left FROM activities WHERE id = ?`,
		activityID).Scan(&seedHex, &seats)
	if err != nil {
		return err
	}
	seed, err := hex.DecodeString(seedHex)
	if err != nil {
		return fmt.Errorf("lottery seed: %w", err)
	}
	apps, err := lotteryApplications(ctx, tx, activityID)
	if err != nil {
		return err
	}
	order := culture.Draw(seed, apps)
	won := culture.Allocate(order, seats)
	if err := recordDraw(ctx, tx, order, won); err != nil {
		return err
	}
	taken := 0
	for i, a := range order {
		if won[i] {
			taken += a.Seats
		}
	}
	if taken > 0 {
		if err := takeSeats(ctx, tx, activityID, taken); err != nil {
			return err
		}
	}
	_, err = tx.exec(ctx, `UPDATE activities SET lottery_seats = ? WHERE id = ?`, seats, activityID)
	if err != nil {
		return err
	}
	return notifyLotteryResults(ctx, tx, activityID)
}

// lotteryApplications reads the applications with their weights, sorted
// by booking id. A weighted lottery gives LotteryWeightLow to applicants
// with an unwaived no-show or late cancellation of an activity that
// started in the last LotteryLookback, or a restriction in force.
func lotteryApplications(ctx context.Context, tx *Tx, activityID int64) ([]culture.Application, error) {
	since := tx.now.Add(-culture.LotteryLookback).Unix()
	rows, err := tx.query(ctx, `SELECT b.id, b.seats,
		CASE WHEN a.lottery_weighted <> 0 AND (acc.restricted_until > ? OR EXISTS (
			SELECT 1 FROM bookings x JOIN activities xa ON xa.id = x.activity_id
			WHERE x.account_id = b.account_id AND x.waived = 0
			AND (x.status = 'no_show' OR x.late_cancel <> 0)
			AND xa.starts_at >= ? AND xa.starts_at <= ?)) THEN 1 ELSE 0 END
		FROM bookings b JOIN activities a ON a.id = b.activity_id
		JOIN accounts acc ON acc.id = b.account_id
		WHERE b.activity_id = ? AND b.status = 'applied' ORDER BY b.id`,
		tx.nowUnix(), since, tx.nowUnix(), activityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var apps []culture.Application
	for rows.Next() {
		a := culture.Application{Weight: culture.LotteryWeightNormal}
		var low int
		if err := rows.Scan(&a.BookingID, &a.Seats, &low); err != nil {
			return nil, err
		}
		if low != 0 {
			a.Weight = culture.LotteryWeightLow
		}
		apps = append(apps, a)
	}
	return apps, rows.Err()
}

// recordDraw stores each application's weight, draw position and outcome:
// winners are confirmed, the rest waitlisted with queue_rank = position.
func recordDraw(ctx context.Context, tx *Tx, order []culture.Application, won []bool) error {
	for i, a := range order {
		status, rank, queue := culture.BookingWaitlisted, i+1, sql.NullInt64{Int64: int64(i + 1), Valid: true}
		if won[i] {
			status, queue = culture.BookingConfirmed, sql.NullInt64{}
		}
		res, err := tx.exec(ctx, `UPDATE bookings SET status = ?, queue_rank = ?, lottery_rank = ?,
			lottery_weight = ?, lottery_won = ?, updated_at = ? WHERE id = ? AND status = 'applied'`,
			status, queue, rank, a.Weight, boolInt(won[i]), tx.nowUnix(), a.BookingID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("application %d changed during the draw", a.BookingID)
		}
	}
	return nil
}

// DrawDueLotteries draws every published lottery whose window has closed
// and that is not drawn yet, each in its own transaction, and returns how
// many this call drew. A draw that fails does not hold up the others: its
// error is joined to the result. A lottery cancelled since it was found
// due is skipped. Safe to run in several processes at once.
func (s *Store) DrawDueLotteries(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "DrawDueLotteries")
	var ids []int64
	err = s.view(ctx, func(tx *Tx) error {
		ids, err = dueLotteries(ctx, tx)
		return err
	})
	if err != nil {
		return 0, err
	}
	var errs []error
	for _, id := range ids {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		var drew bool
		err := s.update(ctx, func(tx *Tx) (err error) {
			_, drew, err = drawLottery(ctx, tx, id)
			return err
		})
		if culture.ErrorReason(err) == culture.ReasonCancelled {
			continue
		} else if err != nil {
			errs = append(errs, fmt.Errorf("DrawLottery(%d): %w", id, err))
		}
		if drew {
			n++
		}
	}
	return n, errors.Join(errs...)
}

func dueLotteries(ctx context.Context, tx *Tx) ([]int64, error) {
	return tx.queryIDs(ctx, `SELECT id FROM activities WHERE mode = 'lottery'
		AND lottery_drawn_at IS NULL AND status = 'published' AND closes_at <= ?
		ORDER BY closes_at, id LIMIT 100`, tx.nowUnix())
}
