package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestConsoleDeliveryConfirm(t *testing.T) {
	f := newConsoleMenuServer(t)
	yd, sd := f.yujuDelivery.ID, f.shuyuanDelivery.ID
	confirm, decline := "/console/deliveries/%d/confirm", "/console/deliveries/%d/decline"
	f.run(t, []consoleScenario{
		{name: "List", user: "yuju", path: idPath("/console/providers/%d/deliveries", f.yuju.ID), status: http.StatusOK,
			want: []string{"豫剧经典唱段", "焦西分馆", "确认配送"}, deny: []string{"少儿书法课"}},
		{name: "ErrListOther", user: "shuyuan", path: idPath("/console/providers/%d/deliveries", f.yuju.ID), status: http.StatusForbidden},
		{name: "ErrConfirmOther", user: "shuyuan", method: http.MethodPost, path: idPath(confirm, yd), status: http.StatusForbidden},
		{name: "ErrDeclineOther", user: "shuyuan", method: http.MethodPost, path: idPath(decline, yd),
			form: url.Values{"reason": {"没空"}}, status: http.StatusForbidden},
		{name: "ErrConfirmHub", user: "hubadmin", method: http.MethodPost, path: idPath(confirm, yd), status: http.StatusForbidden},
		{name: "ErrDeclineNoReason", user: "shuyuan", method: http.MethodPost, path: idPath(decline, sd),
			status: http.StatusUnprocessableEntity, want: []string{"请填写婉拒原因。"}},
	})
	if d := f.delivery(yd); d.Status != culture.DeliveryPlanned || d.ActivityID != nil {
		t.Fatalf("delivery changed by another provider: %+v", d)
	}
	if d := f.delivery(sd); d.Status != culture.DeliveryPlanned {
		t.Fatalf("declined without a reason: %s", d.Status)
	}
	f.run(t, []consoleScenario{
		{name: "Confirm", user: "yuju", method: http.MethodPost, path: idPath(confirm, yd), status: http.StatusSeeOther,
			location: consoleDeliveryURL(yd)},
		{name: "Decline", user: "shuyuan", method: http.MethodPost, path: idPath(decline, sd),
			form: url.Values{"reason": {"档期冲突"}}, status: http.StatusSeeOther},
		{name: "ErrConfirmTwice", user: "yuju", method: http.MethodPost, path: idPath(confirm, yd), status: http.StatusConflict},
		{name: "ViewConfirmed", user: "xiadmin", path: consoleDeliveryURL(yd), status: http.StatusOK,
			want: []string{"主体确认", "查看活动", "已发布"}},
	})
	if d := f.delivery(yd); d.ActivityID == nil || d.ConfirmedAt == nil {
		t.Errorf("confirmed delivery: %+v", d)
	}
	if d := f.delivery(sd); d.Status != culture.DeliveryDeclined || d.Reason != "档期冲突" {
		t.Errorf("declined delivery: %s %q", d.Status, d.Reason)
	}
}

// consoleDeliveryForm is a valid planning form a week ahead, 19:00–21:00
// in Asia/Shanghai.
func consoleDeliveryForm(item, unit int64, change ...string) url.Values {
	day := time.Now().In(culture.Shanghai).AddDate(0, 0, 7).Format("2006-01-02")
	v := url.Values{"item_id": {fmt.Sprint(item)}, "unit_id": {fmt.Sprint(unit)}, "date": {day}, "start": {"19:00"},
		"end": {"21:00"}, "capacity": {"80"}, "mode": {"first_come"}, "note": {"请提前到场"}}
	for i := 0; i+1 < len(change); i += 2 {
		v.Set(change[i], change[i+1])
	}
	return v
}

func TestConsoleDeliveryPlan(t *testing.T) {
	f := newConsoleMenuServer(t)
	form := func(change ...string) url.Values { return consoleDeliveryForm(f.yujuItem.ID, f.nan, change...) }
	before := f.countDeliveries()
	f.run(t, []consoleScenario{
		{name: "FormFromRequest", user: "hubadmin", path: idPath("/console/deliveries/new?request=%d", f.xiRequest.ID),
			status: http.StatusOK, want: []string{"根据焦西分馆的点单", "豫剧经典唱段 · 焦作豫剧团 · 暂无评价", `value="60"`}},
		{name: "ErrFormBranchAdmin", user: "xiadmin", path: "/console/deliveries/new", status: http.StatusForbidden},
		{name: "ErrBadDate", user: "hubadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: form("date", "下周六"), status: http.StatusUnprocessableEntity, want: []string{"日期格式无效"}},
		{name: "ErrBadTime", user: "hubadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: form("start", "七点"), status: http.StatusUnprocessableEntity, want: []string{"时间格式无效"}},
		{name: "ErrEndBeforeStart", user: "hubadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: form("end", "18:00"), status: http.StatusUnprocessableEntity, want: []string{"结束时间应晚于开始时间"}},
		{name: "ErrPast", user: "hubadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: form("date", "2020-01-01"), status: http.StatusUnprocessableEntity, want: []string{"配送时间应晚于现在。"}},
		{name: "ErrCapacity", user: "hubadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: form("capacity", "0"), status: http.StatusUnprocessableEntity, want: []string{"名额应在 1 到 10000 之间。"}},
		{name: "ErrUnknownItem", user: "hubadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: form("item_id", "999999"), status: http.StatusUnprocessableEntity, want: []string{"所选菜单项目不存在。"}},
		{name: "ErrBranchAdmin", user: "xiadmin", method: http.MethodPost, path: "/console/deliveries/new",
			form: consoleDeliveryForm(f.yujuItem.ID, f.xi), status: http.StatusForbidden},
	})
	if n := f.countDeliveries(); n != before {
		t.Fatalf("refused forms stored deliveries: %d, want %d", n, before)
	}
	c := f.client("hubadmin")
	res, body := c.post("/console/deliveries/new", form("request_id", fmt.Sprint(f.xiRequest.ID), "unit_id", fmt.Sprint(f.xi)), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("plan: %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	var id int64
	fmt.Sscanf(res.Header.Get("Location"), "/console/deliveries/%d", &id)
	d := f.delivery(id)
	local := d.StartsAt.In(culture.Shanghai)
	if local.Format("15:04") != "19:00" || d.EndsAt.Sub(d.StartsAt) != 2*time.Hour || d.ProviderID != f.yuju.ID || d.UnitID != f.xi {
		t.Errorf("planned delivery: %+v (local start %v)", d, local)
	}
	if d.RequestID == nil || *d.RequestID != f.xiRequest.ID {
		t.Errorf("request not linked: %v", d.RequestID)
	}
}

func (f *consoleMenuFixture) countDeliveries() int {
	f.t.Helper()
	_, n, err := f.store.FindDeliveries(context.Background(), culture.DeliveryFilter{Within: &f.hub})
	f.must(err)
	return n
}

func TestConsoleDeliveryActions(t *testing.T) {
	f := newConsoleMenuServer(t)
	view := consoleDeliveryURL(f.yujuDelivery.ID)
	f.run(t, []consoleScenario{
		{name: "List", user: "hubadmin", path: "/console/deliveries", status: http.StatusOK,
			want: []string{"豫剧经典唱段", "少儿书法课", "计划配送"}},
		{name: "ListBranch", user: "xiadmin", path: "/console/deliveries", status: http.StatusOK,
			want: []string{"豫剧经典唱段"}, deny: []string{"少儿书法课", "计划配送"}},
		{name: "ListFilter", user: "hubadmin", path: "/console/deliveries?status=settled", status: http.StatusOK, deny: []string{"豫剧经典唱段"}},
		{name: "ErrListFilter", user: "hubadmin", path: "/console/deliveries?status=lost", status: http.StatusUnprocessableEntity},
		{name: "ErrListProvider", user: "yuju", path: "/console/deliveries", status: http.StatusForbidden},
		{name: "ViewBranch", user: "xiadmin", path: view, status: http.StatusOK,
			want: []string{"总馆计划", "修改预约方式"}, deny: []string{"取消配送", "确认配送"}},
		{name: "ViewProvider", user: "yuju", path: view, status: http.StatusOK, want: []string{"确认配送"}, deny: []string{"修改预约方式"}},
		{name: "ViewHub", user: "hubadmin", path: view, status: http.StatusOK, want: []string{"取消配送"}},
		{name: "ErrViewOtherBranch", user: "nanadmin", path: view, status: http.StatusForbidden},
		{name: "ErrViewOtherProvider", user: "shuyuan", path: view, status: http.StatusForbidden},
		{name: "ErrModeOtherBranch", user: "nanadmin", method: http.MethodPost, path: view + "/mode",
			form: url.Values{"mode": {"lottery"}}, status: http.StatusForbidden},
		{name: "ErrModeBad", user: "xiadmin", method: http.MethodPost, path: view + "/mode",
			form: url.Values{"mode": {"raffle"}}, status: http.StatusUnprocessableEntity, want: []string{"请选择预约方式。"}},
		{name: "Mode", user: "xiadmin", method: http.MethodPost, path: view + "/mode",
			form: url.Values{"mode": {"lottery"}}, status: http.StatusSeeOther, location: view},
		{name: "ErrCancelBranch", user: "xiadmin", method: http.MethodPost, path: view + "/cancel",
			form: url.Values{"reason": {"不要了"}}, status: http.StatusForbidden},
		{name: "ErrCancelNoReason", user: "hubadmin", method: http.MethodPost, path: view + "/cancel",
			status: http.StatusUnprocessableEntity, want: []string{"请填写取消原因。"}},
		{name: "ErrSettleNotNumber", user: "hubadmin", method: http.MethodPost, path: view + "/settle",
			form: url.Values{"cost": {"三千"}}, status: http.StatusUnprocessableEntity, want: []string{"请输入整数。"}},
		{name: "ErrSettlePlanned", user: "hubadmin", method: http.MethodPost, path: view + "/settle",
			form: url.Values{"cost": {"3000"}}, status: http.StatusConflict},
	})
	if d := f.delivery(f.yujuDelivery.ID); d.Mode != culture.ModeLottery || d.Status != culture.DeliveryPlanned || d.Cost != nil {
		t.Fatalf("after refused actions: %+v", d)
	}
	f.run(t, []consoleScenario{
		{name: "Cancel", user: "hubadmin", method: http.MethodPost, path: view + "/cancel",
			form: url.Values{"reason": {"场地维修"}}, status: http.StatusSeeOther, location: view},
		{name: "ViewCancelled", user: "xiadmin", path: view, status: http.StatusOK, want: []string{"场地维修", "总馆已取消"}},
	})
	if d := f.delivery(f.yujuDelivery.ID); d.Status != culture.DeliveryCancelled || d.Reason != "场地维修" {
		t.Errorf("cancelled: %s %q", d.Status, d.Reason)
	}
}
