package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleRequestForm is a valid request form for item at unit.
func consoleRequestForm(item, unit int64, change ...string) url.Values {
	v := url.Values{"item_id": {fmt.Sprint(item)}, "unit_id": {fmt.Sprint(unit)}, "preferred_dates": {"元旦前后"},
		"expected_audience": {"120"}, "mode": {"lottery"}, "note": {"礼堂可用"}}
	for i := 0; i+1 < len(change); i += 2 {
		v.Set(change[i], change[i+1])
	}
	return v
}

// requests lists the requests within a unit.
func (f *consoleMenuFixture) requests(within int64) []*culture.MenuRequest {
	f.t.Helper()
	rs, err := f.store.FindRequests(context.Background(), within, nil)
	f.must(err)
	return rs
}

func TestConsoleRequestCreate(t *testing.T) {
	f := newConsoleMenuServer(t)
	form := func(change ...string) url.Values { return consoleRequestForm(f.shuyuanItem.ID, f.xi, change...) }
	f.run(t, []consoleScenario{
		{name: "Form", user: "xiadmin", path: idPath("/console/requests/new?item=%d", f.shuyuanItem.ID), status: http.StatusOK,
			want: []string{"为分馆点单", "少儿书法课", "焦西分馆", "焦西社区活动室"}, deny: []string{"焦南分馆"}},
		{name: "ErrFormProvider", user: "yuju", path: "/console/requests/new", status: http.StatusForbidden},
		{name: "ErrFormChecker", user: "xichecker", path: "/console/requests/new", status: http.StatusForbidden},
		{name: "ErrAudience", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("expected_audience", "0"), status: http.StatusUnprocessableEntity, want: []string{"预计人数应在 1 到 10000 之间。"}},
		{name: "ErrDates", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("preferred_dates", ""), status: http.StatusUnprocessableEntity, want: []string{"请填写期望时间。"}},
		{name: "ErrMode", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("mode", "raffle"), status: http.StatusUnprocessableEntity, want: []string{"请选择预约方式。"}},
		{name: "ErrPendingItem", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("item_id", fmt.Sprint(f.yujuDraft.ID)), status: http.StatusUnprocessableEntity, want: []string{"该项目未上架，不能点单。"}},
		{name: "ErrUnknownItem", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("item_id", "999999"), status: http.StatusUnprocessableEntity, want: []string{"所选菜单项目不存在。"}},
		{name: "ErrOtherBranch", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("unit_id", fmt.Sprint(f.nan)), status: http.StatusForbidden},
	})
	if rs := f.requests(f.hub); len(rs) != 1 {
		t.Fatalf("refused forms stored requests: %d, want 1", len(rs))
	}
	f.run(t, []consoleScenario{
		{name: "Create", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new", form: form(),
			status: http.StatusSeeOther, location: "/console/requests"},
		{name: "CreatePoint", user: "xiadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("unit_id", fmt.Sprint(f.xiPoint)), status: http.StatusSeeOther},
		{name: "HubForBranch", user: "hubadmin", method: http.MethodPost, path: "/console/requests/new",
			form: form("unit_id", fmt.Sprint(f.nan)), status: http.StatusSeeOther},
	})
	if n := len(f.requests(f.xi)); n != 3 {
		t.Errorf("焦西 requests: %d, want 3", n)
	}
	if rs := f.requests(f.nan); len(rs) != 1 || rs[0].Mode != culture.ModeLottery || rs[0].Audience != 120 {
		t.Errorf("焦南 requests: %+v", rs)
	}
}

func TestConsoleRequestList(t *testing.T) {
	f := newConsoleMenuServer(t)
	withdraw, decline := idPath("/console/requests/%d/withdraw", f.xiRequest.ID), idPath("/console/requests/%d/decline", f.xiRequest.ID)
	f.run(t, []consoleScenario{
		{name: "Branch", user: "xiadmin", path: "/console/requests", status: http.StatusOK,
			want: []string{"豫剧经典唱段", "下月周末", "撤回"}, deny: []string{"安排配送", "不采纳"}},
		{name: "OtherBranch", user: "nanadmin", path: "/console/requests", status: http.StatusOK, deny: []string{"豫剧经典唱段"}},
		{name: "Hub", user: "hubadmin", path: "/console/requests", status: http.StatusOK,
			want: []string{"豫剧经典唱段", "安排配送", "不采纳"}},
		{name: "ErrProvider", user: "yuju", path: "/console/requests", status: http.StatusForbidden},
		{name: "ErrWithdrawOtherBranch", user: "nanadmin", method: http.MethodPost, path: withdraw, status: http.StatusForbidden},
		{name: "ErrDeclineBranch", user: "xiadmin", method: http.MethodPost, path: decline,
			form: url.Values{"reason": {"自己拒绝"}}, status: http.StatusForbidden},
		{name: "ErrDeclineNoReason", user: "hubadmin", method: http.MethodPost, path: decline,
			status: http.StatusUnprocessableEntity, want: []string{"请填写未采纳的原因。"}},
	})
	if r, _ := f.store.FindRequestByID(context.Background(), f.xiRequest.ID); r.Status != culture.RequestOpen {
		t.Fatalf("refused actions changed the request: %s", r.Status)
	}
	f.run(t, []consoleScenario{
		{name: "Decline", user: "hubadmin", method: http.MethodPost, path: decline,
			form: url.Values{"reason": {"本季度预算已满"}}, status: http.StatusSeeOther},
		{name: "ErrWithdrawDeclined", user: "xiadmin", method: http.MethodPost, path: withdraw, status: http.StatusConflict},
		{name: "ShownToBranch", user: "xiadmin", path: "/console/requests?status=declined", status: http.StatusOK,
			want: []string{"本季度预算已满"}},
	})
	if r, _ := f.store.FindRequestByID(context.Background(), f.xiRequest.ID); r.Status != culture.RequestDeclined || r.Reason != "本季度预算已满" {
		t.Errorf("declined request: %+v", r)
	}
}

func TestConsoleRequestWithdraw(t *testing.T) {
	f := newConsoleMenuServer(t)
	f.run(t, []consoleScenario{
		{name: "Withdraw", user: "xiadmin", method: http.MethodPost, path: idPath("/console/requests/%d/withdraw", f.xiRequest.ID),
			status: http.StatusSeeOther, location: "/console/requests"},
	})
	if r, _ := f.store.FindRequestByID(context.Background(), f.xiRequest.ID); r.Status != culture.RequestWithdrawn {
		t.Errorf("status %s, want withdrawn", r.Status)
	}
}

func TestConsoleDemand(t *testing.T) {
	f := newConsoleMenuServer(t)
	season := string(culture.SeasonOf(consoleT0()))
	f.run(t, []consoleScenario{
		{name: "Branch", user: "xiadmin", path: "/console/demand", status: http.StatusOK,
			want: []string{"点单需求", "豫剧经典唱段", "下月周末", "各分馆完成情况", "每周趋势"}, deny: []string{"焦南分馆"}},
		{name: "HubSwitches", user: "hubadmin", path: idPath("/console/demand?unit=%d", f.nan), status: http.StatusOK,
			want: []string{"焦南分馆", "焦西分馆"}, deny: []string{"下月周末"}},
		{name: "OtherSeason", user: "hubadmin", path: "/console/demand?season=" + season, status: http.StatusOK,
			want: []string{"2031 年第 1 季度"}},
		{name: "ErrSeason", user: "hubadmin", path: "/console/demand?season=2026Q9", status: http.StatusUnprocessableEntity,
			want: []string{"季度格式应为 2026Q4。"}},
		{name: "ErrOtherBranch", user: "xiadmin", path: idPath("/console/demand?unit=%d", f.nan), status: http.StatusForbidden},
		{name: "ErrUnit", user: "xiadmin", path: "/console/demand?unit=x", status: http.StatusNotFound},
		{name: "ErrProvider", user: "yuju", path: "/console/demand", status: http.StatusForbidden},
	})
}
