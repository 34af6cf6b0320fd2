package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

// The waiting list. A resident who finds a first-come activity sold out
// may join it (BookingRequest.Waitlist): a waitlisted booking holds no
// seats and has queue_rank, its arrival order (lottery draws rank theirs
// the same way). When public seats come back (a cancellation, an expired
// or declined offer, the release of reserves) promoteWaitlist offers them
// strictly in order: the head of the line gets an offer only when all its
// seats are free, and nobody behind it skips ahead; new requests queue
// behind it too. An offer holds the seats until offer_expires_at; the
// resident claims it (confirmed) or lets it lapse (cancelled) and the next
// in line is offered.

// joinWaitlist puts the request at the end of the line. The no-op update
// locks the activity row first, so concurrent joins get distinct ranks,
// and checks under that lock that the activity is still published.
func joinWaitlist(ctx context.Context, tx *Tx, activityID int64) (int, error) {
	if err := lockPublished(ctx, tx, activityID); err != nil {
		return 0, err
	}
	var rank int
	err := tx.queryRow(ctx, `SELECT COALESCE(MAX(queue_rank), 0) + 1 FROM bookings
		WHERE activity_id = ? AND queue_rank IS NOT NULL`, activityID).Scan(&rank)
	return rank, err
}

// canWaitlist reports whether a refused request may join the waiting list.
func canWaitlist(act *culture.Activity, req *culture.BookingRequest, err error) bool {
	return req.Waitlist && act.Mode == culture.ModeFirstCome && culture.ErrorReason(err) == culture.ReasonSoldOut
}

// promoteWaitlist offers free public seats to the waiting list in order,
// while the head fits. Callers have just updated the activity row, which
// PostgreSQL keeps locked until commit, so promotions of one activity run
// one after the other and never hand out a seat twice.
//
// The head's own row is not locked by that: a cancel of a waitlisted
// booking (in any process) takes no activity lock. If it commits between
// reading the head and offering to it, the offer updates no row; the
// seats taken for it go back to the public pool and the next head is
// tried. (Under READ COMMITTED the next read sees the committed cancel, so
// the loop moves on; SQLite's single writer never gets here.)
func promoteWaitlist(ctx context.Context, tx *Tx, activityID int64) error {
	// Every cancel comes here; most activities have no waiting list, so
	// look at its head before loading the activity with its joins.
	id, seats, err := waitlistHead(ctx, tx, activityID)
	if err != nil || id == 0 {
		return err
	}
	act, err := activityByID(ctx, tx, activityID)
	if err != nil {
		return err
	}
	deadline, ok := tx.grab.rules.OfferDeadline(tx.now, act.StartsAt)
	if !ok || act.Status != culture.ActivityPublished {
		return nil
	}
	for ; id != 0; id, seats, err = waitlistHead(ctx, tx, activityID) {
		if err != nil {
			return err
		}
		if took, err := takeReserveless(ctx, tx, activityID, seats); err != nil || !took {
			return err
		}
		var accountID int64
		err = tx.queryRow(ctx, `UPDATE bookings SET status = 'offered', offer_expires_at = ?, updated_at = ?
			WHERE id = ? AND status = 'waitlisted' RETURNING account_id`, unix(deadline), tx.nowUnix(), id).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) { // the head left the line meanwhile: its seats go back
			_, err := tx.exec(ctx, `UPDATE activities SET seats_left = seats_left + ? WHERE id = ?`, seats, activityID)
			if err != nil {
				return err
			}
			continue
		} else if err != nil {
			return err
		}
		if err := notifyOffer(ctx, tx, id, accountID, act, deadline); err != nil {
			return err
		}
	}
	return err
}

// waitlistHead returns the first waitlisted booking; id 0 when none.
func waitlistHead(ctx context.Context, tx *Tx, activityID int64) (id int64, seats int, err error) {
	err = tx.queryRow(ctx, `SELECT id, seats FROM bookings WHERE activity_id = ? AND status = 'waitlisted'
		ORDER BY queue_rank, id LIMIT 1`, activityID).Scan(&id, &seats)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return id, seats, err
}

// takeReserveless takes n public seats if that many are free and the
// activity is still published.
func takeReserveless(ctx context.Context, tx *Tx, activityID int64, n int) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE activities SET seats_left = seats_left - ?
		WHERE id = ? AND seats_left >= ? AND status = 'published'`, n, activityID, n)
	if err != nil {
		return false, err
	}
	rows, err := res.RowsAffected()
	return rows == 1, err
}

// ClaimOffer confirms the account's offered booking. An expired offer is
// refused (ErrOfferExpired); another account's booking is not found; a
// booking already confirmed is returned as it is.
func (s *Store) ClaimOffer(ctx context.Context, accountID, bookingID int64) (b *culture.Booking, err error) {
	defer wrapStoreCall(&err, "ClaimOffer(account=%d, booking=%d)", accountID, bookingID)
	err = s.update(ctx, func(tx *Tx) error {
		b, err = claimOffer(ctx, tx, accountID, bookingID)
		return err
	})
	return b, err
}

func claimOffer(ctx context.Context, tx *Tx, accountID, bookingID int64) (*culture.Booking, error) {
	b, err := bookingWhere(ctx, tx, "b.id = ? AND b.account_id = ?", bookingID, accountID)
	switch {
	case err != nil:
		return nil, err
	case b.Status == culture.BookingConfirmed:
		return b, nil
	case b.Status != culture.BookingOffered:
		return nil, culture.Errorf(culture.EINVALID, "该预约没有待确认的候补名额。")
	case b.OfferExpiresAt == nil || !tx.now.Before(*b.OfferExpiresAt):
		return nil, culture.ErrOfferExpired
	}
	res, err := tx.exec(ctx, `UPDATE bookings SET status = 'confirmed', updated_at = ?
		WHERE id = ? AND status = 'offered' AND offer_expires_at > ?`, tx.nowUnix(), bookingID, tx.nowUnix())
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return nil, errorOr(err, culture.ErrOfferExpired)
	}
	return bookingAnnounced(ctx, tx, bookingID, evConfirmed, true)
}

// ExpireOffers cancels the offers past their deadline, gives their seats
// back and offers them to the next in line, in one transaction. It
// returns the number of offers expired.
func (s *Store) ExpireOffers(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "ExpireOffers")
	err = s.update(ctx, func(tx *Tx) error {
		n = 0
		bs, err := expiredOffers(ctx, tx)
		if err != nil {
			return err
		}
		for _, b := range bs {
			res, err := tx.exec(ctx, `UPDATE bookings SET status = 'cancelled', updated_at = ?
				WHERE id = ? AND status = 'offered' AND offer_expires_at <= ?`, tx.nowUnix(), b.ID, tx.nowUnix())
			if err != nil {
				return err
			}
			if rows, err := res.RowsAffected(); err != nil {
				return err
			} else if rows == 0 {
				continue // claimed meanwhile
			}
			if err := releaseBooking(ctx, tx, b); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// expiredOffers returns up to 500 offers past their deadline. The status
// update that follows is conditional, so a concurrent claim wins or loses
// cleanly.
func expiredOffers(ctx context.Context, tx *Tx) ([]*culture.Booking, error) {
	ids, err := tx.queryIDs(ctx, `SELECT b.id FROM bookings b WHERE b.status = 'offered'
		AND b.offer_expires_at <= ? ORDER BY b.offer_expires_at, b.id LIMIT 500`, tx.nowUnix())
	if err != nil {
		return nil, err
	}
	var out []*culture.Booking
	for _, id := range ids {
		b, err := bookingWhere(ctx, tx, "b.id = ?", id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// releaseBooking frees what a booking that stopped being active held: its
// seats (if it held any) go back and the waiting list moves, and its IDs
// are unclaimed.
func releaseBooking(ctx context.Context, tx *Tx, b *culture.Booking) error {
	if err := releaseClaims(ctx, tx, b.ID); err != nil {
		return err
	}
	if b.Status == culture.BookingConfirmed || b.Status == culture.BookingOffered {
		return returnSeats(ctx, tx, b)
	}
	return nil
}
