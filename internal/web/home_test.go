package web

import (
	"net/http"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestHome(t *testing.T) {
	ts := newTestServer(t)
	ts.run(t, []scenario{
		{name: "OK", url: "/", want: http.StatusOK, text: []string{
			`<html lang="zh-CN">`, "公益文化活动预约", `name="q"`, "解放区文化馆", "焦西分馆", "焦南分馆", "上白作分馆",
			"解放益课", "解放剧场", "少儿书法启蒙班", "豫剧经典唱段赏析", "书法美术",
			`href="/activities?category=%e6%88%8f%e6%9b%b2"`, "登录",
		}, not: []string{"书画作品展开幕式"}},
		{name: "OKSignedIn", url: "/", as: ts.Resident, want: http.StatusOK, text: []string{"我的票券", "退出"}, not: []string{"工作台"}},
		{name: "OKStaff", url: "/", as: ts.BranchAdmin, want: http.StatusOK, text: []string{`href="/console"`}},
		{name: "ErrNotFound", url: "/no/such/page", want: http.StatusNotFound, text: []string{"页面不存在"}},
		{name: "ErrNotFoundSignedIn", url: "/no/such/page", as: ts.BranchAdmin, want: http.StatusNotFound, text: []string{"页面不存在", "工作台"}},
	})
}

func TestGroupByBranch(t *testing.T) {
	hubID, branchID := int64(1), int64(2)
	units := []*culture.Unit{
		{ID: 1, Kind: culture.UnitHub, Name: "总馆", Path: "/1/"},
		{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/", ParentID: &hubID},
		{ID: 3, Kind: culture.UnitPoint, Name: "文化点", Path: "/1/2/3/", ParentID: &branchID},
		{ID: 4, Kind: culture.UnitPoint, Name: "总馆文化点", Path: "/1/4/", ParentID: &hubID},
	}
	now := time.Now()
	as := []*culture.Activity{
		{ID: 10, UnitID: 3}, {ID: 11, UnitID: 1}, {ID: 12, UnitID: 2}, {ID: 13, UnitID: 4},
		{ID: 14, UnitID: 2}, {ID: 15, UnitID: 99},
	}
	got := groupByBranch(units, as, now, 2)
	if len(got) != 2 || got[0].Unit.ID != 1 || got[1].Unit.ID != 2 {
		t.Fatalf("sections: %+v", got)
	}
	ids := func(cards []activityCard) []int64 {
		var out []int64
		for _, c := range cards {
			out = append(out, c.ID)
		}
		return out
	}
	if g := ids(got[0].Items); len(g) != 2 || g[0] != 11 || g[1] != 13 {
		t.Errorf("hub items %v, want [11 13]", g)
	}
	if g := ids(got[1].Items); len(g) != 2 || g[0] != 10 || g[1] != 12 {
		t.Errorf("branch items %v, want [10 12] (at most 2)", g)
	}
}
