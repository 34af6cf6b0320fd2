package sqlstore

import (
	"context"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Seat pools are columns of activities: the public pool seats_left and the
// reserves walkin_left and community_left. A booking takes all its seats
// from one pool (bookings.pool) and gives them back there while the
// reserves are held; after the release everything goes to seats_left.
//
// Which pool a request takes from:
//   - counter (Pool walkin): walkin_left, else seats_left;
//   - community (Pool community): community_left, only for members of the
//     community of the activity's unit or of a unit above it who joined
//     before booking opened (communityMember);
//   - residents (Pool "" or online): community_left when eligible and
//     enough are left, else seats_left.

// takeFromPools takes the request's seats and returns the pool they came
// from; a refusal is ErrSoldOut or another sold-out reason.
func takeFromPools(ctx context.Context, tx *Tx, act *culture.Activity, req *culture.BookingRequest) (string, error) {
	n := req.Seats()
	switch req.Pool {
	case culture.PoolWalkin:
		if ok, err := takeReserve(ctx, tx, act.ID, "walkin_left", n); ok || err != nil {
			return culture.PoolWalkin, err
		}
	case culture.PoolCommunity:
		if ok, err := communityMember(ctx, tx, act, req.AccountID); err != nil || !ok {
			return "", errorOr(err, errNotMember)
		}
		if ok, err := takeReserve(ctx, tx, act.ID, "community_left", n); ok || err != nil {
			return culture.PoolCommunity, err
		}
		return "", culture.ErrSoldOut
	default:
		if ok, err := takeCommunity(ctx, tx, act, req.AccountID, n); ok || err != nil {
			return culture.PoolCommunity, err
		}
	}
	if err := takeOnline(ctx, tx, act.ID, n); err != nil {
		return "", err
	}
	return culture.PoolOnline, nil
}

var errNotMember = culture.Errorf(culture.EFORBIDDEN, "社群预留名额仅限预约开放前已加入本馆社群的居民。")

func errorOr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// takeOnline takes from the public pool, unless residents are waiting for
// seats: then the request queues behind them (strict waiting-list order).
func takeOnline(ctx context.Context, tx *Tx, activityID int64, n int) error {
	var waiting int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM bookings WHERE activity_id = ? AND status = 'waitlisted'`,
		activityID).Scan(&waiting)
	if err != nil {
		return err
	} else if waiting > 0 {
		return culture.ErrSoldOut
	}
	return takeSeats(ctx, tx, activityID, n)
}

func takeCommunity(ctx context.Context, tx *Tx, act *culture.Activity, accountID int64, n int) (bool, error) {
	if act.CommunityLeft < n {
		return false, nil
	}
	if ok, err := communityMember(ctx, tx, act, accountID); err != nil || !ok {
		return false, err
	}
	return takeReserve(ctx, tx, act.ID, "community_left", n)
}

// takeReserve takes n seats of a reserve column (walkin_left or
// community_left, never user input) while the reserves are held and the
// activity is published; ErrCancelled once it is not.
func takeReserve(ctx context.Context, tx *Tx, activityID int64, column string, n int) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE activities SET `+column+` = `+column+` - ?
		WHERE id = ? AND `+column+` >= ? AND reserve_released = 0 AND status = 'published'`, n, activityID, n)
	if err != nil {
		return false, err
	}
	if rows, err := res.RowsAffected(); err != nil || rows == 1 {
		return err == nil, err
	}
	return false, refuseUnpublished(ctx, tx, activityID)
}

// communityMember reports whether the account belongs to the community of
// the activity's unit or of a unit above it — a branch's community covers
// the activities of its points — and joined before the activity's booking
// opened: otherwise anyone could join moments before a popular grab and
// take the seats kept for the community. (Paths hold only digits and
// slashes, so LIKE matches them literally.)
func communityMember(ctx context.Context, tx *Tx, act *culture.Activity, accountID int64) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM community_members m
		JOIN units c ON c.id = m.unit_id
		JOIN activities a ON a.id = ?
		JOIN units u ON u.id = a.unit_id
		WHERE m.account_id = ? AND u.path LIKE c.path || '%' AND m.joined_at < a.opens_at`,
		act.ID, accountID).Scan(&n)
	return n > 0, err
}

// returnSeats gives a booking's seats back to its pool, or to the public
// pool once the reserves are released, and offers the freed public seats
// to the waiting list.
func returnSeats(ctx context.Context, tx *Tx, b *culture.Booking) error {
	if b.Pool == culture.PoolWalkin || b.Pool == culture.PoolCommunity {
		column := "walkin_left"
		if b.Pool == culture.PoolCommunity {
			column = "community_left"
		}
		res, err := tx.exec(ctx, `UPDATE activities SET `+column+` = `+column+` + ?
			WHERE id = ? AND reserve_released = 0`, b.Seats, b.ActivityID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
	}
	_, err := tx.exec(ctx, `UPDATE activities SET seats_left = seats_left + ? WHERE id = ?`, b.Seats, b.ActivityID)
	if err != nil {
		return err
	}
	return promoteWaitlist(ctx, tx, b.ActivityID)
}

// reserveReleaseAt returns when an activity's reserves go public: the set
// time, by default an hour before the start; nil without reserves.
func reserveReleaseAt(a *culture.Activity) any {
	if a.ReservedWalkin+a.ReservedCommunity == 0 {
		return nil
	}
	if a.ReserveReleaseAt != nil {
		return unix(*a.ReserveReleaseAt)
	}
	return unix(a.StartsAt.Add(-time.Hour))
}

// saveReserves applies an edit of the reserved seats and the real-name
// flag. Seats move between the public pool and the reserves; an edit that
// would take back reserved seats already booked, or more public seats than
// are left, is refused. After the release the reserves cannot change.
// Public seats it frees go to the waiting list in updateActivity.
func saveReserves(ctx context.Context, tx *Tx, cur *culture.Activity, next *culture.Activity) error {
	dw, dc := next.ReservedWalkin-cur.ReservedWalkin, next.ReservedCommunity-cur.ReservedCommunity
	res, err := tx.exec(ctx, `UPDATE activities SET reserved_walkin = ?, reserved_community = ?,
		walkin_left = walkin_left + ?, community_left = community_left + ?,
		seats_left = seats_left - ?, reserve_release_at = ?, real_name = ?
		WHERE id = ? AND walkin_left + ? >= 0 AND community_left + ? >= 0 AND seats_left - ? >= 0
		AND (reserve_released = 0 OR ? = 0)`,
		next.ReservedWalkin, next.ReservedCommunity, dw, dc, dw+dc, reserveReleaseAt(next),
		boolInt(next.RealName), cur.ID, dw, dc, dw+dc, abs(dw)+abs(dc))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return culture.Invalid("reserved_walkin", "预留名额无法调整：已释放，或少于已用的预留名额，或超过剩余名额。")
}

// boolInt stores a flag as 0 or 1 (INTEGER columns on both engines).
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func abs(n int) int { return max(n, -n) }

// ReleaseReserves moves the unused reserved seats of every activity past
// its release time into the public pool, and offers them to the waiting
// list. It returns the number of activities released; each is released
// once (the flag is claimed in the UPDATE), whatever runs concurrently.
func (s *Store) ReleaseReserves(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "ReleaseReserves")
	ids, err := s.dueActivities(ctx, `reserve_released = 0 AND reserve_release_at IS NOT NULL
		AND reserve_release_at <= ?`)
	for _, id := range ids {
		released := false
		err = s.update(ctx, func(tx *Tx) error {
			released = false
			res, err := tx.exec(ctx, `UPDATE activities SET seats_left = seats_left + walkin_left + community_left,
				walkin_left = 0, community_left = 0, reserve_released = 1
				WHERE id = ? AND reserve_released = 0`, id)
			if err != nil {
				return err
			}
			if rows, err := res.RowsAffected(); err != nil || rows == 0 {
				return err
			}
			released = true
			return promoteWaitlist(ctx, tx, id)
		})
		if err != nil {
			return n, err
		} else if released {
			n++
		}
	}
	return n, err
}

// dueActivities returns up to 500 ids of activities matching cond, whose
// one ? is now.
func (s *Store) dueActivities(ctx context.Context, cond string) (ids []int64, err error) {
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT id FROM activities WHERE `+cond+` ORDER BY id LIMIT 500`, tx.nowUnix())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// initReserves sets a new activity's real-name flag and reserved seats:
// the reserves come out of the public pool.
func initReserves(ctx context.Context, tx *Tx, a *culture.Activity, id int64) error {
	if !a.RealName && a.ReservedWalkin+a.ReservedCommunity == 0 {
		return nil
	}
	_, err := tx.exec(ctx, `UPDATE activities SET real_name = ?, reserved_walkin = ?, reserved_community = ?,
		walkin_left = ?, community_left = ?, seats_left = seats_left - ?, reserve_release_at = ?
		WHERE id = ?`, boolInt(a.RealName), a.ReservedWalkin, a.ReservedCommunity, a.ReservedWalkin,
		a.ReservedCommunity, a.ReservedWalkin+a.ReservedCommunity, reserveReleaseAt(a), id)
	return err
}

// mergeReserves applies the reserve and real-name fields of an update.
func mergeReserves(a *culture.Activity, u culture.ActivityUpdate) {
	mergeField(&a.ReservedWalkin, u.ReservedWalkin)
	mergeField(&a.ReservedCommunity, u.ReservedCommunity)
	mergeField(&a.RealName, u.RealName)
	if u.ReserveReleaseAt != nil {
		t := *u.ReserveReleaseAt
		a.ReserveReleaseAt = &t
	}
}
