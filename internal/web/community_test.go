package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// newCommunityServer is the test server with the community service.
func newCommunityServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t)
	ts.Server.Communities = ts.Store
	return ts
}

func (ts *testServer) join(t *testing.T, acct *culture.Account, unit *culture.Unit) {
	t.Helper()
	if err := ts.Store.JoinCommunity(context.Background(), acct.ID, unit.ID); err != nil {
		t.Fatal(err)
	}
}

// countRows counts rows of a table matching a condition without arguments.
func (ts *testServer) countRows(t *testing.T, table, where string) int {
	t.Helper()
	var n int
	if err := ts.Store.DB().QueryRow(`SELECT COUNT(*) FROM ` + table + ` WHERE ` + where).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCommunityPages(t *testing.T) {
	ts := newCommunityServer(t)
	home := ts.Jiaonan.ID
	if _, err := ts.Store.UpdateAccount(context.Background(), ts.Resident.ID, culture.AccountUpdate{HomeUnitID: &home}); err != nil {
		t.Fatal(err)
	}
	ts.Resident.HomeUnitID = &home
	ts.join(t, ts.Resident, ts.Jiaoxi)
	ts.join(t, ts.Other, ts.Jiaoxi)
	a := &culture.Announcement{UnitID: ts.Jiaoxi.ID, Title: "国画班<报名>", Body: "第一行\n<script>alert(1)</script>", AuthorID: ts.BranchAdmin.ID}
	if err := ts.Store.PostAnnouncement(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	xi, hub := idPath("/communities/%d", ts.Jiaoxi.ID), idPath("/communities/%d", ts.Hub.ID)
	ts.run(t, []scenario{
		{name: "ListVisitor", url: "/communities", want: http.StatusOK,
			text: []string{"焦西分馆", "焦南分馆", "建南社区文化点", "2 位成员", `href="/login?next=%2Fcommunities"`},
			not:  []string{`/join"`, "解放区文化馆</a>"}},
		{name: "ListResident", url: "/communities", as: ts.Resident, want: http.StatusOK,
			text: []string{"已加入", "所属单位", idPath(`action="/communities/%d/join"`, ts.Jiaonan.ID)},
			not:  []string{idPath(`action="/communities/%d/join"`, ts.Jiaoxi.ID)}},
		{name: "ViewVisitor", url: xi, want: http.StatusOK,
			text: []string{"<h1>焦西分馆社群</h1>", "<strong>2</strong> 位成员", "登录后加入社群",
				`href="/login?next=` + url.QueryEscape(xi) + `"`, "少儿书法启蒙班", "公益电影放映", "成员增长", "<meter",
				fmt.Sprintf(`id="a%d"`, a.ID), "国画班&lt;报名&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;", `class="pre-line"`},
			not: []string{"<script>alert", "豫剧经典唱段赏析", "/join\"", "/leave\""}},
		{name: "ViewMember", url: xi, as: ts.Resident, want: http.StatusOK,
			text: []string{"您已加入本社群", idPath(`action="/communities/%d/leave"`, ts.Jiaoxi.ID)}},
		{name: "ViewHome", url: idPath("/communities/%d", home), as: ts.Resident, want: http.StatusOK,
			text: []string{"您的所属单位", idPath(`action="/communities/%d/join"`, home), "暂无公告"}},
		{name: "Point", url: idPath("/communities/%d", ts.Point.ID), want: http.StatusOK,
			text: []string{"建南社区文化点社群", "公益电影放映"}, not: []string{"少儿书法启蒙班"}},
		{name: "Hub", url: hub, want: http.StatusNotFound, text: []string{"该单位没有社群。"}},
		{name: "Missing", url: "/communities/999999", want: http.StatusNotFound},
	})
}

func TestCommunityJoinLeave(t *testing.T) {
	ts := newCommunityServer(t)
	id := ts.Jiaoxi.ID
	path := idPath("/communities/%d", id)
	member := func() bool {
		t.Helper()
		c, err := ts.Store.FindCommunity(context.Background(), id, ts.Resident.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.Member
	}
	visitor := ts.post(t, ts.client(t, nil), path+"/join", nil)
	if visitor.Status != http.StatusSeeOther || visitor.Location != "/login?next="+url.QueryEscape(path) || member() {
		t.Fatalf("visitor join: %d %q", visitor.Status, visitor.Location)
	}
	c := ts.client(t, ts.Resident)
	for _, step := range []struct {
		action, flash string
		member        bool
	}{
		{"join", "已加入“焦西分馆”社群", true},
		{"join", "您已是“焦西分馆”社群的成员。", true},
		{"leave", "已退出“焦西分馆”社群。", false},
		{"leave", "您不是“焦西分馆”社群的成员。", false},
	} {
		res := ts.post(t, c, path+"/"+step.action, nil)
		if res.Status != http.StatusSeeOther || res.Location != path {
			t.Fatalf("%s: %d %q\n%s", step.action, res.Status, res.Location, excerpt(res.Body))
		}
		if got := member(); got != step.member {
			t.Errorf("after %s: member %t", step.action, got)
		}
		if page := ts.get(t, c, path); !strings.Contains(page.Body, step.flash) {
			t.Errorf("after %s: no flash %q\n%s", step.action, step.flash, excerpt(page.Body))
		}
	}
	for _, u := range []string{idPath("/communities/%d/join", ts.Hub.ID), "/communities/999999/join", "/communities/x/leave"} {
		if res := ts.post(t, c, u, nil); res.Status != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", u, res.Status)
		}
	}
	if n := ts.countRows(t, "community_members", "1 = 1"); n != 0 {
		t.Errorf("%d memberships left", n)
	}
}

func TestConsoleCommunity(t *testing.T) {
	ts := newCommunityServer(t)
	ts.join(t, ts.Resident, ts.Jiaoxi)
	ts.join(t, ts.Other, ts.Jiaoxi)
	xi := idPath("/console/communities/%d", ts.Jiaoxi.ID)
	ts.run(t, []scenario{
		{name: "ListBranch", url: "/console/communities", as: ts.BranchAdmin, want: http.StatusOK,
			text: []string{"焦西分馆", "建南社区文化点", `href="` + xi + `"`}, not: []string{"焦南分馆"}},
		{name: "ListHub", url: "/console/communities", as: ts.HubAdmin, want: http.StatusOK,
			text: []string{"焦西分馆", "焦南分馆", "解放分馆", "建南社区文化点"}},
		{name: "ListChecker", url: "/console/communities", as: ts.Checker, want: http.StatusForbidden,
			text: []string{"您没有管理社群的权限。"}},
		{name: "ListVisitor", url: "/console/communities", want: http.StatusSeeOther, location: "/console/login"},
		{name: "View", url: xi, as: ts.BranchAdmin, want: http.StatusOK,
			text: []string{"焦西分馆社群", "成员（2 人）", "李秀英", "王建国", "138****0001", "139****0002",
				`name="title"`, `name="body"`, "成员增长", "暂无公告"},
			not: []string{residentPhone, otherPhone}},
		{name: "ViewPoint", url: idPath("/console/communities/%d", ts.Point.ID), as: ts.BranchAdmin, want: http.StatusOK,
			text: []string{"还没有成员。"}},
		{name: "ViewOtherBranch", url: idPath("/console/communities/%d", ts.Jiaonan.ID), as: ts.BranchAdmin, want: http.StatusForbidden},
		{name: "ViewHub", url: idPath("/console/communities/%d", ts.Hub.ID), as: ts.HubAdmin, want: http.StatusNotFound},
		{name: "ViewBadPage", url: xi + "?page=-3", as: ts.BranchAdmin, want: http.StatusOK, text: []string{"李秀英"}},
		{name: "ViewPastEnd", url: xi + "?page=99", as: ts.BranchAdmin, want: http.StatusOK, text: []string{"这一页没有成员。"}},
	})
}

func TestConsoleAnnouncement(t *testing.T) {
	ts := newCommunityServer(t)
	ts.join(t, ts.Resident, ts.Jiaoxi)
	ts.join(t, ts.Other, ts.Jiaoxi)
	ts.join(t, ts.Other, ts.Jiaonan)
	post := func(unit int64) string { return idPath("/console/communities/%d/announcements", unit) }
	form := func(title, body string) url.Values { return url.Values{"title": {title}, "body": {body}} }
	ts.run(t, []scenario{
		{name: "OtherBranch", method: http.MethodPost, url: post(ts.Jiaonan.ID), as: ts.BranchAdmin,
			form: form("通知", "内容"), want: http.StatusForbidden},
		{name: "Checker", method: http.MethodPost, url: post(ts.Jiaoxi.ID), as: ts.Checker,
			form: form("通知", "内容"), want: http.StatusForbidden},
		{name: "Hub", method: http.MethodPost, url: post(ts.Hub.ID), as: ts.HubAdmin,
			form: form("通知", "内容"), want: http.StatusNotFound},
		{name: "NoTitle", method: http.MethodPost, url: post(ts.Jiaoxi.ID), as: ts.BranchAdmin,
			form: form(" ", "保留的内容"), want: http.StatusUnprocessableEntity,
			text: []string{"请填写标题。", "保留的内容", `aria-invalid="true"`}},
		{name: "LongTitle", method: http.MethodPost, url: post(ts.Jiaoxi.ID), as: ts.BranchAdmin,
			form: form(strings.Repeat("长", 61), "内容"), want: http.StatusUnprocessableEntity, text: []string{"标题长度应在 1 到 60 个字之间。"}},
		{name: "LongBody", method: http.MethodPost, url: post(ts.Jiaoxi.ID), as: ts.BranchAdmin,
			form: form("通知", strings.Repeat("长", 2001)), want: http.StatusUnprocessableEntity, text: []string{"内容长度应在 1 到 2000 个字之间。"}},
		{name: "ControlCharacter", method: http.MethodPost, url: post(ts.Jiaoxi.ID), as: ts.BranchAdmin,
			form: form("通知\x01", "内容"), want: http.StatusUnprocessableEntity, text: []string{"包含无效字符"}},
	})
	if n := ts.countRows(t, "announcements", "1 = 1") + ts.countRows(t, "notifications", "kind = 'announcement'"); n != 0 {
		t.Fatalf("refused posts stored %d rows", n)
	}
	c := ts.client(t, ts.BranchAdmin)
	res := ts.post(t, c, post(ts.Jiaoxi.ID), form("国画班报名", "周六上午九点\n二楼书画室"))
	if res.Status != http.StatusSeeOther || res.Location != idPath("/console/communities/%d", ts.Jiaoxi.ID) {
		t.Fatalf("post: %d %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	page := ts.get(t, c, res.Location)
	for _, want := range []string{"已发布公告“国画班报名”", "国画班报名", "周六上午九点\n二楼书画室"} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("console page lacks %q", want)
		}
	}
	where := fmt.Sprintf("kind = 'announcement' AND account_id IN (%d, %d)", ts.Resident.ID, ts.Other.ID)
	if n, all := ts.countRows(t, "notifications", where), ts.countRows(t, "notifications", "kind = 'announcement'"); n != 2 || all != 2 {
		t.Errorf("notifications: %d to members, %d in all; want one each", n, all)
	}
}

// Hostile ids and pages answer 404 or a page, never a server error.
func TestCommunityHostileInput(t *testing.T) {
	ts := newCommunityServer(t)
	c := ts.client(t, ts.HubAdmin)
	for _, id := range []string{"0", "-1", "x", "1e3", "99999999999999999999", "%00", "1%20", "9223372036854775807"} {
		for _, u := range []string{"/communities/" + id, "/console/communities/" + id, "/console/communities/1?page=" + id} {
			if res := ts.get(t, c, u); res.Status >= 500 {
				t.Errorf("GET %s: %d", u, res.Status)
			}
		}
		for _, u := range []string{"/communities/" + id + "/join", "/communities/" + id + "/leave", "/console/communities/" + id + "/announcements"} {
			if res := ts.post(t, c, u, url.Values{"title": {"t"}, "body": {"b"}}); res.Status >= 500 || res.Status == http.StatusSeeOther {
				t.Errorf("POST %s: %d", u, res.Status)
			}
		}
	}
}

// Without the community service the pages do not exist.
func TestCommunityPagesOff(t *testing.T) {
	ts := newTestServer(t)
	for _, u := range []string{"/communities", idPath("/communities/%d", ts.Jiaoxi.ID)} {
		if res := ts.get(t, ts.client(t, ts.Resident), u); res.Status != http.StatusNotFound {
			t.Errorf("GET %s: %d", u, res.Status)
		}
	}
	if res := ts.get(t, ts.client(t, ts.BranchAdmin), "/console/communities"); res.Status != http.StatusNotFound {
		t.Errorf("console: %d", res.Status)
	}
}

// communityTemplateCases are the community pages' template cases.
// TestTemplates should include them (templateFixtures).
func communityTemplateCases() []pageCase {
	now := time.Now()
	branch := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/", Address: "焦西街道 1 号"}
	resident := &culture.Account{ID: 7, Phone: "13800000001", Name: "李秀英", HomeUnitID: &branch.ID}
	staff := &culture.Account{ID: 8, Username: "jiaoxi", Name: "焦西管理员",
		Grants: []*culture.Grant{{Role: culture.RoleBranchAdmin, UnitID: 2, UnitPath: "/1/2/"}}}
	page := func(a *culture.Account, console bool) Page {
		return Page{Title: "社群", Account: a, Flash: "已加入", Path: "/communities", Now: now, Console: console}
	}
	var weeks []*culture.CommunityGrowth
	for i := range 12 {
		weeks = append(weeks, &culture.CommunityGrowth{Week: now.AddDate(0, 0, 7*(i-11)), Joined: i % 3, Members: i * 2})
	}
	joined := now.Add(-time.Hour)
	c := &culture.Community{UnitID: 2, UnitName: "焦西分馆", Members: 22, Growth: weeks, Member: true, JoinedAt: &joined}
	out := &culture.Community{UnitID: 3, UnitName: "建南<文化点>", Members: 0}
	ann := []*culture.Announcement{{ID: 4, UnitID: 2, Title: "国画<班>", Body: "第一行\n<b>第二行</b>", AuthorName: "焦西管理员", CreatedAt: now}}
	rows := []communityRow{{Community: c, Home: true, SignedIn: true, Points: []communityRow{{Community: out, SignedIn: true}}}}
	members := []*culture.CommunityMember{{AccountID: 7, Name: "李秀英", Phone: "13812345678", JoinedAt: now}, {AccountID: 9, Phone: "139****0002"}}
	bad := newConsoleForm("announce")
	bad.Values["body"] = "内容<script>"
	bad.fail("title", "请填写标题。")
	bad.fail("", "发布失败。")
	return []pageCase{
		{"Communities", "communities", "", &communitiesPage{Page: page(resident, false), Branches: rows}},
		{"CommunitiesEmpty", "communities", "", &communitiesPage{Page: page(nil, false)}},
		{"Community", "community", "", &communityPage{Page: page(resident, false), Community: c, Unit: branch,
			Growth: newGrowthTable(weeks), Announcements: ann, Total: 30}},
		{"CommunityVisitor", "community", "", &communityPage{Page: page(nil, false), Community: out, Unit: &culture.Unit{ID: 3},
			Growth: newGrowthTable(nil)}},
		{"CommunityNotMember", "community", "", &communityPage{Page: page(staff, false), Community: out, Unit: branch}},
		{"ConsoleCommunities", "console_communities", "", &consoleCommunitiesPage{Page: page(staff, true),
			Communities: []*culture.Community{c, out}}},
		{"ConsoleCommunitiesEmpty", "console_communities", "", &consoleCommunitiesPage{Page: page(staff, true)}},
		{"ConsoleCommunity", "console_community", "", &consoleCommunityPage{Page: page(staff, true), Community: c,
			Growth: newGrowthTable(weeks), Members: members, Total: 120, PageNo: 2, Pages: 3, Announcements: ann,
			Form: newConsoleForm("announce")}},
		{"ConsoleCommunityErrors", "console_community", "", &consoleCommunityPage{Page: page(staff, true), Community: out,
			PageNo: 1, Pages: 1, Form: bad}},
	}
}

// TestCommunityTemplates renders the community pages in each state: they
// must pass the accessibility checks, show no full phone number and keep
// user text inert.
func TestCommunityTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range communityTemplateCases() {
		t.Run(c.name, func(t *testing.T) {
			html := executePage(t, s, c)
			checkAccessible(t, html)
			for _, bad := range []string{"13812345678", "<script>", "<b>", "<文化点>", "<班>"} {
				if strings.Contains(html, bad) {
					t.Errorf("page shows %q", bad)
				}
			}
		})
	}
}

// Members are listed 50 a page, newest first.
func TestConsoleCommunityMembersPaged(t *testing.T) {
	ts := newCommunityServer(t)
	ctx := context.Background()
	for i := range 52 {
		a, err := ts.Store.FindOrCreateResident(ctx, fmt.Sprintf("136%08d", i))
		if err != nil {
			t.Fatal(err)
		}
		ts.join(t, a, ts.Point)
	}
	path := idPath("/console/communities/%d", ts.Point.ID)
	ts.run(t, []scenario{
		{name: "First", url: path, as: ts.BranchAdmin, want: http.StatusOK,
			text: []string{"成员（52 人）", "第 1 / 2 页", path + "?page=2#members", "136****0051"}, not: []string{"136****0001<"}},
		{name: "Second", url: path + "?page=2", as: ts.BranchAdmin, want: http.StatusOK,
			text: []string{"第 2 / 2 页", "136****0001", "136****0000", path + "?page=1#members"}, not: []string{"136****0051"}},
	})
}
