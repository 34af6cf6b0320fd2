package figures

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

// day parses a date or fails the test.
func day(t *testing.T, s string) culture.Day {
	t.Helper()
	d, err := culture.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// world is a hub (1) with branches 焦西 (2, with point 4) and 焦南 (3).
func world() (*culture.Unit, []*culture.Unit) {
	hub := &culture.Unit{ID: 1, Name: "解放区文化馆", Path: "/1/"}
	xi := &culture.Unit{ID: 2, Name: "焦西分馆", ParentID: ptr(1), Path: "/1/2/"}
	nan := &culture.Unit{ID: 3, Name: "焦南分馆", ParentID: ptr(1), Path: "/1/3/"}
	point := &culture.Unit{ID: 4, Name: "焦西活动室", ParentID: ptr(2), Path: "/1/2/4/"}
	return hub, []*culture.Unit{hub, xi, nan, point}
}

func row(t *testing.T, unit int64, date, metric, dim string, v int64) culture.StatRow {
	return culture.StatRow{UnitID: unit, Day: day(t, date), Metric: metric, Dim: dim, Value: v}
}

func TestWeekStart(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"2026-01-01", "2025-12-29"}, // Thursday, week starts in the old year
		{"2025-12-29", "2025-12-29"}, // Monday
		{"2026-01-04", "2025-12-29"}, // Sunday ends that week
		{"2026-01-05", "2026-01-05"},
		{"1970-01-01", "1969-12-29"}, // day 0
		{"1969-12-28", "1969-12-22"}, // negative days
		{"2024-03-01", "2024-02-26"}, // across a leap February
	} {
		if got := WeekStart(day(t, tc.in)).String(); got != tc.want {
			t.Errorf("WeekStart(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if wd := WeekStart(day(t, tc.in)).Weekday(); wd != time.Monday {
			t.Errorf("WeekStart(%s) is a %v", tc.in, wd)
		}
	}
	if got := MonthStart(day(t, "2024-02-29")).String(); got != "2024-02-01" {
		t.Errorf("MonthStart = %s", got)
	}
}

// TestTrendsAcrossYears puts rows in weeks and months that straddle a
// year's end and checks each lands in its Monday week and its month.
func TestTrendsAcrossYears(t *testing.T) {
	hub, units := world()
	rows := []culture.StatRow{
		row(t, 2, "2025-12-25", culture.MetricActivities, "戏曲", 1),  // Thu: week of 12-22
		row(t, 3, "2025-12-28", culture.MetricActivities, "舞蹈", 2),  // Sun: week of 12-22
		row(t, 2, "2025-12-29", culture.MetricBookings, "", 5),      // Mon: week of 12-29, December
		row(t, 4, "2025-12-31", culture.MetricActivities, "戏曲", 4),  // week of 12-29, December
		row(t, 1, "2026-01-01", culture.MetricActivities, "展览", 8),  // week of 12-29, January
		row(t, 3, "2026-01-04", culture.MetricCheckins, "", 3),      // Sun: week of 12-29
		row(t, 2, "2026-01-05", culture.MetricAttendance, "", 7),    // week of 01-05
		row(t, 2, "2026-01-12", culture.MetricActivities, "戏曲", 16), // Mon, the range's last day
		row(t, 2, "2026-01-13", culture.MetricActivities, "戏曲", 99), // after the range
		row(t, 9, "2026-01-02", culture.MetricActivities, "戏曲", 99), // outside the subtree
	}
	d := NewDashboard(Input{Unit: hub, Units: units, From: day(t, "2025-12-25"), To: day(t, "2026-01-12"), Rows: rows})
	weekly := d.Chart(ChartWeekly)
	want := Table{Header: []string{"周（周一）", "举办活动", "预约", "签到", "参与人次"}, Rows: [][]string{
		{"2025-12-22", "3", "0", "0", "0"},
		{"2025-12-29", "12", "5", "3", "0"},
		{"2026-01-05", "0", "0", "0", "7"},
		{"2026-01-12", "16", "0", "0", "0"},
	}}
	if diff := cmp.Diff(want, weekly.Table); diff != "" {
		t.Errorf("weekly table (-want +got):\n%s", diff)
	}
	monthly := d.Chart(ChartMonthly)
	want = Table{Header: []string{"月份", "举办活动", "预约", "签到", "参与人次"}, Rows: [][]string{
		{"2025-12", "7", "5", "0", "0"},
		{"2026-01", "24", "0", "3", "7"},
	}}
	if diff := cmp.Diff(want, monthly.Table); diff != "" {
		t.Errorf("monthly table (-want +got):\n%s", diff)
	}
	if d.Headline.Activities != 31 || d.Days != 19 || d.From != "2025-12-25" || d.To != "2026-01-12" {
		t.Errorf("headline activities %d, days %d, %s–%s", d.Headline.Activities, d.Days, d.From, d.To)
	}
	if got := weekly.Series[0].Values; len(got) != 4 || got[1] != 12 {
		t.Errorf("weekly activity values %v", got)
	}
}

func TestBranchesSideBySide(t *testing.T) {
	hub, units := world()
	rows := []culture.StatRow{
		row(t, 1, "2026-03-02", culture.MetricActivities, "展览", 1),
		row(t, 2, "2026-03-02", culture.MetricActivities, "戏曲", 2),
		row(t, 4, "2026-03-03", culture.MetricActivities, "戏曲", 3),
		row(t, 4, "2026-03-03", culture.MetricCheckins, "", 9),
		row(t, 4, "2026-03-03", culture.MetricNoShows, "", 1),
		row(t, 3, "2026-03-04", culture.MetricCheckins, "", 0),
		row(t, 3, "2026-03-04", culture.MetricDeliveriesDue, "7", 4),
		row(t, 3, "2026-03-05", culture.MetricDeliveriesHeld, "7", 3),
		row(t, 2, "2026-03-05", culture.MetricSupports, "7", 6),
	}
	d := NewDashboard(Input{Unit: hub, Units: units, From: day(t, "2026-03-01"), To: day(t, "2026-03-31"), Rows: rows,
		Participants: map[int64]int{1: 20, 2: 12, 3: 0}})
	want := Table{Header: []string{"单位", "举办活动", "预约", "参与人次", "参与人数", "点单支持", "已配送"}, Rows: [][]string{
		{"解放区文化馆（本级）", "1", "0", "0", "—", "0", "0"},
		{"焦西分馆", "5", "0", "0", "12", "6", "0"},
		{"焦南分馆", "0", "0", "0", "0", "0", "3"},
	}}
	if diff := cmp.Diff(want, d.Chart(ChartBranches).Table); diff != "" {
		t.Errorf("branches (-want +got):\n%s", diff)
	}
	want = Table{Header: []string{"单位", "签到", "爽约", "出席率", "爽约率"}, Rows: [][]string{
		{"解放区文化馆（本级）", "0", "0", "—", "—"},
		{"焦西分馆", "9", "1", "90.0%", "10.0%"},
		{"焦南分馆", "0", "0", "—", "—"},
	}}
	if diff := cmp.Diff(want, d.Chart(ChartAttendance).Table); diff != "" {
		t.Errorf("attendance (-want +got):\n%s", diff)
	}
	want = Table{Header: []string{"单位", "应配送", "已配送", "履约率"}, Rows: [][]string{
		{"解放区文化馆（本级）", "0", "0", "—"},
		{"焦西分馆", "0", "0", "—"},
		{"焦南分馆", "4", "3", "75.0%"},
	}}
	if diff := cmp.Diff(want, d.Chart(ChartFulfilment).Table); diff != "" {
		t.Errorf("fulfilment (-want +got):\n%s", diff)
	}
	if d.Headline.Participants != 20 || d.Headline.AttendanceRate != 0.9 || d.Headline.Fulfilment != 0.75 {
		t.Errorf("headline %+v", d.Headline)
	}
}

func TestCategoryMix(t *testing.T) {
	hub, units := world()
	rows := []culture.StatRow{
		row(t, 2, "2026-03-02", culture.MetricActivities, "戏曲", 2),
		row(t, 3, "2026-03-09", culture.MetricActivities, "戏曲", 3),
		row(t, 3, "2026-03-09", culture.MetricBookable, "戏曲", 4),
		row(t, 2, "2026-03-02", culture.MetricActivities, "舞蹈", 5),
		row(t, 2, "2026-03-02", culture.MetricBookable, "舞蹈", 1),
		row(t, 4, "2026-03-02", culture.MetricActivities, "展览", 1),
		row(t, 4, "2026-03-02", culture.MetricActivities, "", 1),
		row(t, 4, "2026-03-02", culture.MetricActivities, "阅读", 0),
	}
	d := NewDashboard(Input{Unit: hub, Units: units, From: day(t, "2026-03-01"), To: day(t, "2026-03-31"), Rows: rows})
	c := d.Chart(ChartCategories)
	want := Table{Header: []string{"类别", "举办活动", "其中线上预约活动"}, Rows: [][]string{
		{"戏曲", "5", "4"}, {"舞蹈", "5", "1"}, {"未分类", "1", "0"}, {"展览", "1", "0"},
	}}
	if diff := cmp.Diff(want, c.Table); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	if c.Kind != KindPie || !strings.Contains(c.Summary, "共 4 项") || strings.Contains(c.Summary, "线上预约") {
		t.Errorf("kind %s, summary %q", c.Kind, c.Summary)
	}
	if d.Headline.BookableShare != Num(5)/Num(12) {
		t.Errorf("bookable share %v", d.Headline.BookableShare)
	}
}

func TestTopItems(t *testing.T) {
	hub, units := world()
	var rows []culture.StatRow
	// Items 1..12 with 1..12 supports at 焦西; item 3 gets 10 requests (13
	// in all, first); item 11 ties item 12 on total (12) with fewer
	// supports. A row whose dim is no id is skipped.
	for i := int64(1); i <= 12; i++ {
		rows = append(rows, culture.StatRow{UnitID: 2, Day: day(t, "2026-03-02"), Metric: culture.MetricSupports, Dim: itoa(i), Value: i})
	}
	rows = append(rows,
		row(t, 3, "2026-03-03", culture.MetricRequests, "3", 10),
		row(t, 3, "2026-03-03", culture.MetricRequests, "11", 1),
		row(t, 3, "2026-03-03", culture.MetricRequests, "x", 50),
		row(t, 3, "2026-03-03", culture.MetricDeliveriesDue, "1", 50))
	got := TopItems(rows, 10)
	var ids []int64
	for _, x := range got {
		ids = append(ids, x.ItemID)
	}
	if diff := cmp.Diff([]int64{3, 12, 11, 10, 9, 8, 7, 6, 5, 4}, ids); diff != "" {
		t.Errorf("top items (-want +got):\n%s", diff)
	}
	d := NewDashboard(Input{Unit: hub, Units: units, From: day(t, "2026-03-01"), To: day(t, "2026-03-31"), Rows: rows,
		Titles: map[int64]string{3: "豫剧经典唱段", 12: "书法入门"}})
	c := d.Chart(ChartItems)
	if diff := cmp.Diff([]string{"菜单项目", "点单支持", "分馆点单", "合计"}, c.Table.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([][]string{{"豫剧经典唱段", "3", "10", "13"}, {"书法入门", "12", "0", "12"}, {"菜单 #11", "11", "1", "12"}}, c.Table.Rows[:3]); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if len(c.Table.Rows) != TopItemsMax {
		t.Errorf("%d rows", len(c.Table.Rows))
	}
	if d.Headline.Supports != 78 || d.Headline.Requests != 61 {
		t.Errorf("supports %d requests %d", d.Headline.Supports, d.Headline.Requests)
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// TestZeroDivisions builds a dashboard of nothing: counts are 0, every
// rate is undefined (null in JSON, "—" on the page), nothing panics.
func TestZeroDivisions(t *testing.T) {
	point := &culture.Unit{ID: 4, Name: "焦西活动室", Path: "/1/2/4/"}
	d := NewDashboard(Input{Unit: point, Units: []*culture.Unit{point}, From: day(t, "2026-03-01"), To: day(t, "2026-03-01")})
	b, err := json.Marshal(d.Headline)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"bookable_share":null`, `"attendance_rate":null`, `"no_show_rate":null`, `"fulfilment":null`, `"average_rating":null`, `"activities":0`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("headline JSON lacks %s: %s", k, b)
		}
	}
	for _, f := range d.Figures() {
		if f.Key == "attendance_rate" && (f.Value != "—" || f.Note != "爽约率 —") {
			t.Errorf("figure %+v", f)
		}
		if f.Key == "rating" && f.Value != "—" {
			t.Errorf("figure %+v", f)
		}
	}
	if d.UpdatedAt != nil {
		t.Errorf("updated at %v without a rollup", d.UpdatedAt)
	}
	if c := d.Chart(ChartItems); len(c.Labels) != 0 || len(c.Table.Rows) != 0 {
		t.Errorf("items chart %+v", c)
	}
	b, err = json.Marshal(d.Chart(ChartItems))
	if err != nil || !strings.Contains(string(b), `"labels":[]`) || !strings.Contains(string(b), `"values":[]`) || !strings.Contains(string(b), `"rows":[]`) {
		t.Errorf("an empty chart is written %s (%v); want empty lists, not null", b, err)
	}
	if diff := cmp.Diff([][]string{{"焦西活动室（本级）", "0", "0", "—", "—"}}, d.Chart(ChartAttendance).Table.Rows); diff != "" {
		t.Errorf("attendance (-want +got):\n%s", diff)
	}
	if len(d.Charts) != 7 {
		t.Errorf("%d charts", len(d.Charts))
	}
	var back Num
	if err := json.Unmarshal([]byte("null"), &back); err != nil || back.Valid() {
		t.Errorf("null read back as %v, %v", back, err)
	}
}

func TestFiguresFormatted(t *testing.T) {
	hub, units := world()
	rows := []culture.StatRow{
		row(t, 2, "2026-03-02", culture.MetricRatings, "", 3),
		row(t, 2, "2026-03-02", culture.MetricRatingPoints, "", 14),
		row(t, 2, "2026-03-02", culture.MetricCheckins, "", 2),
		row(t, 2, "2026-03-02", culture.MetricNoShows, "", 1),
		row(t, 2, "2026-03-02", culture.MetricMembers, "", 6),
	}
	d := NewDashboard(Input{Unit: hub, Units: units, From: day(t, "2026-03-01"), To: day(t, "2026-03-31"), Rows: rows,
		Updated: time.Date(2026, 3, 31, 1, 0, 0, 0, time.UTC)})
	got := map[string]string{}
	for _, f := range d.Figures() {
		got[f.Key] = f.Value + " | " + f.Note
	}
	want := map[string]string{
		"activities": "0 | 线上预约占 —", "bookings": "0 | 签到 2，爽约 1", "attendance": "0 | 参与人数 0",
		"attendance_rate": "66.7% | 爽约率 33.3%", "supports": "0 | 分馆点单 0", "deliveries": "0 | 应配送 0，履约率 —",
		"members": "6 | ", "rating": "4.7 | 3 条评价",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("figures (-want +got):\n%s", diff)
	}
	if d.UpdatedAt == nil || !d.UpdatedAt.Equal(time.Date(2026, 3, 31, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("updated at %v", d.UpdatedAt)
	}
}

func TestParseRange(t *testing.T) {
	today := day(t, "2026-05-17")
	for _, tc := range []struct {
		name, from, to     string
		wantFrom, wantTo   string
		wantField, wantMsg string
	}{
		{name: "Default", wantFrom: "2026-02-17", wantTo: "2026-05-17"},
		{name: "OnlyFrom", from: "2026-05-01", wantFrom: "2026-05-01", wantTo: "2026-05-17"},
		{name: "OnlyTo", to: "2025-12-31", wantFrom: "2025-10-03", wantTo: "2025-12-31"},
		{name: "OneDay", from: "2026-01-01", to: "2026-01-01", wantFrom: "2026-01-01", wantTo: "2026-01-01"},
		{name: "ErrFrom", from: "2026/01/01", wantField: "from", wantMsg: "YYYY-MM-DD"},
		{name: "ErrTo", to: "2026-02-30", wantField: "to", wantMsg: "YYYY-MM-DD"},
		{name: "ErrReversed", from: "2026-03-01", to: "2026-02-01", wantField: "from", wantMsg: "晚于结束日期"},
		{name: "ErrFromAfterToday", from: "2026-06-01", wantField: "from", wantMsg: "晚于结束日期"},
		{name: "ErrTooLong", from: "2016-01-01", to: "2026-01-01", wantField: "from", wantMsg: "统计范围最长"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, to, err := ParseRange(tc.from, tc.to, today)
			if tc.wantField != "" {
				var e *culture.Error
				if !errors.As(err, &e) || e.Code != culture.EINVALID || e.Field != tc.wantField || !strings.Contains(e.Message, tc.wantMsg) {
					t.Errorf("err = %v, want invalid %s with %q", err, tc.wantField, tc.wantMsg)
				}
				return
			}
			if err != nil || f.String() != tc.wantFrom || to.String() != tc.wantTo {
				t.Errorf("= %s, %s, %v; want %s, %s", f, to, err, tc.wantFrom, tc.wantTo)
			}
		})
	}
}

func TestQuickRanges(t *testing.T) {
	for _, tc := range []struct {
		today string
		want  []string
	}{
		{"2026-05-17", []string{"本月 2026-05-01", "本季度 2026-04-01", "今年 2026-01-01", "近12个月 2025-06-01"}},
		{"2026-01-01", []string{"本月 2026-01-01", "本季度 2026-01-01", "今年 2026-01-01", "近12个月 2025-02-01"}},
		{"2026-12-31", []string{"本月 2026-12-01", "本季度 2026-10-01", "今年 2026-01-01", "近12个月 2026-01-01"}},
	} {
		var got []string
		for _, q := range QuickRanges(day(t, tc.today)) {
			got = append(got, q.Label+" "+q.From.String())
			if q.To.String() != tc.today {
				t.Errorf("%s ends %s", q.Label, q.To)
			}
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("today %s (-want +got):\n%s", tc.today, diff)
		}
	}
}

func TestTopUnit(t *testing.T) {
	grant := func(role string, id int64, path string) *culture.Grant {
		return &culture.Grant{Role: role, UnitID: id, UnitPath: path}
	}
	for _, tc := range []struct {
		name   string
		grants []*culture.Grant
		want   int64
		ok     bool
	}{
		{"Hub", []*culture.Grant{grant(culture.RoleChecker, 2, "/1/2/"), grant(culture.RoleHubAdmin, 1, "/1/")}, 1, true},
		{"Branch", []*culture.Grant{grant(culture.RoleBranchAdmin, 3, "/1/3/")}, 3, true},
		{"Official", []*culture.Grant{grant(culture.RoleOfficial, 1, "/1/")}, 1, true},
		{"FirstOfEquals", []*culture.Grant{grant(culture.RoleBranchAdmin, 3, "/1/3/"), grant(culture.RoleBranchAdmin, 2, "/1/2/")}, 3, true},
		{"Checker", []*culture.Grant{grant(culture.RoleChecker, 2, "/1/2/")}, 0, false},
		{"Resident", nil, 0, false},
	} {
		got, ok := TopUnit(&culture.Account{Grants: tc.grants})
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: TopUnit = %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// fakeStats and fakeUnits serve Load from memory.
type fakeStats struct {
	culture.StatsService
	rows  []culture.StatRow
	roots []int64
}

func (f *fakeStats) FindRollups(_ context.Context, q culture.StatsQuery) ([]culture.StatRow, error) {
	return f.rows, nil
}

func (f *fakeStats) UniqueParticipants(_ context.Context, roots []int64, from, to culture.Day) (map[int64]int, error) {
	f.roots = roots
	out := map[int64]int{}
	for _, r := range roots {
		out[r] = int(r) * 10
	}
	return out, nil
}

func (f *fakeStats) LastRollup(context.Context) (culture.RollupRun, error) {
	return culture.RollupRun{Finished: time.Unix(1_800_000_000, 0)}, nil
}

type fakeUnits struct {
	culture.UnitService
	units []*culture.Unit
}

func (f fakeUnits) FindUnits(context.Context, culture.UnitFilter) ([]*culture.Unit, int, error) {
	return f.units, len(f.units), nil
}

type fakeMenu struct{ culture.MenuService }

func (fakeMenu) FindMenuItemByID(_ context.Context, id int64) (*culture.MenuItem, error) {
	if id == 5 {
		return &culture.MenuItem{ID: 5, MenuItemFields: culture.MenuItemFields{Title: "剪纸"}}, nil
	}
	return nil, culture.Errorf(culture.ENOTFOUND, "菜单项目不存在。")
}

func TestLoad(t *testing.T) {
	hub, units := world()
	stats := &fakeStats{rows: []culture.StatRow{
		row(t, 2, "2026-03-02", culture.MetricSupports, "5", 2),
		row(t, 3, "2026-03-02", culture.MetricSupports, "6", 1),
	}}
	src := Sources{Stats: stats, Units: fakeUnits{units: units}, Menu: fakeMenu{}}
	d, err := src.Load(context.Background(), hub, day(t, "2026-03-01"), day(t, "2026-03-31"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{1, 2, 3}, stats.roots); diff != "" {
		t.Errorf("participant roots (-want +got):\n%s", diff)
	}
	if d.Headline.Participants != 10 || d.UpdatedAt == nil || d.UpdatedAt.Unix() != 1_800_000_000 {
		t.Errorf("participants %d, updated %v", d.Headline.Participants, d.UpdatedAt)
	}
	if diff := cmp.Diff([]string{"剪纸", "菜单 #6"}, d.Chart(ChartItems).Labels); diff != "" {
		t.Errorf("item labels (-want +got):\n%s", diff)
	}
	if _, err := src.Load(context.Background(), hub, day(t, "2026-03-31"), day(t, "2026-03-01")); culture.ErrorCode(err) != culture.EINVALID {
		t.Errorf("reversed range: %v", err)
	}
	src.Menu = nil
	d, _ = src.Load(context.Background(), hub, day(t, "2026-03-01"), day(t, "2026-03-31"))
	if diff := cmp.Diff([]string{"菜单 #5", "菜单 #6"}, d.Chart(ChartItems).Labels); diff != "" {
		t.Errorf("item labels without a menu (-want +got):\n%s", diff)
	}
}
