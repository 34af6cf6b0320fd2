package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// dfxCount counts the rows of a table.
func dfxCount(t *testing.T, s *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPlanDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			d := fx.delivery()
			if err := s.PlanDelivery(t.Context(), d); err != nil {
				t.Fatal(err)
			}
			want := fx.delivery(func(w *culture.Delivery) {
				w.ID, w.ProviderID, w.Status, w.CreatedAt = d.ID, fx.provider.ID, culture.DeliveryPlanned, dfxNow.UTC()
				w.ItemTitle, w.ProviderName, w.UnitName, w.RoomName = "越剧经典折子戏", "星光越剧团", "解放分馆", "多功能厅"
				w.StartsAt, w.EndsAt = w.StartsAt.UTC(), w.EndsAt.UTC()
			})
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			got, err := s.FindDeliveryByID(t.Context(), d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(d, got); diff != "" {
				t.Errorf("FindDeliveryByID (-planned +found):\n%s", diff)
			}
		})
		t.Run("OKPointWithRequest", func(t *testing.T) {
			r := fx.request(t, fx.rivalItem.ID, fx.point.ID)
			d := fx.plan(t, func(d *culture.Delivery) {
				d.ItemID, d.UnitID, d.RoomID, d.RequestID = fx.rivalItem.ID, fx.point.ID, nil, &r.ID
			})
			if d.ProviderID != fx.rival.ID || d.RequestID == nil || *d.RequestID != r.ID {
				t.Errorf("got provider %d, request %v", d.ProviderID, d.RequestID)
			}
			if st, del := fx.requestState(t, r.ID); st != culture.RequestPlanned || del == nil || *del != d.ID {
				t.Errorf("request %s, delivery %v; want planned, %d", st, del, d.ID)
			}
			again := fx.delivery(func(d *culture.Delivery) {
				d.ItemID, d.UnitID, d.RoomID, d.RequestID = fx.rivalItem.ID, fx.point.ID, nil, &r.ID
			})
			checkRefusal(t, s.PlanDelivery(t.Context(), again), culture.ECONFLICT, "该点单已安排或已关闭，不能再安排配送。")
		})

		pending, err := s.SubmitMenuItem(t.Context(), fx.provider.ID, 0, dfxFields(), fx.planner)
		if err != nil {
			t.Fatal(err)
		}
		branchReq := fx.request(t, fx.item.ID, fx.branch.ID)
		for _, tc := range []struct {
			name, code, msg string
			mod             func(*culture.Delivery)
		}{
			{"ErrPast", culture.EINVALID, "配送时间应晚于现在。", func(d *culture.Delivery) {
				d.StartsAt, d.EndsAt = dfxNow.Add(-time.Hour), dfxNow.Add(time.Hour)
			}},
			{"ErrNow", culture.EINVALID, "配送时间应晚于现在。", func(d *culture.Delivery) {
				d.StartsAt = dfxNow
			}},
			{"ErrTooFar", culture.EINVALID, "只能安排一年以内的配送。", func(d *culture.Delivery) {
				d.StartsAt, d.EndsAt = dfxNow.AddDate(1, 0, 1), dfxNow.AddDate(1, 0, 1).Add(time.Hour)
			}},
			{"ErrEndsBeforeStart", culture.EINVALID, "", func(d *culture.Delivery) { d.EndsAt = d.StartsAt }},
			{"ErrNoCapacity", culture.EINVALID, "名额应在 1 到 10000 之间。", func(d *culture.Delivery) { d.Capacity = 0 }},
			{"ErrAbsurdCapacity", culture.EINVALID, "名额应在 1 到 10000 之间。", func(d *culture.Delivery) {
				d.RoomID, d.Capacity = nil, 1_000_000_000
			}},
			{"ErrRoomTooSmall", culture.EINVALID, "名额不能超过场地容量（40 人）。", func(d *culture.Delivery) { d.Capacity = 41 }},
			{"ErrMode", culture.EINVALID, "请选择预约方式。", func(d *culture.Delivery) { d.Mode = "auction" }},
			{"ErrOtherHub", culture.EINVALID, "只能配送到本总馆下的分馆。", func(d *culture.Delivery) {
				d.UnitID, d.RoomID = fx.otherBranch.ID, nil
			}},
			{"ErrToHub", culture.EINVALID, "只能配送到本总馆下的分馆。", func(d *culture.Delivery) {
				d.UnitID, d.RoomID = fx.hub.ID, nil
			}},
			{"ErrNoUnit", culture.EINVALID, "只能配送到本总馆下的分馆。", func(d *culture.Delivery) {
				d.UnitID, d.RoomID = 99999, nil
			}},
			{"ErrRoomElsewhere", culture.EINVALID, "场地不属于所选分馆。", func(d *culture.Delivery) { d.RoomID = &fx.otherRoom.ID }},
			{"ErrNotPublished", culture.EINVALID, "该项目未上架，不能安排配送。", func(d *culture.Delivery) { d.ItemID = pending.ID }},
			{"ErrNoItem", culture.EINVALID, "菜单项目不存在。", func(d *culture.Delivery) { d.ItemID = 99999 }},
			{"ErrRequestOtherUnit", culture.EINVALID, "点单的项目或分馆与本次配送不符。", func(d *culture.Delivery) {
				d.UnitID, d.RoomID, d.RequestID = fx.point.ID, nil, &branchReq.ID
			}},
			{"ErrRequestOtherItem", culture.EINVALID, "点单的项目或分馆与本次配送不符。", func(d *culture.Delivery) {
				d.ItemID, d.RequestID = fx.rivalItem.ID, &branchReq.ID
			}},
			{"ErrNoRequest", culture.EINVALID, "点单不存在。", func(d *culture.Delivery) { d.RequestID = dfxPtr(int64(99999)) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := dfxCount(t, s, "deliveries")
				err := s.PlanDelivery(t.Context(), fx.delivery(tc.mod))
				checkRefusal(t, err, tc.code, tc.msg)
				if tc.name == "ErrNotPublished" && culture.ErrorReason(err) != culture.ReasonNotPublished {
					t.Errorf("reason = %q", culture.ErrorReason(err))
				}
				if n := dfxCount(t, s, "deliveries"); n != before {
					t.Errorf("%d deliveries after a refusal, want %d", n, before)
				}
				if st, _ := fx.requestState(t, branchReq.ID); st != culture.RequestOpen {
					t.Errorf("request %s after a refusal", st)
				}
			})
		}
	})
}

func TestConfirmDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			r := fx.request(t, fx.item.ID, fx.branch.ID)
			d := fx.plan(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
			fx.setNow(dfxNow.Add(time.Hour))
			got, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, true, "")
			if err != nil {
				t.Fatal(err)
			}
			confirmed := dfxNow.Add(time.Hour).UTC()
			if got.Status != culture.DeliveryPublished || got.ActivityID == nil ||
				got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(confirmed) {
				t.Fatalf("got %+v, want published with an activity at %v", got, confirmed)
			}
			a, err := s.FindActivityByID(t.Context(), *got.ActivityID)
			if err != nil {
				t.Fatal(err)
			}
			checkDeliveryActivity(t, a, d, fx)
			if !a.OpensAt.Equal(confirmed) || !a.ClosesAt.Equal(d.StartsAt) {
				t.Errorf("booking window %v–%v, want %v–%v", a.OpensAt, a.ClosesAt, confirmed, d.StartsAt)
			}
			if err := a.BookingState(confirmed); err != nil {
				t.Errorf("activity not bookable: %v", err)
			}
			fx.book(t, a.ID, fx.residents[2].ID)
			if st, _ := fx.requestState(t, r.ID); st != culture.RequestPlanned {
				t.Errorf("request %s, want still planned", st)
			}
			_, err = s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, true, "")
			checkRefusal(t, err, culture.ECONFLICT, "该配送当前为“已发布”，不能再确认或婉拒。")
			if n := dfxCount(t, s, "activities"); n != 1 {
				t.Errorf("%d activities after a second confirm, want 1", n)
			}
		})
		t.Run("OKLottery", func(t *testing.T) {
			_, a := fx.live(t, func(d *culture.Delivery) { d.Mode = culture.ModeLottery })
			if a.Mode != culture.ModeLottery || len(a.LotteryCommit) != 64 || a.LotterySeed != "" {
				t.Errorf("mode %s, commit %q, seed %q; want a lottery with a hidden seed", a.Mode, a.LotteryCommit, a.LotterySeed)
			}
		})
		t.Run("OKOpenWithoutRoom", func(t *testing.T) {
			_, a := fx.live(t, func(d *culture.Delivery) {
				d.Mode, d.RoomID, d.Capacity, d.UnitID = culture.ModeOpen, nil, 500, fx.point.ID
			})
			if a.Mode != culture.ModeOpen || a.Bookable() || a.RoomID != nil || a.UnitID != fx.point.ID {
				t.Errorf("got %+v, want an open activity at the point", a)
			}
		})
		t.Run("ErrOtherProvider", func(t *testing.T) {
			fx.setNow(dfxNow)
			d := fx.plan(t)
			before := dfxCount(t, s, "activities")
			_, err := s.ConfirmDelivery(t.Context(), d.ID, fx.rival.ID, true, "")
			checkRefusal(t, err, culture.EFORBIDDEN, culture.ErrForbidden.Message)
			_, err = s.ConfirmDelivery(t.Context(), d.ID, fx.rival.ID, false, "没空")
			checkRefusal(t, err, culture.EFORBIDDEN, culture.ErrForbidden.Message)
			checkUnchanged(t, s, d)
			if n := dfxCount(t, s, "activities"); n != before {
				t.Errorf("%d activities, want %d", n, before)
			}
		})
		t.Run("ErrStarted", func(t *testing.T) {
			fx.setNow(dfxNow)
			d := fx.plan(t)
			fx.setNow(d.StartsAt)
			_, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, true, "")
			checkRefusal(t, err, culture.EINVALID, "配送开始时间已过，不能确认，请联系总馆重新安排。")
			checkUnchanged(t, s, d)
		})
		t.Run("ErrItemWithdrawn", func(t *testing.T) {
			fx.setNow(dfxNow)
			item := fx.publish(t, fx.provider.ID, func(f *culture.MenuItemFields) { f.Title = "即将下架的项目" })
			d := fx.plan(t, func(d *culture.Delivery) { d.ItemID = item.ID })
			if err := s.WithdrawMenuItem(t.Context(), item.ID); err != nil {
				t.Fatal(err)
			}
			before := dfxCount(t, s, "activities")
			_, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, true, "")
			checkRefusal(t, err, culture.EINVALID, "该项目已下架，不能确认配送，请联系总馆。")
			if got := culture.ErrorReason(err); got != culture.ReasonNotPublished {
				t.Errorf("reason = %q, want %q", got, culture.ReasonNotPublished)
			}
			checkUnchanged(t, s, d)
			if n := dfxCount(t, s, "activities"); n != before {
				t.Errorf("%d activities, want %d", n, before)
			}
			// Declining stays possible: it tells the hub why nothing happens.
			if _, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, false, "项目已下架"); err != nil {
				t.Errorf("decline: %v", err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.ConfirmDelivery(t.Context(), 99999, fx.provider.ID, true, "")
			checkRefusal(t, err, culture.ENOTFOUND, "配送不存在。")
		})
	})
}

// checkDeliveryActivity checks the activity created for delivery d of fx.item.
func checkDeliveryActivity(t *testing.T, a *culture.Activity, d *culture.Delivery, fx *deliveryFix) {
	t.Helper()
	type view struct {
		Unit, Series      int64
		Room              *int64
		Title, Category   string
		Audience          string
		AgeMin, AgeMax    int
		Capacity, Seats   int
		Mode, Status      string
		StartsAt, EndsAt  time.Time
		DescribesProvider bool
	}
	want := view{fx.branch.ID, fx.series, &fx.room.ID, "越剧经典折子戏", "戏曲", "老年人、成人", 12, 0,
		d.Capacity, d.Capacity, d.Mode, culture.ActivityPublished, d.StartsAt, d.EndsAt, true}
	got := view{a.UnitID, 0, a.RoomID, a.Title, a.Category, a.Audience, a.AgeMin, a.AgeMax,
		a.Capacity, a.SeatsLeft, a.Mode, a.Status, a.StartsAt, a.EndsAt,
		strings.HasPrefix(a.Description, "《梁祝》《红楼梦》选段。") && strings.Contains(a.Description, "星光越剧团")}
	if a.SeriesID != nil {
		got.Series = *a.SeriesID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("activity (-want +got):\n%s", diff)
	}
}

// checkUnchanged fails unless the delivery is as it was.
func checkUnchanged(t *testing.T, s *sqlstore.Store, d *culture.Delivery) {
	t.Helper()
	got, err := s.FindDeliveryByID(t.Context(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(d, got); diff != "" {
		t.Errorf("delivery changed (-before +after):\n%s", diff)
	}
}

func TestDeclineDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		r := fx.request(t, fx.item.ID, fx.branch.ID)
		d := fx.plan(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
		for _, tc := range []struct{ name, reason string }{
			{"ErrNoReason", ""},
			{"ErrBlankReason", " \t "},
			{"ErrLongReason", strings.Repeat("忙", 201)},
			{"ErrBadReason", "没空\x00"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, false, tc.reason)
				checkRefusal(t, err, culture.EINVALID, "请填写婉拒原因（最多 200 个字）。")
				checkUnchanged(t, s, d)
			})
		}
		t.Run("OK", func(t *testing.T) {
			got, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, false, "演员档期冲突")
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != culture.DeliveryDeclined || got.Reason != "演员档期冲突" || got.ActivityID != nil {
				t.Errorf("got %+v, want declined with the reason", got)
			}
			if st, del := fx.requestState(t, r.ID); st != culture.RequestOpen || del != nil {
				t.Errorf("request %s, delivery %v; want open, none", st, del)
			}
			if n := dfxCount(t, s, "activities"); n != 0 {
				t.Errorf("%d activities after a decline", n)
			}
			_, err = s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, true, "")
			checkRefusal(t, err, culture.ECONFLICT, "该配送当前为“已婉拒”，不能再确认或婉拒。")
		})
		t.Run("OKPlanAgain", func(t *testing.T) {
			again := fx.plan(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
			if st, del := fx.requestState(t, r.ID); st != culture.RequestPlanned || del == nil || *del != again.ID {
				t.Errorf("request %s, delivery %v; want planned, %d", st, del, again.ID)
			}
		})
	})
}

func TestUpdateDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		d := fx.plan(t)
		t.Run("OKMode", func(t *testing.T) {
			got, err := s.UpdateDelivery(t.Context(), d.ID, culture.DeliveryUpdate{Mode: dfxPtr(culture.ModeApproval)})
			if err != nil {
				t.Fatal(err)
			}
			if got.Mode != culture.ModeApproval || got.Status != culture.DeliveryPlanned {
				t.Errorf("got mode %s, status %s", got.Mode, got.Status)
			}
			d = got
		})
		for _, tc := range []struct {
			name, code, msg string
			upd             culture.DeliveryUpdate
		}{
			{"ErrMode", culture.EINVALID, "请选择预约方式。", culture.DeliveryUpdate{Mode: dfxPtr("auction")}},
			{"ErrCostNotHeld", culture.ECONFLICT, "活动举办后才能结算，已结算的配送不能再改。", culture.DeliveryUpdate{Cost: dfxPtr(100)}},
			{"ErrNegativeCost", culture.EINVALID, "费用应在 0 到 1000000 元之间。", culture.DeliveryUpdate{Cost: dfxPtr(-1)}},
			{"ErrAbsurdCost", culture.EINVALID, "费用应在 0 到 1000000 元之间。", culture.DeliveryUpdate{Cost: dfxPtr(culture.MaxItemCost + 1)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.UpdateDelivery(t.Context(), d.ID, tc.upd)
				checkRefusal(t, err, tc.code, tc.msg)
				checkUnchanged(t, s, d)
			})
		}
		t.Run("ErrModeAfterConfirm", func(t *testing.T) {
			c := fx.confirm(t, d)
			_, err := s.UpdateDelivery(t.Context(), d.ID, culture.DeliveryUpdate{Mode: dfxPtr(culture.ModeFirstCome)})
			checkRefusal(t, err, culture.ECONFLICT, "只有待确认的配送可以修改预约方式。")
			checkUnchanged(t, s, c)
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UpdateDelivery(t.Context(), 99999, culture.DeliveryUpdate{Cost: dfxPtr(1)})
			checkRefusal(t, err, culture.ENOTFOUND, "配送不存在。")
		})
	})
}

func TestCancelDelivery(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		t.Run("OKPlanned", func(t *testing.T) {
			r := fx.request(t, fx.item.ID, fx.branch.ID)
			d := fx.plan(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
			if err := s.CancelDelivery(t.Context(), d.ID, "分馆场地维修"); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindDeliveryByID(t.Context(), d.ID)
			if err != nil || got.Status != culture.DeliveryCancelled || got.Reason != "分馆场地维修" {
				t.Errorf("got %+v (%v), want cancelled with the reason", got, err)
			}
			if st, del := fx.requestState(t, r.ID); st != culture.RequestOpen || del != nil {
				t.Errorf("request %s, delivery %v; want open, none", st, del)
			}
			err = s.CancelDelivery(t.Context(), d.ID, "再取消一次")
			checkRefusal(t, err, culture.ECONFLICT, "该配送当前为“已取消”，不能取消。")
		})
		t.Run("OKPublished", func(t *testing.T) {
			d, a := fx.live(t)
			b := fx.book(t, a.ID, fx.residents[0].ID)
			if err := s.CancelDelivery(t.Context(), d.ID, "暴雨预警"); err != nil {
				t.Fatal(err)
			}
			if got, err := s.FindActivityByID(t.Context(), a.ID); err != nil || got.Status != culture.ActivityCancelled {
				t.Errorf("activity %+v (%v), want cancelled", got, err)
			}
			if st := bookingStatus(t, s, b.ID); st != culture.BookingCancelled {
				t.Errorf("booking %s, want cancelled", st)
			}
		})
		for _, tc := range []struct{ name, reason string }{{"ErrNoReason", ""}, {"ErrLongReason", strings.Repeat("雨", 201)}} {
			t.Run(tc.name, func(t *testing.T) {
				d := fx.plan(t)
				checkRefusal(t, s.CancelDelivery(t.Context(), d.ID, tc.reason), culture.EINVALID, "请填写取消原因（最多 200 个字）。")
				checkUnchanged(t, s, d)
			})
		}
		t.Run("ErrHeld", func(t *testing.T) {
			d, _ := fx.held(t)
			checkRefusal(t, s.CancelDelivery(t.Context(), d.ID, "太晚了"), culture.ECONFLICT, "该配送当前为“已举办”，不能取消。")
			checkUnchanged(t, s, d)
		})
		// A published delivery whose activity began (or ended before
		// MarkDeliveriesHeld ran) took place: cancelling it would cancel
		// the checked-in residents' bookings.
		for _, tc := range []struct {
			name  string
			after time.Duration // past the start
		}{{"ErrStarted", 0}, {"ErrInProgress", time.Hour}, {"ErrEndedNotYetHeld", 2*time.Hour + time.Minute}} {
			t.Run(tc.name, func(t *testing.T) {
				d, a := fx.live(t)
				b := fx.attend(t, a, fx.residents[2].ID)
				fx.setNow(a.StartsAt.Add(tc.after))
				checkRefusal(t, s.CancelDelivery(t.Context(), d.ID, "临时取消"), culture.ECONFLICT, "活动已开始，不能再取消配送。")
				checkUnchanged(t, s, d)
				if got, err := s.FindActivityByID(t.Context(), a.ID); err != nil || got.Status != culture.ActivityPublished {
					t.Errorf("activity %+v (%v), want still published", got, err)
				}
				if st := bookingStatus(t, s, b.ID); st != culture.BookingCheckedIn {
					t.Errorf("booking %s, want checked in", st)
				}
			})
		}
	})
}

// TestDeliveryLifecycle follows one delivery from the branch's request to
// settlement.
func TestDeliveryLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		r := fx.request(t, fx.item.ID, fx.branch.ID)
		d, a := fx.live(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
		fx.book(t, a.ID, fx.residents[1].ID)
		fx.checkIn(t, a, fx.book(t, a.ID, fx.residents[0].ID, fx.family), fx.book(t, a.ID, fx.residents[2].ID))

		fx.setNow(a.EndsAt.Add(-time.Minute))
		if n, err := s.MarkDeliveriesHeld(t.Context()); err != nil || n != 0 {
			t.Fatalf("before the end: %d held (%v), want 0", n, err)
		}
		end := a.EndsAt
		fx.setNow(end)
		if n, err := s.MarkDeliveriesHeld(t.Context()); err != nil || n != 1 {
			t.Fatalf("at the end: %d held (%v), want 1", n, err)
		}
		if n, err := s.MarkDeliveriesHeld(t.Context()); err != nil || n != 0 {
			t.Fatalf("again: %d held (%v), want 0", n, err)
		}
		got, err := s.FindDeliveryByID(t.Context(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != culture.DeliveryHeld || got.Attendance != 3 || got.HeldAt == nil || !got.HeldAt.Equal(end) {
			t.Errorf("got status %s, attendance %d, held at %v; want held, 3, %v", got.Status, got.Attendance, got.HeldAt, end)
		}
		if st, _ := fx.requestState(t, r.ID); st != culture.RequestDelivered {
			t.Errorf("request %s, want delivered", st)
		}

		fx.setNow(end.Add(time.Hour))
		if err := s.Rate(t.Context(), &culture.Rating{ActivityID: a.ID, AccountID: fx.residents[0].ID, Score: 5}); err != nil {
			t.Fatal(err)
		}
		if err := s.Rate(t.Context(), &culture.Rating{ActivityID: a.ID, AccountID: fx.residents[2].ID, Score: 4}); err != nil {
			t.Fatal(err)
		}
		if got, err = s.FindDeliveryByID(t.Context(), d.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status != culture.DeliveryRated || got.RatingCount != 2 || got.RatingAvg != 4.5 {
			t.Errorf("got status %s, %d ratings averaging %v; want rated, 2, 4.5", got.Status, got.RatingCount, got.RatingAvg)
		}

		settled := end.Add(48 * time.Hour)
		fx.setNow(settled)
		got, err = s.UpdateDelivery(t.Context(), d.ID, culture.DeliveryUpdate{Cost: dfxPtr(2800)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != culture.DeliverySettled || got.Cost == nil || *got.Cost != 2800 ||
			got.SettledAt == nil || !got.SettledAt.Equal(settled) {
			t.Errorf("got %+v, want settled at 2800 yuan", got)
		}
		_, err = s.UpdateDelivery(t.Context(), d.ID, culture.DeliveryUpdate{Cost: dfxPtr(1)})
		checkRefusal(t, err, culture.ECONFLICT, "活动举办后才能结算，已结算的配送不能再改。")
	})
}

func TestMarkDeliveriesHeld(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		t.Run("OKLateCheckIn", func(t *testing.T) {
			d, a := fx.live(t)
			b := fx.book(t, a.ID, fx.residents[0].ID, fx.family)
			d = fx.finish(t, d, a)
			if d.Status != culture.DeliveryHeld || d.Attendance != 0 {
				t.Fatalf("got %s with %d, want held with 0", d.Status, d.Attendance)
			}
			if _, err := s.CheckInCode(t.Context(), b.Code, 0, 0); err != nil {
				t.Fatal(err)
			}
			if d = fx.finish(t, d, a); d.Attendance != 2 {
				t.Errorf("attendance %d after a late check-in, want 2", d.Attendance)
			}
		})
		t.Run("OKActivityCancelled", func(t *testing.T) {
			r := fx.request(t, fx.item.ID, fx.branch.ID)
			d, a := fx.live(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
			if err := s.CancelActivity(t.Context(), a.ID); err != nil {
				t.Fatal(err)
			}
			if n, err := s.MarkDeliveriesHeld(t.Context()); err != nil || n != 0 {
				t.Fatalf("%d held (%v), want 0", n, err)
			}
			got, err := s.FindDeliveryByID(t.Context(), d.ID)
			if err != nil || got.Status != culture.DeliveryCancelled || got.Reason != "活动已取消。" {
				t.Errorf("got %+v (%v), want cancelled", got, err)
			}
			if st, _ := fx.requestState(t, r.ID); st != culture.RequestOpen {
				t.Errorf("request %s, want open", st)
			}
		})
		t.Run("OKLateCheckInSettled", func(t *testing.T) {
			d, a := fx.live(t)
			b := fx.book(t, a.ID, fx.residents[1].ID)
			d = fx.finish(t, d, a)
			if _, err := s.UpdateDelivery(t.Context(), d.ID, culture.DeliveryUpdate{Cost: dfxPtr(100)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CheckInCode(t.Context(), b.Code, 0, 0); err != nil { // within the late hour
				t.Fatal(err)
			}
			if d = fx.finish(t, d, a); d.Status != culture.DeliverySettled || d.Attendance != 1 {
				t.Errorf("got %s with %d after a late check-in, want settled with 1", d.Status, d.Attendance)
			}
		})
		t.Run("OKRatingMissedByRate", func(t *testing.T) {
			// On PostgreSQL a rating committed while MarkDeliveriesHeld
			// runs is missed by both: the delivery is held with a rating.
			d, a := fx.live(t)
			fx.attend(t, a, fx.residents[2].ID)
			if d = fx.finish(t, d, a); d.Status != culture.DeliveryHeld {
				t.Fatalf("got %s, want held", d.Status)
			}
			dfxRating(t, s, a.ID, fx.residents[2].ID, 0)
			if d = fx.finish(t, d, a); d.Status != culture.DeliveryRated {
				t.Errorf("got %s with %d rating(s), want rated", d.Status, d.RatingCount)
			}
		})
		t.Run("OKHiddenRatingOnly", func(t *testing.T) {
			d, a := fx.live(t)
			fx.attend(t, a, fx.residents[3].ID)
			dfxRating(t, s, a.ID, fx.residents[3].ID, 1)
			if d = fx.finish(t, d, a); d.Status != culture.DeliveryHeld {
				t.Errorf("got %s, want held: a hidden rating does not count", d.Status)
			}
			if d = fx.finish(t, d, a); d.Status != culture.DeliveryHeld {
				t.Errorf("again: got %s, want held", d.Status)
			}
		})
		t.Run("OKPlannedStays", func(t *testing.T) {
			fx.setNow(dfxNow)
			d := fx.plan(t)
			fx.setNow(d.EndsAt.Add(time.Hour))
			if _, err := s.MarkDeliveriesHeld(t.Context()); err != nil {
				t.Fatal(err)
			}
			checkUnchanged(t, s, d)
		})
	})
}

func TestFindDeliveries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		day := func(n int) func(*culture.Delivery) {
			return func(d *culture.Delivery) {
				d.StartsAt, d.EndsAt = d.StartsAt.AddDate(0, 0, n), d.EndsAt.AddDate(0, 0, n)
			}
		}
		atPoint := func(d *culture.Delivery) { d.UnitID, d.RoomID = fx.point.ID, nil }
		rival := func(d *culture.Delivery) { d.ItemID = fx.rivalItem.ID }
		first := fx.plan(t)
		second := fx.plan(t, day(2), atPoint)
		third := fx.plan(t, day(60), rival) // July: 2026Q3
		held, _ := fx.held(t, day(1))
		fx.setNow(dfxNow)

		ids := func(ds []*culture.Delivery) []int64 {
			out := []int64{}
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		q2, q3, done := culture.Season("2026Q2"), culture.Season("2026Q3"), culture.DeliveryHeld
		for _, tc := range []struct {
			name      string
			f         culture.DeliveryFilter
			want      []int64
			wantTotal int
		}{
			{"All", culture.DeliveryFilter{}, []int64{third.ID, second.ID, held.ID, first.ID}, 4},
			{"WithinPoint", culture.DeliveryFilter{Within: &fx.point.ID}, []int64{second.ID}, 1},
			{"WithinBranch", culture.DeliveryFilter{Within: &fx.branch.ID}, []int64{third.ID, second.ID, held.ID, first.ID}, 4},
			{"WithinOtherHub", culture.DeliveryFilter{Within: &fx.otherHub.ID}, []int64{}, 0},
			{"Provider", culture.DeliveryFilter{ProviderID: &fx.rival.ID}, []int64{third.ID}, 1},
			{"Item", culture.DeliveryFilter{ItemID: &fx.item.ID}, []int64{second.ID, held.ID, first.ID}, 3},
			{"Status", culture.DeliveryFilter{Status: &done}, []int64{held.ID}, 1},
			{"SeasonQ2", culture.DeliveryFilter{Season: &q2}, []int64{second.ID, held.ID, first.ID}, 3},
			{"SeasonQ3", culture.DeliveryFilter{Season: &q3}, []int64{third.ID}, 1},
			{"Page", culture.DeliveryFilter{Limit: 2, Offset: 1}, []int64{second.ID, held.ID}, 4},
			{"PastEnd", culture.DeliveryFilter{Offset: 10}, []int64{}, 4},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.FindDeliveries(t.Context(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, ids(got)); diff != "" || total != tc.wantTotal {
					t.Errorf("total %d, want %d; ids (-want +got):\n%s", total, tc.wantTotal, diff)
				}
			})
		}
		t.Run("Joined", func(t *testing.T) {
			got, _, err := s.FindDeliveries(t.Context(), culture.DeliveryFilter{Status: &done})
			if err != nil || len(got) != 1 {
				t.Fatalf("got %v (%v)", got, err)
			}
			if diff := cmp.Diff(held, got[0]); diff != "" {
				t.Errorf("(-FindDeliveryByID +FindDeliveries):\n%s", diff)
			}
			if held.Attendance != 2 || held.UnitName != "解放分馆" || held.RoomName != "多功能厅" {
				t.Errorf("got %+v", held)
			}
		})
		t.Run("ErrSeason", func(t *testing.T) {
			bad := culture.Season("2026Q5")
			_, _, err := s.FindDeliveries(t.Context(), culture.DeliveryFilter{Season: &bad})
			checkRefusal(t, err, culture.EINVALID, "季度格式应为 2026Q4。")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.FindDeliveryByID(t.Context(), 99999)
			checkRefusal(t, err, culture.ENOTFOUND, "配送不存在。")
		})
	})
}

// dfxRating stores a rating with raw SQL, bypassing Rate.
func dfxRating(t *testing.T, s *sqlstore.Store, activityID, accountID int64, hidden int) {
	t.Helper()
	fixInsert(t, s, `INSERT INTO ratings (activity_id, account_id, score, comment, hidden, created_at)
		VALUES (?, ?, 5, '', ?, 0) RETURNING id`, activityID, accountID, hidden)
}

func TestBranchFigures(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		third := fx.publish(t, fx.provider.ID, func(f *culture.MenuItemFields) { f.Title = "书法讲座" })
		fx.setNow(time.Date(2026, 3, 20, 9, 0, 0, 0, culture.Shanghai)) // 2026Q1
		fx.request(t, third.ID, fx.point.ID)
		fx.setNow(dfxNow)
		delivered := fx.request(t, fx.item.ID, fx.branch.ID)
		withdrawn := fx.request(t, fx.rivalItem.ID, fx.branch.ID)
		if err := s.SetRequestStatus(t.Context(), withdrawn.ID, culture.RequestWithdrawn, ""); err != nil {
			t.Fatal(err)
		}
		fx.request(t, third.ID, fx.branch.ID)
		fx.request(t, fx.item.ID, fx.point.ID)
		d, _ := fx.held(t, func(d *culture.Delivery) { d.RequestID = &delivered.ID })
		if _, err := s.UpdateDelivery(t.Context(), d.ID, culture.DeliveryUpdate{Cost: dfxPtr(2800)}); err != nil {
			t.Fatal(err)
		}
		// A delivery the hub planned without a request, held in July (Q3).
		july := time.Date(2026, 7, 2, 14, 0, 0, 0, culture.Shanghai)
		d2, a2 := fx.live(t, func(d *culture.Delivery) { d.StartsAt, d.EndsAt = july, july.Add(time.Hour) })
		fx.finish(t, d2, a2)
		if _, err := s.UpdateDelivery(t.Context(), d2.ID, culture.DeliveryUpdate{Cost: dfxPtr(500)}); err != nil {
			t.Fatal(err)
		}
		// The point's only Q3 request is withdrawn: no row for it in Q3.
		fx.setNow(july.Add(24 * time.Hour))
		gone := fx.request(t, fx.rivalItem.ID, fx.point.ID)
		if err := s.SetRequestStatus(t.Context(), gone.ID, culture.RequestWithdrawn, ""); err != nil {
			t.Fatal(err)
		}

		branch := &culture.BranchFigures{UnitID: fx.branch.ID, UnitName: "解放分馆", Requests: 2, Delivered: 1, Rate: 0.5, Budget: 2800}
		point := &culture.BranchFigures{UnitID: fx.point.ID, UnitName: "东街文化点", Requests: 1}
		for _, tc := range []struct {
			name   string
			within int64
			season culture.Season
			want   []*culture.BranchFigures
		}{
			{"Hub", fx.hub.ID, "2026Q2", []*culture.BranchFigures{branch, point}},
			{"Point", fx.point.ID, "2026Q2", []*culture.BranchFigures{point}},
			{"OtherHub", fx.otherHub.ID, "2026Q2", []*culture.BranchFigures{}},
			{"EarlierSeason", fx.hub.ID, "2026Q1", []*culture.BranchFigures{{UnitID: fx.point.ID, UnitName: "东街文化点", Requests: 1}}},
			{"BudgetOnly", fx.hub.ID, "2026Q3", []*culture.BranchFigures{{UnitID: fx.branch.ID, UnitName: "解放分馆", Budget: 500}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.BranchFigures(t.Context(), tc.within, tc.season)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		t.Run("ErrSeason", func(t *testing.T) {
			_, err := s.BranchFigures(t.Context(), fx.hub.ID, "Q2")
			checkRefusal(t, err, culture.EINVALID, "季度格式应为 2026Q4。")
		})
	})
}
