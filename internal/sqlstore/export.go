package sqlstore

import (
	"context"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

// Booking exports (report.BookingSource): the bookings of a subtree's
// activities over a range of days, and the audit row of an export that
// showed full mobile numbers.

// FindBookingsWithin returns the bookings, with their attendees, the
// holder's phone and the activity, of activities in unitID's subtree that
// start on days from to to (Asia/Shanghai), ordered by activity start,
// activity and booking time. More than limit is EINVALID: the caller asks
// for a shorter range.
func (s *Store) FindBookingsWithin(ctx context.Context, unitID int64, from, to culture.Day, limit int) (bs []*culture.Booking, err error) {
	defer wrapStoreCall(&err, "FindBookingsWithin(%d, %s, %s)", unitID, from, to)
	err = s.view(ctx, func(tx *Tx) error {
		bs, err = findBookingsWithin(ctx, tx, unitID, from, to, limit)
		if err != nil {
			return err
		}
		for i := 0; i < len(bs); i += exportChunk {
			if err := bookingAttendees(ctx, tx, bs[i:min(i+exportChunk, len(bs))]); err != nil {
				return err
			}
		}
		return nil
	})
	return bs, err
}

// exportChunk bounds the placeholders of one attendee query.
const exportChunk = 500

func findBookingsWithin(ctx context.Context, tx *Tx, unitID int64, from, to culture.Day, limit int) ([]*culture.Booking, error) {
	rows, err := tx.query(ctx, bookingSelect+`
		WHERE a.unit_id IN (SELECT c.id FROM units c JOIN units w ON c.path LIKE w.path || '%' WHERE w.id = ?)
		AND a.starts_at >= ? AND a.starts_at < ?
		ORDER BY a.starts_at, a.id, b.created_at, b.id LIMIT ?`,
		unitID, unix(from.Start()), unix((to + 1).Start()), limit+1)
	if err != nil {
		return nil, err
	}
	// The bookings of one activity share its one copy (with its
	// description): an export of 100 000 bookings holds a few thousand
	// activities, not 100 000.
	acts := map[int64]*culture.Activity{}
	bs, err := scanAll(rows, func(r rowScanner) (*culture.Booking, error) {
		var br bookingRow
		if err := r.Scan(br.dest()...); err != nil {
			return nil, err
		}
		b := br.booking()
		if a, ok := acts[b.ActivityID]; ok {
			b.Activity = a
		} else {
			acts[b.ActivityID] = b.Activity
		}
		return b, nil
	})
	if err == nil && len(bs) > limit {
		return nil, culture.Errorf(culture.EINVALID, "该范围内的预约超过 %d 条，请缩短日期范围后分次导出。", limit)
	}
	return bs, err
}

// AuditExport writes an audit_log row for an export; accountID 0 (the
// operator at the command line) is stored as no account.
func (s *Store) AuditExport(ctx context.Context, accountID int64, action, target, reason string) (err error) {
	defer wrapStoreCall(&err, "AuditExport(%d, %q, %q)", accountID, action, target)
	if action == "" || target == "" {
		return fmt.Errorf("action and target are required")
	}
	return s.update(ctx, func(tx *Tx) error {
		var by any
		if accountID != 0 {
			by = accountID
		}
		_, err := tx.exec(ctx, `INSERT INTO audit_log (account_id, action, target, reason, created_at)
			VALUES (?, ?, ?, ?, ?)`, by, action, target, reason, tx.nowUnix())
		return err
	})
}
