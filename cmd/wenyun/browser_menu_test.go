package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenyun/wenyun/internal/culture"
)

// shiftClock is serve's clock in tests that must move past an activity's
// start and end: real time plus an offset the test advances.
type shiftClock struct{ offset atomic.Int64 }

func (c *shiftClock) now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// advanceTo moves the clock forward so that it reads t.
func (c *shiftClock) advanceTo(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// menuWorld is the district of the menu-loop browser test.
type menuWorld struct {
	db       string
	branch   *culture.Unit
	room     *culture.Room
	provider *culture.Provider
}

// seedMenuWorld stores a hub with the 焦西 branch and its hall, a hub
// admin, a branch admin and a checker at 焦西, a provider (焦作市豫剧团)
// with one staff account, and a resident whose home branch is 焦西.
func seedMenuWorld(t *testing.T, resident string) menuWorld {
	t.Helper()
	ctx := context.Background()
	db := tempDB(t)
	s := openStore(t, db)
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	must(t, s.CreateUnit(ctx, hub))
	branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦西街道分馆", ParentID: &hub.ID}
	must(t, s.CreateUnit(ctx, branch))
	room := &culture.Room{UnitID: branch.ID, Name: "多功能厅", Capacity: 80}
	must(t, s.CreateRoom(ctx, room))
	p := &culture.Provider{HubID: hub.ID, Name: "焦作市豫剧团", Level: culture.LevelCity, Kind: "troupe",
		Intro: "焦作市专业豫剧表演团体。"}
	must(t, s.CreateProvider(ctx, p))
	staff := []struct {
		user, name, role string
		unit             int64
		provider         *int64
	}{
		{"hub", "总馆管理员", culture.RoleHubAdmin, hub.ID, nil},
		{"jiaoxi", "焦西分馆管理员", culture.RoleBranchAdmin, branch.ID, nil},
		{"checker", "焦西检票员", culture.RoleChecker, branch.ID, nil},
		{"provider", "豫剧团联络员", culture.RoleProviderStaff, hub.ID, &p.ID},
	}
	for _, st := range staff {
		a := &culture.Account{Username: st.user, Name: st.name}
		must(t, s.CreateStaff(ctx, a, st.user+"-pass-1"))
		must(t, s.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: st.role, UnitID: st.unit, ProviderID: st.provider}))
	}
	r, err := s.FindOrCreateResident(ctx, resident)
	must(t, err)
	_, err = s.UpdateAccount(ctx, r.ID, culture.AccountUpdate{HomeUnitID: &branch.ID})
	must(t, err)
	return menuWorld{db: db, branch: branch, room: room, provider: p}
}

// TestBrowserMenuLoop walks the culture-menu loop through the pages, each
// actor in their own browser: a provider submits an item → the hub
// approves it → a resident supports it → the branch requests it → the hub
// plans a delivery → the provider confirms → the activity appears at the
// branch and the resident books it → the checker checks them in → after
// the activity the resident rates it → the rating shows on the menu item.
// serve's clock is moved to the check-in window and past the end.
func TestBrowserMenuLoop(t *testing.T) {
	const phone, title = "13900139000", "豫剧经典唱段赏析"
	world := seedMenuWorld(t, phone)
	clock := &shiftClock{}
	srv := startServeWith(t, Options{now: clock.now}, world.db, "--log-format", "json")
	provider, hub, resident, branch := newBrowser(t), newBrowser(t), newBrowser(t), newBrowser(t)

	signInStaff(t, provider, srv, "provider", "provider-pass-1")
	step(t, provider, "new item form", chromedp.Navigate(fmt.Sprintf("%s/console/providers/%d/items/new", srv.url, world.provider.ID)),
		chromedp.WaitVisible(chromedp.CSS(`[name=title]`)))
	checkAxe(t, provider, "console item form")
	step(t, provider, "fill the item",
		chromedp.SetValue(chromedp.CSS(`[name=title]`), title),
		chromedp.SetValue(chromedp.CSS(`[name=category]`), "戏曲"),
		chromedp.SetValue(chromedp.CSS(`[name=format]`), culture.FormatPerformance),
		chromedp.SetValue(chromedp.CSS(`[name=sessions]`), "1"),
		chromedp.Click(chromedp.CSS(`input[name=groups][value=elderly]`)),
		chromedp.SetValue(chromedp.CSS(`[name=minutes]`), "90"),
		chromedp.SetValue(chromedp.CSS(`[name=capacity_min]`), "30"),
		chromedp.SetValue(chromedp.CSS(`[name=capacity_max]`), "80"),
		chromedp.SetValue(chromedp.CSS(`[name=needs]`), "舞台或空场地，音响一套"),
		chromedp.SetValue(chromedp.CSS(`[name=cost]`), "3000"),
		chromedp.SetValue(chromedp.CSS(`[name=available]`), "周末全天"),
		chromedp.SetValue(chromedp.CSS(`[name=description]`), "《朝阳沟》《花木兰》等经典唱段，演员现场讲解。"),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button[type=submit]`)))
	waitText(t, provider, ".flash", "已提交审核")
	waitText(t, provider, "main", "待审核")

	signInStaff(t, hub, srv, "hub", "hub-pass-1")
	step(t, hub, "review queue", chromedp.Navigate(srv.url+"/console/review"),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/approve"]`)))
	waitText(t, hub, "main", title)
	checkAxe(t, hub, "console review")
	step(t, hub, "approve", chromedp.Click(chromedp.CSS(`form[action$="/approve"] button[type=submit]`)))
	waitText(t, hub, ".flash", "已通过")

	step(t, resident, "open the login page", chromedp.Navigate(srv.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#login-phone")))
	signInResident(t, resident, srv, phone)
	step(t, resident, "search the menu", chromedp.Navigate(srv.url+"/menu"),
		chromedp.WaitVisible(chromedp.CSS("#m-q")),
		chromedp.SetValue(chromedp.CSS("#m-q"), "豫剧"),
		chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
	waitText(t, resident, "#menu-results", title)
	checkAxe(t, resident, "menu")
	screenshot(t, resident, "menu")
	step(t, resident, "open the item", chromedp.Click(chromedp.CSS(`#menu-results a[href^="/menu/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/support"]`)))
	itemID := idFromLocation(t, resident, `/menu/(\d+)$`)
	checkAxe(t, resident, "menu item")
	screenshot(t, resident, "menu-item")
	step(t, resident, "support", chromedp.Click(chromedp.CSS(`form[action$="/support"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/withdraw-support"]`)))
	step(t, resident, "my supports", chromedp.Navigate(srv.url+"/me/supports"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitText(t, resident, "main", title)
	checkAxe(t, resident, "supports")

	signInStaff(t, branch, srv, "jiaoxi", "jiaoxi-pass-1")
	step(t, branch, "request form", chromedp.Navigate(fmt.Sprintf("%s/console/requests/new?item=%d", srv.url, itemID)),
		chromedp.WaitVisible(chromedp.CSS(`[name=preferred_dates]`)),
		chromedp.SetValue(chromedp.CSS(`[name=item_id]`), fmt.Sprint(itemID)),
		chromedp.SetValue(chromedp.CSS(`[name=unit_id]`), fmt.Sprint(world.branch.ID)),
		chromedp.SetValue(chromedp.CSS(`[name=preferred_dates]`), "下周末上午"),
		chromedp.SetValue(chromedp.CSS(`[name=expected_audience]`), "60"),
		chromedp.SetValue(chromedp.CSS(`[name=mode]`), culture.ModeFirstCome),
		chromedp.Click(chromedp.CSS(`form[action="/console/requests/new"] button[type=submit]`)))
	waitText(t, branch, ".flash", "已提交点单")
	step(t, branch, "demand board", chromedp.Navigate(srv.url+"/console/demand"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitText(t, branch, "main", title)
	checkAxe(t, branch, "console demand")

	// The delivery: tomorrow 10:00–11:30 in Shanghai.
	day := time.Now().In(culture.Shanghai).AddDate(0, 0, 1)
	start := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, culture.Shanghai)
	step(t, hub, "requests", chromedp.Navigate(srv.url+"/console/requests"),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/console/deliveries/new?request="]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/console/deliveries/new?request="]`)),
		chromedp.WaitVisible(chromedp.CSS(`[name=date]`)))
	checkAxe(t, hub, "console delivery form")
	step(t, hub, "plan the delivery",
		chromedp.SetValue(chromedp.CSS(`[name=room_id]`), fmt.Sprint(world.room.ID)),
		chromedp.SetValue(chromedp.CSS(`[name=date]`), start.Format("2006-01-02")),
		chromedp.SetValue(chromedp.CSS(`[name=start]`), "10:00"),
		chromedp.SetValue(chromedp.CSS(`[name=end]`), "11:30"),
		chromedp.SetValue(chromedp.CSS(`[name=capacity]`), "60"),
		chromedp.Click(chromedp.CSS(`form[action="/console/deliveries/new"] button[type=submit]`)))
	waitText(t, hub, ".flash", "已计划配送")

	step(t, provider, "deliveries", chromedp.Navigate(fmt.Sprintf("%s/console/providers/%d/deliveries", srv.url, world.provider.ID)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/confirm"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/confirm"] button[type=submit]`)))
	waitText(t, provider, "main", "已发布")

	step(t, resident, "the branch page", chromedp.Navigate(fmt.Sprintf("%s/units/%d", srv.url, world.branch.ID)),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitText(t, resident, "main", title)
	step(t, resident, "open the activity", chromedp.Click(chromedp.CSS(`main a[href^="/activities/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/book"]`)))
	waitText(t, resident, "main h1", title)
	step(t, resident, "book", chromedp.Evaluate[chromedp.Void](`document.querySelector("input[name=self]").checked = true`),
		chromedp.Click(chromedp.CSS(`form[action$="/book"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(".ticket .code")))
	ticketURL, err := chromedp.Run(resident, chromedp.Location())
	must(t, err)
	ticketCode, err := chromedp.Run(resident, chromedp.Text(chromedp.CSS(".ticket .code")))
	must(t, err)

	clock.advanceTo(start.Add(-30 * time.Minute))
	checker := newBrowser(t)
	signInStaff(t, checker, srv, "checker", "checker-pass-1")
	step(t, checker, "check in", chromedp.Navigate(srv.url+"/console/checkin"),
		chromedp.WaitVisible(chromedp.CSS("#code")),
		chromedp.SetValue(chromedp.CSS("#code"), strings.TrimSpace(ticketCode)),
		chromedp.Click(chromedp.CSS(`form[data-checkin-form] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-result="ok"]`)))

	clock.advanceTo(start.Add(2 * time.Hour))
	step(t, resident, "ticket after the show", chromedp.Navigate(ticketURL),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/rate"]`)))
	checkAxe(t, resident, "ticket with rating")
	step(t, resident, "rate", chromedp.Click(chromedp.CSS(`input[name=score][value="5"]`)),
		chromedp.SetValue(chromedp.CSS(`[name=comment]`), "唱得真好，还想再看！"),
		chromedp.Click(chromedp.CSS(`form[action$="/rate"] button[type=submit]`)))
	waitText(t, resident, "main", "您的评价：5 星")

	step(t, resident, "the item shows the rating", chromedp.Navigate(fmt.Sprintf("%s/menu/%d", srv.url, itemID)),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitText(t, resident, "main", "唱得真好，还想再看！")
	waitText(t, resident, "main", "5.0")
}

// idFromLocation returns the number the page's URL path matches with re.
func idFromLocation(t *testing.T, ctx context.Context, re string) int64 {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	must(t, err)
	m := regexp.MustCompile(re).FindStringSubmatch(strings.SplitN(loc, "?", 2)[0])
	if m == nil {
		t.Fatalf("location %s does not match %s", loc, re)
	}
	id, err := strconv.ParseInt(m[1], 10, 64)
	must(t, err)
	return id
}
