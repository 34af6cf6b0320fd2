package web

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// menuTestServer is the test server with the culture menu: a provider
// serving the hub, with items in every state the resident pages show.
type menuTestServer struct {
	*testServer
	Provider *culture.Provider // 星光越剧团, with a logo
	Photo    *culture.Image    // a 4×3 PNG
	// Item (越剧经典折子戏) is published, in 解放剧场, with Photo; Pending
	// was never approved; Withdrawn was published, then taken off.
	Item, Pending, Withdrawn *culture.MenuItem
}

// newMenuTestServer starts the test server with the menu services and
// the menu fixtures.
func newMenuTestServer(t *testing.T) *menuTestServer {
	t.Helper()
	ts := newTestServer(t)
	ts.Server.Menu, ts.Server.Images = ts.Store, ts.Store
	ms := &menuTestServer{testServer: ts}
	ctx := t.Context()
	var err error
	if ms.Photo, err = ts.Store.CreateImage(ctx, testPNG(t, 4, 3), nil); err != nil {
		t.Fatalf("fixture image: %v", err)
	}
	ms.Provider = &culture.Provider{HubID: ts.Hub.ID, Name: "星光越剧团", Level: culture.LevelDistrict,
		Kind: "troupe", ContactPhone: "13812345678", Intro: "专业越剧团体。", LogoID: &ms.Photo.ID}
	if err := ts.Store.CreateProvider(ctx, ms.Provider); err != nil {
		t.Fatalf("fixture provider: %v", err)
	}
	ms.Item = ms.publish(t, "越剧经典折子戏", func(f *culture.MenuItemFields) {
		f.PhotoIDs, f.SeriesID = []int64{ms.Photo.ID}, &ts.Theatre.ID
	})
	ms.Pending = ms.submit(t, "尚未审核的讲座", nil)
	ms.Withdrawn = ms.publish(t, "已下架的电影", func(f *culture.MenuItemFields) { f.Format, f.Category = culture.FormatFilm, "公益电影" })
	if err := ts.Store.WithdrawMenuItem(ctx, ms.Withdrawn.ID); err != nil {
		t.Fatalf("fixture withdraw: %v", err)
	}
	return ms
}

// testPNG encodes a w×h PNG.
func testPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// menuFields returns valid item fields with the title, changed by edit.
func menuFields(title string, edit func(*culture.MenuItemFields)) culture.MenuItemFields {
	f := culture.MenuItemFields{
		Title: title, Category: "戏曲", Format: culture.FormatPerformance, Sessions: 1,
		Groups: []string{"adults", "elderly"}, Minutes: 90, CapacityMin: 20, CapacityMax: 300,
		Needs: "舞台与音响", Cost: 3456, Available: "周末下午", Description: title + "。经典选段。",
	}
	if edit != nil {
		edit(&f)
	}
	return f
}

// submit files a new item of the provider as the hub admin.
func (ms *menuTestServer) submit(t *testing.T, title string, edit func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	m, err := ms.Store.SubmitMenuItem(t.Context(), ms.Provider.ID, 0, menuFields(title, edit), ms.HubAdmin.ID)
	if err != nil {
		t.Fatalf("fixture submit %s: %v", title, err)
	}
	return m
}

// publish submits a new item and approves it.
func (ms *menuTestServer) publish(t *testing.T, title string, edit func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	m := ms.submit(t, title, edit)
	if err := ms.Store.ReviewMenuItem(t.Context(), m.Pending.ID, true, "", ms.HubAdmin.ID); err != nil {
		t.Fatalf("fixture approve %s: %v", title, err)
	}
	m, err := ms.Store.FindMenuItemByID(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// supportsOf returns the account's supports this season.
func (ms *menuTestServer) supportsOf(t *testing.T, a *culture.Account) []*culture.Support {
	t.Helper()
	sups, err := ms.Store.FindSupports(t.Context(), a.ID, culture.SeasonOf(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	return sups
}

func TestMenuPages(t *testing.T) {
	ms := newMenuTestServer(t)
	item, provider := idPath("/menu/%d", ms.Item.ID), idPath("/providers/%d", ms.Provider.ID)
	series := idPath("/series/%d", ms.Theatre.ID)
	ms.run(t, []scenario{
		{name: "OKMenuVisitor", url: "/menu", want: http.StatusOK,
			text: []string{"文化菜单", "越剧经典折子戏", "星光越剧团", "演出", "老年人", "90 分钟", "0 人点单", "暂无评价", "登录"},
			not:  []string{"尚未审核的讲座", "已下架的电影"}},
		{name: "OKMenuResident", url: "/menu", as: ms.Resident, want: http.StatusOK, text: []string{"越剧经典折子戏", "查看我的点单"}},
		{name: "OKMenuFiltered", url: "/menu?format=performance&group=elderly&category=%E6%88%8F%E6%9B%B2&sort=supports&series=" +
			idPath("%d", ms.Theatre.ID), want: http.StatusOK, text: []string{"越剧经典折子戏"}},
		{name: "OKMenuNoMatch", url: "/menu?format=film", want: http.StatusOK, text: []string{"没有符合条件的项目"}, not: []string{"越剧经典折子戏"}},
		{name: "OKMenuSearch", url: "/menu?q=" + url.QueryEscape("越剧"), want: http.StatusOK, text: []string{"越剧经典折子戏"}},
		{name: "OKMenuBlock", url: "/menu?sort=rating", header: map[string]string{"HX-Request": "true"}, want: http.StatusOK,
			text: []string{"越剧经典折子戏"}, not: []string{"<html"}},
		{name: "OKItemVisitor", url: item, want: http.StatusOK,
			text: []string{"越剧经典折子戏", "登录后点单", "/login?next=" + url.QueryEscape(item), "/media/" + idPath("%d", ms.Photo.ID),
				"/providers/" + idPath("%d", ms.Provider.ID), "解放剧场", "暂无评价"},
			not: []string{"3456", "每场费用"}},
		{name: "OKItemResident", url: item, as: ms.Resident, want: http.StatusOK,
			text: []string{"本季度还可点单 10 次", "点单支持", `name="unit_id"`, "焦西分馆"}, not: []string{"3456"}},
		{name: "OKItemCostForBranchAdmin", url: item, as: ms.BranchAdmin, want: http.StatusOK, text: []string{"每场费用", "3456 元"}},
		{name: "OKItemWithdrawn", url: idPath("/menu/%d", ms.Withdrawn.ID), as: ms.Resident, want: http.StatusOK,
			text: []string{"已下架的电影", "暂不能点单"}, not: []string{`action="` + idPath("/menu/%d", ms.Withdrawn.ID) + `/support"`}},
		{name: "ErrItemPendingVisitor", url: idPath("/menu/%d", ms.Pending.ID), want: http.StatusNotFound},
		{name: "ErrItemPendingResident", url: idPath("/menu/%d", ms.Pending.ID), as: ms.Resident, want: http.StatusNotFound},
		{name: "OKItemPendingReviewer", url: idPath("/menu/%d", ms.Pending.ID), as: ms.HubAdmin, want: http.StatusOK,
			text: []string{"尚未审核的讲座", "待审核"}},
		{name: "OKProvider", url: provider, want: http.StatusOK,
			text: []string{"星光越剧团", "区级", "文艺团体", "专业越剧团体。", "越剧经典折子戏", "的标志"},
			not:  []string{"尚未审核的讲座", "13812345678"}},
		{name: "OKProviderResident", url: provider, as: ms.Resident, want: http.StatusOK, text: []string{"越剧经典折子戏"}},
		{name: "OKSeriesList", url: "/series", want: http.StatusOK, text: []string{"解放益课", "解放剧场", series}},
		{name: "OKSeriesVisitor", url: series, want: http.StatusOK,
			text: []string{"解放剧场", "豫剧经典唱段赏析", "越剧经典折子戏", "往期回顾", "登录后关注本系列"}},
		{name: "OKSeriesResident", url: series, as: ms.Resident, want: http.StatusOK, text: []string{"关注本系列", `name="follow" value="1"`}},
		{name: "ErrSupportsVisitor", url: "/me/supports", want: http.StatusSeeOther, location: "/login"},
		{name: "OKSupportsEmpty", url: "/me/supports", as: ms.Resident, want: http.StatusOK, text: []string{"本季度还可点单 10 次", "本季度还没有点单"}},
		{name: "OKNavLink", url: "/", want: http.StatusOK, text: []string{`href="/menu"`, series}},
		{name: "OKActivitySeriesLink", url: idPath("/activities/%d", ms.SoldOut.ID), want: http.StatusOK, text: []string{series}},
	})
}

// TestMenuItemOtherHub: staff of another hub, even its hub admin who
// reviews the menu there, see this hub's items as the public does: no
// unpublished items and no cost. The provider's own staff see both.
func TestMenuItemOtherHub(t *testing.T) {
	ms := newMenuTestServer(t)
	ctx := t.Context()
	other := &culture.Unit{Kind: culture.UnitHub, Name: "邻区文化馆"}
	if err := ms.Store.CreateUnit(ctx, other); err != nil {
		t.Fatal(err)
	}
	otherBranch := &culture.Unit{Kind: culture.UnitBranch, Name: "邻区分馆", ParentID: &other.ID}
	if err := ms.Store.CreateUnit(ctx, otherBranch); err != nil {
		t.Fatal(err)
	}
	staff := func(username, role string, unit *culture.Unit, provider *int64) *culture.Account {
		a := &culture.Account{Username: username, Name: "工作人员"}
		if err := ms.Store.CreateStaff(ctx, a, testPassword); err != nil {
			t.Fatal(err)
		}
		g := &culture.Grant{AccountID: a.ID, Role: role, UnitID: unit.ID, ProviderID: provider}
		if err := ms.Store.CreateGrant(ctx, g); err != nil {
			t.Fatal(err)
		}
		return a
	}
	otherAdmin := staff("other-hub-admin", culture.RoleHubAdmin, other, nil)
	otherBranchAdmin := staff("other-branch-admin", culture.RoleBranchAdmin, otherBranch, nil)
	own := staff("xingguang-staff", culture.RoleProviderStaff, ms.Hub, &ms.Provider.ID)
	item, pending := idPath("/menu/%d", ms.Item.ID), idPath("/menu/%d", ms.Pending.ID)
	ms.run(t, []scenario{
		{name: "ErrPendingOtherHubAdmin", url: pending, as: otherAdmin, want: http.StatusNotFound, not: []string{"尚未审核的讲座"}},
		{name: "OKNoCostOtherHubAdmin", url: item, as: otherAdmin, want: http.StatusOK, text: []string{"越剧经典折子戏"}, not: []string{"3456", "每场费用"}},
		{name: "OKNoCostOtherBranchAdmin", url: item, as: otherBranchAdmin, want: http.StatusOK, not: []string{"3456", "每场费用"}},
		{name: "OKPendingOwnStaff", url: pending, as: own, want: http.StatusOK, text: []string{"尚未审核的讲座", "3456 元"}},
		{name: "OKCostHubAdmin", url: item, as: ms.HubAdmin, want: http.StatusOK, text: []string{"3456 元"}},
	})
}

// TestMenuHostileInputs: bad ids, huge or broken queries and page
// numbers are refused with a 4xx, never a 5xx.
func TestMenuHostileInputs(t *testing.T) {
	ms := newMenuTestServer(t)
	huge := url.QueryEscape(strings.Repeat("越", 5000))
	for _, tt := range []struct {
		url  string
		want int
	}{
		{"/menu?q=" + huge, http.StatusUnprocessableEntity},
		{"/menu?q=%00abc", http.StatusUnprocessableEntity},
		{"/menu?q=%FF%FE", http.StatusUnprocessableEntity},
		{"/menu?page=0", http.StatusUnprocessableEntity},
		{"/menu?page=-1", http.StatusUnprocessableEntity},
		{"/menu?page=abc", http.StatusUnprocessableEntity},
		{"/menu?page=99999999999999999999", http.StatusUnprocessableEntity},
		{"/menu?page=10000", http.StatusOK},
		{"/menu?series=abc", http.StatusUnprocessableEntity},
		{"/menu?series=-3", http.StatusUnprocessableEntity},
		{"/menu?series=99999", http.StatusOK},
		{"/menu?format=opera", http.StatusUnprocessableEntity},
		{"/menu?group=%3Cscript%3E", http.StatusUnprocessableEntity},
		{"/menu?category=x", http.StatusUnprocessableEntity},
		{"/menu?sort=price", http.StatusUnprocessableEntity},
		{"/menu/abc", http.StatusNotFound},
		{"/menu/0", http.StatusNotFound},
		{"/menu/-1", http.StatusNotFound},
		{"/menu/99999999", http.StatusNotFound},
		{"/menu/99999999999999999999999", http.StatusNotFound},
		{"/providers/abc", http.StatusNotFound},
		{"/providers/99999999", http.StatusNotFound},
		{"/series/abc", http.StatusNotFound},
		{"/series/99999999", http.StatusNotFound},
		{"/media/abc", http.StatusNotFound},
		{"/media/99999999", http.StatusNotFound},
		{"/media/1.png", http.StatusNotFound},
		{"/activities/abc/ratings", http.StatusNotFound},
		{"/activities/99999999/ratings", http.StatusNoContent},
	} {
		for _, as := range []*culture.Account{nil, ms.Resident} {
			if res := ms.get(t, ms.client(t, as), tt.url); res.Status != tt.want {
				t.Errorf("GET %s (signed in %v): status %d, want %d\n%s", tt.url, as != nil, res.Status, tt.want, excerpt(res.Body))
			}
		}
	}
	c := ms.client(t, ms.Resident)
	for _, p := range []string{"/menu/abc/support", "/menu/99999999/support", "/menu/99999999/withdraw-support",
		"/series/abc/follow", "/series/99999999/follow", "/activities/abc/rate"} {
		if res := ms.post(t, c, p, url.Values{"unit_id": {"1"}, "follow": {"1"}, "score": {"5"}}); res.Status != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", p, res.Status)
		}
	}
}

func TestSupport(t *testing.T) {
	ms := newMenuTestServer(t)
	item := idPath("/menu/%d", ms.Item.ID)
	jiaoxi := url.Values{"unit_id": {idPath("%d", ms.Jiaoxi.ID)}}
	ms.run(t, []scenario{
		{name: "ErrVisitor", method: http.MethodPost, url: item + "/support", form: jiaoxi, want: http.StatusSeeOther, location: "/login"},
		{name: "ErrNoHomeNoUnit", method: http.MethodPost, url: item + "/support", as: ms.Resident, want: http.StatusUnprocessableEntity,
			text: []string{`role="alert"`, "本季度还可点单 10 次"}},
		{name: "ErrBadUnit", method: http.MethodPost, url: item + "/support", as: ms.Resident,
			form: url.Values{"unit_id": {"abc"}}, want: http.StatusUnprocessableEntity, text: []string{"请选择正确的分馆。"}},
		{name: "ErrPending", method: http.MethodPost, url: idPath("/menu/%d/support", ms.Pending.ID), as: ms.Resident, form: jiaoxi,
			want: http.StatusNotFound},
		{name: "ErrWithdrawnItem", method: http.MethodPost, url: idPath("/menu/%d/support", ms.Withdrawn.ID), as: ms.Resident, form: jiaoxi,
			want: http.StatusUnprocessableEntity, text: []string{"该项目未上架，不能点单。"}},
	})
	if n := len(ms.supportsOf(t, ms.Resident)); n != 0 {
		t.Fatalf("refused supports stored %d supports", n)
	}
	c := ms.client(t, ms.Resident)
	res := ms.post(t, c, item+"/support", jiaoxi)
	if res.Status != http.StatusSeeOther || res.Location != item {
		t.Fatalf("support: status %d, Location %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	if page := ms.get(t, c, item); !strings.Contains(page.Body, "点单成功") || !strings.Contains(page.Body, "本季度还可点单 9 次") ||
		!strings.Contains(page.Body, "您已为焦西分馆点单") {
		t.Errorf("item after support lacks the flash, quota or state\n%s", excerpt(page.Body))
	}
	if sups := ms.supportsOf(t, ms.Resident); len(sups) != 1 || sups[0].UnitID != ms.Jiaoxi.ID {
		t.Fatalf("supports after support: %+v", sups)
	}
	twice := ms.post(t, c, item+"/support", jiaoxi)
	(scenario{url: item, want: http.StatusConflict, text: []string{"本季度您已为该项目点过单。", `role="alert"`}}).check(t, twice)
	list := ms.get(t, c, "/me/supports")
	(scenario{url: "/me/supports", want: http.StatusOK, text: []string{"越剧经典折子戏", "本季度还可点单 9 次", "撤回点单"}}).check(t, list)
	res = ms.post(t, c, item+"/withdraw-support", url.Values{"back": {"/me/supports"}})
	if res.Status != http.StatusSeeOther || res.Location != "/me/supports" {
		t.Fatalf("withdraw: status %d, Location %q", res.Status, res.Location)
	}
	if n := len(ms.supportsOf(t, ms.Resident)); n != 0 {
		t.Errorf("%d supports after withdrawing", n)
	}
	again := ms.post(t, c, item+"/withdraw-support", url.Values{"back": {"https://evil.example/"}})
	(scenario{url: item, want: http.StatusNotFound, text: []string{"本季度您没有为该项目点过单。"}}).check(t, again)
}

// TestSupportHomeBranch: a resident with a home branch supports for it
// without choosing.
func TestSupportHomeBranch(t *testing.T) {
	ms := newMenuTestServer(t)
	if _, err := ms.Store.UpdateAccount(t.Context(), ms.Other.ID, culture.AccountUpdate{HomeUnitID: &ms.Jiaonan.ID}); err != nil {
		t.Fatal(err)
	}
	item := idPath("/menu/%d", ms.Item.ID)
	ms.run(t, []scenario{
		{name: "OKForm", url: item, as: ms.Other, want: http.StatusOK, text: []string{"焦南分馆"}, not: []string{`name="unit_id"`}},
		{name: "OKSupport", method: http.MethodPost, url: item + "/support", as: ms.Other, want: http.StatusSeeOther, location: item},
	})
	if sups := ms.supportsOf(t, ms.Other); len(sups) != 1 || sups[0].UnitID != ms.Jiaonan.ID {
		t.Errorf("supports: %+v, want one for 焦南", sups)
	}
}

func TestSupportQuota(t *testing.T) {
	ms := newMenuTestServer(t)
	for i := range culture.DefaultSupportQuota {
		it := ms.publish(t, "配额项目"+idPath("%d", int64(i)), nil)
		if _, err := ms.Store.Support(t.Context(), ms.Resident.ID, it.ID, ms.Jiaoxi.ID); err != nil {
			t.Fatal(err)
		}
	}
	item := idPath("/menu/%d", ms.Item.ID)
	ms.run(t, []scenario{
		{name: "OKItemQuotaUsed", url: item, as: ms.Resident, want: http.StatusOK,
			text: []string{"本季度还可点单 0 次", "点单次数已用完"}, not: []string{`action="` + item + `/support"`}},
		{name: "ErrOverQuota", method: http.MethodPost, url: item + "/support", as: ms.Resident,
			form: url.Values{"unit_id": {idPath("%d", ms.Jiaoxi.ID)}}, want: http.StatusTooManyRequests,
			text: []string{`role="alert"`, "本季度还可点单 0 次"}},
		{name: "OKSupports", url: "/me/supports", as: ms.Resident, want: http.StatusOK, text: []string{"本季度还可点单 0 次", "配额项目9"}},
	})
	if n := len(ms.supportsOf(t, ms.Resident)); n != culture.DefaultSupportQuota {
		t.Errorf("%d supports, want %d", n, culture.DefaultSupportQuota)
	}
}

func TestSeriesFollow(t *testing.T) {
	ms := newMenuTestServer(t)
	series := idPath("/series/%d", ms.Yike.ID)
	following := func() bool {
		t.Helper()
		ok, err := ms.Store.IsFollowing(t.Context(), ms.Resident.ID, ms.Yike.ID)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	ms.run(t, []scenario{
		{name: "ErrVisitor", method: http.MethodPost, url: series + "/follow", form: url.Values{"follow": {"1"}},
			want: http.StatusSeeOther, location: "/login"},
		{name: "ErrBadValue", method: http.MethodPost, url: series + "/follow", as: ms.Resident, form: url.Values{"follow": {"yes"}},
			want: http.StatusUnprocessableEntity, text: []string{"请选择关注或取消关注。"}},
		{name: "ErrMissing", method: http.MethodPost, url: series + "/follow", as: ms.Resident, want: http.StatusUnprocessableEntity},
	})
	if following() {
		t.Fatal("refused follow requests followed the series")
	}
	c := ms.client(t, ms.Resident)
	if res := ms.post(t, c, series+"/follow", url.Values{"follow": {"1"}}); res.Status != http.StatusSeeOther || res.Location != series {
		t.Fatalf("follow: status %d, Location %q", res.Status, res.Location)
	}
	if !following() {
		t.Fatal("not following after follow=1")
	}
	page := ms.get(t, c, series)
	(scenario{url: series, want: http.StatusOK, text: []string{"已关注“解放益课”", "您已关注本系列", "取消关注", "<dd>1 人</dd>"}}).check(t, page)
	if res := ms.post(t, c, series+"/follow", url.Values{"follow": {"0"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("unfollow: status %d", res.Status)
	}
	if following() {
		t.Error("still following after follow=0")
	}
}

func TestMedia(t *testing.T) {
	ms := newMenuTestServer(t)
	res := ms.get(t, ms.client(t, ms.Resident), idPath("/media/%d", ms.Photo.ID))
	if res.Status != http.StatusOK || res.Body != string(testPNG(t, 4, 3)) {
		t.Fatalf("media: status %d, %d bytes", res.Status, len(res.Body))
	}
	for k, want := range map[string]string{
		"Content-Type": "image/png", "Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	if c := res.Header.Get("Set-Cookie"); c != "" {
		t.Errorf("media sets a cookie %q: it went through the session middleware", c)
	}
	if res := ms.do(t, ms.client(t, nil), http.MethodPost, idPath("/media/%d", ms.Photo.ID), url.Values{}, nil); res.Status < 400 || res.Status >= 500 {
		t.Errorf("POST media: status %d", res.Status)
	}
}

// TestMediaHead: HEAD gets an image's headers and no body, like GET, and
// an unknown image the plain 404, not the HTML page.
func TestMediaHead(t *testing.T) {
	ms := newMenuTestServer(t)
	res := ms.do(t, ms.client(t, nil), http.MethodHead, idPath("/media/%d", ms.Photo.ID), nil, nil)
	if res.Status != http.StatusOK || res.Body != "" {
		t.Fatalf("HEAD media: status %d, %d bytes", res.Status, len(res.Body))
	}
	for k, want := range map[string]string{
		"Content-Type": "image/png", "Content-Length": strconv.Itoa(len(testPNG(t, 4, 3))),
		"Cache-Control": "public, max-age=31536000, immutable",
	} {
		if got := res.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	res = ms.do(t, ms.client(t, nil), http.MethodHead, "/media/99999", nil, nil)
	if ct := res.Header.Get("Content-Type"); res.Status != http.StatusNotFound || strings.Contains(ct, "html") {
		t.Errorf("HEAD unknown media: status %d, %s; want a plain 404", res.Status, ct)
	}
}

// TestMenuWithoutService: without the menu service the menu pages answer
// 404 and the series pages still show their activities.
func TestMenuWithoutService(t *testing.T) {
	ts := newTestServer(t)
	ts.run(t, []scenario{
		{name: "ErrMenu", url: "/menu", want: http.StatusNotFound},
		{name: "ErrItem", url: "/menu/1", want: http.StatusNotFound},
		{name: "ErrProvider", url: "/providers/1", want: http.StatusNotFound},
		{name: "ErrMedia", url: "/media/1", want: http.StatusNotFound},
		{name: "ErrSupports", url: "/me/supports", as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrSupport", method: http.MethodPost, url: "/menu/1/support", as: ts.Resident, want: http.StatusNotFound},
		{name: "ErrRate", method: http.MethodPost, url: idPath("/activities/%d/rate", ts.Bookable.ID), as: ts.Resident,
			form: url.Values{"score": {"5"}}, want: http.StatusNotFound},
		{name: "OKSeries", url: idPath("/series/%d", ts.Yike.ID), as: ts.Resident, want: http.StatusOK,
			text: []string{"解放益课", "少儿书法启蒙班"}, not: []string{"关注本系列"}},
	})
}

// menuTemplateCases are the culture menu's page cases for TestTemplates:
// p is signed in, visitor is not; ended is an activity that has ended.
func menuTemplateCases(p, visitor Page, ended *culture.Activity, booking func(string) *culture.Booking) []pageCase {
	seriesID, logo, now := int64(2), int64(5), p.Now
	item := &culture.MenuItem{ID: 4, ProviderID: 3, Status: culture.ItemPublished, MenuItemFields: culture.MenuItemFields{
		Title: "越剧<经典>折子戏", Category: "戏曲", Format: culture.FormatClass, Sessions: 8, Groups: []string{"elderly", "all"},
		AgeMin: 6, Minutes: 90, CapacityMin: 20, CapacityMax: 300, Needs: "舞台\n音响", Cost: 3000, Available: "周末下午",
		Description: "第一行\n第二行", PhotoIDs: []int64{5, 6}, SeriesID: &seriesID},
		ProviderName: "星光越剧团", SeriesName: "解放剧场", Supports: 12, Deliveries: 3, Attendance: 240, RatingAvg: 4.5, RatingCount: 8}
	withdrawn := *item
	withdrawn.Status = culture.ItemWithdrawn
	cards := []menuCard{{MenuItem: item, Supported: true}, {MenuItem: &withdrawn}}
	ratings := []*culture.Rating{{ID: 1, Score: 5, Comment: "很好<看>", AuthorName: "李**", CreatedAt: now}, {ID: 2, Score: 3, AuthorName: "王*"}}
	activityID := int64(9)
	upcoming := []*culture.Delivery{{ID: 1, ActivityID: &activityID, StartsAt: now.Add(48 * time.Hour), UnitName: "焦西分馆", RoomName: "多功能厅"}}
	branch := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆"}
	mine := &culture.Support{ID: 1, ItemID: 4, UnitID: 2, UnitName: "焦西分馆", ItemTitle: item.Title, CreatedAt: now}
	itemPage := func(pg Page, box supportBox, showCost bool, it *culture.MenuItem) *menuItemPage {
		return &menuItemPage{Page: pg, Item: menuCard{MenuItem: it}, ShowCost: showCost, Ratings: ratings, Upcoming: upcoming, Support: box, Error: "出错了"}
	}
	provider := &culture.Provider{ID: 3, Name: "星光越剧团", Level: culture.LevelCity, Kind: "troupe", Intro: "简介\n第二行",
		LogoID: &logo, ContactPhone: "13812345678", ItemCount: 4, Deliveries: 9, RatingAvg: 4.2, RatingCount: 30}
	series := &culture.Series{ID: 2, Name: "解放剧场", Description: "周末公益演出"}
	figures := &culture.SeriesFigures{Held: 10, Attendance: 800, Followers: 55, RatingAvg: 4.8, RatingCount: 120}
	checkedIn := booking(culture.BookingCheckedIn)
	checkedIn.Activity = ended
	season := culture.SeasonOf(now)
	return []pageCase{
		{"Menu", "menu", "", &menuPage{Page: p, Query: menuQuery{Q: "越剧", Format: "class", Group: "elderly", SeriesID: 2, Sort: "rating", Page: 2},
			Series: []*culture.Series{series}, Items: cards, Total: 45, Pages: 3, PrevURL: "/menu?page=1", NextURL: "/menu?page=3"}},
		{"MenuEmpty", "menu", "", &menuPage{Page: visitor}},
		{"MenuError", "menu", "", &menuPage{Page: visitor, Error: "页码不正确。"}},
		{"MenuBlock", "menu", "menu_results", &menuPage{Page: visitor, Items: cards, Total: 2, Pages: 1}},
		{"MenuItemVisitor", "menu_item", "", itemPage(visitor, supportBox{}, false, item)},
		{"MenuItemChoose", "menu_item", "", itemPage(p, supportBox{Season: season, Quota: 10, Left: 3, Branches: []*culture.Unit{branch}, UnitID: 2}, false, item)},
		{"MenuItemHome", "menu_item", "", itemPage(p, supportBox{Season: season, Quota: 10, Left: 3, Home: branch}, true, item)},
		{"MenuItemSupported", "menu_item", "", itemPage(p, supportBox{Season: season, Quota: 10, Left: 9, Mine: mine}, false, item)},
		{"MenuItemQuotaUsed", "menu_item", "", itemPage(p, supportBox{Season: season, Quota: 10, Home: branch}, false, item)},
		{"MenuItemWithdrawn", "menu_item", "", itemPage(p, supportBox{Season: season, Quota: 10, Left: 3, Home: branch}, false, &withdrawn)},
		{"MenuItemBare", "menu_item", "", &menuItemPage{Page: visitor, Item: menuCard{MenuItem: &culture.MenuItem{ID: 1, Status: culture.ItemPending}}}},
		{"Provider", "provider", "", &providerPage{Page: p, Provider: provider, Items: cards, Total: 2}},
		{"ProviderBare", "provider", "", &providerPage{Page: visitor, Provider: &culture.Provider{ID: 1, Name: "新主体"}}},
		{"Series", "series", "", &seriesPage{Page: p, Series: series, Upcoming: activityCards([]*culture.Activity{ended}, now), Total: 1,
			Items: cards, Figures: figures, Following: true}},
		{"SeriesVisitor", "series", "", &seriesPage{Page: visitor, Series: series, Figures: &culture.SeriesFigures{}}},
		{"SeriesNoMenu", "series", "", &seriesPage{Page: p, Series: &culture.Series{ID: 1, Name: "解放益课"}}},
		{"SeriesList", "series_list", "", &seriesListPage{Page: visitor, Series: []*culture.Series{series, {ID: 3, Name: "无简介"}}}},
		{"SeriesListEmpty", "series_list", "", &seriesListPage{Page: p}},
		{"Supports", "supports", "", &supportsPage{Page: p, Season: season, Supports: []*culture.Support{mine, {ID: 2, ItemID: 5}}, Quota: 10, Left: 8}},
		{"SupportsEmpty", "supports", "", &supportsPage{Page: p, Season: season, Quota: 10, Left: 10}},
		{"TicketRate", "ticket", "", &ticketPage{Page: p, Booking: checkedIn}},
		{"TicketRateForm", "ticket", "ticket_rating", &ticketRating{Booking: checkedIn}},
		{"TicketRated", "ticket", "ticket_rating", &ticketRating{Booking: checkedIn, Mine: ratings[0]}},
		{"ActivityEnded", "activity", "", &activityPage{Page: p, Activity: ended, State: stateEnded}},
		{"ActivityRatings", "activity", "activity_ratings", &ratingSummary{Avg: 4, Count: 2, Latest: ratings[:1]}},
	}
}
