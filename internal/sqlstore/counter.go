package sqlstore

import (
	"context"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

// CounterBooking books at the counter (or by phone) for a resident known
// by a mobile number, creating the resident account if needed: the
// resident and Seats-1 companions ("同行1"…), from the walk-in reserve
// first, then the public pool. It is written to the audit log, in the
// same transaction. The caller checks the staff's permission.
func (s *Store) CounterBooking(ctx context.Context, req culture.CounterRequest) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "CounterBooking(activity=%d, staff=%d)", req.ActivityID, req.StaffID)
	if err := culture.CheckPhone(req.Phone); err != nil {
		return nil, err
	}
	if req.Seats < 1 || req.Seats > 10 {
		return nil, culture.Invalid("seats", "人数应在 1 到 10 之间。")
	}
	err = s.update(ctx, func(tx *Tx) error {
		b, err = counterBooking(ctx, tx, req)
		return err
	})
	return b, err
}

func counterBooking(ctx context.Context, tx *Tx, req culture.CounterRequest) (*culture.Booking, error) {
	resident, err := residentByPhone(ctx, tx, req.Phone)
	if err != nil {
		return nil, err
	}
	b, err := createBooking(ctx, tx, &culture.BookingRequest{
		ActivityID: req.ActivityID, AccountID: resident.ID, Self: true, Companions: req.Seats - 1,
		Pool: culture.PoolWalkin, BookedBy: req.StaffID,
	})
	if err != nil {
		return nil, err
	}
	reason := fmt.Sprintf("%s %d 人", culture.MaskPhone(req.Phone), req.Seats)
	return b, audit(ctx, tx, req.StaffID, "counter_booking", bookingTarget(b.ID), reason)
}
