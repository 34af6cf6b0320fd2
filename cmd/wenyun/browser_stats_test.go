package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// statsWorld is a small district with history: the hub, two branches (焦西
// with a community point, 焦南), hub staff "hub", and activities held in
// the past weeks, booked, checked in and settled; the rollup is built.
type statsWorld struct {
	db                 string
	store              *sqlstore.Store
	hub, xi, nan, room *culture.Unit
	today              culture.Day
	residents          []int64
}

func seedStatsWorld(t *testing.T) *statsWorld {
	t.Helper()
	ctx := context.Background()
	w := &statsWorld{db: tempDB(t), today: culture.DayOf(time.Now())}
	w.store = openStore(t, w.db)
	unit := func(kind, name string, parent *culture.Unit) *culture.Unit {
		u := &culture.Unit{Kind: kind, Name: name}
		if parent != nil {
			u.ParentID = &parent.ID
		}
		must(t, w.store.CreateUnit(ctx, u))
		return u
	}
	w.hub = unit(culture.UnitHub, "解放区文化馆", nil)
	w.xi = unit(culture.UnitBranch, "焦西街道分馆", w.hub)
	w.nan = unit(culture.UnitBranch, "焦南街道分馆", w.hub)
	point := unit(culture.UnitPoint, "建南社区文化点", w.xi)
	staff := &culture.Account{Username: "hub", Name: "总馆管理员"}
	must(t, w.store.CreateStaff(ctx, staff, "hub-pass-1"))
	must(t, w.store.CreateGrant(ctx, &culture.Grant{AccountID: staff.ID, Role: culture.RoleHubAdmin, UnitID: w.hub.ID}))
	for i := range 8 {
		a, err := w.store.FindOrCreateResident(ctx, fmt.Sprintf("1370013700%d", i))
		must(t, err)
		w.residents = append(w.residents, a.ID)
	}
	r := w.residents
	w.held(t, w.xi, "少儿书法体验课", "书法美术", 3, r[:5], 4)
	w.held(t, w.xi, "广场舞基础班", "舞蹈", 12, r[2:7], 3)
	w.held(t, point, "社区太极拳", "健康养生", 40, r[5:8], 2)
	w.held(t, w.nan, "豫剧名段欣赏", "戏曲", 9, r[:6], 6)
	w.held(t, w.nan, "公益电影放映", "公益电影", 30, nil, 0)
	w.held(t, w.hub, "非遗剪纸讲座", "非遗", 60, r[1:4], 2)
	w.store.Now = time.Now
	if _, err := w.store.RebuildRollups(ctx, nil); err != nil {
		t.Fatalf("RebuildRollups: %v", err)
	}
	return w
}

// held stores an activity at unit that started daysAgo days ago at 10:00,
// booked by accounts (walk-in when none), the first came of them checked
// in, the rest settled as no-shows.
func (w *statsWorld) held(t *testing.T, unit *culture.Unit, title, category string, daysAgo int, accounts []int64, came int) {
	t.Helper()
	ctx := context.Background()
	start := (w.today - culture.Day(daysAgo)).Start().Add(10 * time.Hour)
	at := func(d time.Duration) { w.store.Now = func() time.Time { return start.Add(d) } }
	at(-2 * time.Hour)
	a := &culture.Activity{UnitID: unit.ID, Title: title, Category: category, StartsAt: start, EndsAt: start.Add(90 * time.Minute),
		Capacity: 40, Mode: culture.ModeFirstCome, OpensAt: start.Add(-3 * time.Hour), ClosesAt: start, MaxPerBooking: 2}
	if accounts == nil {
		a.Mode, a.OpensAt, a.ClosesAt = culture.ModeOpen, time.Time{}, time.Time{}
	}
	out, err := w.store.CreateActivity(ctx, a, 1)
	must(t, err)
	var codes []string
	for _, acc := range accounts {
		b, err := w.store.CreateBooking(ctx, &culture.BookingRequest{ActivityID: out[0].ID, AccountID: acc, Self: true})
		must(t, err)
		codes = append(codes, b.Code)
	}
	at(10 * time.Minute)
	for _, code := range codes[:came] {
		_, err := w.store.CheckInCode(ctx, code, 0, 0)
		must(t, err)
	}
	at(3 * time.Hour)
	_, err = w.store.SettleAttendance(ctx)
	must(t, err)
}

// rollupTotals sums the stored rollup of the hub's subtree from from to
// today: per metric for the whole, and per group (the hub's own rows, each
// branch's subtree).
func (w *statsWorld) rollupTotals(t *testing.T, from culture.Day) (map[string]int64, map[int64]map[string]int64) {
	t.Helper()
	rows, err := w.store.FindRollups(context.Background(), culture.StatsQuery{UnitID: w.hub.ID, From: from, To: w.today})
	must(t, err)
	units, _, err := w.store.FindUnits(context.Background(), culture.UnitFilter{Within: &w.hub.ID})
	must(t, err)
	path := map[int64]string{}
	for _, u := range units {
		path[u.ID] = u.Path
	}
	all, by := map[string]int64{}, map[int64]map[string]int64{w.hub.ID: {}, w.xi.ID: {}, w.nan.ID: {}}
	for _, r := range rows {
		all[r.Metric] += r.Value
		g := w.hub.ID
		for _, b := range []*culture.Unit{w.xi, w.nan} {
			if strings.HasPrefix(path[r.UnitID], b.Path) {
				g = b.ID
			}
		}
		by[g][r.Metric] += r.Value
	}
	return all, by
}

// waitCharts waits until every chart container holds a drawn canvas or
// svg, and returns how many there are.
func waitCharts(t *testing.T, ctx context.Context, what string) int {
	t.Helper()
	const js = `(function(){var b=document.querySelectorAll("[data-chart]");` +
		`for(var i=0;i<b.length;i++){var c=b[i].querySelector("canvas,svg");if(!c||!c.clientWidth)return 0}return b.length})()`
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
		if err == nil && n > 0 {
			return n
		}
		if time.Now().After(deadline) {
			diag, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`typeof echarts + " " + document.querySelectorAll("[data-chart]").length + " " + document.querySelectorAll("[data-chart] canvas").length + " " + Array.from(document.querySelectorAll("[data-chart]")).map(function(c){return c.id+":"+(c.dataset.chartError||"")}).join(",")`))
			t.Fatalf("%s: charts not drawn (err %v; %s):\n%.300s", what, err, diag, pageText(t, ctx))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

const (
	figuresJS = `(function(){var o={};document.querySelectorAll("[data-figure]").forEach(function(e){` +
		`o[e.dataset.figure]=e.querySelector(".figure-value").textContent.trim()});return o})()`
	branchTableJS = `Array.from(document.querySelectorAll("#table-branches tbody tr")).map(function(tr){` +
		`return Array.from(tr.children).map(function(c){return c.textContent.trim()})})`
	overflowJS = `document.documentElement.scrollWidth - document.documentElement.clientWidth`
)

func n64(v int64) string { return strconv.FormatInt(v, 10) }

// TestBrowserStatsDashboard: hub staff open the dashboard; every chart is
// drawn; the headline figures and the branches table equal the stored
// rollup; axe-core passes; tooltips show without breaking the
// Content-Security-Policy; at 320 px the page does not overflow. The big
// screen passes axe-core and refreshes itself after a new rollup, without
// reloading.
func TestBrowserStatsDashboard(t *testing.T) {
	w := seedStatsWorld(t)
	srv := startServe(t, w.db, "--log-format", "json")
	hub := newBrowser(t)
	signInStaff(t, hub, srv, "hub", "hub-pass-1")

	from := w.today - 89
	step(t, hub, "dashboard", chromedp.Navigate(srv.url+"/console/stats"), chromedp.WaitVisible(chromedp.CSS("#table-branches")))
	if n := waitCharts(t, hub, "dashboard"); n != 7 {
		t.Errorf("%d charts drawn, want 7", n)
	}
	waitText(t, hub, ".stats-meta", "数据更新于")
	all, by := w.rollupTotals(t, from)
	people, err := w.store.UniqueParticipants(context.Background(), []int64{w.hub.ID, w.xi.ID, w.nan.ID}, from, w.today)
	must(t, err)
	figs, err := chromedp.Run(hub, chromedp.Evaluate[map[string]string](figuresJS))
	must(t, err)
	want := map[string]string{"activities": n64(all[culture.MetricActivities]), "bookings": n64(all[culture.MetricBookings]),
		"attendance": n64(all[culture.MetricAttendance]), "supports": n64(all[culture.MetricSupports]),
		"deliveries": n64(all[culture.MetricDeliveriesHeld]), "members": n64(all[culture.MetricMembers])}
	for k, v := range want {
		if figs[k] != v {
			t.Errorf("figure %s = %q, the rollup says %s", k, figs[k], v)
		}
	}
	if all[culture.MetricActivities] != 6 || all[culture.MetricCheckins] != 17 {
		t.Errorf("the rollup holds %d activities, %d check-ins; the world has 6 and 17", all[culture.MetricActivities], all[culture.MetricCheckins])
	}
	rows, err := chromedp.Run(hub, chromedp.Evaluate[[][]string](branchTableJS))
	must(t, err)
	var wantRows [][]string
	for _, g := range []struct {
		u     *culture.Unit
		label string
		users string
	}{{w.hub, "解放区文化馆（本级）", "—"}, {w.xi, w.xi.Name, n64(int64(people[w.xi.ID]))}, {w.nan, w.nan.Name, n64(int64(people[w.nan.ID]))}} {
		s := by[g.u.ID]
		wantRows = append(wantRows, []string{g.label, n64(s[culture.MetricActivities]), n64(s[culture.MetricBookings]),
			n64(s[culture.MetricAttendance]), g.users, n64(s[culture.MetricSupports]), n64(s[culture.MetricDeliveriesHeld])})
	}
	if diff := cmp.Diff(wantRows, rows); diff != "" {
		t.Errorf("branches table (-rollup +page):\n%s", diff)
	}
	checkAxe(t, hub, "stats dashboard")
	screenshot(t, hub, "stats-dashboard")

	step(t, hub, "desk", chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.url+"/console/stats"),
		chromedp.WaitVisible(chromedp.CSS("#table-weekly")))
	waitCharts(t, hub, "dashboard on a desk")
	checkAxe(t, hub, "stats dashboard on a desk")
	screenshot(t, hub, "stats-dashboard-desk")
	checkTooltips(t, hub, "chart-monthly", "chart-branches", "chart-categories")
	screenshot(t, hub, "stats-dashboard-tooltip")

	step(t, hub, "320 px", chromedp.EmulateViewport(320, 720), chromedp.Navigate(srv.url+"/console/stats"),
		chromedp.WaitVisible(chromedp.CSS("#table-weekly")))
	waitCharts(t, hub, "dashboard at 320 px")
	if over, err := chromedp.Run(hub, chromedp.Evaluate[int](overflowJS)); err != nil || over > 0 {
		t.Errorf("at 320 px the page is %d px wider than the window (err %v)", over, err)
	}
	width, err := chromedp.Run(hub, chromedp.Evaluate[int](`document.getElementById("chart-weekly").querySelector("canvas").clientWidth`))
	if err != nil || width > 320 || width < 200 {
		t.Errorf("weekly chart is %d px wide at 320 px (err %v)", width, err)
	}
	checkAxe(t, hub, "stats dashboard at 320 px")
	screenshot(t, hub, "stats-dashboard-320")

	checkScreen(t, hub, srv, w)
}

// cspListenJS records the page's Content-Security-Policy violations in
// window.cspViolations, and counts each chart's tooltips shown in
// window.statsTips (by chart container id).
const cspListenJS = `(function(){window.cspViolations = []; window.statsTips = {};
document.addEventListener("securitypolicyviolation", function (e) {
  window.cspViolations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
document.querySelectorAll("[data-chart]").forEach(function (el) {
  window.statsTips[el.id] = 0;
  echarts.getInstanceByDom(el).on("showTip", function () { window.statsTips[el.id]++; });
});})()`

// checkTooltips moves the mouse over each chart (the centre of a line or
// bar chart; a pie's ring) until its tooltip shows: the page must log no
// violation of its Content-Security-Policy (ECharts' HTML tooltips write
// style="…" markup, which style-src 'self' refuses).
func checkTooltips(t *testing.T, ctx context.Context, ids ...string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](cspListenJS)); err != nil {
		t.Fatalf("listen for CSP violations: %v", err)
	}
	for _, id := range ids {
		const at = `(function(id){var el=document.getElementById(id);el.scrollIntoView({block:"center"});` +
			`var r=el.querySelector("canvas").getBoundingClientRect(),x=r.left+r.width/2,y=r.top+r.height/2;` +
			`if(id==="chart-categories"){y=r.top+r.height*0.46;x+=Math.min(r.width,r.height)*0.22}return [x,y]})(%q)`
		xy, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(at, id)))
		if err != nil || len(xy) != 2 {
			t.Fatalf("%s: no canvas (%v)", id, err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; ; i++ {
			step(t, ctx, "hover "+id, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0]+float64(i%3), xy[1]))
			tips, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`window.statsTips[%q]`, id)))
			if err == nil && tips > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no tooltip showed at %v (err %v)", id, xy, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	// Violations are reported as tasks after the markup is set.
	time.Sleep(500 * time.Millisecond)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.cspViolations`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) > 0 {
		t.Errorf("the charts' tooltips broke the Content-Security-Policy %d times, first %q", len(got), got[:min(3, len(got))])
	}
}

// checkScreen opens the big screen refreshing every 30 s (the least it
// takes), then stores a new activity and rebuilds the rollup: the screen
// must show the new version and figure in place at its next refresh (a
// marker set on the window survives: no reload).
func checkScreen(t *testing.T, ctx context.Context, srv *testServer, w *statsWorld) {
	t.Helper()
	step(t, ctx, "big screen", chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(fmt.Sprintf("%s/console/stats/screen?unit=%d&refresh=30", srv.url, w.hub.ID)),
		chromedp.WaitVisible(chromedp.CSS("main[data-screen]")))
	if n := waitCharts(t, ctx, "big screen"); n != 4 {
		t.Errorf("%d charts on the big screen, want 4", n)
	}
	checkAxe(t, ctx, "stats big screen")
	screenshot(t, ctx, "stats-screen")
	version, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.statsMarker = 1; document.querySelector("main").dataset.version`))
	must(t, err)
	before, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](figuresJS))
	must(t, err)

	w.held(t, w.nan, "少儿合唱排练", "音乐", 1, w.residents[:2], 2)
	later := time.Now().Add(2 * time.Minute)
	w.store.Now = func() time.Time { return later }
	_, err = w.store.RebuildRollups(context.Background(), nil)
	must(t, err)
	old, _ := strconv.Atoi(before["activities"])
	// serve's own rollup job may run meanwhile: the screen must end up
	// showing whichever rollup is the last. It refreshes 30 s after it
	// was opened, then every 30 s.
	const js = `(function(){var m=document.querySelector("main");return {marker: String(window.statsMarker),` +
		`version: m.dataset.version, updated: m.querySelector(".stats-updated").textContent,` +
		`activities: m.querySelector('[data-figure="activities"] .figure-value').textContent.trim()}})()`
	rng := figures.TwelveMonths(w.today)
	deadline := time.Now().Add(75 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](js))
		must(t, err)
		if got["marker"] != "1" {
			t.Fatal("the big screen reloaded the page")
		}
		run, err := w.store.LastRollup(context.Background())
		must(t, err)
		want := figures.Version(run, rng.From, rng.To)
		if got["version"] == want && got["version"] != version && got["activities"] == strconv.Itoa(old+1) {
			if clock := run.Finished.In(culture.Shanghai).Format("15:04"); !strings.Contains(got["updated"], clock) {
				t.Errorf("the screen says %q, the rollup finished at %s", got["updated"], clock)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the big screen shows %v (version was %s, activities %d), the rollup is %s", got, version, old, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if n := waitCharts(t, ctx, "big screen after the refresh"); n != 4 {
		t.Errorf("%d charts after the refresh", n)
	}
	screenshot(t, ctx, "stats-screen-refreshed")
}
