package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
	"github.com/wenyun/wenyun/internal/report/reporttest"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// reportFixture is the console fixture served with statistics: the
// report fixture quarter (reporttest.Q3, 2026Q3) over 焦西 (A), 焦南 (B)
// with a point of its own (P), and a unit outside the hub. Beside the
// console fixture's staff: official (official at the hub), xiofficial
// (official at 焦西), and mixed (official at the hub and branch admin at
// 焦西).
type reportFixture struct {
	*consoleFixture
	nanPoint, other int64
	stats           *reporttest.Stats
}

func newReportTestServer(t *testing.T) *reportFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "wenyun.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	stats := &reporttest.Stats{}
	s, err := New(Config{Units: store, Accounts: store, Activities: store, Bookings: store, Stats: stats,
		Sessions: store.SessionStore()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	f := &consoleFixture{t: t, store: store, srv: httptest.NewServer(s.Handler())}
	t.Cleanup(f.srv.Close)
	f.units(ctx)
	f.staff(ctx)
	f.activities(ctx)
	f.bookings(ctx)
	rf := &reportFixture{consoleFixture: f, stats: stats}
	rf.nanPoint = f.unit(ctx, culture.UnitPoint, "焦南社区活动室", f.nan)
	rf.other = f.unit(ctx, culture.UnitHub, "外区文化馆", 0)
	rf.grantStaff(ctx, "official", culture.RoleOfficial, f.hub)
	rf.grantStaff(ctx, "xiofficial", culture.RoleOfficial, f.xi)
	mixed := rf.grantStaff(ctx, "mixed", culture.RoleOfficial, f.hub)
	f.must(store.CreateGrant(ctx, &culture.Grant{AccountID: mixed, Role: culture.RoleBranchAdmin, UnitID: f.xi}))
	stats.Units, _, err = store.FindUnits(ctx, culture.UnitFilter{})
	f.must(err)
	stats.Rows, stats.Checkins = reporttest.Q3(reporttest.World{Hub: f.hub, A: f.xi, B: f.nan, P: rf.nanPoint, Other: rf.other})
	return rf
}

func (f *reportFixture) grantStaff(ctx context.Context, user, role string, unit int64) int64 {
	a := &culture.Account{Username: user, Name: user}
	f.must(f.store.CreateStaff(ctx, a, consolePassword))
	f.must(f.store.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: role, UnitID: unit}))
	return a.ID
}

// audits lists the audit log as "username action target".
func (f *reportFixture) audits(t *testing.T) []string {
	t.Helper()
	rows, err := f.store.DB().Query(`SELECT a.username, l.action, l.target, l.reason FROM audit_log l
		JOIN accounts a ON a.id = l.account_id ORDER BY l.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var user, action, target, reason string
		if err := rows.Scan(&user, &action, &target, &reason); err != nil {
			t.Fatal(err)
		}
		out = append(out, user+" "+action+" "+target+" "+reason)
	}
	return out
}

func (f *reportFixture) reportURL(path string, unit int64, query string) string {
	return fmt.Sprintf("/console/reports%s?unit=%d&%s", path, unit, query)
}

func TestConsoleReportPage(t *testing.T) {
	f := newReportTestServer(t)
	today := culture.DayOf(time.Now())
	currentQuarter, err := report.ParsePeriod(report.Quarter(today), today)
	if err != nil {
		t.Fatal(err)
	}
	hubQ3 := f.reportURL("", f.hub, "period=2026Q3")
	f.run(t, []consoleScenario{
		{name: "OKOperator", user: "operator", path: hubQ3, status: http.StatusOK, want: []string{
			"解放区文化馆 2026年第三季度 公共文化服务报表", "2026-07-01 至 2026-09-30", "解放区文化馆（本级）", "焦西分馆", "焦南分馆",
			// 焦西: 8 activities, 6 bookable (75.0%), 0.6 a week, 34 attendance, 4 people.
			"<th scope=\"row\">焦西分馆</th><td>8</td><td>6</td><td>75.0%</td><td>0.6</td><td>34</td><td>4</td>",
			// The total: 6 people, not 4+3.
			"<td><strong>14</strong></td><td><strong>8</strong></td><td><strong>57.1%</strong></td><td><strong>1.1</strong></td><td><strong>50</strong></td><td><strong>6</strong></td>",
			fmt.Sprintf(`href="/console/reports/service.xlsx?period=2026Q3&amp;unit=%d"`, f.hub),
			fmt.Sprintf(`href="/console/reports/service.csv?period=2026Q3&amp;unit=%d"`, f.hub),
			`<th scope="row">2026-08</th><td>4</td>`, "导出预约明细"}},
		{name: "OKOfficial", user: "official", path: hubQ3, status: http.StatusOK, want: []string{"公共文化服务报表", "57.1%"}},
		{name: "OKBranchDefault", user: "xiadmin", path: "/console/reports", status: http.StatusOK,
			want: []string{"焦西分馆 " + currentQuarter.Title() + " 公共文化服务报表", `<option value="` + currentQuarter.Name + `" selected>`},
			deny: []string{"焦南分馆</th>"}},
		{name: "OKCustom", user: "xiofficial", path: f.reportURL("", f.xi, "period=custom&from=2026-07-01&to=2026-07-31"),
			status: http.StatusOK, want: []string{"焦西分馆 2026-07-01 至 2026-07-31 公共文化服务报表", "<td>5</td><td>4</td><td>80.0%</td>",
				"period=custom", "from=2026-07-01", "to=2026-07-31"}},
		{name: "OKCustomKeepsDates", user: "official", path: f.reportURL("", f.hub, "period=2026Q3&from=2099-01-01&to=1999-01-01"),
			status: http.StatusOK, want: []string{"2026年第三季度"}},
		{name: "ErrChecker", user: "xichecker", path: hubQ3, status: http.StatusForbidden, want: []string{"您没有查看统计报表的权限"}},
		{name: "ErrNoGrant", user: "nogrant", path: hubQ3, status: http.StatusForbidden},
		{name: "ErrUnknownUnit", user: "operator", path: "/console/reports?unit=999999&period=2026Q3", status: http.StatusNotFound,
			want: []string{"单位不存在", `id="report-form"`}},
		{name: "ErrUnitNotNumber", user: "operator", path: "/console/reports?unit=abc&period=2026Q3", status: http.StatusNotFound},
		{name: "ErrOutsideTree", user: "xiadmin", path: hubQ3, status: http.StatusForbidden, want: []string{"不在您负责的范围内"}},
		{name: "ErrSibling", user: "xiofficial", path: f.reportURL("", f.nan, "period=2026Q3"), status: http.StatusForbidden},
		{name: "ErrOtherHub", user: "official", path: f.reportURL("", f.other, "period=2026Q3"), status: http.StatusForbidden},
		{name: "ErrReversed", user: "official", path: f.reportURL("", f.hub, "period=custom&from=2026-09-30&to=2026-07-01"),
			status: http.StatusUnprocessableEntity, want: []string{"开始日期 2026-09-30 晚于结束日期 2026-07-01", `value="2026-09-30"`},
			deny: []string{"公共文化服务报表"}},
		{name: "ErrTooLong", user: "official", path: f.reportURL("", f.hub, "from=2001-01-01&to=2026-09-30"),
			status: http.StatusUnprocessableEntity, want: []string{"自定义期间最长一年"}},
		{name: "ErrFuture", user: "official", path: f.reportURL("", f.hub, "period=2099Q1"),
			status: http.StatusUnprocessableEntity, want: []string{"2099年第一季度尚未开始"}},
		{name: "ErrMalformed", user: "official", path: f.reportURL("", f.hub, "period=2026Q9"),
			status: http.StatusUnprocessableEntity, want: []string{"无法识别"}},
		{name: "ErrHalfCustom", user: "official", path: f.reportURL("", f.hub, "period=custom&from=2026-07-01"),
			status: http.StatusUnprocessableEntity, want: []string{"请填写开始日期和结束日期"}},
	})
	// Every refused request stopped before the rollups; each report read
	// them once.
	if n := len(f.stats.Queries); n != 5 {
		t.Errorf("%d rollup queries, want 5 (one per report shown)", n)
	}
	if a := f.audits(t); len(a) != 0 {
		t.Errorf("viewing reports wrote audit rows %q", a)
	}
}

func TestConsoleReportXLSX(t *testing.T) {
	f := newReportTestServer(t)
	res, body := f.client("official").get(f.reportURL("/service.xlsx", f.hub, "period=2026Q3"))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	if ct := res.Header.Get("Content-Type"); ct != contentTypes["xlsx"] {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="service-report-%d-2026Q3.xlsx"`, f.hub) {
		t.Errorf("Content-Disposition %q", cd)
	}
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if diff := cmp.Diff([]string{"汇总", "解放区文化馆（本级）", "焦西分馆", "焦南分馆"}, x.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	// The total row: 14 activities, 8/14 online (Excel keeps 15 digits),
	// 6 people; 焦西's sheet: 8.
	for cell, want := range map[string]string{"A10": "合计", "B10": "14", "D10": "0.571428571428571", "G10": "6", "G7": "—", "A8": "焦西分馆"} {
		if got, _ := x.GetCellValue("汇总", cell, excelize.Options{RawCellValue: true}); got != want {
			t.Errorf("汇总!%s = %q, want %q", cell, got, want)
		}
	}
	if got, _ := x.GetCellValue("焦西分馆", "B7"); got != "8" {
		t.Errorf("焦西分馆!B7 = %q, want 8", got)
	}
}

func TestConsoleReportCSV(t *testing.T) {
	f := newReportTestServer(t)
	res, body := f.client("xiadmin").get(f.reportURL("/service.csv", f.xi, "period=2026Q3"))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("status %d, %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), consoleSnippet(body))
	}
	rows := readCSV(t, body)
	// 焦西 has no children with rows: its own section and the total.
	want := [][]string{
		report.CSVHeader(),
		strings.Split("焦西分馆（本级）,2026年第三季度,8,6,75.0%,0.6,34,—,40,28,7,80.0%,1,2,50.0%,6,1,12,4,4.50", ","),
		strings.Split("焦西社区活动室,2026年第三季度,0,0,0.0%,0.0,0,0,0,0,0,0.0%,0,0,0.0%,0,0,0,0,0.00", ","),
		strings.Split("合计,2026年第三季度,8,6,75.0%,0.6,34,4,40,28,7,80.0%,1,2,50.0%,6,1,12,4,4.50", ","),
	}
	if diff := cmp.Diff(want, rows[:4]); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
	if len(rows) != 4+3*3 {
		t.Errorf("%d rows, want 4 and 3 months of 3 sections", len(rows))
	}
}

func TestConsoleReportFileErrors(t *testing.T) {
	f := newReportTestServer(t)
	f.run(t, []consoleScenario{
		{name: "ErrReversed", user: "official", path: f.reportURL("/service.xlsx", f.hub, "from=2026-09-30&to=2026-07-01"),
			status: http.StatusUnprocessableEntity, want: []string{"晚于结束日期"}},
		{name: "ErrUnknownUnit", user: "official", path: "/console/reports/service.csv?unit=999999&period=2026Q3", status: http.StatusNotFound},
		{name: "ErrOutside", user: "xiadmin", path: f.reportURL("/service.csv", f.nan, "period=2026Q3"), status: http.StatusForbidden},
		{name: "ErrChecker", user: "xichecker", path: f.reportURL("/service.xlsx", f.xi, "period=2026Q3"), status: http.StatusForbidden},
	})
	if len(f.stats.Queries) != 0 {
		t.Errorf("refused downloads read the rollups: %+v", f.stats.Queries)
	}
}

func TestConsoleReportWithoutStats(t *testing.T) {
	f := newConsoleTestServer(t) // no Stats service
	res, _ := f.client("operator").get("/console/reports")
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
}

func readCSV(t *testing.T, body string) [][]string {
	t.Helper()
	if !strings.HasPrefix(body, "\ufeff") || !strings.Contains(body, "\r\n") {
		t.Fatalf("not a CSV for Excel (BOM, CRLF): %.200q", body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// bookingRange is the query of a booking export around today (the
// fixture's activities start within the hour).
func bookingRange() string {
	today := culture.DayOf(time.Now())
	return fmt.Sprintf("from=%s&to=%s", today-1, today+1)
}

// phonesByCode reads a booking export's rows as ticket code → phone.
func phonesByCode(rows [][]string) map[string]string {
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[3]] = r[6]
	}
	return out
}

// TestConsoleBookingsMasking exports the bookings of the hub and of 焦西
// as each role: mobile numbers in full only where the account manages the
// activity's unit, an audit row for each export that shows one, and
// checkers refused.
func TestConsoleBookingsMasking(t *testing.T) {
	f := newReportTestServer(t)
	full := map[string]string{ // every booking, ticket code → phone
		f.pendingA.DisplayCode(): "13812345678", f.pendingB.DisplayCode(): "13987654321",
		f.xiTicketA.DisplayCode(): "13812345678", f.xiTicketB.DisplayCode(): "13987654321",
		f.nanTicketA.DisplayCode(): "13812345678",
	}
	masked := map[string]string{}
	for code, p := range full {
		masked[code] = culture.MaskPhone(p)
	}
	nanCode := f.nanTicketA.DisplayCode()
	mixed := map[string]string{}
	for code, p := range full {
		mixed[code] = p
	}
	mixed[nanCode] = masked[nanCode]
	xiOnly := func(m map[string]string) map[string]string {
		out := map[string]string{}
		for code, p := range m {
			if code != nanCode {
				out[code] = p
			}
		}
		return out
	}
	for _, c := range []struct {
		name, user string
		unit       int64
		want       map[string]string
		audit      string // the audit row written, "" for none
	}{
		{"OperatorFull", "operator", f.hub, full, fmt.Sprintf("operator export.bookings unit:%d", f.hub)},
		{"OfficialMasked", "official", f.hub, masked, ""},
		{"BranchAdminFull", "xiadmin", f.xi, xiOnly(full), fmt.Sprintf("xiadmin export.bookings unit:%d", f.xi)},
		{"BranchOfficialMasked", "xiofficial", f.xi, xiOnly(masked), ""},
		{"MixedFullWhereManaged", "mixed", f.hub, mixed, fmt.Sprintf("mixed export.bookings unit:%d", f.hub)},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, ext := range []string{"csv", "xlsx"} {
				before := len(f.audits(t))
				res, body := f.client(c.user).get(f.reportURL("/bookings."+ext, c.unit, bookingRange()))
				if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != contentTypes[ext] {
					t.Fatalf("%s: status %d %s\n%s", ext, res.StatusCode, res.Header.Get("Content-Type"), consoleSnippet(body))
				}
				var rows [][]string
				if ext == "csv" {
					rows = readCSV(t, body)
				} else {
					rows = readBookingSheet(t, body)
				}
				if diff := cmp.Diff(report.BookingHeader, rows[0]); diff != "" {
					t.Errorf("%s header (-want +got):\n%s", ext, diff)
				}
				if diff := cmp.Diff(c.want, phonesByCode(rows)); diff != "" {
					t.Errorf("%s phones by ticket (-want +got):\n%s", ext, diff)
				}
				audits := f.audits(t)[before:]
				switch {
				case c.audit == "" && len(audits) != 0:
					t.Errorf("%s: audit rows %q, want none", ext, audits)
				case c.audit != "" && (len(audits) != 1 || !strings.HasPrefix(audits[0], c.audit)):
					t.Errorf("%s: audit rows %q, want one %q", ext, audits, c.audit)
				}
			}
		})
	}
	if a := f.audits(t); !strings.Contains(a[len(a)-1], "含 4 个完整手机号") {
		t.Errorf("mixed export's audit row %q does not count its 4 full numbers", a[len(a)-1])
	}
}

func readBookingSheet(t *testing.T, body string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows(report.BookingSheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows[report.HeaderRow-1:]
}

func TestConsoleBookingsRefused(t *testing.T) {
	f := newReportTestServer(t)
	rng := bookingRange()
	f.run(t, []consoleScenario{
		{name: "ErrChecker", user: "xichecker", path: f.reportURL("/bookings.csv", f.xi, rng), status: http.StatusForbidden,
			deny: []string{"13812345678", "138****5678"}},
		{name: "ErrCheckerXLSX", user: "xichecker", path: f.reportURL("/bookings.xlsx", f.xi, rng), status: http.StatusForbidden},
		{name: "ErrOutside", user: "xiadmin", path: f.reportURL("/bookings.csv", f.hub, rng), status: http.StatusForbidden,
			deny: []string{"13812345678"}},
		{name: "ErrSibling", user: "xiofficial", path: f.reportURL("/bookings.csv", f.nan, rng), status: http.StatusForbidden},
		{name: "ErrUnknownUnit", user: "operator", path: "/console/reports/bookings.csv?unit=999999&" + rng, status: http.StatusNotFound},
		{name: "ErrReversed", user: "operator", path: f.reportURL("/bookings.csv", f.hub, "from=2026-09-30&to=2026-07-01"),
			status: http.StatusUnprocessableEntity, want: []string{"晚于结束日期"}},
		{name: "ErrTooLong", user: "operator", path: f.reportURL("/bookings.xlsx", f.hub, "from=2025-01-01&to=2026-09-30"),
			status: http.StatusUnprocessableEntity, want: []string{"导出范围最长一年"}},
		{name: "ErrNoDates", user: "operator", path: f.reportURL("/bookings.csv", f.hub, ""),
			status: http.StatusUnprocessableEntity, want: []string{"请填写开始日期和结束日期"}},
	})
	if a := f.audits(t); len(a) != 0 {
		t.Errorf("refused exports wrote audit rows %q", a)
	}
}

// TestConsoleAttendeesMasking exports one 焦西 activity's attendees as
// each role.
func TestConsoleAttendeesMasking(t *testing.T) {
	f := newReportTestServer(t)
	path := consoleActivityURL(f.xiFirst) + "/attendees.csv"
	for _, c := range []struct {
		user   string
		status int
		phones []string // 张小明's, then B's
		audit  bool
	}{
		{"xiadmin", http.StatusOK, []string{"13812345678", "13987654321"}, true},
		{"operator", http.StatusOK, []string{"13812345678", "13987654321"}, true},
		{"official", http.StatusOK, []string{"138****5678", "139****4321"}, false},
		{"xiofficial", http.StatusOK, []string{"138****5678", "139****4321"}, false},
		{"xichecker", http.StatusForbidden, nil, false},
		{"nanadmin", http.StatusForbidden, nil, false},
	} {
		t.Run(c.user, func(t *testing.T) {
			before := len(f.audits(t))
			res, body := f.client(c.user).get(path)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, c.status, consoleSnippet(body))
			}
			audits := f.audits(t)[before:]
			if c.status != http.StatusOK {
				if strings.Contains(body, "5678") || len(audits) != 0 {
					t.Errorf("refused export shows a phone or was audited: %q", audits)
				}
				return
			}
			rows := readCSV(t, body)
			byName := map[string]string{}
			for _, r := range rows[1:] {
				byName[r[1]] = r[2]
			}
			if got := []string{byName["张小明"], byName["'=SUM(A1:A2)"]}; !cmp.Equal(c.phones, got) {
				t.Errorf("phones %q, want %q", got, c.phones)
			}
			want := fmt.Sprintf("%s export.attendees activity:%d 活动“焦西剪纸体验”的参加人名单，2 条预约，含 2 个完整手机号", c.user, f.xiFirst)
			if c.audit && (len(audits) != 1 || audits[0] != want) {
				t.Errorf("audit rows %q, want %q", audits, want)
			} else if !c.audit && len(audits) != 0 {
				t.Errorf("audit rows %q, want none", audits)
			}
		})
	}
}

// consoleReportTemplateCases are the report page's states for
// TestTemplates: a report shown, and a refused choice.
func consoleReportTemplateCases(page func(string) Page) []pageCase {
	hub := &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/"}
	xi := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西<分馆>", Path: "/1/2/", ParentID: &hub.ID}
	units := consoleTree(&culture.Account{}, []*culture.Unit{hub, xi})
	today := culture.DayOf(time.Now())
	p, _ := report.ParsePeriod(report.Quarter(today), today)
	people := int64(3)
	fig := report.Figures{Activities: 4, Bookable: 3, OnlineShare: 0.75, Participants: &people}
	sec := report.Section{UnitID: 2, Name: "焦西<分馆>", Figures: fig,
		Months: []report.Month{{Span: report.Span{Name: "2026-07", From: p.From, To: p.To}, Figures: fig}}}
	rep := &report.Report{Title: "解放区文化馆 报表", Unit: hub, Period: p, Generated: time.Now(),
		Sections: []report.Section{{UnitID: 1, Name: "解放区文化馆（本级）", Own: true, Figures: report.Figures{Activities: 1}}, sec},
		Total:    sec}
	shown := consoleReportPage{Page: page("/console/reports"), Units: units, UnitID: 1, Choices: report.Choices(today),
		Period: p.Name, Columns: report.Columns, Notes: report.Notes, CanBookings: true, Report: rep}
	shown.fill(reportQuery{Unit: hub, Period: p})
	refused := consoleReportPage{Page: page("/console/reports"), Units: units, UnitID: 1, Choices: report.Choices(today),
		Period: report.KindCustom, From: "2026-09-30", To: "2026-07-01", Error: "开始日期晚于结束日期。", Columns: report.Columns}
	return []pageCase{
		{"ConsoleReport", "console_report", "", shown},
		{"ConsoleReportRefused", "console_report", "", refused},
	}
}

// TestConsoleReportTemplates renders the report page's cases (as
// TestTemplates does, once its list includes them).
func TestConsoleReportTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	page := func(path string) Page { return Page{Title: "服务报表", Path: path, Console: true, Now: time.Now()} }
	for _, c := range consoleReportTemplateCases(page) {
		t.Run(c.name, func(t *testing.T) {
			html := executePage(t, s, c)
			checkAccessible(t, html)
			if !strings.Contains(html, "焦西&lt;分馆&gt;") || strings.Contains(html, "焦西<分馆>") {
				t.Error("unit name not escaped")
			}
		})
	}
}
