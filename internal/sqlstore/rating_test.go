package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestRate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		// An activity under way: residents[3] is checked in, it has not ended.
		_, running := fx.live(t, func(d *culture.Delivery) {
			d.StartsAt, d.EndsAt = d.StartsAt.AddDate(0, 0, 7), d.EndsAt.AddDate(0, 0, 7)
		})
		fx.attend(t, running, fx.residents[3].ID)
		d, a := fx.held(t)
		rating := func(account int64, score int, comment string) *culture.Rating {
			return &culture.Rating{ActivityID: a.ID, AccountID: account, Score: score, Comment: comment}
		}
		notAttended := "签到参加后才能评价。"
		for _, tc := range []struct {
			name, code, reason, msg string
			r                       *culture.Rating
		}{
			{"ErrBookedNotCheckedIn", culture.EFORBIDDEN, culture.ReasonNotAttended, notAttended, rating(fx.residents[1].ID, 5, "")},
			{"ErrNoBooking", culture.EFORBIDDEN, culture.ReasonNotAttended, notAttended, rating(fx.residents[2].ID, 5, "")},
			{"ErrNotEnded", culture.EINVALID, "", "活动结束后才能评价。",
				&culture.Rating{ActivityID: running.ID, AccountID: fx.residents[3].ID, Score: 5}},
			{"ErrScoreZero", culture.EINVALID, "", "评分应为 1 到 5 星。", rating(fx.residents[0].ID, 0, "")},
			{"ErrScoreSix", culture.EINVALID, "", "评分应为 1 到 5 星。", rating(fx.residents[0].ID, 6, "")},
			{"ErrLongComment", culture.EINVALID, "", "评价长度应在 0 到 500 个字之间。", rating(fx.residents[0].ID, 5, strings.Repeat("好", 501))},
			{"ErrNoActivity", culture.ENOTFOUND, "", "活动不存在。",
				&culture.Rating{ActivityID: 99999, AccountID: fx.residents[0].ID, Score: 5}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fx.setNow(running.StartsAt.Add(time.Minute))
				if tc.r.ActivityID == a.ID {
					fx.setNow(a.EndsAt.Add(time.Hour))
				}
				err := s.Rate(t.Context(), tc.r)
				checkRefusal(t, err, tc.code, tc.msg)
				if got := culture.ErrorReason(err); got != tc.reason {
					t.Errorf("reason = %q, want %q", got, tc.reason)
				}
				if n := dfxCount(t, s, "ratings"); n != 0 {
					t.Errorf("%d ratings after a refusal", n)
				}
			})
		}
		checkUnchanged(t, s, d)

		rated := a.EndsAt.Add(time.Hour)
		t.Run("OK", func(t *testing.T) {
			fx.setNow(rated)
			r := rating(fx.residents[0].ID, 4, "唱得真好，下次还来")
			if err := s.Rate(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			if r.ID == 0 || !r.CreatedAt.Equal(rated) {
				t.Errorf("got id %d, created %v; want an id, %v", r.ID, r.CreatedAt, rated)
			}
			got, err := s.FindDeliveryByID(t.Context(), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != culture.DeliveryRated || got.RatingCount != 1 || got.RatingAvg != 4 {
				t.Errorf("delivery %s with %d ratings averaging %v; want rated, 1, 4", got.Status, got.RatingCount, got.RatingAvg)
			}
		})
		t.Run("ErrTwice", func(t *testing.T) {
			err := s.Rate(t.Context(), rating(fx.residents[0].ID, 1, "改主意了"))
			checkRefusal(t, err, culture.ECONFLICT, "您已评价过这场活动。")
			if got := culture.ErrorReason(err); got != culture.ReasonAlreadyRated {
				t.Errorf("reason = %q", got)
			}
			if n := dfxCount(t, s, "ratings"); n != 1 {
				t.Errorf("%d ratings, want 1", n)
			}
		})
		t.Run("OKWithoutDelivery", func(t *testing.T) {
			fx.setNow(dfxNow)
			starts := dfxNow.Add(24 * time.Hour)
			out, err := s.CreateActivity(t.Context(), &culture.Activity{UnitID: fx.branch.ID, Title: "读书会",
				Category: "阅读", StartsAt: starts, EndsAt: starts.Add(time.Hour), Capacity: 5,
				Mode: culture.ModeFirstCome, MaxPerBooking: 1}, 1)
			if err != nil {
				t.Fatal(err)
			}
			fx.attend(t, out[0], fx.residents[2].ID)
			fx.setNow(out[0].EndsAt)
			if err := s.Rate(t.Context(), &culture.Rating{ActivityID: out[0].ID, AccountID: fx.residents[2].ID, Score: 5}); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestFindRatings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		_, first := fx.held(t)
		_, second := fx.live(t, func(d *culture.Delivery) {
			d.StartsAt, d.EndsAt = d.StartsAt.AddDate(0, 0, 1), d.EndsAt.AddDate(0, 0, 1)
		})
		fx.checkIn(t, second, fx.book(t, second.ID, fx.residents[0].ID), fx.book(t, second.ID, fx.residents[1].ID))
		_, rival := fx.held(t, func(d *culture.Delivery) { d.ItemID = fx.rivalItem.ID })

		rate := func(a *culture.Activity, account int64, score int, at time.Time) *culture.Rating {
			fx.setNow(at)
			r := &culture.Rating{ActivityID: a.ID, AccountID: account, Score: score, Comment: "不错"}
			if err := s.Rate(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			r.AuthorName = ""
			return r
		}
		later := second.EndsAt.Add(time.Hour)
		r1 := rate(first, fx.residents[0].ID, 5, later)
		r2 := rate(second, fx.residents[0].ID, 3, later.Add(time.Minute))
		hidden := rate(second, fx.residents[1].ID, 1, later.Add(2*time.Minute))
		fixExec(t, s, `UPDATE ratings SET hidden = 1, hidden_reason = '广告' WHERE id = ?`, hidden.ID)
		rR := rate(rival, fx.residents[0].ID, 4, later.Add(3*time.Minute))
		r1.AuthorName, r2.AuthorName, rR.AuthorName = "王**", "王**", "王**"

		for _, tc := range []struct {
			name     string
			activity *int64
			item     *int64
			limit    int
			want     []*culture.Rating
		}{
			{"Activity", &second.ID, nil, 0, []*culture.Rating{r2}},
			{"Item", nil, &fx.item.ID, 0, []*culture.Rating{r2, r1}},
			{"ItemLimit", nil, &fx.item.ID, 1, []*culture.Rating{r2}},
			{"RivalItem", nil, &fx.rivalItem.ID, 0, []*culture.Rating{rR}},
			{"Both", &rival.ID, &fx.item.ID, 0, []*culture.Rating{rR, r2, r1}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.FindRatings(t.Context(), tc.activity, tc.item, tc.limit)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		t.Run("MaskedPhone", func(t *testing.T) {
			fixExec(t, s, `UPDATE ratings SET hidden = 0 WHERE id = ?`, hidden.ID)
			got, err := s.FindRatings(t.Context(), &second.ID, nil, 1)
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v (%v)", got, err)
			}
			if want := culture.MaskPhone(fx.residents[1].Phone); got[0].AuthorName != want || !strings.Contains(want, "****") {
				t.Errorf("author %q, want %q", got[0].AuthorName, want)
			}
		})
		t.Run("ErrNeither", func(t *testing.T) {
			_, err := s.FindRatings(t.Context(), nil, nil, 0)
			checkRefusal(t, err, culture.EINVALID, "请指定活动或菜单项目。")
		})
	})
}
