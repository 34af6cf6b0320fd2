package sqlstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestFollowSeries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		account := fx.residents[0].ID
		following := func(t *testing.T, want bool) {
			t.Helper()
			got, err := s.IsFollowing(t.Context(), account, fx.series)
			if err != nil || got != want {
				t.Errorf("IsFollowing = %t (%v), want %t", got, err, want)
			}
		}
		following(t, false)
		for _, tc := range []struct {
			name   string
			follow bool
		}{{"Follow", true}, {"FollowAgain", true}, {"Unfollow", false}, {"UnfollowAgain", false}} {
			t.Run(tc.name, func(t *testing.T) {
				if err := s.FollowSeries(t.Context(), account, fx.series, tc.follow); err != nil {
					t.Fatal(err)
				}
				following(t, tc.follow)
				want := 0
				if tc.follow {
					want = 1
				}
				if n := dfxCount(t, s, "series_follows"); n != want {
					t.Errorf("%d follows, want %d", n, want)
				}
			})
		}
		t.Run("ErrNoSeries", func(t *testing.T) {
			checkRefusal(t, s.FollowSeries(t.Context(), account, 99999, true), culture.ENOTFOUND, "系列不存在。")
			if n := dfxCount(t, s, "series_follows"); n != 0 {
				t.Errorf("%d follows after a refusal", n)
			}
		})
	})
}

func TestSeriesFigures(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		t.Run("OKEmpty", func(t *testing.T) {
			got, err := s.SeriesFigures(t.Context(), fx.series)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&culture.SeriesFigures{}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})

		// Held: 2 attendees (fx.held), then 1 more on a second delivery.
		_, first := fx.held(t)
		d2, second := fx.live(t, func(d *culture.Delivery) {
			d.StartsAt, d.EndsAt = d.StartsAt.AddDate(0, 0, 1), d.EndsAt.AddDate(0, 0, 1)
		})
		fx.attend(t, second, fx.residents[2].ID)
		fx.finish(t, d2, second)
		// Not counted: an activity of the series that is still to come,
		// and an ended one that was cancelled; nor the rival's item.
		_, coming := fx.live(t, func(d *culture.Delivery) {
			d.StartsAt, d.EndsAt = d.StartsAt.AddDate(0, 1, 0), d.EndsAt.AddDate(0, 1, 0)
		})
		fx.attend(t, coming, fx.residents[3].ID)
		_, gone := fx.live(t)
		fx.attend(t, gone, fx.residents[3].ID)
		if err := s.CancelActivity(t.Context(), gone.ID); err != nil {
			t.Fatal(err)
		}
		fx.held(t, func(d *culture.Delivery) { d.ItemID = fx.rivalItem.ID })

		fx.setNow(second.EndsAt.Add(time.Hour))
		for _, r := range []culture.Rating{
			{ActivityID: first.ID, AccountID: fx.residents[0].ID, Score: 5},
			{ActivityID: second.ID, AccountID: fx.residents[2].ID, Score: 2},
			{ActivityID: gone.ID, AccountID: fx.residents[3].ID, Score: 1},
		} {
			if err := s.Rate(t.Context(), &r); err != nil {
				t.Fatal(err)
			}
		}
		fixExec(t, s, `UPDATE ratings SET hidden = 1 WHERE activity_id = ?`, gone.ID)
		for _, acc := range fx.residents[:2] {
			if err := s.FollowSeries(t.Context(), acc.ID, fx.series, true); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("OK", func(t *testing.T) {
			got, err := s.SeriesFigures(t.Context(), fx.series)
			if err != nil {
				t.Fatal(err)
			}
			want := &culture.SeriesFigures{Held: 2, Attendance: 3, Followers: 2, RatingAvg: 3.5, RatingCount: 2}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("ErrNoSeries", func(t *testing.T) {
			_, err := s.SeriesFigures(t.Context(), 99999)
			checkRefusal(t, err, culture.ENOTFOUND, "系列不存在。")
		})
	})
}
