package sqlstore_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// book makes a booking that must succeed.
func (fx *activityFix) book(t *testing.T, activityID, accountID int64, self bool, family ...int64) *culture.Booking {
	t.Helper()
	b, err := fx.s.CreateBooking(t.Context(), &culture.BookingRequest{
		ActivityID: activityID, AccountID: accountID, Self: self, FamilyIDs: family,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bookingIDs(bs []*culture.Booking) []int64 {
	ids := []int64{}
	for _, b := range bs {
		ids = append(ids, b.ID)
	}
	return ids
}

func TestCreateBooking(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, fx.residents[0], true, fx.family)
			fam := fx.family
			want := []*culture.Attendee{{Name: "张三", Self: true}, {Name: "小明", FamilyMemberID: &fam}}
			if diff := cmp.Diff(want, b.Attendees); diff != "" {
				t.Errorf("attendees (-want +got):\n%s", diff)
			}
			if b.Status != culture.BookingConfirmed || b.Seats != 2 || b.AccountID != fx.residents[0] ||
				b.ActivityID != a.ID || !b.CreatedAt.Equal(activityTestNow) || b.CheckedInAt != nil {
				t.Errorf("booking = %+v", b)
			}
			if b.Activity == nil || b.Activity.SeatsLeft != 8 || b.Activity.Title != a.Title {
				t.Errorf("joined activity = %+v", b.Activity)
			}
			if b.Phone == "" {
				t.Errorf("no phone joined")
			}
			if len(b.Code) != 10 || strings.Trim(b.Code, culture.CodeAlphabet()) != "" {
				t.Errorf("code %q is not 10 symbols of the alphabet", b.Code)
			}
		})
		t.Run("SelfWithoutName", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, fx.residents[1], true)
			if len(b.Attendees) != 1 || b.Attendees[0].Name != "本人" {
				t.Errorf("attendees = %+v", b.Attendees)
			}
		})
		t.Run("FamilyOnly", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, fx.residents[0], false, fx.family)
			if len(b.Attendees) != 1 || b.Attendees[0].Self || b.Seats != 1 {
				t.Errorf("booking = %+v, attendees %+v", b, b.Attendees)
			}
		})
		t.Run("IdempotentReplay", func(t *testing.T) {
			a := fx.create(t)
			req := &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[0], Self: true, IdempotencyKey: "k-1"}
			first, err := s.CreateBooking(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.CreateBooking(t.Context(), req)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first, again); diff != "" {
				t.Errorf("replay differs (-first +again):\n%s", diff)
			}
			if left := fx.seatsLeft(t, a.ID); left != 9 {
				t.Errorf("seats left = %d, want 9", left)
			}
		})
		t.Run("ApprovalIsPending", func(t *testing.T) {
			a := fx.create(t, func(a *culture.Activity) { a.Mode = culture.ModeApproval })
			b := fx.book(t, a.ID, fx.residents[0], true)
			if b.Status != culture.BookingPending || fx.seatsLeft(t, a.ID) != 10 {
				t.Errorf("status %s, seats left %d; want pending and 10", b.Status, fx.seatsLeft(t, a.ID))
			}
		})

		hours := func(h int) time.Time { return activityTestNow.Add(time.Duration(h) * time.Hour) }
		for _, tc := range []struct {
			name   string
			mod    func(*culture.Activity)
			setup  func(t *testing.T, a *culture.Activity)
			req    culture.BookingRequest // ActivityID and AccountID default
			code   string
			reason string
			msg    string
		}{
			{name: "ErrNoAttendees", req: culture.BookingRequest{}, code: culture.EINVALID, msg: "请至少选择一位参加人。"},
			{name: "ENOTFOUND", req: culture.BookingRequest{ActivityID: 424242, Self: true}, code: culture.ENOTFOUND, msg: "活动不存在。"},
			{name: "ErrCancelled", setup: func(t *testing.T, a *culture.Activity) {
				if err := s.CancelActivity(t.Context(), a.ID); err != nil {
					t.Fatal(err)
				}
			}, code: culture.ECONFLICT, reason: culture.ReasonCancelled},
			{name: "ErrNoBooking", mod: func(a *culture.Activity) { a.Mode = culture.ModeOpen }, code: culture.EINVALID, reason: culture.ReasonNoBooking},
			{name: "ErrNotOpen", mod: func(a *culture.Activity) { a.OpensAt = hours(1) }, code: culture.EFORBIDDEN, reason: culture.ReasonNotOpen},
			{name: "ErrClosed", mod: func(a *culture.Activity) { a.OpensAt, a.ClosesAt = hours(-2), hours(-1) }, code: culture.EFORBIDDEN, reason: culture.ReasonClosed},
			{name: "ErrClosedApproval", mod: func(a *culture.Activity) {
				a.Mode, a.OpensAt, a.ClosesAt = culture.ModeApproval, hours(-2), hours(0)
			}, code: culture.EFORBIDDEN, reason: culture.ReasonClosed},
			{name: "ErrTooMany", mod: func(a *culture.Activity) { a.MaxPerBooking = 1 },
				req:  culture.BookingRequest{Self: true, FamilyIDs: []int64{fx.family}},
				code: culture.EINVALID, reason: culture.ReasonTooMany, msg: "每次最多预约 1 人。"},
			{name: "ErrFamilyOfOtherAccount", req: culture.BookingRequest{Self: true, FamilyIDs: []int64{fx.strangerFamily}},
				code: culture.EINVALID, msg: "参加人不存在。"},
			{name: "ErrFamilyDeleted", req: culture.BookingRequest{FamilyIDs: []int64{fx.deletedFamily}},
				code: culture.EINVALID, msg: "参加人不存在。"},
			{name: "ErrAlreadyBooked", setup: func(t *testing.T, a *culture.Activity) {
				fx.book(t, a.ID, fx.residents[0], false, fx.family)
			}, code: culture.ECONFLICT, reason: culture.ReasonAlreadyBooked},
			{name: "ErrAlreadyBookedPending", mod: func(a *culture.Activity) { a.Mode = culture.ModeApproval }, setup: func(t *testing.T, a *culture.Activity) {
				fx.book(t, a.ID, fx.residents[0], true)
			}, code: culture.ECONFLICT, reason: culture.ReasonAlreadyBooked},
			{name: "ErrSoldOut", mod: func(a *culture.Activity) { a.Capacity = 1 }, setup: func(t *testing.T, a *culture.Activity) {
				fx.book(t, a.ID, fx.residents[1], true)
			}, code: culture.ECONFLICT, reason: culture.ReasonSoldOut, msg: culture.ErrSoldOut.Message},
			{name: "ErrNotEnoughSeats", mod: func(a *culture.Activity) { a.Capacity = 2 }, setup: func(t *testing.T, a *culture.Activity) {
				fx.book(t, a.ID, fx.residents[1], true)
			}, req: culture.BookingRequest{Self: true, FamilyIDs: []int64{fx.family}},
				code: culture.ECONFLICT, reason: culture.ReasonSoldOut, msg: "剩余名额不足（仅剩 1 个）。"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var mods []func(*culture.Activity)
				if tc.mod != nil {
					mods = append(mods, tc.mod)
				}
				a := fx.create(t, mods...)
				if tc.setup != nil {
					tc.setup(t, a)
				}
				before := fx.seatsLeft(t, a.ID)
				_, nBefore, _ := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &a.ID})
				req := tc.req
				if req.ActivityID == 0 {
					req.ActivityID = a.ID
				}
				if req.AccountID == 0 {
					req.AccountID = fx.residents[0]
				}
				if tc.name != "ErrNoAttendees" && !req.Self && len(req.FamilyIDs) == 0 {
					req.Self = true
				}
				_, err := s.CreateBooking(t.Context(), &req)
				checkRefusal(t, err, tc.code, tc.msg)
				if got := culture.ErrorReason(err); got != tc.reason {
					t.Errorf("reason = %q, want %q", got, tc.reason)
				}
				if after := fx.seatsLeft(t, a.ID); after != before {
					t.Errorf("seats left %d → %d after a refusal", before, after)
				}
				if _, n, _ := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &a.ID}); n != nBefore {
					t.Errorf("bookings %d → %d after a refusal", nBefore, n)
				}
			})
		}
	})
}

func TestFindBooking(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t)
		b := fx.book(t, a.ID, fx.residents[0], true, fx.family)
		t.Run("ByID", func(t *testing.T) {
			got, err := s.FindBookingByID(t.Context(), b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("ByCodeAsTyped", func(t *testing.T) {
			typed := strings.ToLower(culture.FormatCode(b.Code))
			got, err := s.FindBookingByCode(t.Context(), " "+typed)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("ENOTFOUNDByID", func(t *testing.T) {
			_, err := s.FindBookingByID(t.Context(), 424242)
			checkRefusal(t, err, culture.ENOTFOUND, "预约不存在。")
		})
		t.Run("ENOTFOUNDByCode", func(t *testing.T) {
			_, err := s.FindBookingByCode(t.Context(), "0000-0000-00")
			checkRefusal(t, err, culture.ENOTFOUND, "预约不存在。")
		})
	})
}

func TestFindBookings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		me, other := fx.residents[0], fx.residents[1]
		// An activity that ended yesterday, booked last week.
		fx.setNow(activityTestNow.Add(-7 * 24 * time.Hour))
		past := fx.create(t, func(a *culture.Activity) {
			a.OpensAt = activityTestNow.Add(-8 * 24 * time.Hour)
			a.StartsAt = activityTestNow.Add(-26 * time.Hour)
			a.EndsAt, a.ClosesAt = a.StartsAt.Add(2*time.Hour), a.StartsAt
		})
		pastB := fx.book(t, past.ID, me, true)
		fx.setNow(activityTestNow)
		later := fx.create(t, func(a *culture.Activity) {
			a.StartsAt = activityTestNow.Add(96 * time.Hour)
			a.EndsAt, a.ClosesAt = a.StartsAt.Add(time.Hour), a.StartsAt
		})
		soon := fx.create(t)
		laterB := fx.book(t, later.ID, me, true)
		fx.setNow(activityTestNow.Add(time.Minute))
		soonOther := fx.book(t, soon.ID, other, true)
		fx.setNow(activityTestNow.Add(2 * time.Minute))
		soonB := fx.book(t, soon.ID, me, true, fx.family)
		fx.setNow(activityTestNow)
		if _, err := s.CancelBooking(t.Context(), other, soonOther.ID); err != nil {
			t.Fatal(err)
		}

		str := func(v string) *string { return &v }
		for _, tc := range []struct {
			name  string
			f     culture.BookingFilter
			want  []int64
			total int
		}{
			{"AccountUpcoming", culture.BookingFilter{AccountID: &me, Upcoming: true}, []int64{soonB.ID, laterB.ID}, 2},
			{"AccountAllLatestFirst", culture.BookingFilter{AccountID: &me}, []int64{laterB.ID, soonB.ID, pastB.ID}, 3},
			{"AccountPage", culture.BookingFilter{AccountID: &me, Limit: 1, Offset: 1}, []int64{soonB.ID}, 3},
			{"AccountPastTheEnd", culture.BookingFilter{AccountID: &me, Offset: 5}, []int64{}, 3},
			{"ActivityByBookingTime", culture.BookingFilter{ActivityID: &soon.ID}, []int64{soonOther.ID, soonB.ID}, 2},
			{"ActivityConfirmed", culture.BookingFilter{ActivityID: &soon.ID, Status: str(culture.BookingConfirmed)}, []int64{soonB.ID}, 1},
			{"ID", culture.BookingFilter{ID: &pastB.ID}, []int64{pastB.ID}, 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, n, err := s.FindBookings(t.Context(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, bookingIDs(got)); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if n != tc.total {
					t.Errorf("total = %d, want %d", n, tc.total)
				}
			})
		}
		t.Run("JoinsAttendeesAndActivity", func(t *testing.T) {
			got, _, err := s.FindBookings(t.Context(), culture.BookingFilter{ID: &soonB.ID})
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.FindBookingByID(t.Context(), soonB.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want.Activity.SeatsLeft != 8 || len(want.Attendees) != 2 {
				t.Errorf("seats left %d, %d attendees; want 8 and 2", want.Activity.SeatsLeft, len(want.Attendees))
			}
			if diff := cmp.Diff([]*culture.Booking{want}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	})
}

func TestCancelBooking(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		me := fx.residents[0]
		t.Run("OKFreesSeatsAndAllowsRebooking", func(t *testing.T) {
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 2 })
			b := fx.book(t, a.ID, me, true, fx.family)
			got, err := s.CancelBooking(t.Context(), me, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != culture.BookingCancelled || got.Activity.SeatsLeft != 2 {
				t.Errorf("status %s, seats left %d; want cancelled and 2", got.Status, got.Activity.SeatsLeft)
			}
			again := fx.book(t, a.ID, me, true)
			if again.ID == b.ID || again.Code == b.Code || again.Activity.SeatsLeft != 1 {
				t.Errorf("rebooked %+v", again)
			}
		})
		t.Run("OKPendingKeepsSeats", func(t *testing.T) {
			a := fx.create(t, func(a *culture.Activity) { a.Mode = culture.ModeApproval })
			b := fx.book(t, a.ID, me, true)
			got, err := s.CancelBooking(t.Context(), me, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != culture.BookingCancelled || got.Activity.SeatsLeft != 10 {
				t.Errorf("status %s, seats left %d; want cancelled and 10", got.Status, got.Activity.SeatsLeft)
			}
		})
		t.Run("ENOTFOUNDOtherAccount", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, me, true)
			_, err := s.CancelBooking(t.Context(), fx.residents[1], b.ID)
			checkRefusal(t, err, culture.ENOTFOUND, "预约不存在。")
			if st := bookingStatus(t, s, b.ID); st != culture.BookingConfirmed || fx.seatsLeft(t, a.ID) != 9 {
				t.Errorf("status %s after a refused cancel", st)
			}
		})
		t.Run("ErrAlreadyCancelled", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, me, true)
			if _, err := s.CancelBooking(t.Context(), me, b.ID); err != nil {
				t.Fatal(err)
			}
			_, err := s.CancelBooking(t.Context(), me, b.ID)
			checkRefusal(t, err, culture.EINVALID, "该预约已取消。")
			if left := fx.seatsLeft(t, a.ID); left != 10 {
				t.Errorf("seats left = %d, want 10", left)
			}
		})
		t.Run("ErrCheckedIn", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, me, true)
			fx.setNow(a.StartsAt.Add(-time.Hour))
			defer fx.setNow(activityTestNow)
			if _, err := s.CheckInCode(t.Context(), b.Code, 0, fx.staff); err != nil {
				t.Fatal(err)
			}
			_, err := s.CancelBooking(t.Context(), me, b.ID)
			checkRefusal(t, err, culture.EINVALID, "已签到的预约不能取消。")
		})
		t.Run("ErrStarted", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, me, true)
			fx.setNow(a.StartsAt)
			defer fx.setNow(activityTestNow)
			_, err := s.CancelBooking(t.Context(), me, b.ID)
			checkRefusal(t, err, culture.EINVALID, "活动已开始，不能取消。")
			if st := bookingStatus(t, s, b.ID); st != culture.BookingConfirmed {
				t.Errorf("status %s after a refused cancel", st)
			}
		})
	})
}

func TestDecideBooking(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t, func(a *culture.Activity) { a.Mode, a.Capacity = culture.ModeApproval, 2 })
		extra := fixAccounts(t, s, 2)
		first := fx.book(t, a.ID, fx.residents[0], true, fx.family) // 2 seats
		second := fx.book(t, a.ID, fx.residents[1], true)
		third := fx.book(t, a.ID, extra[0], true)
		t.Run("Approve", func(t *testing.T) {
			got, err := s.DecideBooking(t.Context(), first.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != culture.BookingConfirmed || got.Activity.SeatsLeft != 0 {
				t.Errorf("status %s, seats left %d; want confirmed and 0", got.Status, got.Activity.SeatsLeft)
			}
		})
		t.Run("ErrSoldOut", func(t *testing.T) {
			_, err := s.DecideBooking(t.Context(), second.ID, true)
			if !errors.Is(err, culture.ErrSoldOut) {
				t.Fatalf("err = %v, want ErrSoldOut", err)
			}
			if st := bookingStatus(t, s, second.ID); st != culture.BookingPending {
				t.Errorf("status %s after a refused approval, want pending", st)
			}
		})
		t.Run("ErrNotEnoughSeats", func(t *testing.T) {
			if _, err := s.CancelBooking(t.Context(), fx.residents[0], first.ID); err != nil {
				t.Fatal(err)
			}
			big := fx.book(t, a.ID, extra[1], true)
			fixExec(t, s, `UPDATE bookings SET seats = 3 WHERE id = ?`, big.ID)
			_, err := s.DecideBooking(t.Context(), big.ID, true)
			checkRefusal(t, err, culture.ECONFLICT, "剩余名额不足（仅剩 2 个）。")
		})
		t.Run("Decline", func(t *testing.T) {
			got, err := s.DecideBooking(t.Context(), second.ID, false)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != culture.BookingDeclined || got.Activity.SeatsLeft != 2 {
				t.Errorf("status %s, seats left %d; want declined and 2", got.Status, got.Activity.SeatsLeft)
			}
			// A declined request no longer holds the account's place.
			fx.book(t, a.ID, fx.residents[1], true)
		})
		t.Run("ErrAlreadyDecided", func(t *testing.T) {
			if _, err := s.DecideBooking(t.Context(), third.ID, true); err != nil {
				t.Fatal(err)
			}
			for _, approve := range []bool{true, false} {
				_, err := s.DecideBooking(t.Context(), third.ID, approve)
				checkRefusal(t, err, culture.EINVALID, "该报名已处理。")
			}
			if left := fx.seatsLeft(t, a.ID); left != 1 {
				t.Errorf("seats left = %d, want 1", left)
			}
		})
		t.Run("ENOTFOUND", func(t *testing.T) {
			_, err := s.DecideBooking(t.Context(), 424242, true)
			checkRefusal(t, err, culture.ENOTFOUND, "预约不存在。")
		})
	})
}

// TestConcurrentBooking runs many requests at once against one activity:
// the database must hold the invariants on both engines.
func TestConcurrentBooking(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		run := func(n int, req func(i int) *culture.BookingRequest) ([]*culture.Booking, []error) {
			bs, errs := make([]*culture.Booking, n), make([]error, n)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					<-start
					bs[i], errs[i] = s.CreateBooking(t.Context(), req(i))
				})
			}
			close(start)
			wg.Wait()
			return bs, errs
		}
		t.Run("FirstCome200For50Seats", func(t *testing.T) {
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 50 })
			accounts := fixAccounts(t, s, 200)
			_, errs := run(200, func(i int) *culture.BookingRequest {
				return &culture.BookingRequest{ActivityID: a.ID, AccountID: accounts[i], Self: true}
			})
			booked, soldOut := 0, 0
			for _, err := range errs {
				switch {
				case err == nil:
					booked++
				case errors.Is(err, culture.ErrSoldOut):
					soldOut++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if booked != 50 || soldOut != 150 {
				t.Errorf("booked %d, sold out %d; want 50 and 150", booked, soldOut)
			}
			st := culture.BookingConfirmed
			if _, n, _ := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &a.ID, Status: &st}); n != 50 {
				t.Errorf("%d confirmed bookings, want 50", n)
			}
			if left := fx.seatsLeft(t, a.ID); left != 0 {
				t.Errorf("seats left = %d, want 0", left)
			}
		})
		t.Run("OneAccount20Submits", func(t *testing.T) {
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 50 })
			bs, errs := run(20, func(int) *culture.BookingRequest {
				return &culture.BookingRequest{ActivityID: a.ID, AccountID: fx.residents[2], Self: true}
			})
			booked := 0
			for i, err := range errs {
				switch {
				case err == nil:
					booked++
					if bs[i] == nil {
						t.Errorf("nil booking without error")
					}
				case !errors.Is(err, culture.ErrAlreadyBooked):
					t.Errorf("unexpected error: %v", err)
				}
			}
			if _, n, _ := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &a.ID}); booked != 1 || n != 1 {
				t.Errorf("%d succeeded, %d stored; want 1 and 1", booked, n)
			}
			if left := fx.seatsLeft(t, a.ID); left != 49 {
				t.Errorf("seats left = %d, want 49", left)
			}
		})
		for _, tc := range []struct {
			name     string
			capacity int
		}{
			{"SameIdempotencyKey20Submits", 50},
			{"SameIdempotencyKey20SubmitsForTheLastSeat", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := fx.create(t, func(a *culture.Activity) { a.Capacity = tc.capacity })
				account := fixAccounts(t, s, 1)[0]
				bs, errs := run(20, func(int) *culture.BookingRequest {
					return &culture.BookingRequest{ActivityID: a.ID, AccountID: account, Self: true,
						IdempotencyKey: fmt.Sprintf("retry-%d", a.ID)}
				})
				ids := map[int64]bool{}
				for i, err := range errs {
					if err != nil {
						t.Errorf("unexpected error: %v", err)
						continue
					}
					ids[bs[i].ID] = true
				}
				if len(ids) != 1 {
					t.Errorf("%d different bookings returned, want 1", len(ids))
				}
				if left := fx.seatsLeft(t, a.ID); left != tc.capacity-1 {
					t.Errorf("seats left = %d, want %d", left, tc.capacity-1)
				}
			})
		}
	})
}

// TestBookingRefusalOrder: a key spent on one activity cannot fetch or make
// a booking of another, and a resident who holds a ticket is told so even
// once the activity has filled.
func TestBookingRefusalOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		one := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
		two := fx.create(t)
		req := &culture.BookingRequest{ActivityID: one.ID, AccountID: fx.residents[0], Self: true, IdempotencyKey: "k"}
		if _, err := s.CreateBooking(t.Context(), req); err != nil {
			t.Fatal(err)
		}
		t.Run("ErrKeyReused", func(t *testing.T) {
			other := *req
			other.ActivityID = two.ID
			_, err := s.CreateBooking(t.Context(), &other)
			if culture.ErrorReason(err) != "idempotency_key_reused" {
				t.Fatalf("got %v, want idempotency_key_reused", err)
			}
			if n := fx.seatsLeft(t, two.ID); n != two.Capacity {
				t.Errorf("seats_left %d, want %d: the refusal changed something", n, two.Capacity)
			}
		})
		t.Run("ErrAlreadyBookedBeforeSoldOut", func(t *testing.T) {
			_, err := s.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: one.ID, AccountID: fx.residents[0], Self: true})
			if culture.ErrorReason(err) != culture.ReasonAlreadyBooked {
				t.Fatalf("got %v, want already_booked", err)
			}
		})
	})
}
