package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestFeedToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		me, other := fx.residents[0], fx.residents[1]
		token := func(t *testing.T, id int64) string {
			t.Helper()
			tok, err := s.FeedToken(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
			if !culture.ValidFeedToken(tok) {
				t.Fatalf("token %q has the wrong shape", tok)
			}
			return tok
		}
		owner := func(t *testing.T, tok string) int64 {
			t.Helper()
			a, err := s.FindAccountByFeedToken(t.Context(), tok)
			if err != nil {
				t.Fatalf("FindAccountByFeedToken(%q): %v", tok, err)
			}
			return a.ID
		}
		first := token(t, me)
		t.Run("CreatedOnce", func(t *testing.T) {
			if again := token(t, me); again != first {
				t.Errorf("second FeedToken %q, want the first %q", again, first)
			}
			if theirs := token(t, other); theirs == first {
				t.Error("two accounts share a token")
			}
			if got := owner(t, first); got != me {
				t.Errorf("token finds account %d, want %d", got, me)
			}
		})
		t.Run("Reset", func(t *testing.T) {
			fresh, err := s.ResetFeedToken(t.Context(), me)
			if err != nil {
				t.Fatal(err)
			}
			if fresh == first || !culture.ValidFeedToken(fresh) {
				t.Fatalf("reset gave %q (old %q)", fresh, first)
			}
			_, err = s.FindAccountByFeedToken(t.Context(), first)
			checkRefusal(t, err, culture.ENOTFOUND, culture.ErrorMessage(culture.ErrFeedToken))
			if got := owner(t, fresh); got != me {
				t.Errorf("new token finds %d, want %d", got, me)
			}
			if shown := token(t, me); shown != fresh {
				t.Errorf("FeedToken after reset %q, want %q", shown, fresh)
			}
			if n := dfxCount(t, s, "feed_tokens"); n != 2 {
				t.Errorf("%d feed tokens, want 2 (one per account)", n)
			}
		})
		t.Run("ResetWithoutToken", func(t *testing.T) {
			tok, err := s.ResetFeedToken(t.Context(), fx.residents[2])
			if err != nil {
				t.Fatal(err)
			}
			if got := owner(t, tok); got != fx.residents[2] {
				t.Errorf("token finds %d", got)
			}
		})
		t.Run("ErrNoAccount", func(t *testing.T) {
			before := dfxCount(t, s, "feed_tokens")
			_, err := s.FeedToken(t.Context(), 99999)
			checkRefusal(t, err, culture.ENOTFOUND, "")
			_, err = s.ResetFeedToken(t.Context(), 99999)
			checkRefusal(t, err, culture.ENOTFOUND, "")
			if after := dfxCount(t, s, "feed_tokens"); after != before {
				t.Errorf("feed tokens %d → %d after refusals", before, after)
			}
		})
		t.Run("ErrBadToken", func(t *testing.T) {
			for _, bad := range []string{"", "short", first[:31] + "/", first + "x", "' OR 1=1 --                     "} {
				_, err := s.FindAccountByFeedToken(t.Context(), bad)
				checkRefusal(t, err, culture.ENOTFOUND, "")
			}
		})
	})
}

// feedFix adds to the activity fixtures a point under the branch and
// activities in and around the feed window of activityTestNow.
type feedFix struct {
	*activityFix
	point int64
	// In the window: atBranch (+2 d), atPoint (+3 d, series), atOther
	// (other branch, +2 d 1 h), cancelledNow (+5 d); approval (+4 d).
	atBranch, atPoint, atOther, cancelledNow, approval *culture.Activity
	// Left out: tooLate (+200 d), tooEarly (−40 d), cancelledLongAgo.
	tooLate, tooEarly, cancelledLongAgo *culture.Activity
}

func feedFixtures(t *testing.T, s *sqlstore.Store) *feedFix {
	t.Helper()
	fx := &feedFix{activityFix: activityFixtures(t, s)}
	fx.point = fixUnit(t, s, fx.branch, culture.UnitPoint, "建南文化点", "建南社区二楼")
	day := 24 * time.Hour
	at := func(unit int64, in time.Duration, mods ...func(*culture.Activity)) *culture.Activity {
		return fx.create(t, append([]func(*culture.Activity){func(a *culture.Activity) {
			a.UnitID, a.RoomID = unit, nil
			if unit == fx.branch {
				a.RoomID = &fx.room
			}
			a.StartsAt, a.EndsAt = activityTestNow.Add(in), activityTestNow.Add(in+2*time.Hour)
			a.ClosesAt = a.StartsAt
		}}, mods...)...)
	}
	fx.atBranch = at(fx.branch, 2*day)
	fx.atPoint = at(fx.point, 3*day, func(a *culture.Activity) { a.SeriesID = &fx.series })
	fx.atOther = at(fx.other, 2*day+time.Hour)
	fx.approval = at(fx.branch, 4*day, func(a *culture.Activity) { a.Mode = culture.ModeApproval; a.MaxPerBooking = 1 })
	fx.cancelledNow = at(fx.branch, 5*day)
	fx.tooLate = at(fx.branch, 200*day)
	fx.tooEarly = at(fx.branch, -40*day, func(a *culture.Activity) { a.OpensAt, a.ClosesAt = a.StartsAt.Add(-day), a.StartsAt })
	fx.cancelledLongAgo = at(fx.branch, 6*day)
	fx.setNow(activityTestNow.Add(-40 * day))
	if err := s.CancelActivity(t.Context(), fx.cancelledLongAgo.ID); err != nil {
		t.Fatal(err)
	}
	fx.setNow(activityTestNow)
	return fx
}

// around creates, at the branch, an activity starting at activityTestNow
// plus in, two hours long (bookable from a day before it starts).
func (fx *feedFix) around(t *testing.T, in time.Duration) *culture.Activity {
	t.Helper()
	return fx.create(t, func(a *culture.Activity) {
		a.StartsAt, a.EndsAt = activityTestNow.Add(in), activityTestNow.Add(in+2*time.Hour)
		a.OpensAt, a.ClosesAt = a.StartsAt.Add(-24*time.Hour), a.StartsAt
	})
}

// cancelNow cancels the activity cancelledNow at activityTestNow.
func (fx *feedFix) cancelNow(t *testing.T) {
	t.Helper()
	if err := fx.s.CancelActivity(t.Context(), fx.cancelledNow.ID); err != nil {
		t.Fatal(err)
	}
}

func feedIDs(evs []*culture.FeedEvent) []int64 {
	ids := []int64{}
	for _, e := range evs {
		ids = append(ids, e.Activity.ID)
	}
	return ids
}

func TestFeedActivities(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := feedFixtures(t, s)
		fx.cancelNow(t)
		window := culture.FeedWindowAt(activityTestNow)
		find := func(t *testing.T, f culture.FeedFilter) []*culture.FeedEvent {
			t.Helper()
			f.FeedWindow = window
			evs, err := s.FeedActivities(t.Context(), f)
			if err != nil {
				t.Fatal(err)
			}
			return evs
		}
		t.Run("BranchSubtree", func(t *testing.T) {
			evs := find(t, culture.FeedFilter{Within: &fx.branch})
			want := []int64{fx.atBranch.ID, fx.atPoint.ID, fx.approval.ID, fx.cancelledNow.ID}
			if diff := cmp.Diff(want, feedIDs(evs)); diff != "" {
				t.Fatalf("ids (-want +got):\n%s", diff)
			}
			first, last := evs[0], evs[3]
			if first.Activity.UnitName != "解放分馆" || first.Activity.RoomName != "一号教室" || first.Activity.Status != culture.ActivityPublished {
				t.Errorf("first event %+v", first.Activity)
			}
			if last.Activity.Status != culture.ActivityCancelled || !last.UpdatedAt.Equal(activityTestNow) {
				t.Errorf("cancelled event: status %s, updated %v", last.Activity.Status, last.UpdatedAt)
			}
		})
		t.Run("Hub", func(t *testing.T) {
			evs := find(t, culture.FeedFilter{Within: &fx.hub})
			want := []int64{fx.atBranch.ID, fx.atOther.ID, fx.atPoint.ID, fx.approval.ID, fx.cancelledNow.ID}
			if diff := cmp.Diff(want, feedIDs(evs)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
		t.Run("Series", func(t *testing.T) {
			evs := find(t, culture.FeedFilter{SeriesID: &fx.series})
			if diff := cmp.Diff([]int64{fx.atPoint.ID}, feedIDs(evs)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if evs[0].Activity.SeriesName != "解放益课" {
				t.Errorf("series name %q", evs[0].Activity.SeriesName)
			}
		})
		t.Run("Empty", func(t *testing.T) {
			later := culture.FeedWindowAt(activityTestNow.AddDate(1, 0, 0))
			evs, err := s.FeedActivities(t.Context(), culture.FeedFilter{FeedWindow: later, Within: &fx.hub})
			if err != nil || len(evs) != 0 {
				t.Errorf("a year later: %d events (%v), want none", len(evs), err)
			}
		})
		t.Run("Limit", func(t *testing.T) {
			window.Limit = 2
			defer func() { window.Limit = culture.FeedLimit }()
			if evs := find(t, culture.FeedFilter{Within: &fx.hub}); len(evs) != 2 {
				t.Errorf("%d events, want 2", len(evs))
			}
		})
		// A busy tree: more events in the window than the limit. The ones
		// not yet over (one is under way) come first, then the latest of
		// the past, all in start order.
		t.Run("BusyKeepsUpcoming", func(t *testing.T) {
			older, recent, ongoing := fx.around(t, -10*24*time.Hour), fx.around(t, -5*24*time.Hour), fx.around(t, -time.Hour)
			upcoming := []int64{ongoing.ID, fx.atBranch.ID, fx.atOther.ID, fx.atPoint.ID, fx.approval.ID, fx.cancelledNow.ID}
			defer func() { window.Limit = culture.FeedLimit }()
			for _, tc := range []struct {
				limit int
				want  []int64
			}{
				{2, upcoming[:2]},
				{6, upcoming},
				{7, append([]int64{recent.ID}, upcoming...)},
				{8, append([]int64{older.ID, recent.ID}, upcoming...)},
				{0, append([]int64{older.ID, recent.ID}, upcoming...)},
			} {
				window.Limit = tc.limit
				if diff := cmp.Diff(tc.want, feedIDs(find(t, culture.FeedFilter{Within: &fx.hub}))); diff != "" {
					t.Errorf("limit %d: ids (-want +got):\n%s", tc.limit, diff)
				}
			}
		})
	})
}

func TestFeedBookings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := feedFixtures(t, s)
		me, other := fx.residents[0], fx.residents[1]
		family := fx.book(t, fx.atBranch.ID, me, true, fx.family)
		pending := fx.book(t, fx.approval.ID, me, true)
		venueCancelled := fx.book(t, fx.cancelledNow.ID, me, true)
		selfCancelled := fx.book(t, fx.atPoint.ID, me, true)
		theirs := fx.book(t, fx.atOther.ID, other, true)
		// Cancelled by the resident half an hour before the venue cancels
		// the activity: that booking stays out.
		mine := fx.book(t, fx.cancelledNow.ID, fx.residents[2], true)
		fx.setNow(activityTestNow.Add(-30 * time.Minute))
		for _, b := range []*culture.Booking{selfCancelled, mine} {
			if _, err := s.CancelBooking(t.Context(), b.AccountID, b.ID); err != nil {
				t.Fatal(err)
			}
		}
		fx.setNow(activityTestNow)
		fx.cancelNow(t)

		evs, err := s.FeedBookings(t.Context(), me, culture.FeedWindowAt(activityTestNow))
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Booking  int64
			Status   string
			Attendee []string
		}
		var got []row
		for _, e := range evs {
			r := row{Booking: e.Booking.ID, Status: e.Booking.Status}
			for _, at := range e.Booking.Attendees {
				r.Attendee = append(r.Attendee, at.Name)
			}
			if e.Activity == nil || e.Activity.ID != e.Booking.ActivityID {
				t.Errorf("booking %d without its activity", e.Booking.ID)
			}
			got = append(got, r)
		}
		want := []row{
			{family.ID, culture.BookingConfirmed, []string{"张三", "小明"}},
			{pending.ID, culture.BookingPending, []string{"张三"}},
			{venueCancelled.ID, culture.BookingCancelled, []string{"张三"}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("feed (-want +got):\n%s", diff)
		}
		t.Run("BusyKeepsUpcoming", func(t *testing.T) {
			past := fx.around(t, -5*24*time.Hour)
			fx.setNow(past.StartsAt.Add(-time.Hour))
			attended := fx.book(t, past.ID, me, true)
			fx.setNow(activityTestNow)
			all := []int64{attended.ID, family.ID, pending.ID, venueCancelled.ID}
			for limit, want := range map[int][]int64{1: all[1:2], 3: all[1:], 4: all} {
				w := culture.FeedWindowAt(activityTestNow)
				w.Limit = limit
				evs, err := s.FeedBookings(t.Context(), me, w)
				if err != nil {
					t.Fatal(err)
				}
				got := []int64{}
				for _, e := range evs {
					got = append(got, e.Booking.ID)
					if len(e.Booking.Attendees) == 0 {
						t.Errorf("booking %d without attendees", e.Booking.ID)
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("limit %d: bookings (-want +got):\n%s", limit, diff)
				}
			}
		})
		t.Run("OthersOwn", func(t *testing.T) {
			evs, err := s.FeedBookings(t.Context(), other, culture.FeedWindowAt(activityTestNow))
			if err != nil || len(evs) != 1 || evs[0].Booking.ID != theirs.ID {
				t.Errorf("other's feed: %d events (%v), want only booking %d", len(evs), err, theirs.ID)
			}
			evs, err = s.FeedBookings(t.Context(), fx.residents[2], culture.FeedWindowAt(activityTestNow))
			if err != nil || len(evs) != 0 {
				t.Errorf("feed of a resident who cancelled first: %d events (%v), want none", len(evs), err)
			}
		})
	})
}

func TestFollowedSeries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		second := &culture.Series{Slug: "theatre", Name: "解放剧场"}
		if err := s.CreateSeries(t.Context(), second); err != nil {
			t.Fatal(err)
		}
		me := fx.residents[0]
		for _, f := range []struct {
			account, series int64
		}{{me, second.ID}, {me, fx.series}, {fx.residents[1], fx.series}} {
			if err := s.FollowSeries(t.Context(), f.account, f.series, true); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.FollowedSeries(t.Context(), me)
		if err != nil {
			t.Fatal(err)
		}
		want := []*culture.Series{{ID: fx.series, Slug: "jiefang-yike", Name: "解放益课"}, second}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("followed (-want +got):\n%s", diff)
		}
		if got, err := s.FollowedSeries(t.Context(), fx.residents[2]); err != nil || len(got) != 0 {
			t.Errorf("no follows: %v, %v", got, err)
		}
	})
}
