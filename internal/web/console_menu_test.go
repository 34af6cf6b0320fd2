package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleItemForm is a valid item form, changed by pairs of name, value.
func consoleItemForm(change ...string) url.Values {
	v := url.Values{"title": {"豫剧进社区"}, "category": {"戏曲"}, "format": {"performance"}, "sessions": {"1"},
		"groups": {"elderly", "adults"}, "age_min": {"0"}, "age_max": {"0"}, "minutes": {"90"},
		"capacity_min": {"30"}, "capacity_max": {"200"}, "needs": {"舞台、音响"}, "cost": {"5000"},
		"available": {"周末"}, "description": {"名家名段"}}
	for i := 0; i+1 < len(change); i += 2 {
		if change[i+1] == "" {
			v.Del(change[i])
		} else {
			v.Set(change[i], change[i+1])
		}
	}
	return v
}

// countItems counts a provider's items of every status.
func (f *consoleMenuFixture) countItems(p *culture.Provider) int {
	f.t.Helper()
	_, n, err := f.store.FindMenuItems(context.Background(), culture.MenuFilter{ProviderID: &p.ID, AnyStatus: true})
	f.must(err)
	return n
}

func TestConsoleProviderPortal(t *testing.T) {
	f := newConsoleMenuServer(t)
	yujuItems, shuyuanItems := idPath("/console/providers/%d/items", f.yuju.ID), idPath("/console/providers/%d/items", f.shuyuan.ID)
	f.run(t, []consoleScenario{
		{name: "Home", user: "yuju", path: "/console/provider", status: http.StatusSeeOther, location: yujuItems},
		{name: "HomeReviewer", user: "hubadmin", path: "/console/provider", status: http.StatusSeeOther, location: "/console/providers"},
		{name: "ErrHomeBranchAdmin", user: "xiadmin", path: "/console/provider", status: http.StatusForbidden},
		{name: "Items", user: "yuju", path: yujuItems, status: http.StatusOK,
			want: []string{"豫剧经典唱段", "已上架", "豫剧新编小戏", "待审核"}, deny: []string{"少儿书法课"}},
		{name: "ReviewerViews", user: "hubadmin", path: yujuItems, status: http.StatusOK, want: []string{"豫剧经典唱段"},
			deny: []string{"新建菜单项目"}},
		{name: "ErrOtherProvider", user: "yuju", path: shuyuanItems, status: http.StatusForbidden},
		{name: "ErrBranchAdmin", user: "xiadmin", path: yujuItems, status: http.StatusForbidden},
		{name: "ErrUnknown", user: "hubadmin", path: "/console/providers/999999/items", status: http.StatusNotFound},
		{name: "NewForm", user: "yuju", path: yujuItems + "/new", status: http.StatusOK,
			want: []string{"新建菜单项目", "老年人", "系列课程", `name="photos"`, `enctype="multipart/form-data"`}},
		{name: "ErrNewFormOther", user: "shuyuan", path: yujuItems + "/new", status: http.StatusForbidden},
		{name: "Edit", user: "yuju", path: idPath("/console/items/%d/edit", f.yujuItem.ID), status: http.StatusOK,
			want: []string{`value="豫剧经典唱段"`, `value="elderly" checked`}},
		{name: "ErrEditOther", user: "shuyuan", path: idPath("/console/items/%d/edit", f.yujuItem.ID), status: http.StatusForbidden},
		{name: "ErrEditUnknown", user: "yuju", path: "/console/items/999999/edit", status: http.StatusNotFound},
	})
}

func TestConsoleItemSubmit(t *testing.T) {
	f := newConsoleMenuServer(t)
	newItem := idPath("/console/providers/%d/items/new", f.yuju.ID)
	before := f.countItems(f.yuju)
	f.run(t, []consoleScenario{
		{name: "ErrNoGroups", user: "yuju", method: http.MethodPost, path: newItem, form: consoleItemForm("groups", ""),
			status: http.StatusUnprocessableEntity, want: []string{"请至少选择一类适合人群。", `value="豫剧进社区"`}},
		{name: "ErrNoTitle", user: "yuju", method: http.MethodPost, path: newItem, form: consoleItemForm("title", ""),
			status: http.StatusUnprocessableEntity, want: []string{"请填写标题。"}},
		{name: "ErrSessions", user: "yuju", method: http.MethodPost, path: newItem, form: consoleItemForm("sessions", "3"),
			status: http.StatusUnprocessableEntity, want: []string{"只有系列课程可以有多个课时。"}},
		{name: "ErrCapacity", user: "yuju", method: http.MethodPost, path: newItem, form: consoleItemForm("capacity_min", "500"),
			status: http.StatusUnprocessableEntity, want: []string{"人数范围应在 1 到 10000 之间，且最少不多于最多。"}},
		{name: "ErrCostNotNumber", user: "yuju", method: http.MethodPost, path: newItem, form: consoleItemForm("cost", "五千"),
			status: http.StatusUnprocessableEntity, want: []string{"请输入整数。"}},
		{name: "ErrSeries", user: "yuju", method: http.MethodPost, path: newItem, form: consoleItemForm("series_id", "999999"),
			status: http.StatusUnprocessableEntity, want: []string{"所选品牌不存在。"}},
		{name: "ErrOtherProvider", user: "shuyuan", method: http.MethodPost, path: newItem, form: consoleItemForm(),
			status: http.StatusForbidden},
	})
	if n := f.countItems(f.yuju); n != before {
		t.Fatalf("refused forms stored items: %d, want %d", n, before)
	}
	c := f.client("yuju")
	for _, bad := range []struct {
		file consoleUpload
		want string
	}{
		{consoleUpload{"photos", "a.png", []byte("<svg></svg>")}, "只能上传 PNG、JPEG 或 GIF 图片。"},
		{consoleUpload{"photos", "b.png", consoleBigUpload(t)}, "图片不能超过 2 MB。"},
	} {
		res, body := c.postFiles(newItem, consoleItemForm(), consoleUpload{"photos", "ok.png", consolePNG(t, 4, 3)}, bad.file)
		checkConsoleResponse(t, consoleScenario{method: http.MethodPost, path: newItem, status: http.StatusUnprocessableEntity,
			want: []string{bad.want}}, res, body)
	}
	// A valid form with a good picture but a bad field asks for the
	// pictures again: the browser does not send them twice.
	res, body := c.postFiles(newItem, consoleItemForm("title", ""), consoleUpload{"photos", "ok.png", consolePNG(t, 4, 3)})
	checkConsoleResponse(t, consoleScenario{method: http.MethodPost, path: newItem, status: http.StatusUnprocessableEntity,
		want: []string{"请重新选择要上传的图片。", "请填写标题。"}}, res, body)
	if n := f.countItems(f.yuju); n != before {
		t.Fatalf("refused uploads stored items: %d, want %d", n, before)
	}
	form := consoleItemForm("series_id", fmt.Sprint(f.series))
	res, body = c.postFiles(newItem, form, consoleUpload{"photos", "a.png", consolePNG(t, 4, 3)}, consoleUpload{"photos", "b.png", consolePNG(t, 3, 4)})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	items, _, err := f.store.FindMenuItems(context.Background(), culture.MenuFilter{ProviderID: &f.yuju.ID, AnyStatus: true, Query: "豫剧进社区"})
	f.must(err)
	if len(items) != 1 || items[0].Status != culture.ItemPending {
		t.Fatalf("submitted items: %+v", items)
	}
	got := consoleItemLatest(f.item(items[0].ID))
	if len(got.PhotoIDs) != 2 || got.SeriesID == nil || *got.SeriesID != f.series || got.Cost != 5000 || len(got.Groups) != 2 {
		t.Errorf("submitted fields: %+v", got)
	}
}

func TestConsoleItemEdit(t *testing.T) {
	f := newConsoleMenuServer(t)
	ctx := context.Background()
	photo, err := f.store.CreateImage(ctx, consolePNG(t, 5, 5), nil)
	f.must(err)
	stranger, err := f.store.CreateImage(ctx, consolePNG(t, 6, 6), nil)
	f.must(err)
	fields := consoleMenuFields("豫剧经典唱段")
	fields.PhotoIDs = []int64{photo.ID}
	_, err = f.store.SubmitMenuItem(ctx, f.yuju.ID, f.yujuItem.ID, fields, 1)
	f.must(err)
	edit := idPath("/console/items/%d/edit", f.yujuItem.ID)
	keep := consoleItemForm("title", "豫剧经典唱段（新版）")
	keep["keep_photos"] = []string{fmt.Sprint(photo.ID), fmt.Sprint(stranger.ID)}
	f.run(t, []consoleScenario{
		{name: "ErrOtherProvider", user: "shuyuan", method: http.MethodPost, path: edit, form: keep, status: http.StatusForbidden},
		{name: "ErrBadInput", user: "yuju", method: http.MethodPost, path: edit, form: consoleItemForm("minutes", "5"),
			status: http.StatusUnprocessableEntity, want: []string{"时长应在 10 到 480 分钟之间。"}},
		{name: "Edit", user: "yuju", method: http.MethodPost, path: edit, form: keep, status: http.StatusSeeOther},
	})
	m := f.item(f.yujuItem.ID)
	if m.Status != culture.ItemPublished || m.Title != "豫剧经典唱段" {
		t.Errorf("live version changed before review: %+v", m)
	}
	if m.Pending == nil || m.Pending.Fields.Title != "豫剧经典唱段（新版）" {
		t.Fatalf("pending edit: %+v", m.Pending)
	}
	// The stranger's picture is not the item's: the form cannot claim it.
	if ids := m.Pending.Fields.PhotoIDs; len(ids) != 1 || ids[0] != photo.ID {
		t.Errorf("pending photos %v, want [%d]", ids, photo.ID)
	}
}

func TestConsoleItemWithdraw(t *testing.T) {
	f := newConsoleMenuServer(t)
	path := idPath("/console/items/%d/withdraw", f.yujuItem.ID)
	f.run(t, []consoleScenario{
		{name: "ErrOtherProvider", user: "shuyuan", method: http.MethodPost, path: path, status: http.StatusForbidden},
		{name: "ErrBranchAdmin", user: "xiadmin", method: http.MethodPost, path: path, status: http.StatusForbidden},
	})
	if m := f.item(f.yujuItem.ID); m.Status != culture.ItemPublished {
		t.Fatalf("withdrawn by a stranger: %s", m.Status)
	}
	f.run(t, []consoleScenario{
		{name: "Withdraw", user: "yuju", method: http.MethodPost, path: path, status: http.StatusSeeOther,
			location: idPath("/console/providers/%d/items", f.yuju.ID)},
	})
	if m := f.item(f.yujuItem.ID); m.Status != culture.ItemWithdrawn {
		t.Errorf("status %s, want withdrawn", m.Status)
	}
}

// pendingRevision returns the id of the item's pending revision.
func (f *consoleMenuFixture) pendingRevision(itemID int64) int64 {
	f.t.Helper()
	m := f.item(itemID)
	if m.Pending == nil {
		f.t.Fatalf("item %d has no pending revision", itemID)
	}
	return m.Pending.ID
}

func TestConsoleReview(t *testing.T) {
	f := newConsoleMenuServer(t)
	ctx := context.Background()
	edited := consoleMenuFields("豫剧经典唱段")
	edited.Cost = 4200
	_, err := f.store.SubmitMenuItem(ctx, f.yuju.ID, f.yujuItem.ID, edited, 1)
	f.must(err)
	draft, edit := f.pendingRevision(f.yujuDraft.ID), f.pendingRevision(f.yujuItem.ID)
	approve, ret := "/console/review/%d/approve", "/console/review/%d/return"
	f.run(t, []consoleScenario{
		{name: "Queue", user: "hubadmin", path: "/console/review", status: http.StatusOK,
			want: []string{"豫剧新编小戏", "新项目", "修改", "<mark>4200 元</mark>", "3000 元", "已修改"}},
		{name: "ErrBranchAdmin", user: "xiadmin", path: "/console/review", status: http.StatusForbidden},
		{name: "ErrProviderStaff", user: "yuju", path: "/console/review", status: http.StatusForbidden},
		{name: "ErrApproveProviderStaff", user: "yuju", method: http.MethodPost, path: idPath(approve, draft), status: http.StatusForbidden},
		{name: "ErrReturnNoReason", user: "hubadmin", method: http.MethodPost, path: idPath(ret, draft),
			form: url.Values{"reason": {" "}}, status: http.StatusUnprocessableEntity, want: []string{"请填写退回理由。"}},
		{name: "ErrUnknown", user: "hubadmin", method: http.MethodPost, path: idPath(approve, 999999), status: http.StatusNotFound},
	})
	if m := f.item(f.yujuDraft.ID); m.Status != culture.ItemPending || m.Pending == nil {
		t.Fatalf("refused review changed the draft: %+v", m)
	}
	f.run(t, []consoleScenario{
		{name: "Return", user: "hubadmin", method: http.MethodPost, path: idPath(ret, draft),
			form: url.Values{"reason": {"请补充演出图片"}}, status: http.StatusSeeOther, location: "/console/review"},
		{name: "Approve", user: "operator", method: http.MethodPost, path: idPath(approve, edit), status: http.StatusSeeOther},
		{name: "ErrTwice", user: "hubadmin", method: http.MethodPost, path: idPath(approve, edit), status: http.StatusConflict,
			want: []string{"该提交已审核"}},
		{name: "ErrReturnReviewed", user: "hubadmin", method: http.MethodPost, path: idPath(ret, draft),
			form: url.Values{"reason": {"再看看"}}, status: http.StatusConflict, want: []string{"该提交已审核"}},
		{name: "ErrReturnReviewedNoReason", user: "hubadmin", method: http.MethodPost, path: idPath(ret, draft),
			form: url.Values{"reason": {" "}}, status: http.StatusConflict},
		{name: "ReturnShownToProvider", user: "yuju", path: idPath("/console/providers/%d/items", f.yuju.ID),
			status: http.StatusOK, want: []string{"请补充演出图片", "已退回"}},
	})
	if m := f.item(f.yujuDraft.ID); m.Status != culture.ItemReturned || m.ReturnReason != "请补充演出图片" {
		t.Errorf("returned draft: %s %q", m.Status, m.ReturnReason)
	}
	if m := f.item(f.yujuItem.ID); m.Cost != 4200 || m.Pending != nil {
		t.Errorf("approved edit: cost %d, pending %+v", m.Cost, m.Pending)
	}
}

func TestConsoleMenuNav(t *testing.T) {
	f := newConsoleMenuServer(t)
	f.run(t, []consoleScenario{
		{name: "ProviderStaff", user: "yuju", path: "/console", status: http.StatusOK, want: []string{`href="/console/provider"`},
			deny: []string{`href="/console/activities"`, `href="/console/review"`, `href="/console/demand"`, `href="/console/deliveries"`}},
		{name: "HubAdmin", user: "hubadmin", path: "/console", status: http.StatusOK,
			want: []string{`href="/console/providers"`, `href="/console/review"`, `href="/console/demand"`, `href="/console/deliveries"`},
			deny: []string{`href="/console/provider"`}},
		{name: "BranchAdmin", user: "xiadmin", path: "/console", status: http.StatusOK,
			want: []string{`href="/console/demand"`, `href="/console/requests"`}, deny: []string{`href="/console/review"`}},
		{name: "Checker", user: "xichecker", path: "/console", status: http.StatusOK,
			deny: []string{`href="/console/demand"`, `href="/console/review"`, `href="/console/provider"`}},
	})
}

// TestConsoleMenuOff: without a menu service the pages are not found and
// the navigation does not offer them.
func TestConsoleMenuOff(t *testing.T) {
	f := newConsoleTestServer(t)
	f.run(t, []consoleScenario{
		{name: "Providers", user: "operator", path: "/console/providers", status: http.StatusNotFound},
		{name: "Demand", user: "xiadmin", path: "/console/demand", status: http.StatusNotFound},
		{name: "Nav", user: "operator", path: "/console", status: http.StatusOK, deny: []string{`href="/console/review"`}},
	})
}
