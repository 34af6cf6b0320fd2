package sqlstore_test

import (
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// endedAt moves the clock past the end of a (ends_at + 1 minute).
func (fx *activityFix) after(a *culture.Activity) { fx.setNow(a.EndsAt.Add(time.Minute)) }

func TestSettleAttendance(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 3)
		a1 := fx.create(t)
		a2 := fx.create(t, func(a *culture.Activity) {
			a.StartsAt, a.EndsAt = a.StartsAt.Add(24*time.Hour), a.EndsAt.Add(24*time.Hour)
			a.ClosesAt = a.StartsAt
		})
		came := fx.mustTry(t, a1.ID, acc[0], 1, false)
		fixExec(t, s, `UPDATE bookings SET status = 'checked_in' WHERE id = ?`, came.ID)
		miss1 := fx.mustTry(t, a1.ID, acc[1], 1, false)
		miss2 := fx.mustTry(t, a2.ID, acc[1], 1, false)
		// running: started but not ended when the clock is moved past a2,
		// so settlement must leave it and its booking alone.
		running := fx.create(t, func(a *culture.Activity) {
			a.StartsAt, a.EndsAt = a2.StartsAt.Add(time.Hour), a2.EndsAt.Add(2*time.Hour)
			a.ClosesAt = a.StartsAt
		})
		pending := fx.mustTry(t, running.ID, acc[2], 1, false)

		fx.after(a2)
		var total atomic.Int64
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				n, err := s.SettleAttendance(t.Context())
				if err != nil {
					t.Error(err)
				}
				total.Add(int64(n))
			})
		}
		wg.Wait()
		if total.Load() != 2 {
			t.Fatalf("marked %d no-shows, want 2", total.Load())
		}
		wantStatus(t, fx, came.ID, culture.BookingCheckedIn)
		wantStatus(t, fx, miss1.ID, culture.BookingNoShow)
		wantStatus(t, fx, miss2.ID, culture.BookingNoShow)
		wantStatus(t, fx, pending.ID, culture.BookingConfirmed)
		var settled int
		err := s.DB().QueryRow(fixSQL(s, `SELECT attendance_settled FROM activities WHERE id = ?`), running.ID).Scan(&settled)
		if err != nil || settled != 0 {
			t.Fatalf("activity not yet ended: attendance_settled = %d, %v", settled, err)
		}

		rec, err := s.FindNoShowRecord(t.Context(), acc[1])
		if err != nil {
			t.Fatal(err)
		}
		until := a2.StartsAt.Add(30 * 24 * time.Hour)
		if rec.Count != 2 || len(rec.Entries) != 2 || rec.RestrictedUntil == nil || !rec.RestrictedUntil.Equal(until) {
			t.Fatalf("record = %+v", rec)
		}
		next := fx.create(t, func(a *culture.Activity) {
			a.OpensAt = fx.s.Now().Add(-time.Hour)
			a.StartsAt, a.EndsAt = fx.s.Now().Add(48*time.Hour), fx.s.Now().Add(50*time.Hour)
			a.ClosesAt = a.StartsAt
		})
		_, err = fx.try(t, next.ID, acc[1], 1, false)
		wantReason(t, err, culture.ReasonRestricted)
		if !strings.Contains(culture.ErrorMessage(err), "爽约 2 次") {
			t.Errorf("message %q", culture.ErrorMessage(err))
		}

		t.Run("Waive", func(t *testing.T) {
			_, err := s.WaiveNoShow(t.Context(), miss1.ID, fx.staff, "x")
			checkRefusal(t, err, culture.EINVALID, "")
			b, err := s.WaiveNoShow(t.Context(), miss1.ID, fx.staff, "老人住院，有证明")
			if err != nil || !b.Waived {
				t.Fatalf("waive = %+v, %v", b, err)
			}
			_, err = s.WaiveNoShow(t.Context(), miss1.ID, fx.staff, "再次免除")
			checkRefusal(t, err, culture.ECONFLICT, "")
			_, err = s.WaiveNoShow(t.Context(), came.ID, fx.staff, "没有爽约")
			checkRefusal(t, err, culture.EINVALID, "")
			fx.mustTry(t, next.ID, acc[1], 1, false)
			var n int
			err = s.DB().QueryRow(fixSQL(s, `SELECT COUNT(*) FROM audit_log WHERE account_id = ?
				AND action = 'waive_no_show' AND target = ? AND reason = '老人住院，有证明'`),
				fx.staff, fmt.Sprintf("booking:%d", miss1.ID)).Scan(&n)
			if err != nil || n != 1 {
				t.Fatalf("audit rows = %d, %v", n, err)
			}
		})
	})
}

func TestLateCancel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 1)
		early := fx.create(t)
		soon := fx.create(t, func(a *culture.Activity) {
			a.StartsAt, a.EndsAt = activityTestNow.Add(time.Hour), activityTestNow.Add(2*time.Hour)
			a.ClosesAt = a.StartsAt
		})
		b1 := fx.mustTry(t, early.ID, acc[0], 1, false)
		b2 := fx.mustTry(t, soon.ID, acc[0], 1, false)
		for _, b := range []*culture.Booking{b1, b2} {
			if _, err := s.CancelBooking(t.Context(), acc[0], b.ID); err != nil {
				t.Fatal(err)
			}
		}
		if fx.status(t, b1.ID).LateCancel || !fx.status(t, b2.ID).LateCancel {
			t.Errorf("late cancel: early %t, soon %t", fx.status(t, b1.ID).LateCancel, fx.status(t, b2.ID).LateCancel)
		}
		rec, err := s.FindNoShowRecord(t.Context(), acc[0])
		if err != nil || rec.Count != 1 || rec.RestrictedUntil != nil {
			t.Fatalf("record = %+v, %v", rec, err)
		}
	})
}

func TestReservedSeats(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 3)
		// Membership from before booking opened, not the home unit, opens
		// the community reserve.
		fx.setNow(activityTestNow.Add(-2 * time.Hour))
		if err := s.JoinCommunity(t.Context(), acc[0], fx.branch); err != nil {
			t.Fatal(err)
		}
		fx.setNow(activityTestNow)
		fixExec(t, s, `UPDATE accounts SET home_unit_id = ? WHERE id = ?`, fx.branch, acc[1])
		a := fx.create(t, func(a *culture.Activity) { a.ReservedWalkin, a.ReservedCommunity = 2, 2 })
		if a.SeatsLeft != 6 || a.WalkinLeft != 2 || a.CommunityLeft != 2 ||
			a.ReserveReleaseAt == nil || !a.ReserveReleaseAt.Equal(a.StartsAt.Add(-time.Hour)) {
			t.Fatalf("activity = %+v", a)
		}
		member := fx.mustTry(t, a.ID, acc[0], 2, false)
		outsider := fx.mustTry(t, a.ID, acc[1], 1, false)
		if member.Pool != culture.PoolCommunity || outsider.Pool != culture.PoolOnline {
			t.Errorf("pools: member %s, outsider %s", member.Pool, outsider.Pool)
		}
		counter, err := s.CounterBooking(t.Context(), culture.CounterRequest{
			ActivityID: a.ID, Phone: "13700000001", Seats: 2, StaffID: fx.staff,
		})
		if err != nil {
			t.Fatal(err)
		}
		if counter.Pool != culture.PoolWalkin || counter.Seats != 2 || counter.Attendees[1].Name != "同行1" {
			t.Errorf("counter booking = %+v %+v", counter, counter.Attendees)
		}
		var n int
		err = s.DB().QueryRow(fixSQL(s, `SELECT COUNT(*) FROM audit_log WHERE action = 'counter_booking'
			AND account_id = ?`), fx.staff).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("audit rows %d, %v", n, err)
		}
		got, _ := s.FindActivityByID(t.Context(), a.ID)
		if got.SeatsLeft != 5 || got.WalkinLeft != 0 || got.CommunityLeft != 0 {
			t.Errorf("pools after booking: %d %d %d", got.SeatsLeft, got.WalkinLeft, got.CommunityLeft)
		}
		// A cancelled counter booking goes back to the walk-in pool.
		if _, err := s.CancelBooking(t.Context(), counter.AccountID, counter.ID); err != nil {
			t.Fatal(err)
		}
		fx.setNow(a.StartsAt.Add(-59 * time.Minute))
		for want := 1; want >= 0; want-- {
			if n, err := s.ReleaseReserves(t.Context()); err != nil || n != want {
				t.Fatalf("ReleaseReserves = %d, %v; want %d", n, err, want)
			}
		}
		if got := fx.seatsLeft(t, a.ID); got != 7 {
			t.Errorf("seats left after release %d, want 7", got)
		}
	})
}

func TestUpdateReserves(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t)
		three, one := 3, 1
		got, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{ReservedWalkin: &three})
		if err != nil || got.SeatsLeft != 7 || got.WalkinLeft != 3 {
			t.Fatalf("update = %+v, %v", got, err)
		}
		got, err = s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{ReservedWalkin: &one})
		if err != nil || got.SeatsLeft != 9 || got.WalkinLeft != 1 {
			t.Fatalf("update = %+v, %v", got, err)
		}
		eleven := 11
		_, err = s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{ReservedCommunity: &eleven})
		checkRefusal(t, err, culture.EINVALID, "")
	})
}

func TestWeeklyCap(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		r := culture.DefaultRules()
		r.WeeklyCap = 2
		s.SetRules(r)
		acc := fixAccounts(t, s, 2)
		day := func(d int) func(*culture.Activity) {
			return func(a *culture.Activity) {
				a.StartsAt, a.EndsAt = a.StartsAt.AddDate(0, 0, d), a.EndsAt.AddDate(0, 0, d)
				a.ClosesAt = a.StartsAt
			}
		}
		// Wednesday, Thursday and Sunday of one week; Monday of the next.
		wed, thu, sun, mon := fx.create(t), fx.create(t, day(1)), fx.create(t, day(4)), fx.create(t, day(5))
		fx.mustTry(t, wed.ID, acc[0], 1, false)
		fx.mustTry(t, thu.ID, acc[0], 1, false)
		_, err := fx.try(t, sun.ID, acc[0], 1, false)
		wantReason(t, err, culture.ReasonWeeklyLimit)
		fx.mustTry(t, mon.ID, acc[0], 1, false)

		t.Run("Concurrent", func(t *testing.T) {
			r.WeeklyCap = 1
			s.SetRules(r)
			as := []*culture.Activity{fx.create(t), fx.create(t, day(1)), fx.create(t, day(2)), fx.create(t, day(3))}
			var ok atomic.Int32
			var wg sync.WaitGroup
			for _, a := range as {
				wg.Go(func() {
					_, err := fx.try(t, a.ID, acc[1], 1, false)
					if err == nil {
						ok.Add(1)
					} else if culture.ErrorReason(err) != culture.ReasonWeeklyLimit {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if ok.Load() != 1 {
				t.Errorf("%d bookings in one week, want 1", ok.Load())
			}
		})
	})
}

// validID returns the 17 digits with their GB 11643 check character.
func validID(body string) string {
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, c := range body {
		sum += int(c-'0') * w[i]
	}
	return body + string("10X98765432"[sum%11])
}

func TestRealName(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 2)
		a := fx.create(t, func(a *culture.Activity) { a.RealName = true })
		id := validID("11010519491231002")
		book := func(account int64, idNumber string) (*culture.Booking, error) {
			return s.CreateBooking(t.Context(), &culture.BookingRequest{
				ActivityID: a.ID, AccountID: account, Self: true,
				RealNames: []culture.RealName{{Name: "王芳", IDNumber: idNumber}},
			})
		}
		bad := id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
		_, err := book(acc[0], bad)
		wantReason(t, err, culture.ReasonBadID)
		_, err = s.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: a.ID, AccountID: acc[0], Self: true})
		checkRefusal(t, err, culture.EINVALID, "")

		b, err := book(acc[0], strings.ToLower(id))
		if err != nil {
			t.Fatal(err)
		}
		if at := b.Attendees[0]; at.Name != "王芳" || at.IDMasked != culture.MaskID(id) {
			t.Errorf("attendee = %+v", at)
		}
		var sealed, hash string
		err = s.DB().QueryRow(fixSQL(s, `SELECT id_cipher, id_hash FROM booking_attendees WHERE booking_id = ?`), b.ID).
			Scan(&sealed, &hash)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, id) || strings.Contains(hash, id) || len(hash) != 64 {
			t.Errorf("stored %q / %q reveals the ID", sealed, hash)
		}
		if plain, err := s.DecryptIDNumber(sealed); err != nil || plain != id {
			t.Errorf("decrypt = %q, %v", plain, err)
		}
		_, err = book(acc[1], id)
		wantReason(t, err, culture.ReasonIDTaken)
		if _, err := s.CancelBooking(t.Context(), acc[0], b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := book(acc[1], id); err != nil {
			t.Fatalf("after cancel: %v", err)
		}
	})
}

func TestSecretKey(t *testing.T) {
	s := MustOpenDB(t, "sqlite")
	if err := s.SetSecretKey("abc"); err == nil {
		t.Error("short key accepted")
	}
	if err := s.SetSecretKey(hex.EncodeToString(make([]byte, 32))); err != nil {
		t.Error(err)
	}
}

// Declining a pending real-name booking frees its IDs, as cancelling does
// (reviewer's TestReviewDeclineKeepsRealNameClaims).
func TestDeclineReleasesRealNameClaims(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 2)
		a := fx.create(t, func(a *culture.Activity) { a.RealName, a.Mode = true, culture.ModeApproval })
		id := validID("11010519491231002")
		book := func(account int64) (*culture.Booking, error) {
			return s.CreateBooking(t.Context(), &culture.BookingRequest{
				ActivityID: a.ID, AccountID: account, Self: true,
				RealNames: []culture.RealName{{Name: "王芳", IDNumber: id}},
			})
		}
		b, err := book(acc[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.DecideBooking(t.Context(), b.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := book(acc[1]); err != nil {
			t.Fatalf("after decline, the same ID is refused: %v", err)
		}
	})
}

// Lottery applications count towards the weekly cap, like waiting-list
// places: they turn into seats without the resident acting (reviewer's
// TestReviewWeeklyCapIgnoresLotteryApplications).
func TestWeeklyCapCountsLotteryApplications(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		r := culture.DefaultRules()
		r.WeeklyCap = 1
		s.SetRules(r)
		acc := fixAccounts(t, s, 1)
		l1 := fx.create(t, lotteryMode)
		l2 := fx.create(t, lotteryMode, func(a *culture.Activity) {
			a.StartsAt, a.EndsAt = a.StartsAt.Add(24*time.Hour), a.EndsAt.Add(24*time.Hour)
		})
		fc := fx.create(t, func(a *culture.Activity) {
			a.StartsAt, a.EndsAt = a.StartsAt.Add(48*time.Hour), a.EndsAt.Add(48*time.Hour)
			a.ClosesAt = a.StartsAt
		})
		fx.apply(t, l1.ID, acc[0])
		_, err := fx.try(t, l2.ID, acc[0], 1, false)
		wantReason(t, err, culture.ReasonWeeklyLimit)
		_, err = fx.try(t, fc.ID, acc[0], 1, false)
		wantReason(t, err, culture.ReasonWeeklyLimit)
	})
}
