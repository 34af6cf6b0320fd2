package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

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
	// Distinct participants: once per span of each report shown (2026Q3
	// three times: its 3 months and itself; the current quarter; July),
	// for all the sections at once.
	if n, want := len(f.stats.Participants), 3*4+1+len(currentQuarter.Months())+2; n != want {
		t.Errorf("%d participant queries, want %d (one per span of each report shown)", n, want)
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
		// Nothing at the point: no rate can be worked out (—), none is 0.
		strings.Split("焦西社区活动室,2026年第三季度,0,0,—,0.0,0,0,0,0,0,—,0,0,—,0,0,0,0,—", ","),
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

// exportRow is what a booking export shows of a booking's personal data:
// ticket code, holder and phone, the CSV's formula guard taken off.
type exportRow struct{ Code, Holder, Phone string }

// rowsByTicket reads a booking export's rows by the masked form of their
// ticket code (the same whether the row shows it in full or not).
func rowsByTicket(rows [][]string) map[string]exportRow {
	out := map[string]exportRow{}
	for _, r := range rows[1:] {
		key := report.MaskCode(strings.ReplaceAll(r[3], "-", ""))
		out[key] = exportRow{r[3], strings.TrimPrefix(r[4], "'"), r[6]}
	}
	return out
}

// exportSecrets are the fixture's ticket codes (as stored and as shown)
// and the residents' names: none may appear in a masked export.
func (f *reportFixture) exportSecrets() []string {
	out := []string{"张小明", "=SUM(A1:A2)"}
	for _, b := range []*culture.Booking{f.pendingA, f.pendingB, f.xiTicketA, f.xiTicketB, f.nanTicketA} {
		out = append(out, b.Code, b.DisplayCode())
	}
	return out
}

// checkNoSecrets fails when any cell of rows shows any of secrets.
func checkNoSecrets(t *testing.T, what string, rows [][]string, secrets []string) {
	t.Helper()
	for _, r := range rows {
		for _, c := range r {
			for _, s := range secrets {
				if strings.Contains(c, s) {
					t.Errorf("%s: cell %q shows %q", what, c, s)
				}
			}
		}
	}
}

// TestConsoleBookingsMasking exports the bookings of the hub and of 焦西
// as each role: ticket codes, names and mobile numbers in full only where
// the account manages the activity's unit, masked elsewhere (an official
// sees no full code and no full name anywhere), an audit row for each
// export that shows a number in full, and checkers refused.
func TestConsoleBookingsMasking(t *testing.T) {
	f := newReportTestServer(t)
	holders := map[*culture.Booking][2]string{ // holder and phone of each booking
		f.pendingA: {"张小明", "13812345678"}, f.pendingB: {"=SUM(A1:A2)", "13987654321"},
		f.xiTicketA: {"张小明", "13812345678"}, f.xiTicketB: {"=SUM(A1:A2)", "13987654321"},
		f.nanTicketA: {"张小明", "13812345678"},
	}
	// want lists the rows of the bookings of xiOnly or all, full where
	// full says.
	want := func(xiOnly bool, full func(*culture.Booking) bool) map[string]exportRow {
		out := map[string]exportRow{}
		for b, h := range holders {
			if xiOnly && b == f.nanTicketA {
				continue
			}
			row := exportRow{report.MaskCode(b.Code), culture.MaskName(h[0]), culture.MaskPhone(h[1])}
			if full(b) {
				row = exportRow{b.DisplayCode(), h[0], h[1]}
			}
			out[report.MaskCode(b.Code)] = row
		}
		return out
	}
	all := func(*culture.Booking) bool { return true }
	none := func(*culture.Booking) bool { return false }
	for _, c := range []struct {
		name, user string
		unit       int64
		want       map[string]exportRow
		audit      string // the audit row written, "" for none
	}{
		{"OperatorFull", "operator", f.hub, want(false, all), fmt.Sprintf("operator export.bookings unit:%d", f.hub)},
		{"OfficialMasked", "official", f.hub, want(false, none), ""},
		{"BranchAdminFull", "xiadmin", f.xi, want(true, all), fmt.Sprintf("xiadmin export.bookings unit:%d", f.xi)},
		{"BranchOfficialMasked", "xiofficial", f.xi, want(true, none), ""},
		{"MixedFullWhereManaged", "mixed", f.hub, want(false, func(b *culture.Booking) bool { return b != f.nanTicketA }),
			fmt.Sprintf("mixed export.bookings unit:%d", f.hub)},
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
				if diff := cmp.Diff(c.want, rowsByTicket(rows)); diff != "" {
					t.Errorf("%s rows by ticket (-want +got):\n%s", ext, diff)
				}
				if c.audit == "" {
					checkNoSecrets(t, c.user+" "+ext, rows, f.exportSecrets())
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
// each role: those who manage the activity see codes, names and numbers
// in full (audited); officials see them masked, and no full code or name
// anywhere.
func TestConsoleAttendeesMasking(t *testing.T) {
	f := newReportTestServer(t)
	path := consoleActivityURL(f.xiFirst) + "/attendees.csv"
	full := [][]string{{f.xiTicketA.DisplayCode(), "张小明", "13812345678"}, {f.xiTicketB.DisplayCode(), "'=SUM(A1:A2)", "13987654321"}}
	masked := [][]string{{report.MaskCode(f.xiTicketA.Code), "张**", "138****5678"}, {report.MaskCode(f.xiTicketB.Code), "'=**********", "139****4321"}}
	for _, c := range []struct {
		user   string
		status int
		rows   [][]string // code, names, phone: 张小明's, then B's
		audit  bool
	}{
		{"xiadmin", http.StatusOK, full, true},
		{"operator", http.StatusOK, full, true},
		{"official", http.StatusOK, masked, false},
		{"xiofficial", http.StatusOK, masked, false},
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
			var got [][]string
			for _, r := range rows[1:] {
				got = append(got, []string{r[0], r[1], r[2]})
			}
			sort.Slice(got, func(i, j int) bool { return got[i][2] < got[j][2] }) // 138… before 139…
			if diff := cmp.Diff(c.rows, got); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if !c.audit {
				checkNoSecrets(t, c.user, rows, []string{"张小明", "=SUM(A1:A2)", f.xiTicketA.Code, f.xiTicketA.DisplayCode(),
					f.xiTicketB.Code, f.xiTicketB.DisplayCode()})
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
	share := 0.75
	fig := report.Figures{Activities: 4, Bookable: 3, OnlineShare: &share, Participants: &people}
	sec := report.Section{UnitID: 2, Name: "焦西<分馆>", Figures: fig,
		Months: []report.Month{{Span: report.Span{Name: "2026-07", From: p.From, To: p.To}, Figures: fig}}}
	rep := &report.Report{Title: "解放区文化馆 报表", Unit: hub, Period: p, Generated: time.Now(),
		Sections: []report.Section{{UnitID: 1, Name: "解放区文化馆（本级）", Own: true, Figures: report.Figures{Activities: 1}}, sec},
		Total:    sec}
	shown := consoleReportPage{Page: page("/console/reports"), Units: units, UnitID: 1, Choices: report.Choices(today),
		Period: p.Name, Columns: report.Columns, Notes: report.Notes, CanBookings: true, Report: rep}
	shown.fill(reportQuery{Unit: hub, Period: p})
	refused := consoleReportPage{Page: page("/console/reports"), Units: units, UnitID: 1, Choices: report.Choices(today),
		Period: report.KindCustom, From: "2026-09-30", To: "2026-07-01", Error: "开始日期晚于结束日期。", ErrorField: "to", Columns: report.Columns}
	badPeriod := consoleReportPage{Page: page("/console/reports"), Units: units, UnitID: 1, Choices: report.ChoicesWith(today, "2026Q9<"),
		Period: "2026Q9<", Error: "统计期间无法识别。", ErrorField: "period", Columns: report.Columns}
	badUnit := consoleReportPage{Page: page("/console/reports"), Units: units, UnitInput: "<abc>", Choices: report.Choices(today),
		Period: p.Name, Error: "单位不存在。", ErrorField: "unit", Columns: report.Columns}
	return []pageCase{
		{"ConsoleReport", "console_report", "", shown},
		{"ConsoleReportRefused", "console_report", "", refused},
		{"ConsoleReportBadPeriod", "console_report", "", badPeriod},
		{"ConsoleReportBadUnit", "console_report", "", badUnit},
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

// TestConsoleBookingsStreamed exports 30 bookings of one activity: the
// CSV goes out as it is written (chunked, no Content-Length: the file is
// never held whole), complete, after its audit row.
func TestConsoleBookingsStreamed(t *testing.T) {
	f := newReportTestServer(t)
	ctx := context.Background()
	for i := range 28 { // beside A's and B's: the activity's 30 seats
		f.book(ctx, f.xiFirst, f.resident(ctx, fmt.Sprintf("137%08d", i), fmt.Sprintf("居民%d号", i)))
	}
	res, body := f.client("xiadmin").get(f.reportURL("/bookings.csv", f.xi, bookingRange()))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	if res.ContentLength != -1 || len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
		t.Errorf("Content-Length %d, Transfer-Encoding %q: the file was held whole before it was sent", res.ContentLength, res.TransferEncoding)
	}
	if res.Header.Get("Content-Disposition") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("headers %v", res.Header)
	}
	rows := readCSV(t, body)
	if len(rows) != 1+2+30 || !strings.Contains(body, "13700000027") {
		t.Errorf("%d rows, want the header, 2 of the approval class and 30 of the first-come one", len(rows))
	}
	if a := f.audits(t); len(a) != 1 || !strings.Contains(a[0], "含 32 个完整手机号") {
		t.Errorf("audit rows %q", a)
	}
}

// TestSendFileErrors: a file whose writing fails before its first byte
// is answered as an error (no attachment headers); one that fails midway
// is cut short, so the client sees a broken transfer, not a shorter file.
func TestSendFileErrors(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.sendFile(w, r, "csv", "x.csv", func(w io.Writer) error {
			if r.URL.Path == "/midway" {
				w.Write([]byte(strings.Repeat("行,", 4000))) // past the server's buffer: sent
			}
			return errors.New("disk on fire")
		})
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/before")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || res.Header.Get("Content-Disposition") != "" || strings.Contains(string(body), "disk on fire") {
		t.Errorf("failed before the first byte: status %d, headers %v", res.StatusCode, res.Header)
	}
	res, err = http.Get(srv.URL + "/midway")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || err == nil {
		t.Errorf("failed midway: status %d, body read with error %v; want 200 and a broken transfer", res.StatusCode, err)
	}
}

// reportFormState is what the report form shows: each control's value
// (a select's selected option, as value and label) and whether it is
// marked invalid and tied to the error message.
type reportFormState struct {
	Values  map[string]string // control id → value (label)
	Invalid []string          // ids with aria-invalid="true" and aria-describedby="report-error"
	Error   string            // the text of #report-error
}

func reportForm(t *testing.T, body string) reportFormState {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	st := reportFormState{Values: map[string]string{}}
	var walk func(n *html.Node, form bool)
	walk = func(n *html.Node, form bool) {
		if n.Type == html.ElementNode {
			attrs := map[string]string{}
			for _, a := range n.Attr {
				attrs[a.Key] = a.Val
			}
			form = form || attrs["id"] == "report-form"
			switch id := attrs["id"]; {
			case id == "report-error":
				st.Error = nodeText(n)
			case form && n.Data == "input":
				st.Values[id] = attrs["value"]
			case form && n.Data == "option":
				if _, ok := attrs["selected"]; ok {
					sel := n.Parent
					for _, a := range sel.Attr {
						if a.Key == "id" {
							st.Values[a.Val] = attrs["value"] + " (" + nodeText(n) + ")"
						}
					}
				}
			}
			if form && (n.Data == "input" || n.Data == "select") && attrs["aria-invalid"] == "true" {
				if attrs["aria-describedby"] != "report-error" {
					t.Errorf("%s is invalid but described by %q", attrs["id"], attrs["aria-describedby"])
				}
				st.Invalid = append(st.Invalid, attrs["id"])
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, form)
		}
	}
	walk(doc, false)
	return st
}

func nodeText(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(nodeText(c))
	}
	return strings.TrimSpace(b.String())
}

// TestConsoleReportFormErrors: a refused choice is shown as the user made
// it (a period outside the offered list is added to it, selected), with
// the control that caused it marked invalid and tied to the message.
func TestConsoleReportFormErrors(t *testing.T) {
	f := newReportTestServer(t)
	hub := fmt.Sprint(f.hub)
	hubOption := hub + " (解放区文化馆)"
	for _, c := range []struct {
		name, query string
		status      int
		want        reportFormState
	}{
		{"ErrMalformed", "unit=" + hub + "&period=2026Q9", http.StatusUnprocessableEntity, reportFormState{
			Values:  map[string]string{"report-unit": hubOption, "report-period": "2026Q9 (2026Q9)", "report-from": "", "report-to": ""},
			Invalid: []string{"report-period"}, Error: `统计期间 "2026Q9" 无法识别：季度写作 2026Q3，年度写作 2026。`}},
		{"ErrFuture", "unit=" + hub + "&period=2099Q1", http.StatusUnprocessableEntity, reportFormState{
			Values:  map[string]string{"report-unit": hubOption, "report-period": "2099Q1 (2099年第一季度)", "report-from": "", "report-to": ""},
			Invalid: []string{"report-period"}, Error: "2099年第一季度尚未开始，无法统计（今天是 " + culture.DayOf(time.Now()).String() + "）。"}},
		{"ErrReversed", "unit=" + hub + "&period=custom&from=2026-09-30&to=2026-07-01", http.StatusUnprocessableEntity, reportFormState{
			Values:  map[string]string{"report-unit": hubOption, "report-period": "custom (自定义日期（最长一年）)", "report-from": "2026-09-30", "report-to": "2026-07-01"},
			Invalid: []string{"report-to"}, Error: "开始日期 2026-09-30 晚于结束日期 2026-07-01，请对调后再试。"}},
		{"ErrNoEnd", "unit=" + hub + "&period=custom&from=2026-07-01&to=", http.StatusUnprocessableEntity, reportFormState{
			Values:  map[string]string{"report-unit": hubOption, "report-period": "custom (自定义日期（最长一年）)", "report-from": "2026-07-01", "report-to": ""},
			Invalid: []string{"report-to"}, Error: "请填写开始日期和结束日期（格式 2026-07-01）。"}},
		{"ErrUnknownUnit", "unit=999999&period=2026Q3", http.StatusNotFound, reportFormState{
			Values:  map[string]string{"report-unit": "999999 (无法查看的单位（999999）)", "report-period": "2026Q3 (2026年第三季度)", "report-from": "", "report-to": ""},
			Invalid: []string{"report-unit"}, Error: "单位不存在。"}},
		{"OKOldQuarter", "unit=" + hub + "&period=2023Q1", http.StatusOK, reportFormState{
			Values: map[string]string{"report-unit": hubOption, "report-period": "2023Q1 (2023年第一季度)", "report-from": "", "report-to": ""}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, body := f.client("official").get("/console/reports?" + c.query)
			if res.StatusCode != c.status {
				t.Fatalf("status %d, want %d\n%s", res.StatusCode, c.status, consoleSnippet(body))
			}
			if diff := cmp.Diff(c.want, reportForm(t, body)); diff != "" {
				t.Errorf("form (-want +got):\n%s", diff)
			}
		})
	}
}
