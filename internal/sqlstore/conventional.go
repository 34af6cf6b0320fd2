package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

// ConventionalBook books a first-come activity the conventional way: one
// transaction per booking that locks the activity row (SELECT … FOR UPDATE
// on PostgreSQL), checks the window and the seats, decrements, inserts the
// booking and commits. It exists so that "wenyun bench grab --conventional"
// can compare the batched engine with this design on the same database; no
// route serves it. Idempotency keys are stored (a repeated key is refused
// by the unique index) but not replayed.
func (s *Store) ConventionalBook(ctx context.Context, req *culture.BookingRequest) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "ConventionalBook(activity=%d, account=%d)", req.ActivityID, req.AccountID)
	if err := req.Validate(); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		b, err = conventionalBook(ctx, tx, req)
		return err
	})
	if s.dialect.isUnique(err) {
		return nil, culture.ErrAlreadyBooked
	}
	return b, err
}

func conventionalBook(ctx context.Context, tx *Tx, req *culture.BookingRequest) (*culture.Booking, error) {
	if err := lockSeats(ctx, tx, req); err != nil {
		return nil, err
	}
	attendees, err := bookingAttendeesFor(ctx, tx, req)
	if err != nil {
		return nil, err
	}
	_, err = tx.exec(ctx, `UPDATE activities SET seats_left = seats_left - ? WHERE id = ?`,
		req.Seats(), req.ActivityID)
	if err != nil {
		return nil, err
	}
	id, err := insertBooking(ctx, tx, req, culture.BookingConfirmed, attendees)
	if err != nil {
		return nil, err
	}
	return bookingWhere(ctx, tx, "b.id = ?", id)
}

// lockSeats locks the activity row and refuses the request when the
// activity is cancelled, the window is not open or too few seats are left.
func lockSeats(ctx context.Context, tx *Tx, req *culture.BookingRequest) error {
	var left int
	var opens, closes int64
	var status string
	err := tx.queryRow(ctx, `SELECT seats_left, opens_at, closes_at, status FROM activities
		WHERE id = ? AND mode = 'first_come'`+tx.d.forUpdate(), req.ActivityID).Scan(&left, &opens, &closes, &status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return culture.Errorf(culture.ENOTFOUND, "活动不存在。")
	case err != nil:
		return err
	case status != culture.ActivityPublished:
		return culture.ErrCancelled
	case tx.nowUnix() < opens:
		return culture.ErrNotOpen
	case tx.nowUnix() >= closes:
		return culture.ErrClosed
	case left < req.Seats():
		return culture.ErrSoldOut
	}
	return nil
}
