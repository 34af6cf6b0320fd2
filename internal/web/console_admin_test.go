package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestConsoleUnits(t *testing.T) {
	f := newConsoleTestServer(t)
	unit := func(parent int64, kind, name string) url.Values {
		return url.Values{"parent_id": {fmt.Sprint(parent)}, "kind": {kind}, "name": {name}, "address": {"解放中路 1 号"}, "phone": {""}}
	}
	room := func(name, capacity string) url.Values {
		return url.Values{"name": {name}, "capacity": {capacity}, "address": {""}, "facilities": {"投影、音响"}}
	}
	xiUnit, nanUnit := fmt.Sprintf("/console/units/%d", f.xi), fmt.Sprintf("/console/units/%d", f.nan)
	f.run(t, []consoleScenario{
		{name: "List", user: "operator", path: "/console/units", status: http.StatusOK,
			want: []string{"解放区文化馆", "焦西分馆", "焦南分馆", "焦西社区活动室", "新建分馆或基层文化点"}},
		{name: "CreateBranch", user: "operator", method: http.MethodPost, path: "/console/units",
			form: unit(f.hub, "branch", "焦北分馆"), status: http.StatusSeeOther},
		{name: "CreatePoint", user: "operator", method: http.MethodPost, path: "/console/units",
			form: unit(f.nan, "point", "焦南社区书屋"), status: http.StatusSeeOther},
		{name: "ErrNoName", user: "operator", method: http.MethodPost, path: "/console/units",
			form: unit(f.hub, "branch", ""), status: http.StatusUnprocessableEntity, want: []string{"请填写名称。"}},
		{name: "ErrKind", user: "operator", method: http.MethodPost, path: "/console/units",
			form: unit(f.hub, "hub", "第二总馆"), status: http.StatusUnprocessableEntity, want: []string{"请选择分馆或基层文化点。"}},
		{name: "ErrParent", user: "operator", method: http.MethodPost, path: "/console/units",
			form: unit(999999, "branch", "无名"), status: http.StatusUnprocessableEntity, want: []string{"上级单位不存在。"}},
		{name: "ErrNoParent", user: "operator", method: http.MethodPost, path: "/console/units",
			form: url.Values{"kind": {"branch"}, "name": {"无上级"}}, status: http.StatusUnprocessableEntity, want: []string{"请选择上级单位。"}},
		{name: "ErrBranchAdminCreatesUnit", user: "xiadmin", method: http.MethodPost, path: "/console/units",
			form: unit(f.xi, "point", "私设文化点"), status: http.StatusForbidden},
		{name: "BranchAdminList", user: "xiadmin", path: "/console/units", status: http.StatusOK,
			want: []string{"焦西分馆", "焦西社区活动室"}, deny: []string{"焦南分馆", "新建分馆或基层文化点"}},
		{name: "ErrCheckerList", user: "xichecker", path: "/console/units", status: http.StatusForbidden},
		{name: "UnitPage", user: "xiadmin", path: xiUnit, status: http.StatusOK, want: []string{"焦西多功能厅", "添加场地"}},
		{name: "ErrUnitPageOtherBranch", user: "xiadmin", path: nanUnit, status: http.StatusForbidden},
		{name: "ErrUnitNotNumber", user: "operator", path: "/console/units/abc", status: http.StatusNotFound},
		{name: "ErrUnitUnknown", user: "operator", path: "/console/units/999999", status: http.StatusNotFound},
		{name: "AddRoom", user: "xiadmin", method: http.MethodPost, path: xiUnit + "/rooms",
			form: room("焦西排练室", "40"), status: http.StatusSeeOther, location: xiUnit},
		{name: "ErrRoomCapacity", user: "xiadmin", method: http.MethodPost, path: xiUnit + "/rooms",
			form: room("焦西排练室", "四十"), status: http.StatusUnprocessableEntity, want: []string{"请输入整数。", `value="四十"`}},
		{name: "ErrRoomCapacityZero", user: "xiadmin", method: http.MethodPost, path: xiUnit + "/rooms",
			form: room("焦西排练室", "0"), status: http.StatusUnprocessableEntity, want: []string{"场地容量应在 1 到 100000 之间。"}},
		{name: "ErrRoomOtherBranch", user: "xiadmin", method: http.MethodPost, path: nanUnit + "/rooms",
			form: room("越权场地", "10"), status: http.StatusForbidden},
		{name: "OperatorAddsRoom", user: "operator", method: http.MethodPost, path: nanUnit + "/rooms",
			form: room("焦南排练室", "30"), status: http.StatusSeeOther, location: nanUnit},
		{name: "EditRoom", user: "xiadmin", method: http.MethodPost, path: fmt.Sprintf("/console/rooms/%d", f.xiRoom),
			form: room("焦西大厅", "120"), status: http.StatusSeeOther, location: xiUnit},
		{name: "ErrEditRoom", user: "xiadmin", method: http.MethodPost, path: fmt.Sprintf("/console/rooms/%d", f.xiRoom),
			form: room("", "120"), status: http.StatusUnprocessableEntity, want: []string{"请填写场地名称。"}},
		{name: "ErrEditRoomOtherBranch", user: "xiadmin", method: http.MethodPost, path: fmt.Sprintf("/console/rooms/%d", f.nanRoom),
			form: room("改名", "10"), status: http.StatusForbidden},
		{name: "ErrEditRoomUnknown", user: "operator", method: http.MethodPost, path: "/console/rooms/999999",
			form: room("x", "10"), status: http.StatusNotFound},
	})
	ctx := context.Background()
	units, _, err := f.store.FindUnits(ctx, culture.UnitFilter{})
	f.must(err)
	names := map[string]*culture.Unit{}
	for _, u := range units {
		names[u.Name] = u
	}
	if u := names["焦南社区书屋"]; u == nil || u.Kind != culture.UnitPoint || u.ParentID == nil || *u.ParentID != f.nan {
		t.Errorf("point: %+v", u)
	}
	if names["焦北分馆"] == nil || names["私设文化点"] != nil {
		t.Errorf("units: %v", names)
	}
	r, err := f.store.FindRoomByID(ctx, f.xiRoom)
	if err != nil || r.Name != "焦西大厅" || r.Capacity != 120 {
		t.Errorf("edited room: %+v, %v", r, err)
	}
	rooms, err := f.store.FindRooms(ctx, f.nan)
	if err != nil || len(rooms) != 2 {
		t.Errorf("焦南 rooms: %d, %v", len(rooms), err)
	}
}

func TestConsoleStaff(t *testing.T) {
	f := newConsoleTestServer(t)
	ctx := context.Background()
	staff := func(user, name, password string) url.Values {
		return url.Values{"username": {user}, "name": {name}, "password": {password}}
	}
	grant := func(role string, unit int64) url.Values {
		return url.Values{"role": {role}, "unit_id": {fmt.Sprint(unit)}}
	}
	xichecker := f.account(ctx, "xichecker")
	grantPath := func(id int64) string { return fmt.Sprintf("/console/staff/%d/grants", id) }
	f.run(t, []consoleScenario{
		{name: "List", user: "operator", path: "/console/staff", status: http.StatusOK,
			want: []string{"焦西检票员", "xichecker", "检票员 · 焦西分馆"}, deny: []string{"nogrant"}},
		{name: "FindWithoutGrant", user: "operator", path: "/console/staff?username=NoGrant", status: http.StatusOK,
			want: []string{"nogrant", "尚未授权", grantPath(f.account(ctx, "nogrant").ID)}},
		{name: "FindNone", user: "operator", path: "/console/staff?username=ghost", status: http.StatusOK,
			want: []string{"没有用户名为“ghost”的账号。"}},
		{name: "Create", user: "operator", method: http.MethodPost, path: "/console/staff",
			form: staff("Liming", "李明", "secret-pass-1"), status: http.StatusSeeOther, location: "/console/staff?username=liming"},
		{name: "ErrDuplicate", user: "operator", method: http.MethodPost, path: "/console/staff",
			form: staff("liming", "李明二", "secret-pass-1"), status: http.StatusUnprocessableEntity,
			want: []string{"该用户名已被使用。"}, deny: []string{"secret-pass-1"}},
		{name: "ErrShortPassword", user: "operator", method: http.MethodPost, path: "/console/staff",
			form: staff("wangfang", "王芳", "123"), status: http.StatusUnprocessableEntity, want: []string{"初始密码应为 8 到 128 个字符。"}},
		{name: "ErrUsername", user: "operator", method: http.MethodPost, path: "/console/staff",
			form: staff("王芳", "王芳", "secret-pass-1"), status: http.StatusUnprocessableEntity, want: []string{"用户名应为 3 到 32 位"}},
		{name: "ErrNoName", user: "operator", method: http.MethodPost, path: "/console/staff",
			form: staff("wangfang", "", "secret-pass-1"), status: http.StatusUnprocessableEntity, want: []string{"请填写姓名。"}},
		{name: "Grant", user: "operator", method: http.MethodPost, path: grantPath(xichecker.ID),
			form: grant(culture.RoleChecker, f.nan), status: http.StatusSeeOther, location: "/console/staff"},
		{name: "ErrGrantTwice", user: "operator", method: http.MethodPost, path: grantPath(xichecker.ID),
			form: grant(culture.RoleChecker, f.nan), status: http.StatusUnprocessableEntity, want: []string{"该账号在此单位已有这一角色。"}},
		{name: "ErrGrantRole", user: "operator", method: http.MethodPost, path: grantPath(xichecker.ID),
			form: grant("king", f.nan), status: http.StatusUnprocessableEntity, want: []string{"角色无效。"}},
		{name: "ErrGrantUnit", user: "operator", method: http.MethodPost, path: grantPath(xichecker.ID),
			form: grant(culture.RoleChecker, 999999), status: http.StatusUnprocessableEntity, want: []string{"所选单位不存在。"}},
		{name: "ErrGrantUnknownAccount", user: "operator", method: http.MethodPost, path: grantPath(999999),
			form: grant(culture.RoleChecker, f.nan), status: http.StatusNotFound},
		{name: "ErrGrantAccountNotNumber", user: "operator", method: http.MethodPost, path: "/console/staff/x/grants",
			form: grant(culture.RoleChecker, f.nan), status: http.StatusNotFound},
		{name: "ErrBranchAdminList", user: "xiadmin", path: "/console/staff", status: http.StatusForbidden},
		{name: "ErrBranchAdminCreate", user: "xiadmin", method: http.MethodPost, path: "/console/staff",
			form: staff("sneaky", "偷建", "secret-pass-1"), status: http.StatusForbidden},
		{name: "ErrBranchAdminGrant", user: "xiadmin", method: http.MethodPost, path: grantPath(xichecker.ID),
			form: grant(culture.RoleBranchAdmin, f.xi), status: http.StatusForbidden},
		{name: "ErrBranchAdminDeleteGrant", user: "xiadmin", method: http.MethodPost,
			path: fmt.Sprintf("/console/grants/%d/delete", xichecker.Grants[0].ID),
			form: url.Values{"account_id": {fmt.Sprint(xichecker.ID)}}, status: http.StatusForbidden},
		{name: "ErrDeleteGrantWrongAccount", user: "operator", method: http.MethodPost,
			path: fmt.Sprintf("/console/grants/%d/delete", xichecker.Grants[0].ID),
			form: url.Values{"account_id": {"1"}}, status: http.StatusNotFound},
		{name: "ErrDeleteGrantNoAccount", user: "operator", method: http.MethodPost,
			path: fmt.Sprintf("/console/grants/%d/delete", xichecker.Grants[0].ID), status: http.StatusNotFound},
		{name: "ErrDeleteOwnGrant", user: "operator", method: http.MethodPost,
			path: fmt.Sprintf("/console/grants/%d/delete", f.account(ctx, "operator").Grants[0].ID),
			form: url.Values{"account_id": {fmt.Sprint(f.account(ctx, "operator").ID)}}, status: http.StatusUnprocessableEntity,
			want: []string{"不能删除自己的授权"}},
		{name: "DeleteGrant", user: "operator", method: http.MethodPost,
			path: fmt.Sprintf("/console/grants/%d/delete", xichecker.Grants[0].ID),
			form: url.Values{"account_id": {fmt.Sprint(xichecker.ID)}}, status: http.StatusSeeOther, location: "/console/staff"},
	})
	created, _, err := f.store.FindAccounts(ctx, culture.AccountFilter{Username: consolePtr("liming")})
	if err != nil || len(created) != 1 || created[0].Name != "李明" {
		t.Fatalf("created staff: %v, %v", created, err)
	}
	if _, err := f.store.Authenticate(ctx, "liming", "secret-pass-1"); err != nil {
		t.Errorf("new staff cannot sign in: %v", err)
	}
	after := f.account(ctx, "xichecker")
	if len(after.Grants) != 1 || after.Grants[0].UnitID != f.nan || after.Grants[0].Role != culture.RoleChecker {
		t.Errorf("xichecker grants: %+v", after.Grants)
	}
}

func (f *consoleFixture) account(ctx context.Context, user string) *culture.Account {
	f.t.Helper()
	as, _, err := f.store.FindAccounts(ctx, culture.AccountFilter{Username: &user})
	f.must(err)
	if len(as) != 1 {
		f.t.Fatalf("account %q: %d found", user, len(as))
	}
	return as[0]
}

func consolePtr[T any](v T) *T { return &v }
