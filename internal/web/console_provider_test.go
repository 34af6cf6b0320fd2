package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleProviderForm is a valid provider form for the fixture's hub.
func consoleProviderForm(hub int64, change ...string) url.Values {
	v := url.Values{"hub_id": {fmt.Sprint(hub)}, "name": {"解放区合唱团"}, "level": {"district"}, "kind": {"troupe"},
		"contact_name": {"王老师"}, "contact_phone": {"13912345678"}, "intro": {"业余合唱"}}
	for i := 0; i+1 < len(change); i += 2 {
		v.Set(change[i], change[i+1])
	}
	return v
}

func TestConsoleProviders(t *testing.T) {
	f := newConsoleMenuServer(t)
	edit := idPath("/console/providers/%d/edit", f.yuju.ID)
	form := func(change ...string) url.Values { return consoleProviderForm(f.hub, change...) }
	f.run(t, []consoleScenario{
		{name: "List", user: "hubadmin", path: "/console/providers", status: http.StatusOK,
			want: []string{"焦作豫剧团", "青禾书院", "解放区文化馆"}},
		{name: "ErrListBranchAdmin", user: "xiadmin", path: "/console/providers", status: http.StatusForbidden,
			want: []string{"您没有审核文化菜单的权限。"}},
		{name: "ErrListProviderStaff", user: "yuju", path: "/console/providers", status: http.StatusForbidden},
		{name: "NewForm", user: "operator", path: "/console/providers/new", status: http.StatusOK,
			want: []string{"新建文化主体", "文艺团体", "区级"}},
		{name: "Create", user: "hubadmin", method: http.MethodPost, path: "/console/providers/new", form: form(),
			status: http.StatusSeeOther},
		{name: "ErrNoName", user: "hubadmin", method: http.MethodPost, path: "/console/providers/new",
			form: form("name", ""), status: http.StatusUnprocessableEntity, want: []string{"请填写名称。", "13912345678"}},
		{name: "ErrKind", user: "hubadmin", method: http.MethodPost, path: "/console/providers/new",
			form: form("kind", "gang"), status: http.StatusUnprocessableEntity, want: []string{"请选择主体类型。"}},
		{name: "ErrPhone", user: "hubadmin", method: http.MethodPost, path: "/console/providers/new",
			form: form("contact_phone", "12"), status: http.StatusUnprocessableEntity, want: []string{"联系电话应为 11 位手机号码。"}},
		{name: "ErrHubIsBranch", user: "hubadmin", method: http.MethodPost, path: "/console/providers/new",
			form: form("hub_id", fmt.Sprint(f.xi)), status: http.StatusUnprocessableEntity, want: []string{"所选总馆不存在。"}},
		{name: "ErrCreateBranchAdmin", user: "xiadmin", method: http.MethodPost, path: "/console/providers/new",
			form: form("name", "越权主体"), status: http.StatusForbidden},
		{name: "Edit", user: "hubadmin", path: edit, status: http.StatusOK,
			want: []string{`value="焦作豫剧团"`, "yuju", "新建账号"}},
		{name: "ErrEditOwnStaff", user: "yuju", path: edit, status: http.StatusForbidden},
		{name: "ErrEditUnknown", user: "hubadmin", path: "/console/providers/999999/edit", status: http.StatusNotFound},
		{name: "Update", user: "hubadmin", method: http.MethodPost, path: edit,
			form: form("name", "焦作市豫剧团", "level", "city"), status: http.StatusSeeOther, location: edit},
		{name: "ErrUpdate", user: "hubadmin", method: http.MethodPost, path: edit,
			form: form("level", "world"), status: http.StatusUnprocessableEntity, want: []string{"请选择级别（市级或区级）。"}},
	})
	ctx := context.Background()
	ps, err := f.store.FindProviders(ctx, &f.hub)
	f.must(err)
	names := map[string]*culture.Provider{}
	for _, p := range ps {
		names[p.Name] = p
	}
	if len(ps) != 3 || names["解放区合唱团"] == nil || names["越权主体"] != nil {
		t.Errorf("providers: %v", names)
	}
	if p := names["焦作市豫剧团"]; p == nil || p.Level != culture.LevelCity || p.HubID != f.hub {
		t.Errorf("updated provider: %+v", p)
	}
}

func TestConsoleProviderLogo(t *testing.T) {
	f := newConsoleMenuServer(t)
	c := f.client("hubadmin")
	edit := idPath("/console/providers/%d/edit", f.yuju.ID)
	for _, tt := range []struct {
		name string
		file consoleUpload
		want string
	}{
		{"ErrNotImage", consoleUpload{"logo", "logo.png", []byte("这不是图片")}, "只能上传 PNG、JPEG 或 GIF 图片。"},
		{"ErrTooBig", consoleUpload{"logo", "logo.png", consoleBigUpload(t)}, "图片不能超过 2 MB。"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res, body := c.postFiles("/console/providers/new", consoleProviderForm(f.hub, "name", "带图主体"), tt.file)
			checkConsoleResponse(t, consoleScenario{method: http.MethodPost, path: "/console/providers/new",
				status: http.StatusUnprocessableEntity, want: []string{tt.want}}, res, body)
			res, body = c.postFiles(edit, consoleProviderForm(f.hub, "name", "改名主体"), tt.file)
			checkConsoleResponse(t, consoleScenario{method: http.MethodPost, path: edit,
				status: http.StatusUnprocessableEntity, want: []string{tt.want}}, res, body)
		})
	}
	ps, err := f.store.FindProviders(context.Background(), &f.hub)
	f.must(err)
	if len(ps) != 2 {
		t.Fatalf("%d providers after refused uploads, want 2", len(ps))
	}
	if p, _ := f.store.FindProviderByID(context.Background(), f.yuju.ID); p.Name != "焦作豫剧团" || p.LogoID != nil {
		t.Errorf("provider changed by a refused upload: %+v", p)
	}
	res, body := c.postFiles(edit, consoleProviderForm(f.hub, "name", "焦作豫剧团"), consoleUpload{"logo", "logo.png", consolePNG(t, 8, 8)})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logo upload: %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	p, err := f.store.FindProviderByID(context.Background(), f.yuju.ID)
	f.must(err)
	if p.LogoID == nil {
		t.Fatal("logo not stored")
	}
	if _, data, err := f.store.FindImage(context.Background(), *p.LogoID); err != nil || len(data) == 0 {
		t.Errorf("logo image: %v", err)
	}
}

func TestConsoleProviderStaff(t *testing.T) {
	f := newConsoleMenuServer(t)
	path := idPath("/console/providers/%d/staff", f.yuju.ID)
	staff := func(user, pass string) url.Values {
		return url.Values{"username": {user}, "name": {"豫剧团小张"}, "password": {pass}}
	}
	f.run(t, []consoleScenario{
		{name: "Create", user: "hubadmin", method: http.MethodPost, path: path, form: staff("yuju2", consolePassword),
			status: http.StatusSeeOther, location: idPath("/console/providers/%d/edit", f.yuju.ID)},
		{name: "ErrTaken", user: "hubadmin", method: http.MethodPost, path: path, form: staff("yuju", consolePassword),
			status: http.StatusUnprocessableEntity, want: []string{"该用户名已被使用。"}, deny: []string{consolePassword}},
		{name: "ErrShortPassword", user: "hubadmin", method: http.MethodPost, path: path, form: staff("yuju3", "short"),
			status: http.StatusUnprocessableEntity, want: []string{"初始密码应为 8 到 128 个字符。"}},
		{name: "ErrByProviderStaff", user: "yuju", method: http.MethodPost, path: path, form: staff("yuju4", consolePassword),
			status: http.StatusForbidden},
		// The new account reaches its provider's portal and nothing else.
		{name: "NewStaffPortal", user: "yuju2", path: "/console/provider", status: http.StatusSeeOther,
			location: idPath("/console/providers/%d/items", f.yuju.ID)},
		{name: "NewStaffItems", user: "yuju2", path: idPath("/console/providers/%d/items", f.yuju.ID), status: http.StatusOK,
			want: []string{"豫剧经典唱段", "新建菜单项目", `href="/console/provider"`},
			deny: []string{`href="/console/activities"`, `href="/console/review"`, `href="/console/deliveries"`}},
		{name: "ErrNewStaffActivities", user: "yuju2", path: "/console/activities", status: http.StatusForbidden},
		{name: "ErrNewStaffUnits", user: "yuju2", path: "/console/units", status: http.StatusForbidden},
		{name: "ErrNewStaffCheckin", user: "yuju2", path: "/console/checkin", status: http.StatusForbidden},
		{name: "ErrNewStaffOtherProvider", user: "yuju2", path: idPath("/console/providers/%d/items", f.shuyuan.ID),
			status: http.StatusForbidden},
	})
	found, _, err := f.store.FindAccounts(context.Background(), culture.AccountFilter{Username: new("yuju3"), Limit: 1})
	f.must(err)
	if len(found) != 0 {
		t.Errorf("refused staff form created an account: %+v", found[0])
	}
}
