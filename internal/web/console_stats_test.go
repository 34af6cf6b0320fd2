package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/html"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// statsFixture is the console menu fixture (units, staff, menu items, a
// request of 焦西) with history, then the rollup built:
//   - 焦西书法班 at 焦西, 20 days ago: r1 (with a child, 2 seats) and r2
//     came, r3 did not;
//   - 活动室太极 at 焦西社区活动室, 50 days ago: r4 came, r1 did not;
//   - 焦南戏曲 at 焦南, 20 days ago: r2 and r5 came;
//   - 总馆讲座 at the hub, 5 days ago, walk-in (not bookable);
//   - supports: r1 and r2 of 豫剧经典唱段 for 焦西, r5 of 少儿书法课 for
//     焦南;
//   - official: an official (统计查看) at the hub.
type statsFixture struct {
	*consoleMenuFixture
	today culture.Day
}

func newStatsServer(t testing.TB) *statsFixture {
	t.Helper()
	return newStatsServerWith(t, nil)
}

// newStatsServerWith is newStatsServer with the server's statistics
// service wrapped by wrap, when set.
func newStatsServerWith(t testing.TB, wrap func(culture.StatsService) culture.StatsService) *statsFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "wenyun.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	var stats culture.StatsService = store
	if wrap != nil {
		stats = wrap(store)
	}
	s, err := New(Config{Units: store, Accounts: store, Activities: store, Bookings: store,
		Menu: store, Images: store, Stats: stats, Sessions: store.SessionStore()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	cf := &consoleFixture{t: t, store: store, srv: httptest.NewServer(s.Handler())}
	t.Cleanup(cf.srv.Close)
	cf.units(ctx)
	cf.staff(ctx)
	mf := &consoleMenuFixture{consoleFixture: cf}
	mf.menuStaff(ctx)
	mf.menuItems(ctx)
	f := &statsFixture{consoleMenuFixture: mf, today: culture.DayOf(time.Now())}
	official := &culture.Account{Username: "official", Name: "区文旅局"}
	f.must(store.CreateStaff(ctx, official, consolePassword))
	f.must(store.CreateGrant(ctx, &culture.Grant{AccountID: official.ID, Role: culture.RoleOfficial, UnitID: f.hub}))
	f.history(ctx)
	if _, err := store.RebuildRollups(ctx, nil); err != nil {
		t.Fatalf("RebuildRollups: %v", err)
	}
	return f
}

// daysAgo returns 10:00 Shanghai n days before today.
func (f *statsFixture) daysAgo(n int) time.Time {
	return (f.today - culture.Day(n)).Start().Add(10 * time.Hour)
}

func (f *statsFixture) history(ctx context.Context) {
	var r [6]int64
	for i := 1; i <= 5; i++ {
		r[i] = f.resident(ctx, fmt.Sprintf("1390000000%d", i), fmt.Sprintf("居民%d", i))
	}
	child := &culture.FamilyMember{AccountID: r[1], Name: "小明", Relation: culture.Relations[0], BirthYear: 2018}
	f.must(f.store.CreateFamilyMember(ctx, child))
	xi := f.held(ctx, f.xi, &f.xiRoom, "焦西书法班", "书法美术", f.daysAgo(20), []int64{r[1], r[2], r[3]}, child.ID)
	f.settle(ctx, xi, r[1], r[2])
	point := f.held(ctx, f.xiPoint, nil, "活动室太极", "健康养生", f.daysAgo(50), []int64{r[4], r[1]}, 0)
	f.settle(ctx, point, r[4])
	nan := f.held(ctx, f.nan, &f.nanRoom, "焦南戏曲", "戏曲", f.daysAgo(20), []int64{r[2], r[5]}, 0)
	f.settle(ctx, nan, r[2], r[5])
	hall := f.held(ctx, f.hub, nil, "总馆讲座", "文艺讲座", f.daysAgo(5), nil, 0)
	f.settle(ctx, hall)
	f.store.Now = time.Now
	for _, s := range []struct{ acc, item, unit int64 }{{r[1], f.yujuItem.ID, f.xi}, {r[2], f.yujuItem.ID, f.xi}, {r[5], f.shuyuanItem.ID, f.nan}} {
		_, err := f.store.Support(ctx, s.acc, s.item, s.unit)
		f.must(err)
	}
}

// heldActivity is an activity of the history with its bookings.
type heldActivity struct {
	act      *culture.Activity
	bookings map[int64]*culture.Booking // by account
}

// held creates an activity starting at start (walk-in when accounts is
// nil) and books it, two hours before, for each account (the first with
// family member child when child is set).
func (f *statsFixture) held(ctx context.Context, unit int64, room *int64, title, category string, start time.Time, accounts []int64, child int64) heldActivity {
	f.t.Helper()
	f.store.Now = func() time.Time { return start.Add(-2 * time.Hour) }
	a := &culture.Activity{UnitID: unit, RoomID: room, Title: title, Category: category, StartsAt: start,
		EndsAt: start.Add(2 * time.Hour), Capacity: 30, Mode: culture.ModeFirstCome,
		OpensAt: start.Add(-3 * time.Hour), ClosesAt: start, MaxPerBooking: 3}
	if accounts == nil {
		a.Mode, a.OpensAt, a.ClosesAt = culture.ModeOpen, time.Time{}, time.Time{}
	}
	out, err := f.store.CreateActivity(ctx, a, 1)
	f.must(err)
	h := heldActivity{act: out[0], bookings: map[int64]*culture.Booking{}}
	for i, acc := range accounts {
		req := &culture.BookingRequest{ActivityID: h.act.ID, AccountID: acc, Self: true}
		if i == 0 && child != 0 {
			req.FamilyIDs = []int64{child}
		}
		h.bookings[acc], err = f.store.CreateBooking(ctx, req)
		f.must(err)
	}
	return h
}

// settle checks in the bookings of came during the activity, then settles
// it after its end (the others become no-shows).
func (f *statsFixture) settle(ctx context.Context, h heldActivity, came ...int64) {
	f.t.Helper()
	f.store.Now = func() time.Time { return h.act.StartsAt.Add(10 * time.Minute) }
	for _, acc := range came {
		_, err := f.store.CheckInCode(ctx, h.bookings[acc].Code, 0, 0)
		f.must(err)
	}
	f.store.Now = func() time.Time { return h.act.EndsAt.Add(time.Hour) }
	_, err := f.store.SettleAttendance(ctx)
	f.must(err)
}

// rangeQuery is the query of a range holding the whole history.
func (f *statsFixture) rangeQuery(unit int64) string {
	return fmt.Sprintf("?unit=%d&from=%s&to=%s", unit, f.today-120, f.today)
}

// groupSums sums the stored rollup of root's subtree over the history's
// range per group (root's own rows, each child's subtree), by metric.
func (f *statsFixture) groupSums(t *testing.T, root int64) map[int64]map[string]int64 {
	t.Helper()
	ctx := context.Background()
	rows, err := f.store.FindRollups(ctx, culture.StatsQuery{UnitID: root, From: f.today - 120, To: f.today})
	if err != nil {
		t.Fatal(err)
	}
	units, _, err := f.store.FindUnits(ctx, culture.UnitFilter{Within: &root})
	if err != nil {
		t.Fatal(err)
	}
	group := map[int64]int64{}
	for _, u := range units {
		group[u.ID] = root
		for _, c := range units {
			if c.ParentID != nil && *c.ParentID == root && strings.HasPrefix(u.Path, c.Path) {
				group[u.ID] = c.ID
			}
		}
	}
	out := map[int64]map[string]int64{}
	for _, r := range rows {
		g := group[r.UnitID]
		if out[g] == nil {
			out[g] = map[string]int64{}
		}
		out[g][r.Metric] += r.Value
	}
	return out
}

// parseHTML parses a page.
func statsParse(t *testing.T, body string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func statsAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// findAll returns the elements under n for which match is true, in order.
func statsFind(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func statsByID(t *testing.T, doc *html.Node, id string) *html.Node {
	t.Helper()
	found := statsFind(doc, func(n *html.Node) bool { return statsAttr(n, "id") == id })
	if len(found) != 1 {
		t.Fatalf("%d elements with id %q", len(found), id)
	}
	return found[0]
}

func statsText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// tableRows returns the cells' text of a table's body rows.
func statsTableRows(t *testing.T, doc *html.Node, id string) [][]string {
	t.Helper()
	var out [][]string
	for _, tr := range statsFind(statsByID(t, doc, id), func(n *html.Node) bool { return n.Data == "tr" && n.Parent.Data == "tbody" }) {
		var row []string
		for _, c := range statsFind(tr, func(n *html.Node) bool { return n.Data == "td" || n.Data == "th" }) {
			row = append(row, statsText(c))
		}
		out = append(out, row)
	}
	return out
}

// figureValues reads the headline figures: key → value, and key+"/note".
func statsFigureValues(doc *html.Node) map[string]string {
	out := map[string]string{}
	for _, box := range statsFind(doc, func(n *html.Node) bool { return statsAttr(n, "data-figure") != "" }) {
		for _, dd := range statsFind(box, func(n *html.Node) bool { return n.Data == "dd" }) {
			switch statsAttr(dd, "class") {
			case "figure-value":
				out[statsAttr(box, "data-figure")] = statsText(dd)
			case "figure-note":
				out[statsAttr(box, "data-figure")+"/note"] = statsText(dd)
			}
		}
	}
	return out
}

// TestConsoleStatsFigures opens the hub's dashboard and checks the figures
// and tables against the history and against the stored rollup.
func TestConsoleStatsFigures(t *testing.T) {
	f := newStatsServer(t)
	res, body := f.client("operator").get("/console/stats" + f.rangeQuery(f.hub))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	doc := statsParse(t, body)
	got := statsFigureValues(doc)
	want := map[string]string{
		"activities": "4", "activities/note": "线上预约占 75.0%",
		"bookings": "7", "bookings/note": "签到 5，爽约 2",
		"attendance": "6", "attendance/note": "参与人数 4",
		"attendance_rate": "71.4%", "attendance_rate/note": "爽约率 28.6%",
		"supports": "3", "supports/note": "分馆点单 1",
		"deliveries": "0", "deliveries/note": "应配送 0，履约率 —",
		"members": "0", "members/note": "",
		"rating": "—", "rating/note": "0 条评价",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("figures (-want +got):\n%s", diff)
	}
	sums := f.groupSums(t, f.hub)
	var wantRows [][]string
	for _, g := range []struct {
		id           int64
		label, users string
	}{{f.hub, "解放区文化馆（本级）", "—"}, {f.xi, "焦西分馆", "3"}, {f.nan, "焦南分馆", "2"}} {
		s := sums[g.id]
		wantRows = append(wantRows, []string{g.label, statsItoa(s[culture.MetricActivities]), statsItoa(s[culture.MetricBookings]),
			statsItoa(s[culture.MetricAttendance]), g.users, statsItoa(s[culture.MetricSupports]), statsItoa(s[culture.MetricDeliveriesHeld])})
	}
	if diff := cmp.Diff(wantRows, statsTableRows(t, doc, "table-branches")); diff != "" {
		t.Errorf("branches table (-rollup +page):\n%s", diff)
	}
	// The rollup itself holds the history (so the comparison above is not
	// one of empty tables).
	if sums[f.xi][culture.MetricActivities] != 2 || sums[f.xi][culture.MetricAttendance] != 4 || sums[f.nan][culture.MetricCheckins] != 2 {
		t.Errorf("rollup sums %v", sums)
	}
	if diff := cmp.Diff([][]string{{"豫剧经典唱段", "2", "1", "3"}, {"少儿书法课", "1", "0", "1"}}, statsTableRows(t, doc, "table-items")); diff != "" {
		t.Errorf("items table (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"书法美术", "1", "1"}, {"健康养生", "1", "1"}, {"戏曲", "1", "1"}, {"文艺讲座", "1", "0"}}, statsTableRows(t, doc, "table-categories")); diff != "" {
		t.Errorf("categories table (-want +got):\n%s", diff)
	}
	checkStatsIslands(t, doc, 4)
	for _, s := range []string{"数据更新于", `href="/console/stats"`, "数据统计", "近12个月", "/console/stats/screen?unit="} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
}

// checkStatsIslands checks that every chart container names a JSON data
// island that parses, and that the weekly series add up to activities.
func checkStatsIslands(t *testing.T, doc *html.Node, activities float64) {
	t.Helper()
	boxes := statsFind(doc, func(n *html.Node) bool { return statsAttr(n, "data-chart") != "" })
	if len(boxes) != 7 {
		t.Errorf("%d chart containers, want 7", len(boxes))
	}
	for _, box := range boxes {
		if statsAttr(box, "role") != "img" || statsAttr(box, "aria-label") == "" {
			t.Errorf("chart %s: role %q, aria-label %q", statsAttr(box, "id"), statsAttr(box, "role"), statsAttr(box, "aria-label"))
		}
		island := statsByID(t, doc, statsAttr(box, "data-chart"))
		if statsAttr(island, "type") != "application/json" {
			t.Errorf("island %s type %q", statsAttr(island, "id"), statsAttr(island, "type"))
		}
		var spec chartSpec
		if err := json.Unmarshal([]byte(statsText(island)), &spec); err != nil {
			t.Fatalf("island %s: %v", statsAttr(island, "id"), err)
		}
		if spec.ID == figures.ChartWeekly {
			var sum float64
			for _, v := range spec.Series[0].Values {
				sum += float64(v)
			}
			if sum != activities || spec.Series[0].Name != "举办活动" {
				t.Errorf("weekly %s sum to %v, want %v", spec.Series[0].Name, sum, activities)
			}
		}
	}
}

func statsItoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestConsoleStatsBranch: a branch admin sees 焦西 and its point by
// default, the official the hub.
func TestConsoleStatsBranch(t *testing.T) {
	f := newStatsServer(t)
	_, body := f.client("xiadmin").get("/console/stats?from=" + (f.today - 120).String())
	doc := statsParse(t, body)
	if diff := cmp.Diff([][]string{{"焦西分馆（本级）", "1", "3", "3", "—", "2", "0"}, {"焦西社区活动室", "1", "2", "1", "1", "0", "0"}},
		statsTableRows(t, doc, "table-branches")); diff != "" {
		t.Errorf("焦西's children (-want +got):\n%s", diff)
	}
	if strings.Contains(body, "焦南") {
		t.Error("a branch admin sees 焦南")
	}
	_, body = f.client("official").get("/console/stats")
	if !strings.Contains(body, "数据统计 · 解放区文化馆") || !strings.Contains(body, fmt.Sprintf("统计范围：%s 至 %s，共 90 天", f.today-89, f.today)) {
		t.Errorf("official's default dashboard:\n%s", consoleSnippet(body))
	}
}

func TestConsoleStatsRefusals(t *testing.T) {
	f := newStatsServer(t)
	hub, xi, nan := statsItoa(f.hub), statsItoa(f.xi), statsItoa(f.nan)
	day := func(n int) string { return (f.today - culture.Day(n)).String() }
	f.run(t, []consoleScenario{
		{name: "Visitor", path: "/console/stats", status: http.StatusSeeOther, location: "/console/login"},
		{name: "NoGrant", user: "nogrant", path: "/console/stats", status: http.StatusForbidden},
		{name: "Checker", user: "xichecker", path: "/console/stats", status: http.StatusForbidden, want: []string{"您没有查看统计数据的权限"}},
		{name: "Provider", user: "yuju", path: "/console/stats?unit=" + hub, status: http.StatusForbidden, want: []string{"您没有查看统计数据的权限"}},
		{name: "BranchAtHub", user: "xiadmin", path: "/console/stats?unit=" + hub, status: http.StatusForbidden, want: []string{"只能查看您所在单位及其下级单位的统计数据"}},
		{name: "BranchAtOther", user: "xiadmin", path: "/console/stats?unit=" + nan, status: http.StatusForbidden, deny: []string{"焦南分馆"}},
		{name: "UnknownUnit", user: "operator", path: "/console/stats?unit=99999", status: http.StatusNotFound, want: []string{"单位不存在"}},
		{name: "BadUnit", user: "operator", path: "/console/stats?unit=abc", status: http.StatusNotFound},
		{name: "Reversed", user: "operator", path: "/console/stats?unit=" + xi + "&from=" + day(1) + "&to=" + day(30), status: http.StatusBadRequest,
			want: []string{"晚于结束日期", `value="` + day(1) + `"`, `name="to" type="date" value="` + day(30) + `"`, `aria-invalid="true"`}, deny: []string{"data-chart", "主要指标"}},
		{name: "TooLong", user: "operator", path: "/console/stats?from=2016-01-01&to=2026-01-01", status: http.StatusBadRequest, want: []string{"统计范围最长", "查看"}},
		{name: "BadFrom", user: "operator", path: "/console/stats?from=2026/01/01", status: http.StatusBadRequest, want: []string{"开始日期应写作 YYYY-MM-DD"}},
		{name: "BadTo", user: "operator", path: "/console/stats?to=tomorrow", status: http.StatusBadRequest, want: []string{"结束日期应写作 YYYY-MM-DD"}},
		{name: "ScreenOutside", user: "xiadmin", path: "/console/stats/screen?unit=" + hub, status: http.StatusForbidden},
		{name: "ScreenUnknown", user: "operator", path: "/console/stats/screen?unit=99999", status: http.StatusNotFound},
		{name: "ScreenChecker", user: "xichecker", path: "/console/stats/screen", status: http.StatusForbidden},
		{name: "DataOutside", user: "xiadmin", path: "/console/stats/screen/data.json?unit=" + hub, status: http.StatusForbidden,
			want: []string{`{"error":"只能查看您所在单位及其下级单位的统计数据。"}`}},
		{name: "DataUnknown", user: "operator", path: "/console/stats/screen/data.json?unit=0", status: http.StatusNotFound, want: []string{`"error"`}},
		{name: "OK", user: "xiadmin", path: "/console/stats?unit=" + xi, status: http.StatusOK, want: []string{"焦西分馆"}},
	})
}

// TestConsoleStatsWithoutService: no statistics service, no pages.
func TestConsoleStatsWithoutService(t *testing.T) {
	f := newConsoleTestServer(t)
	f.run(t, []consoleScenario{
		{name: "Page", user: "operator", path: "/console/stats", status: http.StatusNotFound},
		{name: "Screen", user: "operator", path: "/console/stats/screen", status: http.StatusNotFound},
		{name: "Nav", user: "operator", path: "/console/activities", status: http.StatusOK, want: []string{"数据统计"}},
	})
}

// TestConsoleStatsScreen checks the big screen's page and its refresh:
// data.json carries the figures and a version that changes with a new
// rollup.
func TestConsoleStatsScreen(t *testing.T) {
	f := newStatsServer(t)
	c := f.client("operator")
	for _, tc := range []struct{ query, refresh string }{{"", "60"}, {"&refresh=45", "45"}, {"&refresh=5", "30"}, {"&refresh=1", "30"}, {"&refresh=99999", "3600"}, {"&refresh=x", "60"}} {
		res, body := c.get(fmt.Sprintf("/console/stats/screen?unit=%d%s", f.hub, tc.query))
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-refresh="`+tc.refresh+`"`) {
			t.Errorf("screen%s: status %d, want data-refresh=%s", tc.query, res.StatusCode, tc.refresh)
		}
	}
	_, body := c.get(fmt.Sprintf("/console/stats/screen?unit=%d", f.hub))
	doc := statsParse(t, body)
	if got := statsFigureValues(doc)["attendance"]; got != "6" {
		t.Errorf("screen attendance %q", got)
	}
	if n := len(statsFind(doc, func(n *html.Node) bool { return statsAttr(n, "data-chart") != "" })); n != 4 {
		t.Errorf("%d charts on the screen", n)
	}
	for _, s := range []string{`<body class="screen">`, "数据更新于", `data-screen="/console/stats/screen/data.json?unit=`, `<html lang="zh-CN">`} {
		if !strings.Contains(body, s) {
			t.Errorf("screen lacks %q", s)
		}
	}
	if strings.Contains(body, "文化馆工作台") {
		t.Error("the screen shows the console navigation")
	}
	first := f.screenData(t, c)
	run, err := f.store.LastRollup(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rng := figures.TwelveMonths(f.today)
	if first.Version != figures.Version(run, rng.From, rng.To) || !strings.Contains(body, `data-version="`+first.Version+`"`) {
		t.Errorf("version %s, page %v, rollup %v", first.Version, strings.Contains(body, first.Version), run.Finished)
	}
	// A new activity held and a new rollup a minute later: the next read
	// shows both.
	f.settle(context.Background(), f.held(context.Background(), f.nan, &f.nanRoom, "焦南舞蹈", "舞蹈", f.daysAgo(3), nil, 0))
	later := time.Now().Add(time.Minute)
	f.store.Now = func() time.Time { return later }
	if _, err := f.store.RebuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	second := f.screenData(t, c)
	if second.Version == first.Version || second.Updated == first.Updated {
		t.Errorf("after a rebuild: version %s → %s, %q → %q", first.Version, second.Version, first.Updated, second.Updated)
	}
	if v := screenFigureValue(second, "activities"); v != "5" {
		t.Errorf("activities after the rebuild %q, want 5", v)
	}
}

// TestConsoleStatsScreenCache: the big screen's refreshes read the rollup
// once per rebuild. A refresh with the version shown is answered 204
// without building anything; one without reads the cached dashboard; after
// a rebuild (a new finish time) the dashboard is read and built again. The
// dashboard page shares the cache.
func TestConsoleStatsScreenCache(t *testing.T) {
	var stats *countingStats
	f := newStatsServerWith(t, func(s culture.StatsService) culture.StatsService {
		stats = &countingStats{StatsService: s}
		return stats
	})
	c := f.client("operator")
	page := fmt.Sprintf("/console/stats/screen?unit=%d", f.hub)
	if res, _ := c.get(page); res.StatusCode != http.StatusOK || stats.finds.Load() != 1 {
		t.Fatalf("screen: status %d, FindRollups called %d times", res.StatusCode, stats.finds.Load())
	}
	first := f.screenData(t, c)
	if n := stats.finds.Load(); n != 1 {
		t.Errorf("the first poll after the page called FindRollups again (%d in all)", n)
	}
	lasts := stats.lasts.Load()
	if res := f.screenPoll(t, c, first.Version); res != http.StatusNoContent {
		t.Errorf("a poll with the current version: status %d, want 204", res)
	}
	if n, l := stats.finds.Load(), stats.lasts.Load(); n != 1 || l != lasts+1 {
		t.Errorf("an unchanged poll: FindRollups %d in all, LastRollup %d more", n, l-lasts)
	}
	if res := f.screenPoll(t, c, "1.2.3"); res != http.StatusOK || stats.finds.Load() != 1 {
		t.Errorf("a poll with an old version: status %d, FindRollups %d in all (want 200 from the cache)", res, stats.finds.Load())
	}

	f.settle(context.Background(), f.held(context.Background(), f.nan, &f.nanRoom, "焦南舞蹈", "舞蹈", f.daysAgo(3), nil, 0))
	later := time.Now().Add(time.Minute)
	f.store.Now = func() time.Time { return later }
	if _, err := f.store.RebuildRollups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if res := f.screenPoll(t, c, first.Version); res != http.StatusOK || stats.finds.Load() != 2 {
		t.Errorf("the first poll after a rebuild: status %d, FindRollups %d in all, want 200 and 2", res, stats.finds.Load())
	}
	second := f.screenData(t, c)
	if second.Version == first.Version || screenFigureValue(second, "activities") != "5" || stats.finds.Load() != 2 {
		t.Errorf("after the rebuild: version %s → %s, activities %s, FindRollups %d in all",
			first.Version, second.Version, screenFigureValue(second, "activities"), stats.finds.Load())
	}
	if res := f.screenPoll(t, c, second.Version); res != http.StatusNoContent {
		t.Errorf("a poll with the new version: status %d, want 204", res)
	}

	for i, want := range []int64{3, 3} {
		if res, body := c.get("/console/stats" + f.rangeQuery(f.hub)); res.StatusCode != http.StatusOK || !strings.Contains(body, "主要指标") {
			t.Fatalf("dashboard: status %d", res.StatusCode)
		}
		if n := stats.finds.Load(); n != want {
			t.Errorf("dashboard view %d: FindRollups %d in all, want %d", i+1, n, want)
		}
	}
}

// countingStats counts the calls of FindRollups and LastRollup.
type countingStats struct {
	culture.StatsService
	finds, lasts atomic.Int64
}

func (c *countingStats) FindRollups(ctx context.Context, q culture.StatsQuery) ([]culture.StatRow, error) {
	c.finds.Add(1)
	return c.StatsService.FindRollups(ctx, q)
}

func (c *countingStats) LastRollup(ctx context.Context) (culture.RollupRun, error) {
	c.lasts.Add(1)
	return c.StatsService.LastRollup(ctx)
}

// screenPoll asks data.json with a version and returns the status; a 204
// has no body.
func (f *statsFixture) screenPoll(t *testing.T, c *consoleClient, version string) int {
	t.Helper()
	res, body := c.get(fmt.Sprintf("/console/stats/screen/data.json?unit=%d&version=%s", f.hub, url.QueryEscape(version)))
	if res.StatusCode == http.StatusNoContent && body != "" {
		t.Errorf("204 with a body: %q", body)
	}
	return res.StatusCode
}

func (f *statsFixture) screenData(t *testing.T, c *consoleClient) screenData {
	t.Helper()
	res, body := c.get(fmt.Sprintf("/console/stats/screen/data.json?unit=%d", f.hub))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("data.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var d screenData
	if err := json.Unmarshal([]byte(body), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Charts) != 4 || len(d.Figures) != 8 {
		t.Errorf("data.json: %d charts, %d figures", len(d.Charts), len(d.Figures))
	}
	return d
}

func screenFigureValue(d screenData, key string) string {
	for _, f := range d.Figures {
		if f.Key == key {
			return f.Value
		}
	}
	return ""
}

// statsTemplateCases are the statistics pages' template cases: the
// dashboard, its refused form, the dashboard of nothing, the big screen.
func statsTemplateCases() []pageCase {
	hub := &culture.Unit{ID: 1, Name: "解放区文化馆", Path: "/1/"}
	xi := &culture.Unit{ID: 2, Name: "焦西分馆", Path: "/1/2/", ParentID: &hub.ID}
	staff := &culture.Account{ID: 8, Username: "hub", Grants: []*culture.Grant{{Role: culture.RoleHubAdmin, UnitID: 1, UnitPath: "/1/"}}}
	page := Page{Title: "数据统计", Account: staff, Path: "/console/stats", Console: true, Now: time.Now()}
	day, _ := culture.ParseDay("2026-03-31")
	rows := []culture.StatRow{
		{UnitID: 2, Day: day - 3, Metric: culture.MetricActivities, Dim: "戏曲", Value: 2},
		{UnitID: 2, Day: day - 3, Metric: culture.MetricCheckins, Value: 5},
		{UnitID: 2, Day: day - 40, Metric: culture.MetricSupports, Dim: "7", Value: 3},
	}
	in := figures.Input{Unit: hub, Units: []*culture.Unit{hub, xi}, From: day - 89, To: day, Rows: rows,
		Participants: map[int64]int{1: 4, 2: 4}, Titles: map[int64]string{7: "豫剧<经典>唱段"}, Updated: time.Now()}
	full := figures.NewDashboard(in)
	in.Rows, in.Updated = nil, time.Time{}
	units := []consoleUnitRow{{Unit: hub}, {Unit: xi, Depth: 1}}
	return []pageCase{
		{"Stats", "console_stats", "", &consoleStatsPage{Page: page, statsView: statsView{Dash: full}, Units: units, Unit: hub,
			From: full.From, To: full.To, Quick: []statsLink{{Label: "本月", URL: "/console/stats?unit=1", Current: true}}, ScreenURL: "/console/stats/screen?unit=1"}},
		{"StatsEmpty", "console_stats", "", &consoleStatsPage{Page: page, statsView: statsView{Dash: figures.NewDashboard(in)}, Units: units[:1], Unit: hub}},
		{"StatsRefused", "console_stats", "", &consoleStatsPage{Page: page, Units: units, Unit: xi, From: "2026-04-01", To: "2026-03-01",
			Error: "开始日期 2026-04-01 晚于结束日期 2026-03-01", ErrorField: "from"}},
		{"StatsScreen", "console_stats_screen", "screen", &consoleStatsScreenPage{Page: page, statsView: statsView{Dash: full}, Unit: hub,
			Refresh: 60, DataURL: "/console/stats/screen/data.json?unit=1", BackURL: "/console/stats?unit=1"}},
	}
}

// TestConsoleStatsTemplates renders the statistics pages with typed data
// and runs the markup checks on each (the screen is its own document).
func TestConsoleStatsTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range statsTemplateCases() {
		t.Run(c.name, func(t *testing.T) {
			out := executePage(t, s, c)
			checkAccessible(t, out)
			if strings.Contains(out, "豫剧<经典>") {
				t.Error("a menu title is not escaped")
			}
			if strings.Contains(out, "data-chart") && !strings.Contains(out, `type="application/json"`) {
				t.Error("charts without data islands")
			}
		})
	}
}
