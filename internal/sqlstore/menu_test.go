package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestCreateProvider(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			p := &culture.Provider{HubID: fx.hub.ID, Name: "红星小学", Level: culture.LevelDistrict,
				Kind: "school", LogoID: &fx.photo.ID}
			if err := s.CreateProvider(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindProviderByID(t.Context(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(p, got); diff != "" {
				t.Errorf("stored provider (-created +found):\n%s", diff)
			}
			if !got.CreatedAt.Equal(mfxNow) {
				t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, mfxNow)
			}
		})
		missing := int64(9999)
		for _, tc := range []struct {
			name  string
			mod   func(*culture.Provider)
			field string
		}{
			{"ErrLevel", func(p *culture.Provider) { p.Level = "province" }, "level"},
			{"ErrName", func(p *culture.Provider) { p.Name = "" }, "name"},
			{"ErrHubIsBranch", func(p *culture.Provider) { p.HubID = fx.branch.ID }, "hub_id"},
			{"ErrHubMissing", func(p *culture.Provider) { p.HubID = missing }, "hub_id"},
			{"ErrLogoMissing", func(p *culture.Provider) { p.LogoID = &missing }, "logo_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := mfxCount(t, s, "providers")
				p := &culture.Provider{HubID: fx.hub.ID, Name: "新主体", Level: culture.LevelCity, Kind: "other"}
				tc.mod(p)
				err := s.CreateProvider(t.Context(), p)
				accountWantErr(t, err, culture.EINVALID, "")
				if got := accountErrField(err); got != tc.field {
					t.Errorf("field = %q, want %q", got, tc.field)
				}
				if after := mfxCount(t, s, "providers"); after != before {
					t.Errorf("providers: %d, want %d", after, before)
				}
			})
		}
	})
}

func TestUpdateProvider(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			p := *fx.provider
			p.Name, p.Level, p.Intro, p.LogoID = "星光越剧院", culture.LevelCity, "新简介", &fx.photo.ID
			p.HubID = fx.otherHub.ID // ignored: a provider stays with its hub
			if err := s.UpdateProvider(t.Context(), &p); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindProviderByID(t.Context(), p.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *fx.provider
			want.Name, want.Level, want.Intro, want.LogoID = "星光越剧院", culture.LevelCity, "新简介", &fx.photo.ID
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("updated provider (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(&want, &p); diff != "" {
				t.Errorf("refreshed argument (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			before, _ := s.FindProviderByID(t.Context(), fx.rival.ID)
			p := *fx.rival
			p.ContactPhone = "12345"
			accountWantErr(t, s.UpdateProvider(t.Context(), &p), culture.EINVALID, "联系电话应为 11 位手机号码。")
			missing := int64(9999)
			p = *fx.rival
			p.Name, p.LogoID = "改名", &missing
			accountWantErr(t, s.UpdateProvider(t.Context(), &p), culture.EINVALID, "")
			after, _ := s.FindProviderByID(t.Context(), fx.rival.ID)
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("refused updates changed the provider:\n%s", diff)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			p := *fx.rival
			p.ID = 9999
			accountWantErr(t, s.UpdateProvider(t.Context(), &p), culture.ENOTFOUND, "文化主体不存在。")
			_, err := s.FindProviderByID(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "文化主体不存在。")
		})
	})
}

func TestFindProviders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		mfxProvider(t, s, fx.hub.ID, "阿福书场", culture.LevelDistrict)
		t.Run("Order", func(t *testing.T) {
			ps, err := s.FindProviders(t.Context(), &fx.hub.ID)
			if err != nil {
				t.Fatal(err)
			}
			// City first (青禾书院), then district ones by name in code-point
			// order, as the test databases collate (星 U+661F, 阿 U+963F).
			var names []string
			for _, p := range ps {
				names = append(names, p.Name)
			}
			want := []string{"青禾书院", "星光越剧团", "阿福书场"}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("providers of hub (-want +got):\n%s", diff)
			}
			all, err := s.FindProviders(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(all) != 4 {
				t.Errorf("all providers: %d, want 4", len(all))
			}
		})
		t.Run("Figures", func(t *testing.T) {
			item := fx.publish(t)
			fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "越剧名段欣赏" })
			fx.submit(t, func(f *culture.MenuItemFields) { f.Title = "待审的项目" })
			fx.heldDelivery(t, item, fx.branch, culture.DeliveryHeld, 40, false, 5, 4)
			fx.heldDelivery(t, item, fx.branch2, culture.DeliverySettled, 30, true, 3, 1)
			fx.heldDelivery(t, item, fx.branch2, culture.DeliveryPublished, 0, false, 1)
			p, err := s.FindProviderByID(t.Context(), fx.provider.ID)
			if err != nil {
				t.Fatal(err)
			}
			// Published items 2; held and settled deliveries 2 (published
			// is not yet held); visible ratings 5, 4, 3 and the 1 of the
			// published delivery's activity: average 13/4.
			got := [4]float64{float64(p.ItemCount), float64(p.Deliveries), p.RatingAvg, float64(p.RatingCount)}
			if want := [4]float64{2, 2, 13.0 / 4, 4}; got != want {
				t.Errorf("items, deliveries, rating avg, count = %v, want %v", got, want)
			}
			ps, err := s.FindProviders(t.Context(), &fx.hub.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range ps {
				if q.ID == p.ID && (q.ItemCount != 2 || q.RatingCount != 4) {
					t.Errorf("FindProviders figures %+v, want those of FindProviderByID", q)
				}
			}
		})
	})
}

func TestSubmitMenuItem(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			f := mfxFields(func(f *culture.MenuItemFields) {
				f.SeriesID, f.PhotoIDs = &fx.series, []int64{fx.photo.ID}
			})
			m, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, 0, f, fx.staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			if m.Status != culture.ItemPending || m.ProviderName != "星光越剧团" || m.SeriesName != "周末剧场" {
				t.Errorf("item status %q, provider %q, series %q", m.Status, m.ProviderName, m.SeriesName)
			}
			if diff := cmp.Diff(f, m.MenuItemFields); diff != "" {
				t.Errorf("columns (-submitted +stored):\n%s", diff)
			}
			if m.Pending == nil {
				t.Fatal("no pending revision")
			}
			if diff := cmp.Diff(f, m.Pending.Fields); diff != "" {
				t.Errorf("revision fields (-submitted +stored):\n%s", diff)
			}
			if p := m.Pending; p.State != culture.RevisionPending || p.SubmittedBy != fx.staff.ID ||
				!p.SubmittedAt.Equal(mfxNow) || p.ItemTitle != "" {
				t.Errorf("revision %+v", p)
			}
		})
		t.Run("OKByReviewer", func(t *testing.T) {
			if _, err := s.SubmitMenuItem(t.Context(), fx.rival.ID, 0, mfxFields(), fx.reviewer.ID); err != nil {
				t.Fatal(err)
			}
		})
		missing := int64(9999)
		for _, tc := range []struct {
			name  string
			mod   func(*culture.MenuItemFields)
			field string
		}{
			{"ErrTitle", func(f *culture.MenuItemFields) { f.Title = "" }, "title"},
			{"ErrSessions", func(f *culture.MenuItemFields) { f.Sessions = 3 }, "sessions"},
			{"ErrGroups", func(f *culture.MenuItemFields) { f.Groups = []string{"aliens"} }, "groups"},
			{"ErrSeries", func(f *culture.MenuItemFields) { f.SeriesID = &missing }, "series_id"},
			{"ErrPhoto", func(f *culture.MenuItemFields) { f.PhotoIDs = []int64{fx.photo.ID, missing} }, "photos"},
			{"ErrPhotoTwice", func(f *culture.MenuItemFields) { f.PhotoIDs = []int64{fx.photo.ID, fx.photo.ID} }, "photos"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				items, revs := mfxCount(t, s, "menu_items"), mfxCount(t, s, "menu_revisions")
				_, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, 0, mfxFields(tc.mod), fx.staff.ID)
				accountWantErr(t, err, culture.EINVALID, "")
				if got := accountErrField(err); got != tc.field {
					t.Errorf("field = %q, want %q", got, tc.field)
				}
				if mfxCount(t, s, "menu_items") != items || mfxCount(t, s, "menu_revisions") != revs {
					t.Error("a refused submission stored rows")
				}
			})
		}
		t.Run("ErrActor", func(t *testing.T) {
			resident := fx.residents(t, 1, fx.branch)[0]
			items := mfxCount(t, s, "menu_items")
			for _, by := range []int64{fx.rivalStaff.ID, fx.otherReviewer.ID, resident.ID, missing} {
				_, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, 0, mfxFields(), by)
				accountWantErr(t, err, culture.EFORBIDDEN, "")
			}
			_, err := s.SubmitMenuItem(t.Context(), missing, 0, mfxFields(), fx.staff.ID)
			accountWantErr(t, err, culture.ENOTFOUND, "文化主体不存在。")
			if mfxCount(t, s, "menu_items") != items {
				t.Error("a refused submission stored an item")
			}
		})
		t.Run("ErrEditOfOtherProvider", func(t *testing.T) {
			theirs := fx.submitAs(t, fx.rival.ID, fx.rivalStaff.ID)
			_, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, theirs.ID, mfxFields(), fx.staff.ID)
			accountWantErr(t, err, culture.EFORBIDDEN, "")
			_, err = s.SubmitMenuItem(t.Context(), fx.provider.ID, missing, mfxFields(), fx.staff.ID)
			accountWantErr(t, err, culture.ENOTFOUND, "菜单项目不存在。")
			if got := fx.item(t, theirs.ID); got.Pending.ID != theirs.Pending.ID {
				t.Errorf("pending revision %d replaced by a refused edit (was %d)", got.Pending.ID, theirs.Pending.ID)
			}
		})
	})
}

func TestMenuReviewFlow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		retitle := func(title string) func(*culture.MenuItemFields) {
			return func(f *culture.MenuItemFields) { f.Title = title }
		}
		t.Run("EditStaysPendingUntilApproved", func(t *testing.T) {
			live := fx.publish(t, retitle("梁祝"))
			if live.Status != culture.ItemPublished || live.Pending != nil || live.Title != "梁祝" {
				t.Fatalf("approved item: status %q, pending %v, title %q", live.Status, live.Pending, live.Title)
			}
			fx.setNow(mfxNow.Add(time.Hour))
			defer fx.setNow(mfxNow)
			first, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, live.ID, mfxFields(retitle("梁祝（新版）")), fx.staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			second, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, live.ID, mfxFields(retitle("梁祝（终版）")), fx.staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The live version stays; only the last edit is pending.
			got := fx.item(t, live.ID)
			if got.Title != "梁祝" || got.Status != culture.ItemPublished || !got.UpdatedAt.Equal(live.UpdatedAt) {
				t.Errorf("live item changed by an edit: %q %q %v", got.Title, got.Status, got.UpdatedAt)
			}
			if got.Pending == nil || got.Pending.ID != second.Pending.ID || got.Pending.Fields.Title != "梁祝（终版）" {
				t.Fatalf("pending = %+v, want the second edit", got.Pending)
			}
			if got.Pending.ItemTitle != "梁祝" {
				t.Errorf("pending ItemTitle = %q, want the live title", got.Pending.ItemTitle)
			}
			// The superseded edit can no longer be reviewed.
			err = s.ReviewMenuItem(t.Context(), first.Pending.ID, true, "", fx.reviewer.ID)
			accountWantErr(t, err, culture.ECONFLICT, "")
			// Returned: the live version stays and says why.
			if err := s.ReviewMenuItem(t.Context(), second.Pending.ID, false, "  标题太长  ", fx.reviewer.ID); err != nil {
				t.Fatal(err)
			}
			got = fx.item(t, live.ID)
			if got.Title != "梁祝" || got.Status != culture.ItemPublished || got.ReturnReason != "标题太长" || got.Pending != nil {
				t.Errorf("after return: title %q, status %q, reason %q, pending %v", got.Title, got.Status, got.ReturnReason, got.Pending)
			}
			// Approved: the edit goes live and the reason is cleared.
			third, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, live.ID,
				mfxFields(retitle("梁祝新编"), func(f *culture.MenuItemFields) { f.Cost = 500 }), fx.staff.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.ReviewMenuItem(t.Context(), third.Pending.ID, true, "", fx.reviewer.ID); err != nil {
				t.Fatal(err)
			}
			got = fx.item(t, live.ID)
			if got.Title != "梁祝新编" || got.Cost != 500 || got.ReturnReason != "" || got.Pending != nil ||
				!got.UpdatedAt.Equal(mfxNow.Add(time.Hour)) {
				t.Errorf("after approval: %+v", got)
			}
			err = s.ReviewMenuItem(t.Context(), third.Pending.ID, false, "再看看", fx.reviewer.ID)
			accountWantErr(t, err, culture.ECONFLICT, "")
		})
		t.Run("NeverApproved", func(t *testing.T) {
			m := fx.submit(t, retitle("草稿"))
			if err := s.ReviewMenuItem(t.Context(), m.Pending.ID, false, "请补充简介", fx.reviewer.ID); err != nil {
				t.Fatal(err)
			}
			got := fx.item(t, m.ID)
			if got.Status != culture.ItemReturned || got.ReturnReason != "请补充简介" || got.Pending != nil {
				t.Errorf("returned new item: status %q, reason %q, pending %v", got.Status, got.ReturnReason, got.Pending)
			}
			// Resubmitted: the columns take the fields at once.
			if _, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, m.ID, mfxFields(retitle("草稿二稿")), fx.staff.ID); err != nil {
				t.Fatal(err)
			}
			got = fx.item(t, m.ID)
			if got.Status != culture.ItemPending || got.Title != "草稿二稿" || got.Pending == nil {
				t.Errorf("resubmitted: status %q, title %q, pending %v", got.Status, got.Title, got.Pending)
			}
		})
		t.Run("WithdrawnEditRepublishes", func(t *testing.T) {
			m := fx.publish(t, retitle("下架再上"))
			if err := s.WithdrawMenuItem(t.Context(), m.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, m.ID, mfxFields(retitle("重新上架")), fx.staff.ID); err != nil {
				t.Fatal(err)
			}
			if got := fx.item(t, m.ID); got.Status != culture.ItemWithdrawn || got.Title != "下架再上" {
				t.Errorf("withdrawn item changed before approval: %q %q", got.Status, got.Title)
			}
			if got := fx.approve(t, m.ID); got.Status != culture.ItemPublished || got.Title != "重新上架" {
				t.Errorf("approved edit of a withdrawn item: %q %q", got.Status, got.Title)
			}
		})
		t.Run("ErrReview", func(t *testing.T) {
			m := fx.submit(t, retitle("审核出错"))
			rev := m.Pending.ID
			for _, tc := range []struct {
				name   string
				reason string
				by     int64
				code   string
			}{
				{"ErrNoReason", "   ", fx.reviewer.ID, culture.EINVALID},
				{"ErrLongReason", strings.Repeat("长", 201), fx.reviewer.ID, culture.EINVALID},
				{"ErrBadText", "原因\x00", fx.reviewer.ID, culture.EINVALID},
				{"ErrOtherHub", "不合适", fx.otherReviewer.ID, culture.EFORBIDDEN},
				{"ErrProviderStaff", "不合适", fx.staff.ID, culture.EFORBIDDEN},
			} {
				err := s.ReviewMenuItem(t.Context(), rev, false, tc.reason, tc.by)
				if culture.ErrorCode(err) != tc.code {
					t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
				}
			}
			accountWantErr(t, s.ReviewMenuItem(t.Context(), rev, true, "", fx.staff.ID), culture.EFORBIDDEN, "")
			accountWantErr(t, s.ReviewMenuItem(t.Context(), 9999, true, "", fx.reviewer.ID), culture.ENOTFOUND, "")
			got := fx.item(t, m.ID)
			if got.Status != culture.ItemPending || got.Pending == nil || got.Pending.ID != rev || got.ReturnReason != "" {
				t.Errorf("refused reviews changed the item: %+v", got)
			}
		})
	})
}

func TestWithdrawMenuItem(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		m := fx.publish(t)
		if err := s.WithdrawMenuItem(t.Context(), m.ID); err != nil {
			t.Fatal(err)
		}
		if got := fx.item(t, m.ID); got.Status != culture.ItemWithdrawn {
			t.Errorf("status = %q, want withdrawn", got.Status)
		}
		accountWantErr(t, s.WithdrawMenuItem(t.Context(), m.ID), culture.ECONFLICT, "只有已上架的项目可以下架。")
		pending := fx.submit(t)
		accountWantErr(t, s.WithdrawMenuItem(t.Context(), pending.ID), culture.ECONFLICT, "")
		if got := fx.item(t, pending.ID); got.Status != culture.ItemPending {
			t.Errorf("refused withdrawal changed status to %q", got.Status)
		}
		accountWantErr(t, s.WithdrawMenuItem(t.Context(), 9999), culture.ENOTFOUND, "菜单项目不存在。")
	})
}

func TestFindMenuItemByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		m := fx.publish(t, func(f *culture.MenuItemFields) { f.SeriesID = &fx.series })
		other := fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "别的项目" })
		// Supports: two this season, one last season (not counted).
		fx.setNow(time.Date(2026, 3, 20, 10, 0, 0, 0, culture.Shanghai))
		res := fx.residents(t, 3, fx.branch)
		mfxSupport(t, s, res[0].ID, m.ID, 0)
		fx.setNow(mfxNow)
		mfxSupport(t, s, res[1].ID, m.ID, 0)
		mfxSupport(t, s, res[2].ID, m.ID, fx.point.ID)
		mfxSupport(t, s, res[2].ID, other.ID, 0)
		// Requests: open and planned count; withdrawn and declined do not.
		fx.request(t, m.ID, fx.branch)
		planned := fx.request(t, m.ID, fx.branch2)
		fixExec(t, s, `UPDATE menu_requests SET status = 'planned' WHERE id = ?`, planned.ID)
		withdrawn := fx.request(t, m.ID, fx.point)
		if err := s.SetRequestStatus(t.Context(), withdrawn.ID, culture.RequestWithdrawn, ""); err != nil {
			t.Fatal(err)
		}
		// Deliveries: held, rated and settled count; confirmed does not.
		fx.heldDelivery(t, m, fx.branch, culture.DeliveryHeld, 40, false, 5, 5)
		fx.heldDelivery(t, m, fx.branch2, culture.DeliveryRated, 25, true, 4, 1)
		fx.heldDelivery(t, m, fx.point, culture.DeliverySettled, 10, false)
		fx.heldDelivery(t, m, fx.point, culture.DeliveryConfirmed, 99, false)
		fx.heldDelivery(t, other, fx.point, culture.DeliveryHeld, 7, false, 1)

		got := fx.item(t, m.ID)
		type figures struct {
			Supports, Requests, Deliveries, Attendance, RatingCount int
			RatingAvg                                               float64
			ProviderName, SeriesName                                string
		}
		want := figures{2, 2, 3, 75, 3, 14.0 / 3, "星光越剧团", "周末剧场"}
		gotF := figures{got.Supports, got.Requests, got.Deliveries, got.Attendance, got.RatingCount,
			got.RatingAvg, got.ProviderName, got.SeriesName}
		if diff := cmp.Diff(want, gotF, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
			t.Errorf("figures (-want +got):\n%s", diff)
		}
		_, err := s.FindMenuItemByID(t.Context(), 9999)
		accountWantErr(t, err, culture.ENOTFOUND, "菜单项目不存在。")
	})
}

// mfxSupport supports the item for the unit (0: home); it must succeed.
func mfxSupport(t *testing.T, s *sqlstore.Store, accountID, itemID, unitID int64) *culture.Support {
	t.Helper()
	sup, err := s.Support(t.Context(), accountID, itemID, unitID)
	if err != nil {
		t.Fatalf("Support(%d, %d, %d): %v", accountID, itemID, unitID, err)
	}
	return sup
}

func TestFindMenuItems(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		var at time.Time = mfxNow
		next := func() { at = at.Add(time.Minute); fx.setNow(at) }
		a := fx.publish(t, func(f *culture.MenuItemFields) {
			f.Title, f.Groups, f.SeriesID = "少儿书法 100%", []string{"children", "parents"}, &fx.series
			f.Category, f.Description = "书法美术", "毛笔入门"
		})
		next()
		b := fx.publish(t, func(f *culture.MenuItemFields) {
			f.Title, f.Format, f.Sessions, f.Description = "太极养生课", culture.FormatClass, 8, "适合 Elderly 居民"
			f.Category, f.Groups = "健康养生", []string{"adults", "elderly", "disabled"}
		})
		next()
		c := fx.publishFor(t, fx.rival, func(f *culture.MenuItemFields) { f.Title, f.Groups = "读书会", []string{"all"} })
		next()
		d := fx.publishFor(t, fx.otherProvider, func(f *culture.MenuItemFields) { f.Title, f.Groups = "邻区电影", []string{"youth"} })
		next()
		pending := fx.submit(t, func(f *culture.MenuItemFields) { f.Title = "待审核书法" })
		next()
		withdrawn := fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "已下架" })
		if err := s.WithdrawMenuItem(t.Context(), withdrawn.ID); err != nil {
			t.Fatal(err)
		}
		fx.setNow(mfxNow)
		res := fx.residents(t, 3, fx.branch)
		for _, r := range res {
			mfxSupport(t, s, r.ID, c.ID, 0)
		}
		mfxSupport(t, s, res[0].ID, b.ID, 0)
		fx.heldDelivery(t, a, fx.branch, culture.DeliveryHeld, 10, false, 3)
		fx.heldDelivery(t, b, fx.branch, culture.DeliveryHeld, 10, false, 5, 4)

		str := mfxPtr[string]
		for _, tc := range []struct {
			name string
			f    culture.MenuFilter
			want []*culture.MenuItem
		}{
			{"Published", culture.MenuFilter{}, []*culture.MenuItem{d, c, b, a}},
			{"AnyStatus", culture.MenuFilter{AnyStatus: true, ProviderID: &fx.provider.ID},
				[]*culture.MenuItem{withdrawn, pending, b, a}},
			{"Status", culture.MenuFilter{Status: str(culture.ItemPending)}, []*culture.MenuItem{pending}},
			{"Hub", culture.MenuFilter{HubID: &fx.hub.ID}, []*culture.MenuItem{c, b, a}},
			{"Series", culture.MenuFilter{SeriesID: &fx.series}, []*culture.MenuItem{a}},
			{"Category", culture.MenuFilter{Category: str("健康养生")}, []*culture.MenuItem{b}},
			{"Format", culture.MenuFilter{Format: str(culture.FormatClass)}, []*culture.MenuItem{b}},
			{"GroupFirst", culture.MenuFilter{Group: str("children")}, []*culture.MenuItem{a}},
			{"GroupMiddle", culture.MenuFilter{Group: str("elderly")}, []*culture.MenuItem{b}},
			{"GroupLast", culture.MenuFilter{Group: str("parents")}, []*culture.MenuItem{a}},
			{"QueryTitle", culture.MenuFilter{Query: " 书法 "}, []*culture.MenuItem{a}},
			{"QueryDescription", culture.MenuFilter{Query: "elderly"}, []*culture.MenuItem{b}},
			{"QueryProvider", culture.MenuFilter{Query: "青禾"}, []*culture.MenuItem{c}},
			{"QueryWildcard", culture.MenuFilter{Query: "0%"}, []*culture.MenuItem{a}},
			{"QueryUnderscore", culture.MenuFilter{Query: "_"}, []*culture.MenuItem{}},
			{"SortSupports", culture.MenuFilter{Sort: "supports", HubID: &fx.hub.ID}, []*culture.MenuItem{c, b, a}},
			{"SortRating", culture.MenuFilter{Sort: "rating"}, []*culture.MenuItem{b, a, d, c}},
			{"Page", culture.MenuFilter{Limit: 2, Offset: 1}, []*culture.MenuItem{c, b}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, n, err := s.FindMenuItems(t.Context(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(mfxTitles(tc.want), mfxTitles(got)); diff != "" {
					t.Errorf("items (-want +got):\n%s", diff)
				}
				if tc.f.Limit == 0 && n != len(tc.want) {
					t.Errorf("total = %d, want %d", n, len(tc.want))
				}
			})
		}
		t.Run("Total", func(t *testing.T) {
			got, n, err := s.FindMenuItems(t.Context(), culture.MenuFilter{Limit: 1})
			if err != nil || len(got) != 1 || n != 4 {
				t.Errorf("Limit 1: %d items, total %d, %v; want 1 of 4", len(got), n, err)
			}
		})
		t.Run("TotalPastLastPage", func(t *testing.T) {
			got, n, err := s.FindMenuItems(t.Context(), culture.MenuFilter{Limit: 2, Offset: 20, HubID: &fx.hub.ID})
			if err != nil || len(got) != 0 || n != 3 {
				t.Errorf("past the end: %d items, total %d, %v; want 0 of 3", len(got), n, err)
			}
		})
		t.Run("Figures", func(t *testing.T) {
			got, _, err := s.FindMenuItems(t.Context(), culture.MenuFilter{Query: "太极"})
			if err != nil || len(got) != 1 {
				t.Fatalf("%v, %v", got, err)
			}
			if m := got[0]; m.Supports != 1 || m.Deliveries != 1 || m.RatingCount != 2 || m.RatingAvg != 4.5 {
				t.Errorf("figures %+v", m)
			}
		})
		t.Run("Limits", func(t *testing.T) {
			for i := 0; i < 21; i++ {
				fx.publishFor(t, fx.rival, func(f *culture.MenuItemFields) { f.Title = "批量" })
			}
			got, n, err := s.FindMenuItems(t.Context(), culture.MenuFilter{})
			if err != nil || len(got) != 20 || n != 25 {
				t.Errorf("default limit: %d items of %d (%v), want 20 of 25", len(got), n, err)
			}
			got, _, err = s.FindMenuItems(t.Context(), culture.MenuFilter{Limit: 1000})
			if err != nil || len(got) != 25 {
				t.Errorf("limit 1000: %d items (%v), want all 25 (capped at 100)", len(got), err)
			}
		})
		for _, tc := range []struct {
			name string
			f    culture.MenuFilter
		}{
			{"ErrSort", culture.MenuFilter{Sort: "price"}},
			{"ErrGroup", culture.MenuFilter{Group: str("%")}},
			{"ErrQuery", culture.MenuFilter{Query: strings.Repeat("长", 51)}},
			{"ErrQueryNUL", culture.MenuFilter{Query: "书\x00法"}},
			{"ErrQueryUTF8", culture.MenuFilter{Query: "书\xff"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := s.FindMenuItems(t.Context(), tc.f)
				accountWantErr(t, err, culture.EINVALID, "")
			})
		}
	})
}

// TestFindMenuItemsQueryCase checks that a query written exactly as a
// title with non-ASCII capitals finds it on both engines (SQLite's LOWER
// folds ASCII only), and that ASCII still matches in any case.
func TestFindMenuItemsQueryCase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "ＫＴＶ金曲大家唱" })
		fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "Ésprit 法语角" })
		for _, tc := range []struct{ q, want string }{
			{"ＫＴＶ", "ＫＴＶ金曲大家唱"},
			{"Ésprit", "Ésprit 法语角"},
			{"SPRIT", "Ésprit 法语角"},
		} {
			t.Run(tc.q, func(t *testing.T) {
				got, n, err := s.FindMenuItems(t.Context(), culture.MenuFilter{Query: tc.q})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{tc.want}, mfxTitles(got)); diff != "" || n != 1 {
					t.Errorf("total %d, items (-want +got):\n%s", n, diff)
				}
			})
		}
	})
}

// TestWithdrawMenuItemConcurrent checks that a withdrawal in progress
// holds back a support, request, plan or confirmation of the item until
// it commits, which then refuses them (PostgreSQL: SQLite serialises
// writers already).
func TestWithdrawMenuItemConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		if s.Engine() != "postgres" {
			t.Skip("SQLite write transactions are serialised")
		}
		fx := dfxFixtures(t, s)
		for _, tc := range []struct {
			name string
			// prepare runs before the withdrawal and returns the racing call.
			prepare func(item *culture.MenuItem) func() error
		}{
			{"Support", func(item *culture.MenuItem) func() error {
				return func() error { _, err := s.Support(t.Context(), fx.residents[0].ID, item.ID, fx.branch.ID); return err }
			}},
			{"CreateRequest", func(item *culture.MenuItem) func() error {
				r := &culture.MenuRequest{ItemID: item.ID, UnitID: fx.branch.ID, PreferredDates: "六月",
					Audience: 30, Mode: culture.ModeFirstCome, CreatedBy: fx.planner}
				return func() error { return s.CreateRequest(t.Context(), r) }
			}},
			{"PlanDelivery", func(item *culture.MenuItem) func() error {
				d := fx.delivery(func(d *culture.Delivery) { d.ItemID = item.ID })
				return func() error { return s.PlanDelivery(t.Context(), d) }
			}},
			{"ConfirmDelivery", func(item *culture.MenuItem) func() error {
				d := fx.plan(t, func(d *culture.Delivery) { d.ItemID = item.ID })
				return func() error { _, err := s.ConfirmDelivery(t.Context(), d.ID, d.ProviderID, true, ""); return err }
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				item := fx.publish(t, fx.provider.ID, func(f *culture.MenuItemFields) { f.Title = "下架中的" + tc.name })
				call := tc.prepare(item)
				err := raceWithdrawal(t, s, item.ID, call)
				if culture.ErrorReason(err) != culture.ReasonNotPublished {
					t.Errorf("err = %v, want not_published", err)
				}
			})
		}
	})
}

// raceWithdrawal withdraws the item in an open transaction, runs call
// meanwhile, checks that call waits for the withdrawal, commits it and
// returns call's error.
func raceWithdrawal(t *testing.T, s *sqlstore.Store, itemID int64, call func() error) error {
	t.Helper()
	tx, err := s.DB().BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below
	if _, err := tx.Exec(fixSQL(s, `UPDATE menu_items SET status = 'withdrawn' WHERE id = ?`), itemID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		t.Errorf("returned %v before the withdrawal committed, want it to wait", err)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return err
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return <-done
}

// mfxTitles lists the titles of items, for readable diffs.
func mfxTitles(items []*culture.MenuItem) []string {
	out := []string{}
	for _, m := range items {
		out = append(out, m.Title)
	}
	return out
}

func TestFindPendingRevisions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		live := fx.publish(t, func(f *culture.MenuItemFields) { f.Title = "已上架" })
		fx.setNow(mfxNow.Add(time.Minute))
		fx.submitAs(t, fx.rival.ID, fx.rivalStaff.ID, func(f *culture.MenuItemFields) { f.Title = "新项目" })
		fx.setNow(mfxNow.Add(2 * time.Minute))
		if _, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, live.ID,
			mfxFields(func(f *culture.MenuItemFields) { f.Title = "改名后" }), fx.staff.ID); err != nil {
			t.Fatal(err)
		}
		fx.publishFor(t, fx.otherProvider)
		fx.submitAs(t, fx.otherProvider.ID, fx.otherReviewer.ID)

		revs, err := s.FindPendingRevisions(t.Context(), fx.hub.ID)
		if err != nil {
			t.Fatal(err)
		}
		type row struct{ Fields, ItemTitle, Provider string }
		var got []row
		for _, r := range revs {
			got = append(got, row{r.Fields.Title, r.ItemTitle, r.ProviderName})
		}
		want := []row{{"新项目", "", "青禾书院"}, {"改名后", "已上架", "星光越剧团"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pending revisions (-want +got):\n%s", diff)
		}
		if revs[1].ProviderID != fx.provider.ID || revs[1].ItemID != live.ID {
			t.Errorf("revision %+v", revs[1])
		}
	})
}

func TestFindRevisionByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		m := fx.submit(t, func(f *culture.MenuItemFields) { f.Title = "初稿" })
		first := m.Pending.ID
		fx.approve(t, m.ID)
		edit, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, m.ID,
			mfxFields(func(f *culture.MenuItemFields) { f.Title = "改名后" }), fx.staff.ID)
		if err != nil {
			t.Fatal(err)
		}
		other := fx.submitAs(t, fx.otherProvider.ID, fx.otherReviewer.ID, func(f *culture.MenuItemFields) { f.Title = "露天电影" })

		type row struct {
			State, Title, ItemTitle, Provider string
			ProviderID, HubID                 int64
			Reviewed                          bool
		}
		for _, tc := range []struct {
			name string
			id   int64
			want row
		}{
			{"Approved", first, row{culture.RevisionApproved, "初稿", "初稿", "星光越剧团", fx.provider.ID, fx.hub.ID, true}},
			{"PendingEdit", edit.Pending.ID, row{culture.RevisionPending, "改名后", "初稿", "星光越剧团", fx.provider.ID, fx.hub.ID, false}},
			{"OtherHubNeverApproved", other.Pending.ID, row{culture.RevisionPending, "露天电影", "", "邻区影院", fx.otherProvider.ID, fx.otherHub.ID, false}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r, err := s.FindRevisionByID(t.Context(), tc.id)
				if err != nil {
					t.Fatal(err)
				}
				got := row{r.State, r.Fields.Title, r.ItemTitle, r.ProviderName, r.ProviderID, r.HubID, r.ReviewedBy != nil && r.ReviewedAt != nil}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("revision %d (-want +got):\n%s", tc.id, diff)
				}
				if r.ID != tc.id {
					t.Errorf("id %d, want %d", r.ID, tc.id)
				}
			})
		}
		_, err = s.FindRevisionByID(t.Context(), 99999)
		checkRefusal(t, err, culture.ENOTFOUND, "该提交不存在。")
	})
}
