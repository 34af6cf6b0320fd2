package sqlstore_test

import (
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// try makes a booking of seats for the account (self plus companions).
func (fx *activityFix) try(t *testing.T, activityID, accountID int64, seats int, waitlist bool) (*culture.Booking, error) {
	t.Helper()
	return fx.s.CreateBooking(t.Context(), &culture.BookingRequest{
		ActivityID: activityID, AccountID: accountID, Self: true, Companions: seats - 1, Waitlist: waitlist,
	})
}

// mustTry is try that must succeed.
func (fx *activityFix) mustTry(t *testing.T, activityID, accountID int64, seats int, waitlist bool) *culture.Booking {
	t.Helper()
	b, err := fx.try(t, activityID, accountID, seats, waitlist)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// status reads a booking's status.
func (fx *activityFix) status(t *testing.T, id int64) *culture.Booking {
	t.Helper()
	b, err := fx.s.FindBookingByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if got := culture.ErrorReason(err); got != reason {
		t.Fatalf("reason = %q, want %q (err: %v)", got, reason, err)
	}
}

func wantStatus(t *testing.T, fx *activityFix, id int64, status string) *culture.Booking {
	t.Helper()
	b := fx.status(t, id)
	if b.Status != status {
		t.Fatalf("booking %d status = %s, want %s", id, b.Status, status)
	}
	return b
}

func TestWaitlist(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 6)
		t.Run("OrderPromotionClaim", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 2 })
			first := fx.mustTry(t, a.ID, acc[0], 1, false)
			fx.mustTry(t, a.ID, acc[1], 1, false)
			_, err := fx.try(t, a.ID, acc[2], 1, false)
			wantReason(t, err, culture.ReasonSoldOut)
			w1 := fx.mustTry(t, a.ID, acc[2], 1, true)
			w2 := fx.mustTry(t, a.ID, acc[3], 1, true)
			if w1.Status != culture.BookingWaitlisted || *w1.QueueRank != 1 || *w2.QueueRank != 2 {
				t.Fatalf("waitlisted = %s rank %v, %v", w1.Status, *w1.QueueRank, *w2.QueueRank)
			}
			if _, err := s.CancelBooking(t.Context(), acc[0], first.ID); err != nil {
				t.Fatal(err)
			}
			got := wantStatus(t, fx, w1.ID, culture.BookingOffered)
			if want := activityTestNow.Add(30 * time.Minute); !got.OfferExpiresAt.Equal(want) {
				t.Errorf("offer expires %v, want %v", got.OfferExpiresAt, want)
			}
			wantStatus(t, fx, w2.ID, culture.BookingWaitlisted)
			if n := fx.seatsLeft(t, a.ID); n != 0 {
				t.Errorf("seats left %d, want 0", n)
			}
			_, err = s.ClaimOffer(t.Context(), acc[3], w1.ID)
			checkRefusal(t, err, culture.ENOTFOUND, "")
			if b, err := s.ClaimOffer(t.Context(), acc[2], w1.ID); err != nil || b.Status != culture.BookingConfirmed {
				t.Fatalf("claim = %v, %v", b, err)
			}
		})
		t.Run("ExpiryMovesToNext", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
			held := fx.mustTry(t, a.ID, acc[0], 1, false)
			w1 := fx.mustTry(t, a.ID, acc[1], 1, true)
			w2 := fx.mustTry(t, a.ID, acc[2], 1, true)
			if _, err := s.CancelBooking(t.Context(), acc[0], held.ID); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, fx, w1.ID, culture.BookingOffered)
			fx.setNow(activityTestNow.Add(31 * time.Minute))
			_, err := s.ClaimOffer(t.Context(), acc[1], w1.ID)
			wantReason(t, err, culture.ReasonOfferExpired)
			if n, err := s.ExpireOffers(t.Context()); err != nil || n != 1 {
				t.Fatalf("ExpireOffers = %d, %v", n, err)
			}
			wantStatus(t, fx, w1.ID, culture.BookingCancelled)
			wantStatus(t, fx, w2.ID, culture.BookingOffered)
			if n, _ := s.ExpireOffers(t.Context()); n != 0 {
				t.Errorf("second ExpireOffers = %d", n)
			}
			// Declining (cancelling) an offer moves the line on too.
			if _, err := s.CancelBooking(t.Context(), acc[2], w2.ID); err != nil {
				t.Fatal(err)
			}
			if n := fx.seatsLeft(t, a.ID); n != 1 {
				t.Errorf("seats left %d, want 1", n)
			}
		})
		t.Run("FamilyHeadWaits", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 3 })
			b0 := fx.mustTry(t, a.ID, acc[0], 1, false)
			b1 := fx.mustTry(t, a.ID, acc[1], 1, false)
			fx.mustTry(t, a.ID, acc[2], 1, false)
			family := fx.mustTry(t, a.ID, acc[3], 2, true)
			single := fx.mustTry(t, a.ID, acc[4], 1, true)
			if _, err := s.CancelBooking(t.Context(), acc[0], b0.ID); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, fx, family.ID, culture.BookingWaitlisted)
			wantStatus(t, fx, single.ID, culture.BookingWaitlisted)
			// Nobody skips the line for the free seat.
			_, err := fx.try(t, a.ID, acc[5], 1, false)
			wantReason(t, err, culture.ReasonSoldOut)
			if _, err := s.CancelBooking(t.Context(), acc[1], b1.ID); err != nil {
				t.Fatal(err)
			}
			wantStatus(t, fx, family.ID, culture.BookingOffered)
			wantStatus(t, fx, single.ID, culture.BookingWaitlisted)
		})
	})
}

func TestOfferDeadlineNearStart(t *testing.T) {
	r := culture.DefaultRules()
	start := activityTestNow.Add(20 * time.Minute)
	if d, ok := r.OfferDeadline(activityTestNow, start); !ok || !d.Equal(activityTestNow.Add(10*time.Minute)) {
		t.Errorf("deadline = %v %t, want +10m", d, ok)
	}
	if _, ok := r.OfferDeadline(activityTestNow, activityTestNow.Add(time.Minute)); ok {
		t.Errorf("offer made a minute before the start")
	}
}

func TestWaitlistConcurrentCancels(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		const capacity = 8
		acc := fixAccounts(t, s, 2*capacity)
		a := fx.create(t, func(a *culture.Activity) { a.Capacity = capacity })
		var held []*culture.Booking
		for i := range capacity {
			held = append(held, fx.mustTry(t, a.ID, acc[i], 1, false))
		}
		for i := capacity; i < 2*capacity; i++ {
			fx.mustTry(t, a.ID, acc[i], 1+i%2, true)
		}
		var wg sync.WaitGroup
		for i, b := range held {
			wg.Go(func() {
				if _, err := s.CancelBooking(t.Context(), acc[i], b.ID); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		bs, _, err := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &a.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		holding := 0
		for _, b := range bs {
			if b.Status == culture.BookingConfirmed || b.Status == culture.BookingOffered {
				holding += b.Seats
			}
		}
		left := fx.seatsLeft(t, a.ID)
		if left < 0 || holding > capacity || holding+left != capacity {
			t.Errorf("holding %d + left %d, capacity %d", holding, left, capacity)
		}
	})
}

// poolsAndHeld returns an activity's free seats (all pools), the seats its
// confirmed, offered and checked-in bookings hold, and its capacity: while
// nothing is lost, free + held = capacity.
func poolsAndHeld(t *testing.T, s *sqlstore.Store, id int64) (free, held, capacity int) {
	t.Helper()
	err := s.DB().QueryRow(fixSQL(s, `SELECT seats_left + walkin_left + community_left, capacity
		FROM activities WHERE id = ?`), id).Scan(&free, &capacity)
	if err != nil {
		t.Fatal(err)
	}
	err = s.DB().QueryRow(fixSQL(s, `SELECT COALESCE(SUM(seats), 0) FROM bookings WHERE activity_id = ?
		AND status IN ('confirmed', 'offered', 'checked_in')`), id).Scan(&held)
	if err != nil {
		t.Fatal(err)
	}
	return free, held, capacity
}

// waitBlockedBy waits until some PostgreSQL backend waits on a lock that
// the transaction other holds, or until done has an answer (the request
// did not block after all).
func waitBlockedBy[T any](t *testing.T, s *sqlstore.Store, other *sql.Tx, done chan T) {
	t.Helper()
	var pid int
	if err := other.QueryRow(`SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(done) == 0 && time.Now().Before(deadline) {
		var n int
		// Not in other: a transaction sees pg_stat_activity as of its first look.
		err := s.DB().QueryRow(`SELECT COUNT(*) FROM pg_stat_activity
			WHERE $1 = ANY(pg_blocking_pids(pid))`, pid).Scan(&n)
		if err != nil {
			t.Fatal(err)
		} else if n > 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(done) == 0 {
		t.Fatal("the request never waited on the other transaction's lock")
	}
}

// A waitlisted head cancelled by another process while the waiting list
// is promoted: the promoter took the head's seats and offered nothing.
// The seats must go back to the pool (reviewer's
// TestReviewPromoteVsCancelWaitlistedLeaksSeats). Needs PostgreSQL: SQLite
// runs one writer at a time.
func TestPromoteRacesWaitlistCancel(t *testing.T) {
	s := MustOpenDB(t, "postgres")
	fx := activityFixtures(t, s)
	acc := fixAccounts(t, s, 3)
	a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
	first := fx.mustTry(t, a.ID, acc[0], 1, false)
	w := fx.mustTry(t, a.ID, acc[1], 1, true)
	next := fx.mustTry(t, a.ID, acc[2], 1, true)
	if w.Status != culture.BookingWaitlisted || next.Status != culture.BookingWaitlisted {
		t.Fatalf("w = %s, next = %s", w.Status, next.Status)
	}
	// Another process cancels the waitlisted head: the statements of
	// cancelBooking for a waitlisted booking, which lock no activity row.
	other, err := s.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.Exec(`UPDATE bookings SET status = 'cancelled' WHERE id = $1 AND status = 'waitlisted'`, w.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.CancelBooking(t.Context(), acc[0], first.ID)
		done <- err
	}()
	waitBlockedBy(t, s, other, done) // the promotion waits on the head's row lock
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	free, held, capacity := poolsAndHeld(t, s, a.ID)
	if free+held != capacity {
		t.Errorf("free %d + held %d != capacity %d: a seat vanished", free, held, capacity)
	}
	// The seat goes on to the next in line.
	wantStatus(t, fx, next.ID, culture.BookingOffered)
}

// Raising the capacity of a sold-out activity offers the new seats to the
// waiting list in the same transaction (reviewer's
// TestReviewCapacityRaiseDoesNotPromote).
func TestCapacityRaisePromotesWaitlist(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 3)
		a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
		fx.mustTry(t, a.ID, acc[0], 1, false)
		w := fx.mustTry(t, a.ID, acc[1], 1, true)
		capacity := 3
		if _, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{Capacity: &capacity}); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, fx, w.ID, culture.BookingOffered)
		if left := fx.seatsLeft(t, a.ID); left != 1 {
			t.Errorf("seats left = %d, want 1", left)
		}
		if _, err := fx.try(t, a.ID, acc[2], 1, false); err != nil {
			t.Errorf("new request after the raise: %v", err)
		}
		if free, held, capacity := poolsAndHeld(t, s, a.ID); free+held != capacity {
			t.Errorf("free %d + held %d != capacity %d", free, held, capacity)
		}
	})
}
