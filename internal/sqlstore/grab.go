package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.GrabService = (*Store)(nil)

// grabConfig is what the booking rules need beyond the database: the rules
// in force and the key for resident ID numbers. Set at start only.
type grabConfig struct {
	rules culture.Rules
	keys  *idKeys
}

func newGrabConfig() *grabConfig { return &grabConfig{rules: culture.DefaultRules()} }

// SetRules sets the booking rules. Call it at start, before serving.
func (s *Store) SetRules(r culture.Rules) { s.grab.rules = r }

// Rules returns the booking rules in force.
func (s *Store) Rules() culture.Rules { return s.grab.rules }

// grabChecks applies the per-person rules to a booking request inside its
// transaction: the no-show restriction (first-come only), the weekly cap
// and the real names.
func grabChecks(ctx context.Context, tx *Tx, act *culture.Activity, req *culture.BookingRequest) error {
	if act.Mode == culture.ModeFirstCome {
		if err := checkRestriction(ctx, tx, req.AccountID); err != nil {
			return err
		}
	}
	if err := checkWeeklyCap(ctx, tx, act, req.AccountID); err != nil {
		return err
	}
	return checkRealNames(ctx, tx, act, req)
}

// weeklyCounted are the statuses the weekly cap counts. Waiting-list places
// and lottery applications count too: they turn into seats without the
// resident doing anything (an application when drawn, which does not look
// at the cap). The cap's text for residents (culture.Rules.WeeklyText)
// speaks of bookings ("预约") and does not list statuses.
const weeklyCounted = `('pending', 'confirmed', 'checked_in', 'offered', 'waitlisted', 'applied')`

// checkWeeklyCap refuses a booking past the weekly cap. The no-op update
// locks the account's row first (PostgreSQL), so concurrent requests of
// one account, in any process, count one after the other; SQLite's single
// writer serialises them anyway.
func checkWeeklyCap(ctx context.Context, tx *Tx, act *culture.Activity, accountID int64) error {
	limit := tx.grab.rules.WeeklyCap
	if limit <= 0 {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE accounts SET restricted_until = restricted_until WHERE id = ?`, accountID)
	if err != nil {
		return err
	}
	from, to := culture.WeekOf(act.StartsAt)
	var n int
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM bookings b JOIN activities a ON a.id = b.activity_id
		WHERE b.account_id = ? AND b.status IN `+weeklyCounted+` AND a.starts_at >= ? AND a.starts_at < ?`,
		accountID, unix(from), unix(to)).Scan(&n)
	if err != nil {
		return err
	} else if n >= limit {
		return culture.ErrWeeklyLimit(limit)
	}
	return nil
}

// audit writes one audit_log row.
func audit(ctx context.Context, tx *Tx, accountID int64, action, target, reason string) error {
	_, err := tx.exec(ctx, `INSERT INTO audit_log (account_id, action, target, reason, created_at)
		VALUES (?, ?, ?, ?, ?)`, accountID, action, target, strings.TrimSpace(reason), tx.nowUnix())
	return err
}

func bookingTarget(id int64) string { return fmt.Sprintf("booking:%d", id) }

// saveGrabFields records where a new booking's seats came from, its place
// in the waiting list, the staff who booked it and its real names.
func saveGrabFields(ctx context.Context, tx *Tx, act *culture.Activity, id int64, req *culture.BookingRequest, pool string, rank int) error {
	if pool != "" || rank > 0 || req.BookedBy != 0 {
		var rankArg, byArg any
		if rank > 0 {
			rankArg = rank
		}
		if req.BookedBy != 0 {
			byArg = req.BookedBy
		}
		if pool == "" {
			pool = culture.PoolOnline
		}
		_, err := tx.exec(ctx, `UPDATE bookings SET pool = ?, queue_rank = ?, booked_by = ? WHERE id = ?`,
			pool, rankArg, byArg, id)
		if err != nil {
			return err
		}
	}
	return saveRealNames(ctx, tx, act, id, req.RealNames)
}

// companions names the unnamed people of a counter booking.
func companions(n int) []*culture.Attendee {
	var out []*culture.Attendee
	for i := 1; i <= n; i++ {
		out = append(out, &culture.Attendee{Name: fmt.Sprintf("同行%d", i)})
	}
	return out
}
