package sqlstore

import (
	"context"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// checkedInAttendees counts the checked-in attendees (a booking's family
// members included) of the activity whose id the SQL expression appended
// to it names.
const checkedInAttendees = `SELECT COUNT(*) FROM booking_attendees ba
	JOIN bookings b ON b.id = ba.booking_id WHERE b.status = 'checked_in' AND b.activity_id = `

// attendanceRefresh is how long after its activity's end a held delivery's
// attendance is still recounted: check-in stays open an hour after the end
// (checkInLate), and the job that marks deliveries held may run at any
// moment of that hour.
const attendanceRefresh = 24 * time.Hour

// MarkDeliveriesHeld moves every published delivery whose activity has
// ended (and was not cancelled) to held, recording its attendance, or
// straight to rated when the activity already has (non-hidden) ratings, as
// it does any held delivery whose activity has them; their requests
// become delivered. Published deliveries whose activity was cancelled
// (by CancelActivity directly) become cancelled and their requests open.
// It returns how many deliveries were held; running it again changes
// nothing but recounts attendance of recent ones.
func (s *Store) MarkDeliveriesHeld(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "MarkDeliveriesHeld")
	err = s.update(ctx, func(tx *Tx) (err error) {
		if err := cancelOrphanDeliveries(ctx, tx); err != nil {
			return err
		}
		n, err = holdDeliveries(ctx, tx)
		if err != nil {
			return err
		}
		if err := rateHeldDeliveries(ctx, tx); err != nil {
			return err
		}
		if err := refreshAttendance(ctx, tx); err != nil {
			return err
		}
		_, err = tx.exec(ctx, `UPDATE menu_requests SET status = 'delivered', updated_at = ?
			WHERE status = 'planned' AND delivery_id IN
			(SELECT id FROM deliveries WHERE status IN ('held', 'rated', 'settled'))`, tx.nowUnix())
		return err
	})
	return n, err
}

// cancelOrphanDeliveries cancels published deliveries whose activity was
// cancelled, reopens their requests and tells the webhooks of their units.
func cancelOrphanDeliveries(ctx context.Context, tx *Tx) error {
	hs, err := changedDeliveries(ctx, tx, `UPDATE deliveries SET status = 'cancelled', updated_at = ?,
		reason = CASE WHEN reason = '' THEN '活动已取消。' ELSE reason END
		WHERE status = 'published' AND activity_id IN
		(SELECT id FROM activities WHERE status = 'cancelled') RETURNING id, unit_id, status`, tx.nowUnix())
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := reopenRequest(ctx, tx, h.id); err != nil {
			return err
		}
	}
	return announceDeliveries(ctx, tx, hs)
}

// holdDeliveries marks published deliveries whose activity has ended held
// (or rated), and tells the webhooks of their units.
func holdDeliveries(ctx context.Context, tx *Tx) (int, error) {
	hs, err := changedDeliveries(ctx, tx, `UPDATE deliveries SET held_at = ?, updated_at = ?,
		status = CASE WHEN EXISTS (`+visibleRatings+`) THEN 'rated' ELSE 'held' END,
		attendance = (`+checkedInAttendees+`deliveries.activity_id)
		WHERE status = 'published' AND activity_id IN
		(SELECT id FROM activities WHERE ends_at <= ? AND status <> 'cancelled')
		RETURNING id, unit_id, status`,
		tx.nowUnix(), tx.nowUnix(), tx.nowUnix())
	if err != nil {
		return 0, err
	}
	return len(hs), announceDeliveries(ctx, tx, hs)
}

// changedDelivery is a delivery an UPDATE … RETURNING id, unit_id, status
// changed.
type changedDelivery struct {
	id, unitID int64
	status     string
}

// changedDeliveries runs q, which returns (id, unit_id, status) rows.
func changedDeliveries(ctx context.Context, tx *Tx, q string, args ...any) ([]changedDelivery, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r rowScanner) (changedDelivery, error) {
		var c changedDelivery
		err := r.Scan(&c.id, &c.unitID, &c.status)
		return c, err
	})
}

// announceDeliveries tells the webhooks of each delivery's unit of its
// new status.
func announceDeliveries(ctx context.Context, tx *Tx, cs []changedDelivery) error {
	for _, c := range cs {
		if err := webhookDeliveryStatus(ctx, tx, c.id, c.unitID, c.status, nil); err != nil {
			return err
		}
	}
	return nil
}

// visibleRatings selects the non-hidden ratings of a delivery's activity
// (in an UPDATE of deliveries).
const visibleRatings = `SELECT 1 FROM ratings WHERE activity_id = deliveries.activity_id AND hidden = 0`

// rateHeldDeliveries moves held deliveries that have ratings to rated. Rate
// does so itself, but on PostgreSQL a rating committed while holdDeliveries
// ran is not seen by it, and Rate's own UPDATE found the delivery still
// published: this run (or the next) heals it.
func rateHeldDeliveries(ctx context.Context, tx *Tx) error {
	_, err := tx.exec(ctx, `UPDATE deliveries SET status = 'rated', updated_at = ?
		WHERE status = 'held' AND EXISTS (`+visibleRatings+`)`, tx.nowUnix())
	return err
}

// refreshAttendance recounts the attendance of deliveries held recently,
// settled ones included, so that late check-ins count.
func refreshAttendance(ctx context.Context, tx *Tx) error {
	_, err := tx.exec(ctx, `UPDATE deliveries
		SET attendance = (`+checkedInAttendees+`deliveries.activity_id)
		WHERE status IN ('held', 'rated', 'settled') AND activity_id IN
		(SELECT id FROM activities WHERE ends_at > ?)`, unix(tx.now.Add(-attendanceRefresh)))
	return err
}

// BranchFigures returns, for each branch and point in the subtree of
// within that had a request filed or a delivery settled in the season, in
// tree order: the requests filed in the season (withdrawn ones aside), how
// many of them were delivered, the rate, and the cost of the settled
// deliveries that started in the season. A unit with only hub-planned
// deliveries (no request) still shows, so that budgets add up.
func (s *Store) BranchFigures(ctx context.Context, within int64, season culture.Season) (out []*culture.BranchFigures, err error) {
	defer wrapStoreCall(&err, "BranchFigures(%d, %s)", within, season)
	from, to, err := season.Bounds()
	if err != nil {
		return nil, err
	}
	err = s.view(ctx, func(tx *Tx) error {
		out, err = branchFigures(ctx, tx, within, unix(from), unix(to))
		return err
	})
	return out, err
}

const (
	seasonRequests = `FROM menu_requests q WHERE q.unit_id = u.id AND q.created_at >= ?
		AND q.created_at < ? AND q.status <> 'withdrawn'`
	seasonSettled = `FROM deliveries d WHERE d.unit_id = u.id AND d.status = 'settled'
		AND d.starts_at >= ? AND d.starts_at < ?`
)

func branchFigures(ctx context.Context, tx *Tx, within, from, to int64) ([]*culture.BranchFigures, error) {
	rows, err := tx.query(ctx, `SELECT u.id, u.name,
		(SELECT COUNT(*) `+seasonRequests+`),
		(SELECT COUNT(*) `+seasonRequests+` AND q.status = 'delivered'),
		(SELECT CAST(COALESCE(SUM(d.cost), 0) AS BIGINT) `+seasonSettled+`)
		FROM units u JOIN units w ON u.path LIKE w.path || '%'
		WHERE w.id = ? AND u.kind IN ('branch', 'point')
		AND (EXISTS (SELECT 1 `+seasonRequests+`) OR EXISTS (SELECT 1 `+seasonSettled+`))
		ORDER BY u.path`, from, to, from, to, from, to, within, from, to, from, to)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(row rowScanner) (*culture.BranchFigures, error) {
		var f culture.BranchFigures
		err := row.Scan(&f.UnitID, &f.UnitName, &f.Requests, &f.Delivered, &f.Budget)
		if f.Requests > 0 {
			f.Rate = float64(f.Delivered) / float64(f.Requests)
		}
		return &f, err
	})
}
