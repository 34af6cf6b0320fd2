package sqlstore

import "context"

// BookingHolders returns the accounts that hold a booking of the activity,
// in any status and with or without an idempotency key, in one query on
// the read pool. The booking engine loads it when it finds the activity
// sold out, to refuse everyone else from memory while it sends holders
// (replays, "already booked") to the store; docs/booking-engine.md.
// An activity has at most a few thousand bookings, so the set stays small.
func (s *Store) BookingHolders(ctx context.Context, activityID int64) (holders map[int64]bool, err error) {
	defer wrapStoreCall(&err, "BookingHolders(activity=%d)", activityID)
	err = s.view(ctx, func(tx *Tx) error {
		holders = map[int64]bool{}
		rows, err := tx.query(ctx, `SELECT DISTINCT account_id FROM bookings WHERE activity_id = ?`, activityID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			holders[id] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return holders, nil
}
