package sqlstore_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestSupport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		item := fx.publish(t)
		res := fx.residents(t, 2, fx.branch)
		t.Run("OKHome", func(t *testing.T) {
			sup := mfxSupport(t, s, res[0].ID, item.ID, 0)
			want := &culture.Support{ID: sup.ID, ItemID: item.ID, AccountID: res[0].ID, UnitID: fx.branch.ID,
				Season: "2026Q2", CreatedAt: mfxNow, ItemTitle: item.Title, UnitName: "解放分馆"}
			if diff := cmp.Diff(want, sup); diff != "" {
				t.Errorf("support (-want +got):\n%s", diff)
			}
		})
		t.Run("OKPoint", func(t *testing.T) {
			if sup := mfxSupport(t, s, res[1].ID, item.ID, fx.point.ID); sup.UnitID != fx.point.ID {
				t.Errorf("unit = %d, want the point %d", sup.UnitID, fx.point.ID)
			}
		})
		pending := fx.submit(t)
		withdrawn := fx.publish(t)
		if err := s.WithdrawMenuItem(t.Context(), withdrawn.ID); err != nil {
			t.Fatal(err)
		}
		theirs := fx.publishFor(t, fx.otherProvider)
		homeless := fx.residents(t, 1, nil)[0]
		for _, tc := range []struct {
			name                string
			account, item, unit int64
			code, reason, msg   string
		}{
			{"ErrPending", res[1].ID, pending.ID, 0, culture.EINVALID, culture.ReasonNotPublished, "该项目未上架，不能点单。"},
			{"ErrWithdrawn", res[1].ID, withdrawn.ID, 0, culture.EINVALID, culture.ReasonNotPublished, ""},
			{"ErrNoItem", res[1].ID, 9999, 0, culture.ENOTFOUND, "", "菜单项目不存在。"},
			{"ErrNoHome", homeless.ID, item.ID, 0, culture.EINVALID, "", "请先设置常去的分馆。"},
			{"ErrHub", homeless.ID, item.ID, fx.hub.ID, culture.EINVALID, "", "请选择本区的分馆或基层文化点。"},
			{"ErrOtherTree", homeless.ID, item.ID, fx.otherBranch.ID, culture.EINVALID, "", ""},
			{"ErrHomeOtherTree", res[1].ID, theirs.ID, 0, culture.EINVALID, "", "请选择本区的分馆或基层文化点。"},
			{"ErrNoUnit", homeless.ID, item.ID, 9999, culture.EINVALID, "", ""},
			{"ErrTwice", res[0].ID, item.ID, fx.branch2.ID, culture.ECONFLICT, "", "本季度您已为该项目点过单。"},
			{"ErrNoAccount", 9999, item.ID, 0, culture.ENOTFOUND, "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := mfxCount(t, s, "menu_supports")
				_, err := s.Support(t.Context(), tc.account, tc.item, tc.unit)
				accountWantErr(t, err, tc.code, tc.msg)
				if got := culture.ErrorReason(err); got != tc.reason {
					t.Errorf("reason = %q, want %q", got, tc.reason)
				}
				if after := mfxCount(t, s, "menu_supports"); after != before {
					t.Errorf("supports: %d, want %d", after, before)
				}
			})
		}
		t.Run("NextSeason", func(t *testing.T) {
			fx.setNow(time.Date(2026, 7, 1, 0, 0, 0, 0, culture.Shanghai))
			defer fx.setNow(mfxNow)
			if sup := mfxSupport(t, s, res[0].ID, item.ID, 0); sup.Season != "2026Q3" {
				t.Errorf("season = %q, want 2026Q3", sup.Season)
			}
		})
	})
}

func TestSupportQuota(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		if n, err := s.SupportQuota(t.Context()); err != nil || n != culture.DefaultSupportQuota {
			t.Errorf("default quota = %d, %v; want %d", n, err, culture.DefaultSupportQuota)
		}
		for _, n := range []int{0, 101, -1} {
			accountWantErr(t, s.SetSupportQuota(t.Context(), n), culture.EINVALID, "每季度点单次数应在 1 到 100 之间。")
		}
		for _, n := range []int{3, 2} { // set twice: the second replaces the first
			if err := s.SetSupportQuota(t.Context(), n); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.SupportQuota(t.Context()); err != nil || n != 2 {
			t.Errorf("quota = %d, %v; want 2", n, err)
		}
		items := []*culture.MenuItem{fx.publish(t), fx.publish(t), fx.publish(t)}
		res := fx.residents(t, 1, fx.branch)[0]
		mfxSupport(t, s, res.ID, items[0].ID, 0)
		mfxSupport(t, s, res.ID, items[1].ID, 0)
		_, err := s.Support(t.Context(), res.ID, items[2].ID, 0)
		accountWantErr(t, err, culture.ETOOMANY, "本季度的点单次数已用完（每季度 2 次）。")
		if got := culture.ErrorReason(err); got != culture.ReasonSupportQuota {
			t.Errorf("reason = %q, want %q", got, culture.ReasonSupportQuota)
		}
		// Withdrawing one frees a support.
		if err := s.WithdrawSupport(t.Context(), res.ID, items[0].ID); err != nil {
			t.Fatal(err)
		}
		mfxSupport(t, s, res.ID, items[2].ID, 0)
	})
}

// TestSupportQuotaConcurrent supports 30 items at once with a quota of 10:
// exactly 10 must be stored, on both engines.
func TestSupportQuotaConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		items := make([]*culture.MenuItem, 30)
		for i := range items {
			items[i] = fx.publish(t)
		}
		res := fx.residents(t, 1, fx.branch)[0]
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for _, item := range items {
			wg.Go(func() {
				_, err := s.Support(t.Context(), res.ID, item.ID, 0)
				mu.Lock()
				codes[culture.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if want := map[string]int{"": 10, culture.ETOOMANY: 20}; !cmp.Equal(codes, want) {
			t.Errorf("results by code = %v, want %v", codes, want)
		}
		sups, err := s.FindSupports(t.Context(), res.ID, "2026Q2")
		if err != nil || len(sups) != 10 {
			t.Errorf("stored %d supports (%v), want 10", len(sups), err)
		}
	})
}

func TestWithdrawSupport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		item := fx.publish(t)
		res := fx.residents(t, 2, fx.branch)
		mfxSupport(t, s, res[0].ID, item.ID, 0)
		mfxSupport(t, s, res[1].ID, item.ID, 0)
		if err := s.WithdrawSupport(t.Context(), res[0].ID, item.ID); err != nil {
			t.Fatal(err)
		}
		accountWantErr(t, s.WithdrawSupport(t.Context(), res[0].ID, item.ID), culture.ENOTFOUND, "本季度您没有为该项目点过单。")
		if got := fx.item(t, item.ID).Supports; got != 1 {
			t.Errorf("supports = %d, want the other resident's 1", got)
		}
		// Last season's support is not this season's to withdraw.
		fx.setNow(time.Date(2026, 8, 1, 0, 0, 0, 0, culture.Shanghai))
		defer fx.setNow(mfxNow)
		accountWantErr(t, s.WithdrawSupport(t.Context(), res[1].ID, item.ID), culture.ENOTFOUND, "")
	})
}

func TestFindSupports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		a := fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "甲" })
		b := fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "乙" })
		res := fx.residents(t, 2, fx.branch)
		fx.setNow(time.Date(2026, 3, 31, 23, 0, 0, 0, culture.Shanghai))
		mfxSupport(t, s, res[0].ID, a.ID, 0) // 2026Q1
		fx.setNow(mfxNow)
		mfxSupport(t, s, res[0].ID, a.ID, fx.point.ID)
		fx.setNow(mfxNow.Add(time.Minute))
		mfxSupport(t, s, res[0].ID, b.ID, 0)
		mfxSupport(t, s, res[1].ID, b.ID, 0)
		fx.setNow(mfxNow)

		sups, err := s.FindSupports(t.Context(), res[0].ID, "2026Q2")
		if err != nil {
			t.Fatal(err)
		}
		var got [][2]string
		for _, x := range sups {
			got = append(got, [2]string{x.ItemTitle, x.UnitName})
		}
		if want := [][2]string{{"乙", "解放分馆"}, {"甲", "东街文化点"}}; !cmp.Equal(got, want) {
			t.Errorf("supports = %v, want %v (newest first)", got, want)
		}
		if q1, err := s.FindSupports(t.Context(), res[0].ID, "2026Q1"); err != nil || len(q1) != 1 {
			t.Errorf("2026Q1: %d supports (%v), want 1", len(q1), err)
		}
		_, err = s.FindSupports(t.Context(), res[0].ID, "2026-05")
		accountWantErr(t, err, culture.EINVALID, "季度格式应为 2026Q4。")
	})
}
