package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestCreateRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		item := fx.publish(t)
		valid := func(mods ...func(*culture.MenuRequest)) *culture.MenuRequest {
			r := &culture.MenuRequest{ItemID: item.ID, UnitID: fx.branch.ID, PreferredDates: "七月上旬",
				Audience: 120, Mode: culture.ModeApproval, Note: "需要字幕屏", CreatedBy: fx.reviewer.ID}
			for _, m := range mods {
				m(r)
			}
			return r
		}
		t.Run("OK", func(t *testing.T) {
			r := valid()
			if err := s.CreateRequest(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			want := valid(func(w *culture.MenuRequest) {
				w.ID, w.Status, w.CreatedAt = r.ID, culture.RequestOpen, mfxNow
				w.ItemTitle, w.ProviderName, w.UnitName = item.Title, "星光越剧团", "解放分馆"
			})
			if diff := cmp.Diff(want, r); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
			got, err := s.FindRequestByID(t.Context(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
		pending := fx.submit(t)
		theirs := fx.publishFor(t, fx.otherProvider)
		for _, tc := range []struct {
			name      string
			mod       func(*culture.MenuRequest)
			code, msg string
		}{
			{"ErrMode", func(r *culture.MenuRequest) { r.Mode = "vip" }, culture.EINVALID, "请选择预约方式。"},
			{"ErrAudience", func(r *culture.MenuRequest) { r.Audience = 0 }, culture.EINVALID, ""},
			{"ErrDates", func(r *culture.MenuRequest) { r.PreferredDates = "" }, culture.EINVALID, ""},
			{"ErrNote", func(r *culture.MenuRequest) { r.Note = strings.Repeat("字", 501) }, culture.EINVALID, ""},
			{"ErrNotPublished", func(r *culture.MenuRequest) { r.ItemID = pending.ID }, culture.EINVALID, ""},
			{"ErrNoItem", func(r *culture.MenuRequest) { r.ItemID = 9999 }, culture.ENOTFOUND, ""},
			{"ErrHub", func(r *culture.MenuRequest) { r.UnitID = fx.hub.ID }, culture.EINVALID, "请选择本区的分馆或基层文化点。"},
			{"ErrOtherTree", func(r *culture.MenuRequest) { r.ItemID = theirs.ID }, culture.EINVALID, ""},
			{"ErrNoUnit", func(r *culture.MenuRequest) { r.UnitID = 9999 }, culture.EINVALID, ""},
			{"ErrOpenTwice", func(*culture.MenuRequest) {}, culture.ECONFLICT, "该项目已在本馆的点单中。"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := mfxCount(t, s, "menu_requests")
				accountWantErr(t, s.CreateRequest(t.Context(), valid(tc.mod)), tc.code, tc.msg)
				if after := mfxCount(t, s, "menu_requests"); after != before {
					t.Errorf("requests: %d, want %d", after, before)
				}
			})
		}
		t.Run("ErrNotPublishedReason", func(t *testing.T) {
			err := s.CreateRequest(t.Context(), valid(func(r *culture.MenuRequest) { r.ItemID = pending.ID }))
			if got := culture.ErrorReason(err); got != culture.ReasonNotPublished {
				t.Errorf("reason = %q, want %q", got, culture.ReasonNotPublished)
			}
		})
		t.Run("OKAfterWithdrawn", func(t *testing.T) {
			open, err := s.FindRequests(t.Context(), fx.branch.ID, mfxPtr(culture.RequestOpen))
			if err != nil || len(open) != 1 {
				t.Fatalf("open requests: %v, %v", open, err)
			}
			if err := s.SetRequestStatus(t.Context(), open[0].ID, culture.RequestWithdrawn, ""); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateRequest(t.Context(), valid()); err != nil {
				t.Errorf("second request after withdrawal: %v", err)
			}
			if err := s.CreateRequest(t.Context(), valid(func(r *culture.MenuRequest) { r.UnitID = fx.point.ID })); err != nil {
				t.Errorf("request at another unit: %v", err)
			}
		})
	})
}

// TestCreateRequestWhilePlanned checks that a planned request blocks a new
// one: declining or cancelling its delivery reopens it, and two open
// requests for one item at one unit would then stand side by side.
func TestCreateRequestWhilePlanned(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		r := fx.request(t, fx.item.ID, fx.branch.ID)
		d := fx.plan(t, func(d *culture.Delivery) { d.RequestID = &r.ID })
		again := &culture.MenuRequest{ItemID: fx.item.ID, UnitID: fx.branch.ID, PreferredDates: "六月",
			Audience: 30, Mode: culture.ModeFirstCome, CreatedBy: fx.planner}
		before := dfxCount(t, s, "menu_requests")
		checkRefusal(t, s.CreateRequest(t.Context(), again), culture.ECONFLICT, "该项目已在本馆的点单中。")
		if _, err := s.ConfirmDelivery(t.Context(), d.ID, fx.provider.ID, false, "档期冲突"); err != nil {
			t.Fatal(err)
		}
		if st, _ := fx.requestState(t, r.ID); st != culture.RequestOpen {
			t.Fatalf("request %s after the decline, want open", st)
		}
		if n := dfxCount(t, s, "menu_requests"); n != before {
			t.Errorf("%d requests, want %d", n, before)
		}
	})
}

func TestSetRequestStatus(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		item := fx.publish(t)
		t.Run("Withdraw", func(t *testing.T) {
			r := fx.request(t, item.ID, fx.branch)
			if err := s.SetRequestStatus(t.Context(), r.ID, culture.RequestWithdrawn, "不用了"); err != nil {
				t.Fatal(err)
			}
			got, _ := s.FindRequestByID(t.Context(), r.ID)
			if got.Status != culture.RequestWithdrawn || got.Reason != "" {
				t.Errorf("status %q, reason %q", got.Status, got.Reason)
			}
			err := s.SetRequestStatus(t.Context(), r.ID, culture.RequestDeclined, "太晚了")
			accountWantErr(t, err, culture.ECONFLICT, "只有待安排的点单可以撤回或不予采纳。")
		})
		t.Run("Decline", func(t *testing.T) {
			r := fx.request(t, item.ID, fx.branch2)
			if err := s.SetRequestStatus(t.Context(), r.ID, culture.RequestDeclined, " 本季度预算已满 "); err != nil {
				t.Fatal(err)
			}
			got, _ := s.FindRequestByID(t.Context(), r.ID)
			if got.Status != culture.RequestDeclined || got.Reason != "本季度预算已满" {
				t.Errorf("status %q, reason %q", got.Status, got.Reason)
			}
		})
		t.Run("ErrInput", func(t *testing.T) {
			r := fx.request(t, item.ID, fx.point)
			for _, tc := range []struct{ status, reason string }{
				{culture.RequestDeclined, ""},
				{culture.RequestDeclined, strings.Repeat("长", 201)},
				{culture.RequestPlanned, ""},
				{culture.RequestOpen, ""},
				{"deleted", ""},
			} {
				accountWantErr(t, s.SetRequestStatus(t.Context(), r.ID, tc.status, tc.reason), culture.EINVALID, "")
			}
			if got, _ := s.FindRequestByID(t.Context(), r.ID); got.Status != culture.RequestOpen || got.Reason != "" {
				t.Errorf("refused changes left status %q, reason %q", got.Status, got.Reason)
			}
			fixExec(t, s, `UPDATE menu_requests SET status = 'planned' WHERE id = ?`, r.ID)
			accountWantErr(t, s.SetRequestStatus(t.Context(), r.ID, culture.RequestWithdrawn, ""), culture.ECONFLICT, "")
			accountWantErr(t, s.SetRequestStatus(t.Context(), 9999, culture.RequestWithdrawn, ""), culture.ENOTFOUND, "点单不存在。")
			_, err := s.FindRequestByID(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "点单不存在。")
		})
	})
}

func TestFindRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		item := fx.publish(t)
		atBranch := fx.request(t, item.ID, fx.branch)
		fx.setNow(mfxNow.Add(time.Minute))
		atPoint := fx.request(t, item.ID, fx.point)
		atBranch2 := fx.request(t, item.ID, fx.branch2)
		fx.setNow(mfxNow)
		if err := s.SetRequestStatus(t.Context(), atPoint.ID, culture.RequestWithdrawn, ""); err != nil {
			t.Fatal(err)
		}
		ids := func(rs []*culture.MenuRequest) []int64 {
			out := []int64{}
			for _, r := range rs {
				out = append(out, r.ID)
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			within int64
			status *string
			want   []int64
		}{
			{"Branch", fx.branch.ID, nil, []int64{atPoint.ID, atBranch.ID}},
			{"Hub", fx.hub.ID, nil, []int64{atBranch2.ID, atPoint.ID, atBranch.ID}},
			{"Point", fx.point.ID, nil, []int64{atPoint.ID}},
			{"Open", fx.hub.ID, mfxPtr(culture.RequestOpen), []int64{atBranch2.ID, atBranch.ID}},
			{"OtherHub", fx.otherHub.ID, nil, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.FindRequests(t.Context(), tc.within, tc.status)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("Names", func(t *testing.T) {
			got, _ := s.FindRequests(t.Context(), fx.point.ID, nil)
			if r := got[0]; r.ItemTitle != item.Title || r.ProviderName != "星光越剧团" || r.UnitName != "东街文化点" {
				t.Errorf("names: %q %q %q", r.ItemTitle, r.ProviderName, r.UnitName)
			}
		})
		t.Run("ErrInput", func(t *testing.T) {
			_, err := s.FindRequests(t.Context(), fx.hub.ID, mfxPtr("lost"))
			accountWantErr(t, err, culture.EINVALID, "")
			_, err = s.FindRequests(t.Context(), 9999, nil)
			accountWantErr(t, err, culture.ENOTFOUND, "")
		})
	})
}

func TestDemandBoard(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		fx.setNow(time.Date(2026, 3, 2, 10, 0, 0, 0, culture.Shanghai))
		title := func(s string) func(*culture.MenuItemFields) {
			return func(f *culture.MenuItemFields) { f.Title = s }
		}
		opera, film, talk := fx.publish(t, title("越剧")), fx.publish(t, title("电影")), fx.publish(t, title("讲座"))
		fx.publish(t, title("无人问"))
		res := fx.residents(t, 4, fx.branch)
		at := func(month time.Month, day, hour, minute int) {
			fx.setNow(time.Date(2026, month, day, hour, minute, 0, 0, culture.Shanghai))
		}
		// Last season (2026Q1): not counted.
		at(3, 31, 23, 0)
		mfxSupport(t, s, res[0].ID, opera.ID, 0)
		fx.request(t, talk.ID, fx.branch2)
		// Week 0 (Mon 30 Mar): 1 April, a Wednesday.
		at(4, 1, 9, 0)
		mfxSupport(t, s, res[0].ID, film.ID, 0)
		// Week 1 (Mon 6 Apr) begins at 00:00 Shanghai, which is still
		// Sunday in UTC: these belong to week 1, not week 0.
		at(4, 6, 0, 30)
		mfxSupport(t, s, res[1].ID, opera.ID, 0)
		mfxSupport(t, s, res[2].ID, opera.ID, fx.point.ID)
		r1 := fx.request(t, opera.ID, fx.branch)
		// Week 13 (Mon 29 Jun), the last: Tuesday 30 June, late evening.
		at(6, 30, 23, 59)
		mfxSupport(t, s, res[3].ID, opera.ID, fx.branch2.ID)
		mfxSupport(t, s, res[3].ID, film.ID, fx.branch2.ID)
		planned := fx.request(t, film.ID, fx.point)
		fixExec(t, s, `UPDATE menu_requests SET status = 'planned' WHERE id = ?`, planned.ID)
		declined := fx.request(t, film.ID, fx.branch2)
		if err := s.SetRequestStatus(t.Context(), declined.ID, culture.RequestDeclined, "不合适"); err != nil {
			t.Fatal(err)
		}
		// Next season: not counted.
		at(7, 1, 0, 0)
		mfxSupport(t, s, res[2].ID, film.ID, 0)

		hub, err := s.DemandBoard(t.Context(), fx.hub.ID, "2026Q2")
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Title              string
			Supports, Requests int
		}
		rows := func(b *culture.DemandBoard) []row {
			out := []row{}
			for _, d := range b.Items {
				out = append(out, row{d.ItemTitle, d.Supports, d.Requests})
			}
			return out
		}
		// The talk has no support this season but its Q1 request is still
		// open; the quiet item has nothing and is left out.
		wantHub := []row{{"越剧", 3, 1}, {"电影", 2, 1}, {"讲座", 0, 1}}
		if diff := cmp.Diff(wantHub, rows(hub)); diff != "" {
			t.Errorf("hub items (-want +got):\n%s", diff)
		}
		if hub.Supports != 5 || hub.UnitID != fx.hub.ID || hub.Season != "2026Q2" {
			t.Errorf("hub board: supports %d, unit %d, season %s", hub.Supports, hub.UnitID, hub.Season)
		}
		if got := len(hub.Requests); got != 3 {
			t.Errorf("hub requests filed in Q2: %d, want 3", got)
		}
		wantTrend := mfxWeeks(t, 2026, 4, 7) // Mon 30 Mar … Mon 29 Jun
		wantTrend[0].Supports = 1
		wantTrend[1].Supports, wantTrend[1].Requests = 2, 1
		wantTrend[13].Supports, wantTrend[13].Requests = 2, 2
		if diff := cmp.Diff(wantTrend, hub.Trend); diff != "" {
			t.Errorf("hub trend (-want +got):\n%s", diff)
		}

		branch, err := s.DemandBoard(t.Context(), fx.branch.ID, "2026Q2")
		if err != nil {
			t.Fatal(err)
		}
		wantBranch := []row{{"越剧", 2, 1}, {"电影", 1, 1}}
		if diff := cmp.Diff(wantBranch, rows(branch)); diff != "" {
			t.Errorf("branch items (-want +got):\n%s", diff)
		}
		if branch.Supports != 3 || len(branch.Requests) != 2 || branch.Requests[0].ID != planned.ID || branch.Requests[1].ID != r1.ID {
			t.Errorf("branch: supports %d, requests %+v", branch.Supports, branch.Requests)
		}
		t.Run("ErrInput", func(t *testing.T) {
			_, err := s.DemandBoard(t.Context(), fx.hub.ID, "2026Q5")
			accountWantErr(t, err, culture.EINVALID, "季度格式应为 2026Q4。")
			_, err = s.DemandBoard(t.Context(), 9999, "2026Q2")
			accountWantErr(t, err, culture.ENOTFOUND, "")
		})
	})
}

// mfxWeeks lists empty DemandWeeks, one per Monday in Shanghai from the
// Monday on or before the first of the from month up to the end of the
// month before the to month.
func mfxWeeks(t *testing.T, year int, from, to time.Month) []*culture.DemandWeek {
	t.Helper()
	start := time.Date(year, from, 1, 0, 0, 0, 0, culture.Shanghai)
	end := time.Date(year, to, 1, 0, 0, 0, 0, culture.Shanghai)
	for start.Weekday() != time.Monday {
		start = start.AddDate(0, 0, -1)
	}
	var out []*culture.DemandWeek
	for w := start; w.Before(end); w = w.AddDate(0, 0, 7) {
		out = append(out, &culture.DemandWeek{Week: w.UTC()})
	}
	return out
}
