package sqlstore_test

import (
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestFindBookingsWithin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		// Three activities: at the branch on 3 March 23:30 (Shanghai) and 4
		// March 09:00, at the other branch on 4 March 10:00, and at the
		// branch on 6 March (outside the range).
		late := fx.create(t, func(a *culture.Activity) {
			a.StartsAt = time.Date(2026, 3, 3, 23, 30, 0, 0, culture.Shanghai)
			a.EndsAt, a.ClosesAt = a.StartsAt.Add(time.Hour), a.StartsAt
		})
		first := fx.create(t)
		other := fx.create(t, func(a *culture.Activity) {
			a.UnitID, a.RoomID = fx.other, &fx.otherRoom
			a.StartsAt = a.StartsAt.Add(time.Hour)
			a.EndsAt, a.ClosesAt = a.StartsAt.Add(time.Hour), a.StartsAt
		})
		after := fx.create(t, func(a *culture.Activity) {
			a.StartsAt = a.StartsAt.Add(48 * time.Hour)
			a.EndsAt, a.ClosesAt = a.StartsAt.Add(time.Hour), a.StartsAt
		})
		bFirst := fx.book(t, first.ID, fx.residents[0], true, fx.family)
		bOther := fx.book(t, other.ID, fx.residents[1], true)
		bLate := fx.book(t, late.ID, fx.residents[1], true)
		fx.book(t, after.ID, fx.residents[0], true)

		from := culture.DayOf(time.Date(2026, 3, 4, 0, 0, 0, 0, culture.Shanghai))
		to := from + 1
		got, err := s.FindBookingsWithin(t.Context(), fx.hub, from, to, 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{bFirst.ID, bOther.ID}, bookingIDs(got)); diff != "" {
			t.Errorf("hub, 4–5 March (-want +got):\n%s", diff)
		}
		if b := got[0]; len(b.Attendees) != 2 || b.Attendees[0].Name != "张三" || b.Phone == "" ||
			b.Activity == nil || b.Activity.UnitName != "解放分馆" || b.Activity.Title != first.Title {
			t.Errorf("first booking %+v, attendees %d, activity %+v", b, len(b.Attendees), b.Activity)
		}
		got, err = s.FindBookingsWithin(t.Context(), fx.branch, from-1, to, 100)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]int64{bLate.ID, bFirst.ID}, bookingIDs(got)); diff != "" {
			t.Errorf("branch, 3–5 March (-want +got):\n%s", diff)
		}
		if _, err := s.FindBookingsWithin(t.Context(), fx.hub, from, to, 1); culture.ErrorCode(err) != culture.EINVALID {
			t.Errorf("over the limit: %v, want EINVALID", err)
		}
		if got, err := s.FindBookingsWithin(t.Context(), 999999, from, to, 100); err != nil || len(got) != 0 {
			t.Errorf("unknown unit: %v, %v", got, err)
		}
	})
}

func TestFindBookingsWithinManyAttendees(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1000 })
		accts := fixAccounts(t, s, 501) // more than one attendee query's chunk (500)
		for _, id := range accts {
			fx.book(t, a.ID, id, true)
		}
		got, err := s.FindBookingsWithin(t.Context(), fx.hub, culture.DayOf(a.StartsAt), culture.DayOf(a.StartsAt), 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(accts) {
			t.Fatalf("%d bookings, want %d", len(got), len(accts))
		}
		for _, b := range got {
			if len(b.Attendees) != 1 {
				t.Fatalf("booking %d has %d attendees", b.ID, len(b.Attendees))
			}
			// One activity, held once for all its bookings (an export of
			// 100 000 bookings must not hold 100 000 copies).
			if b.Activity != got[0].Activity || b.Activity.ID != a.ID {
				t.Fatalf("booking %d has its own copy of activity %d", b.ID, b.Activity.ID)
			}
		}
	})
}

func TestAuditExport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		if err := s.AuditExport(t.Context(), fx.staff, "export.bookings", "unit:1", "2026-03-01..2026-03-31, 3 full numbers"); err != nil {
			t.Fatal(err)
		}
		if err := s.AuditExport(t.Context(), 0, "export.bookings", "unit:1", "command line"); err != nil {
			t.Fatal(err)
		}
		if err := s.AuditExport(t.Context(), fx.staff, "", "unit:1", ""); err == nil {
			t.Error("an audit row without an action was written")
		}
		rows, err := s.DB().Query(`SELECT account_id, action, target, reason, created_at FROM audit_log ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var by sql.NullInt64
			var action, target, reason string
			var at int64
			if err := rows.Scan(&by, &action, &target, &reason, &at); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%v/%d %s %s %s %v", by.Valid, by.Int64, action, target, reason, at == activityTestNow.Unix()))
		}
		want := []string{
			fmt.Sprintf("true/%d export.bookings unit:1 2026-03-01..2026-03-31, 3 full numbers true", fx.staff),
			"false/0 export.bookings unit:1 command line true",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("audit rows (-want +got):\n%s", diff)
		}
	})
}
