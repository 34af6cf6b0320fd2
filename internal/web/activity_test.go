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

func TestActivityIndex(t *testing.T) {
	ts := newTestServer(t)
	day := func(d time.Duration) string { return time.Now().Add(d).In(culture.Shanghai).Format(time.DateOnly) }
	hx := map[string]string{"HX-Request": "true"}
	ts.run(t, []scenario{
		{name: "OK", url: "/activities", want: http.StatusOK, text: []string{
			"少儿书法启蒙班", "豫剧经典唱段赏析", "亲子剪纸非遗体验", "公益电影放映", "合唱团新团员招募",
			"剩余 20 个名额", "名额已满", "免预约", `data-countdown="`, "预约已截止",
			`hx-get="/activities"`, `<label for="f-unit">`, `id="activity-results"`,
		}, not: []string{"书画作品展开幕式"}},
		{name: "OKSearchChinese", url: "/activities?q=" + url.QueryEscape("书法"), want: http.StatusOK,
			text: []string{"少儿书法启蒙班", "共 1 场活动"}, not: []string{"豫剧经典唱段赏析"}},
		{name: "OKSearchTwoWords", url: "/activities?q=" + url.QueryEscape("豫剧 唱段"), want: http.StatusOK,
			text: []string{"豫剧经典唱段赏析"}, not: []string{"少儿书法启蒙班"}},
		{name: "OKSearchByPlace", url: "/activities?q=" + url.QueryEscape("焦南"), want: http.StatusOK,
			text: []string{"豫剧经典唱段赏析", "广场舞进阶课"}, not: []string{"少儿书法启蒙班"}},
		{name: "OKSearchNothing", url: "/activities?q=" + url.QueryEscape("量子力学"), want: http.StatusOK,
			text: []string{"没有符合条件的活动"}},
		{name: "OKCategory", url: "/activities?category=" + url.QueryEscape("戏曲"), want: http.StatusOK,
			text: []string{"豫剧经典唱段赏析"}, not: []string{"少儿书法启蒙班"}},
		{name: "OKBranch", url: idPath("/activities?unit=%d", ts.Jiaoxi.ID), want: http.StatusOK,
			text: []string{"少儿书法启蒙班", "公益电影放映"}, not: []string{"豫剧经典唱段赏析", "亲子剪纸非遗体验"}},
		{name: "OKBookableOnly", url: "/activities?bookable=1", want: http.StatusOK,
			text: []string{"少儿书法启蒙班", "合唱团新团员招募"},
			not:  []string{"豫剧经典唱段赏析", "公益电影放映", "广场舞进阶课"}},
		{name: "OKDateRange", url: "/activities?from=" + day(48*time.Hour+time.Hour) + "&to=" + day(4*24*time.Hour), want: http.StatusOK,
			text: []string{"少儿书法启蒙班", "公益电影放映"}, not: []string{"广场舞进阶课", "合唱团新团员招募"}},
		{name: "OKHtmxBlock", url: "/activities?q=" + url.QueryEscape("书法"), header: hx, want: http.StatusOK,
			text: []string{"少儿书法启蒙班", "共 1 场活动"}, not: []string{"<html", "<nav class=\"nav\""}},
		{name: "OKHtmxHistoryRestore", url: "/activities", want: http.StatusOK,
			header: map[string]string{"HX-Request": "true", "HX-History-Restore-Request": "true"}, text: []string{"<html"}},
		{name: "ErrUnitNotNumeric", url: "/activities?unit=abc", want: http.StatusUnprocessableEntity, text: []string{"请选择正确的场馆"}},
		{name: "ErrUnitUnknown", url: "/activities?unit=999999", want: http.StatusNotFound},
		{name: "ErrDate", url: "/activities?from=2026-13-45", want: http.StatusUnprocessableEntity, text: []string{"开始日期格式不正确"}},
		{name: "ErrDateOrder", url: "/activities?from=2030-05-02&to=2030-05-01", want: http.StatusUnprocessableEntity, text: []string{"结束日期不能早于开始日期"}},
		{name: "ErrSearchNUL", url: "/activities?q=%E4%B9%A6%00", want: http.StatusUnprocessableEntity, text: []string{"搜索内容包含无效字符。"}},
		{name: "ErrSearchControl", url: "/activities?q=%1B%5B31m", want: http.StatusUnprocessableEntity, text: []string{"搜索内容包含无效字符。"}},
		{name: "ErrCategory", url: "/activities?category=nope", want: http.StatusUnprocessableEntity, text: []string{"请选择正确的活动类别"}},
		{name: "ErrPage", url: "/activities?page=0", want: http.StatusUnprocessableEntity, text: []string{"页码不正确"}},
		{name: "ErrQueryTooLong", url: "/activities?q=" + strings.Repeat("书", 51), want: http.StatusUnprocessableEntity, text: []string{"最多 50 个字"}},
		{name: "ErrHtmx422Block", url: "/activities?category=nope", header: hx, want: http.StatusUnprocessableEntity,
			text: []string{"请选择正确的活动类别"}, not: []string{"<html"}},
	})
}

func TestActivityIndexPages(t *testing.T) {
	ts := newTestServer(t)
	f := fixtures{t: t, ctx: context.Background(), ts: ts}
	for i := range 25 {
		f.activity(fmt.Sprintf("太极拳晨练第%02d期", i+1), ts.Jiaonan, culture.ModeOpen, "健康养生",
			time.Duration(i+10)*24*time.Hour, 0, nil)
	}
	q := "/activities?q=" + url.QueryEscape("太极")
	ts.run(t, []scenario{
		{name: "OKFirst", url: q, want: http.StatusOK, text: []string{"共 25 场活动", "第 1 / 2 页", "太极拳晨练第01期", "下一页", "page=2"},
			not: []string{"太极拳晨练第21期", "上一页"}},
		{name: "OKSecond", url: q + "&page=2", want: http.StatusOK, text: []string{"太极拳晨练第21期", "上一页"},
			not: []string{"太极拳晨练第01期", "下一页"}},
		{name: "OKPastEnd", url: q + "&page=9", want: http.StatusOK, text: []string{"共 25 场活动", "没有符合条件的活动"}},
	})
}

func TestActivityView(t *testing.T) {
	ts := newTestServer(t)
	path := func(a *culture.Activity) string { return idPath("/activities/%d", a.ID) }
	ts.run(t, []scenario{
		{name: "OKVisitor", url: path(ts.Bookable), want: http.StatusOK, text: []string{
			"<h1>少儿书法启蒙班</h1>", "焦西分馆", "多功能厅", "焦作市解放区焦西街道", "少年儿童（6–12 岁）",
			"共 20 人", "剩余 20 个名额", "先到先得", "每单最多 3 人", "开放预约", "预约截止", "取消预约", "解放益课",
			"登录后预约", `href="/login?next=%2Factivities%2F`,
		}, not: []string{`name="idem"`}},
		{name: "OKResidentForm", url: path(ts.Bookable), as: ts.Resident, want: http.StatusOK, text: []string{
			`action="` + path(ts.Bookable) + `/book"`, `name="idem"`, `name="self"`, "本人（李秀英）",
			`name="family" value="` + fmt.Sprint(ts.Child.ID) + `"`, "李小明（子女，2017 年生）", "添加家庭成员", "立即预约",
		}, not: []string{"登录后预约"}},
		{name: "OKNotOpen", url: path(ts.NotOpen), as: ts.Resident, want: http.StatusOK,
			text: []string{`data-countdown="`, "距开放预约", `disabled data-enable-at="`, "尚未开放",
				`data-queue-until="`, `role="status" data-queue-status`}},
		{name: "OKNotOpenVisitor", url: path(ts.NotOpen), want: http.StatusOK, text: []string{`data-countdown="`, "登录后预约"}},
		{name: "OKSoldOut", url: path(ts.SoldOut), as: ts.Resident, want: http.StatusOK, text: []string{"名额已满", "加入候补", `name="waitlist" value="1"`}},
		{name: "OKClosed", url: path(ts.Closed), as: ts.Resident, want: http.StatusOK, text: []string{"预约已截止"}, not: []string{`name="idem"`}},
		{name: "OKWalkIn", url: path(ts.WalkIn), want: http.StatusOK, text: []string{"免预约", "建南社区文化点", "直接到场"}, not: []string{"登录后预约"}},
		{name: "OKApproval", url: path(ts.Approval), as: ts.Resident, want: http.StatusOK, text: []string{"报名审核", "提交报名", "每单最多 1 人"},
			not: []string{"data-queue-until"}},
		{name: "OKCancelled", url: path(ts.Cancelled), want: http.StatusOK, text: []string{"该活动已取消"}, not: []string{"登录后预约"}},
		{name: "OKAlreadyBookedByOther", url: path(ts.SoldOut), as: ts.Other, want: http.StatusOK, text: []string{"您已预约本场活动", "查看我的票券"}},
		{name: "ErrNotNumeric", url: "/activities/abc", want: http.StatusNotFound, text: []string{"页面不存在"}},
		{name: "ErrNegative", url: "/activities/-1", want: http.StatusNotFound},
		{name: "ErrUnknown", url: "/activities/999999", want: http.StatusNotFound, text: []string{"活动不存在"}},
		{name: "ErrUnknownSignedIn", url: "/activities/999999", as: ts.Operator, want: http.StatusNotFound, text: []string{"活动不存在"}},
		{name: "ErrHugeID", url: "/activities/99999999999999999999999", want: http.StatusNotFound},
	})
}

func TestUnitView(t *testing.T) {
	ts := newTestServer(t)
	ts.run(t, []scenario{
		{name: "OKBranch", url: idPath("/units/%d", ts.Jiaoxi.ID), want: http.StatusOK,
			text: []string{"<h1>焦西分馆</h1>", "分馆", "焦作市解放区焦西街道", "建南社区文化点", "少儿书法启蒙班", "公益电影放映"},
			not:  []string{"豫剧经典唱段赏析", "书画作品展开幕式"}},
		{name: "OKPoint", url: idPath("/units/%d", ts.Point.ID), want: http.StatusOK, text: []string{"基层文化点", "公益电影放映"}, not: []string{"少儿书法启蒙班"}},
		{name: "OKHub", url: idPath("/units/%d", ts.Hub.ID), want: http.StatusOK, text: []string{"总馆", "焦南分馆", "亲子剪纸非遗体验", "豫剧经典唱段赏析"}},
		{name: "ErrNotNumeric", url: "/units/x", want: http.StatusNotFound},
		{name: "ErrUnknown", url: "/units/424242", want: http.StatusNotFound, text: []string{"单位不存在"}},
	})
}

func TestLargeText(t *testing.T) {
	ts := newTestServer(t)
	c := ts.client(t, nil)
	if res := ts.get(t, c, "/"); strings.Contains(res.Body, `class="large-text`) {
		t.Fatal("large text on by default")
	}
	res := ts.do(t, c, http.MethodPost, "/prefs/text-size", url.Values{}, map[string]string{"Referer": ts.HTTP.URL + "/activities"})
	if res.Status != http.StatusSeeOther || res.Location != "/activities" {
		t.Fatalf("toggle: %d %q", res.Status, res.Location)
	}
	// A Referer from elsewhere never becomes a redirect off the site.
	res = ts.do(t, c, http.MethodPost, "/prefs/text-size", url.Values{}, map[string]string{"Referer": "https://evil.example//x"})
	if res.Location != "/" {
		t.Errorf("foreign Referer: redirect to %q, want /", res.Location)
	}
	ts.do(t, c, http.MethodPost, "/prefs/text-size", url.Values{}, nil)
	if res := ts.get(t, c, "/activities"); !strings.Contains(res.Body, `class="large-text`) || !strings.Contains(res.Body, "标准字号") {
		t.Errorf("large text not on after toggle")
	}
}

// TestBadInputNever5xx sends hostile input to every resident route, signed
// in and not: nothing a client sends may produce a 5xx.
func TestBadInputNever5xx(t *testing.T) {
	ts := newTestServer(t)
	big := url.Values{"x": {strings.Repeat("a", 70<<10)}}
	gets := []string{
		"/activities?q=%ff%fe", "/activities?q=" + url.QueryEscape(`"书法" OR NEAR(a b) * -x ^`), "/activities?q=" + url.QueryEscape("!!!，。"),
		"/activities?q=" + url.QueryEscape("abc 123 书"), "/activities?q=%22", "/activities?q='", "/activities?q=" + url.QueryEscape("a:b"),
		"/activities?unit=1e3", "/activities?unit=9223372036854775807", "/activities?unit=-5", "/activities?page=99999999999999999999",
		"/activities?page=10000", "/activities?from=0000-00-00", "/activities?from=9999-12-31", "/activities?to=2026-02-30",
		"/activities?bookable=yes&category=%ff", "/activities?%zz", "/activities/0", "/activities/-0", "/activities/+1", "/activities/1.0",
		"/activities/9223372036854775807", "/activities/%EF%BC%91", "/units/0", "/units/9223372036854775807", "/me/tickets/0",
		"/me/tickets/9223372036854775807/qr.png", "/me/family?back=javascript:alert(1)", "/login?next=//evil.example",
		"/login?next=%0d%0aSet-Cookie:x", "/login/verify?phone=%ff", "/login/verify", "/me/family/1/delete", "/static/../web.go",
	}
	posts := []struct {
		path string
		form url.Values
	}{
		{"/activities/1/book", big}, {"/login/code", big}, {"/login", big}, {"/me/family", big},
		{"/me/tickets/1/cancel", big}, {"/me/family/1/delete", big},
		{"/activities/1/book", url.Values{"self": {"1"}, "family": {"-1", "0"}, "idem": {"x"}}},
		{"/activities/1/book", url.Values{"self": {"1"}, "family": {"9223372036854775807"}, "idem": {"\xff"}}},
		{"/activities/9223372036854775807/book", url.Values{"self": {"1"}, "idem": {"k"}}},
		{"/login", url.Values{"phone": {"13800000001"}, "code": {"１２３４５６"}}},
		{"/login/code", url.Values{"phone": {"\x00\xff"}}},
		{"/me/family", url.Values{"name": {"\xff\xfe"}, "relation": {"子女"}, "birth_year": {"99999999999999999999"}}},
		{"/me/family", url.Values{"name": {"李"}, "relation": {"子女"}, "birth_year": {"-1"}, "back": {"http://evil.example"}}},
		{"/logout", nil}, {"/prefs/text-size", nil},
	}
	for _, as := range []*culture.Account{nil, ts.Resident} {
		c := ts.client(t, as)
		for _, p := range gets {
			for _, h := range []map[string]string{nil, {"HX-Request": "true"}} {
				if res := ts.do(t, c, http.MethodGet, p, nil, h); res.Status >= 500 {
					t.Errorf("GET %s (as %v, %v): %d", p, as != nil, h, res.Status)
				}
			}
		}
		for _, p := range posts {
			if res := ts.post(t, c, p.path, p.form); res.Status >= 500 {
				t.Errorf("POST %s (as %v): %d\n%s", p.path, as != nil, res.Status, excerpt(res.Body))
			}
		}
		for _, ct := range []string{"multipart/form-data; boundary=x", "application/json", "text/plain"} {
			res := ts.do(t, c, http.MethodPost, "/login/code", url.Values{"phone": {"%zz"}}, map[string]string{"Content-Type": ct})
			if res.Status >= 500 {
				t.Errorf("POST /login/code as %s: %d", ct, res.Status)
			}
		}
	}
	raw, err := http.NewRequest(http.MethodPost, ts.HTTP.URL+"/login/code", strings.NewReader("phone=%zz&a=%"))
	if err != nil {
		t.Fatal(err)
	}
	raw.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(raw)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad percent-encoding: %d, want 400", res.StatusCode)
	}
}
