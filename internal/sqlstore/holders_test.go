package sqlstore_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// TestBookingHolders: every account with a booking of the activity, keyed
// or not, active or cancelled; none of another activity's.
func TestBookingHolders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a, other := fx.create(t), fx.create(t)
		got, err := s.BookingHolders(t.Context(), a.ID)
		if err != nil || len(got) != 0 {
			t.Fatalf("no bookings: %v, %v; want an empty set", got, err)
		}
		fx.book(t, a.ID, fx.residents[0], true)
		if _, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
			ActivityID: a.ID, AccountID: fx.residents[1], Self: true, IdempotencyKey: "k-1"}); err != nil {
			t.Fatal(err)
		}
		cancelled := fx.book(t, a.ID, fx.residents[2], true)
		if _, err := s.CancelBooking(t.Context(), fx.residents[2], cancelled.ID); err != nil {
			t.Fatal(err)
		}
		fx.book(t, other.ID, fixAccounts(t, s, 1)[0], true) // another activity's
		got, err = s.BookingHolders(t.Context(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]bool{fx.residents[0]: true, fx.residents[1]: true, fx.residents[2]: true}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("holders (-want +got):\n%s", diff)
		}
	})
}
