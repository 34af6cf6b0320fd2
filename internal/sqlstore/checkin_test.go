package sqlstore_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestCheckInCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		defer fx.setNow(activityTestNow)
		a := fx.create(t)
		b := fx.book(t, a.ID, fx.residents[0], true, fx.family)
		typed := strings.ToLower(culture.FormatCode(b.Code))
		windowErr := "不在签到时间内（活动开始前 2 小时至结束后 1 小时）。"

		for _, tc := range []struct {
			name   string
			now    time.Time
			code   string
			within int64
			want   string
			reason string
		}{
			{"ErrTooEarly", a.StartsAt.Add(-2*time.Hour - time.Second), b.Code, 0, culture.EINVALID, ""},
			{"ErrTooLate", a.EndsAt.Add(time.Hour + time.Second), b.Code, 0, culture.EINVALID, ""},
			{"ErrBadCode", a.StartsAt, "ZZZZ-ZZZZ-ZZ", 0, culture.ENOTFOUND, culture.ReasonBadCode},
			{"ErrOtherBranch", a.StartsAt, b.Code, fx.other, culture.ENOTFOUND, culture.ReasonBadCode},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fx.setNow(tc.now)
				_, err := s.CheckInCode(t.Context(), tc.code, tc.within, fx.staff)
				msg := windowErr
				if tc.reason == culture.ReasonBadCode {
					msg = "票码无效，请核对后重试。"
				}
				checkRefusal(t, err, tc.want, msg)
				if got := culture.ErrorReason(err); got != tc.reason {
					t.Errorf("reason = %q, want %q", got, tc.reason)
				}
				if st := bookingStatus(t, s, b.ID); st != culture.BookingConfirmed {
					t.Errorf("status %s after a refusal", st)
				}
			})
		}
		now := a.StartsAt.Add(-2 * time.Hour)
		t.Run("OK", func(t *testing.T) {
			fx.setNow(now)
			got, err := s.CheckInCode(t.Context(), typed, fx.hub, fx.staff)
			if err != nil {
				t.Fatal(err)
			}
			want := *b
			want.Status, want.CheckedInAt = culture.BookingCheckedIn, &now
			if diff := cmp.Diff(&culture.CheckIn{Booking: &want, Activity: b.Activity}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var by sql.NullInt64
			if err := s.DB().QueryRow(fixSQL(s, `SELECT checked_in_by FROM bookings WHERE id = ?`), b.ID).Scan(&by); err != nil || by.Int64 != fx.staff {
				t.Errorf("checked_in_by = %v (%v), want %d", by, err, fx.staff)
			}
		})
		t.Run("Already", func(t *testing.T) {
			fx.setNow(a.EndsAt.Add(2 * time.Hour)) // past the window: still reported
			got, err := s.CheckInCode(t.Context(), b.Code, fx.branch, fx.staff)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Already || got.Booking.CheckedInAt == nil || !got.Booking.CheckedInAt.Equal(now) {
				t.Errorf("got %+v, want Already with the first check-in time", got)
			}
		})

		fx.setNow(activityTestNow)
		approval := fx.create(t, func(a *culture.Activity) { a.Mode = culture.ModeApproval })
		pending := fx.book(t, approval.ID, fx.residents[0], true)
		cancelled := fx.book(t, a.ID, fx.residents[1], true)
		if _, err := s.CancelBooking(t.Context(), fx.residents[1], cancelled.ID); err != nil {
			t.Fatal(err)
		}
		gone := fx.create(t)
		goneB := fx.book(t, gone.ID, fx.residents[0], true)
		if err := s.CancelActivity(t.Context(), gone.ID); err != nil {
			t.Fatal(err)
		}
		notCheckable := "该预约已取消或未通过审核，不能签到。"
		for _, tc := range []struct {
			name, code, want, reason, msg string
		}{
			{"ErrPending", pending.Code, culture.EINVALID, culture.ReasonNotBookable, notCheckable},
			{"ErrCancelledBooking", cancelled.Code, culture.EINVALID, culture.ReasonNotBookable, notCheckable},
			{"ErrActivityCancelled", goneB.Code, culture.ECONFLICT, culture.ReasonCancelled, culture.ErrCancelled.Message},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fx.setNow(a.StartsAt)
				_, err := s.CheckInCode(t.Context(), tc.code, 0, fx.staff)
				checkRefusal(t, err, tc.want, tc.msg)
				if got := culture.ErrorReason(err); got != tc.reason {
					t.Errorf("reason = %q, want %q", got, tc.reason)
				}
			})
		}
		t.Run("OKWithoutStaffID", func(t *testing.T) {
			fx.setNow(activityTestNow)
			c := fx.create(t)
			cb := fx.book(t, c.ID, fx.residents[1], true)
			fx.setNow(c.EndsAt.Add(time.Hour))
			got, err := s.CheckInCode(t.Context(), cb.Code, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got.Already || got.Booking.Status != culture.BookingCheckedIn {
				t.Errorf("got %+v", got.Booking)
			}
		})
	})
}

// Checking in a ticket that settlement marked no_show (allowed until an
// hour after the end) recomputes the account's restriction in the same
// transaction (reviewer's TestReviewLateCheckInKeepsRestriction).
func TestLateCheckInLiftsRestriction(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 1)
		a1 := fx.create(t)
		a2 := fx.create(t, func(a *culture.Activity) {
			a.StartsAt, a.EndsAt = a.StartsAt.Add(24*time.Hour), a.EndsAt.Add(24*time.Hour)
			a.ClosesAt = a.StartsAt
		})
		fx.mustTry(t, a1.ID, acc[0], 1, false)
		b2 := fx.mustTry(t, a2.ID, acc[0], 1, false)
		fx.after(a2) // one minute after a2 ends: both settled as no-shows → restricted
		if _, err := s.SettleAttendance(t.Context()); err != nil {
			t.Fatal(err)
		}
		rec, err := s.FindNoShowRecord(t.Context(), acc[0])
		if err != nil || rec.RestrictedUntil == nil {
			t.Fatalf("after settlement: %+v, %v; want restricted", rec, err)
		}
		c, err := s.CheckInCode(t.Context(), b2.Code, 0, fx.staff)
		if err != nil || c.Booking.Status != culture.BookingCheckedIn {
			t.Fatalf("late check-in: %+v, %v", c, err)
		}
		rec, err = s.FindNoShowRecord(t.Context(), acc[0])
		if err != nil {
			t.Fatal(err)
		}
		if rec.RestrictedUntil != nil {
			t.Errorf("checked in, count now %d (< limit 2), yet restricted until %v", rec.Count, rec.RestrictedUntil)
		}
	})
}
