package sqlstore_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// TestCreateBookings books one batch that mixes every kind of answer: each
// request gets its own, and a refused request changes nothing.
func TestCreateBookings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a, full := fx.create(t), fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
		booked := fx.book(t, a.ID, fx.residents[1], true)
		fx.book(t, full.ID, fx.residents[1], true)
		keyed := &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[2], Self: true, IdempotencyKey: "k-1"}
		reqs := []*culture.BookingRequest{
			{ActivityID: a.ID, AccountID: fx.residents[0], Self: true, FamilyIDs: []int64{fx.family}}, // 0 OK
			{ActivityID: full.ID, AccountID: fx.residents[0], Self: true},                             // 1 sold out
			{ActivityID: a.ID, AccountID: fx.residents[1], Self: true},                                // 2 already booked
			{ActivityID: a.ID, AccountID: fx.residents[2], FamilyIDs: []int64{fx.strangerFamily}},     // 3 not its family
			{ActivityID: a.ID, AccountID: fx.residents[2]},                                            // 4 no attendees
			keyed, // 5 OK
			keyed, // 6 the replay in the same batch
			{ActivityID: a.ID, AccountID: fx.residents[0], Self: true},   // 7 booked by 0 in this batch
			{ActivityID: 424242, AccountID: fx.residents[0], Self: true}, // 8 no such activity
		}
		res := s.CreateBookings(t.Context(), reqs)
		if len(res) != len(reqs) {
			t.Fatalf("%d results for %d requests", len(res), len(reqs))
		}
		for _, i := range []int{0, 5, 6} {
			if res[i].Err != nil || res[i].Booking == nil || res[i].Booking.Status != culture.BookingConfirmed {
				t.Errorf("request %d: %+v", i, res[i])
			}
		}
		if res[0].Booking.Seats != 2 || len(res[0].Booking.Attendees) != 2 {
			t.Errorf("booking 0 = %+v", res[0].Booking)
		}
		if res[5].Booking.ID != res[6].Booking.ID {
			t.Errorf("replay made booking %d, first %d", res[6].Booking.ID, res[5].Booking.ID)
		}
		checkRefusal(t, res[1].Err, culture.ECONFLICT, culture.ErrSoldOut.Message)
		checkRefusal(t, res[2].Err, culture.ECONFLICT, culture.ErrAlreadyBooked.Message)
		checkRefusal(t, res[3].Err, culture.EINVALID, "")
		checkRefusal(t, res[4].Err, culture.EINVALID, "")
		checkRefusal(t, res[7].Err, culture.ECONFLICT, culture.ErrAlreadyBooked.Message)
		checkRefusal(t, res[8].Err, culture.ENOTFOUND, "")
		if !errors.Is(res[1].Err, culture.ErrSoldOut) {
			t.Errorf("sold out = %v, want ErrSoldOut", res[1].Err)
		}
		if left := fx.seatsLeft(t, a.ID); left != 10-1-2-1 {
			t.Errorf("seats left = %d, want 6", left)
		}
		if left := fx.seatsLeft(t, full.ID); left != 0 {
			t.Errorf("full: seats left = %d, want 0", left)
		}
		st := culture.BookingConfirmed
		bs, n, err := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &a.ID, Status: &st})
		if err != nil || n != 3 {
			t.Fatalf("confirmed = %d (%v), want 3", n, err)
		}
		if bs[0].ID != booked.ID {
			t.Errorf("first booking %d, want %d", bs[0].ID, booked.ID)
		}
	})
}

// TestCreateBookingsEmpty: no requests, no transaction, no answers.
func TestCreateBookingsEmpty(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		if res := s.CreateBookings(t.Context(), nil); len(res) != 0 {
			t.Errorf("results %v", res)
		}
	})
}

// TestCreateBookingsRace runs batches in parallel that all ask a seat for
// the same account: on PostgreSQL the losers meet the unique index, which
// aborts only to their savepoint; the other request of each batch is
// booked.
func TestCreateBookingsRace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		accounts := fixAccounts(t, s, 8)
		a := fx.create(t, func(a *culture.Activity) { a.Capacity = 20 })
		results := make([][]sqlstore.BatchResult, len(accounts))
		var wg sync.WaitGroup
		for i, acc := range accounts {
			wg.Go(func() {
				results[i] = s.CreateBookings(t.Context(), []*culture.BookingRequest{
					{ActivityID: a.ID, AccountID: fx.residents[0], Self: true},
					{ActivityID: a.ID, AccountID: acc, Self: true},
				})
			})
		}
		wg.Wait()
		shared := 0
		for i, res := range results {
			if res[1].Err != nil {
				t.Errorf("batch %d, own account: %v", i, res[1].Err)
			}
			switch {
			case res[0].Err == nil:
				shared++
			case !errors.Is(res[0].Err, culture.ErrAlreadyBooked):
				t.Errorf("batch %d, shared account: %v", i, res[0].Err)
			}
		}
		if shared != 1 || fx.seatsLeft(t, a.ID) != 20-1-len(accounts) {
			t.Errorf("shared account booked %d times, seats left %d", shared, fx.seatsLeft(t, a.ID))
		}
	})
}
