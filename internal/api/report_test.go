package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report/reporttest"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// reportAPI is the API with statistics over the report fixture quarter
// (reporttest.Q3): a hub with branches 焦西 and 焦南 (with a point), a
// unit outside, and tokens of staff at each.
type reportAPI struct {
	h                   http.Handler
	stats               *reporttest.Stats
	hub, xi, nan, other int64
	hubAdmin, official  string
	xiAdmin, xiChecker  string
	resident            string
}

// reportNow is 2026-10-08 10:30 in Shanghai: 2026Q3 is over.
var reportNow = time.Date(2026, 10, 8, 2, 30, 0, 0, time.UTC)

func newReportAPI(t *testing.T) *reportAPI {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "api.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	f := &reportAPI{stats: &reporttest.Stats{}}
	f.hub = mustUnit(t, s, &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"})
	f.xi = mustUnit(t, s, &culture.Unit{Kind: culture.UnitBranch, Name: "焦西分馆", ParentID: &f.hub})
	f.nan = mustUnit(t, s, &culture.Unit{Kind: culture.UnitBranch, Name: "焦南分馆", ParentID: &f.hub})
	point := mustUnit(t, s, &culture.Unit{Kind: culture.UnitPoint, Name: "焦南社区活动室", ParentID: &f.nan})
	f.other = mustUnit(t, s, &culture.Unit{Kind: culture.UnitHub, Name: "外区文化馆"})
	f.hubAdmin = mustStaff(t, s, "hubadmin", culture.RoleHubAdmin, f.hub)
	f.official = mustStaff(t, s, "official", culture.RoleOfficial, f.hub)
	f.xiAdmin = mustStaff(t, s, "xiadmin", culture.RoleBranchAdmin, f.xi)
	f.xiChecker = mustStaff(t, s, "xichecker", culture.RoleChecker, f.xi)
	_, f.resident = mustResident(t, s, "13800000001")
	f.stats.Units, _, err = s.FindUnits(ctx, culture.UnitFilter{})
	if err != nil {
		t.Fatal(err)
	}
	f.stats.Rows, f.stats.Checkins = reporttest.Q3(reporttest.World{Hub: f.hub, A: f.xi, B: f.nan, P: point, Other: f.other})
	f.h = api.New(api.Config{Units: s, Accounts: s, Activities: s, Bookings: s, SMS: &smsBox{codes: map[string]string{}},
		Stats: f.stats, Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return reportNow }}).Handler()
	return f
}

func (f *reportAPI) url(unit int64, query string) string {
	return fmt.Sprintf("/api/v1/reports/service?unit_id=%d&%s", unit, query)
}

// figuresReply is the part of a section's figures the tests read.
type figuresReply struct {
	Activities     int64    `json:"activities"`
	Bookable       int64    `json:"bookable"`
	OnlineShare    *float64 `json:"online_share"`
	WeeklyItems    float64  `json:"weekly_items"`
	Attendance     int64    `json:"attendance"`
	Participants   *int64   `json:"participants"`
	AttendanceRate *float64 `json:"attendance_rate"`
	Fulfilment     *float64 `json:"fulfilment"`
	AverageRating  *float64 `json:"average_rating"`
}

// rate shows a rate of a reply: its value, or null.
func rate(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'g', -1, 64)
}

type sectionReply struct {
	UnitID  int64        `json:"unit_id"`
	Name    string       `json:"name"`
	Own     bool         `json:"own"`
	Figures figuresReply `json:"figures"`
	Months  []struct {
		Month   string       `json:"month"`
		From    string       `json:"from"`
		To      string       `json:"to"`
		Figures figuresReply `json:"figures"`
	} `json:"months"`
}

type reportReply struct {
	Title       string `json:"title"`
	UnitID      int64  `json:"unit_id"`
	GeneratedAt string `json:"generated_at"`
	Period      struct {
		Kind, Name, Title, From, To string
		Days                        int
		Clipped                     bool
	} `json:"period"`
	Sections []sectionReply `json:"sections"`
	Total    sectionReply   `json:"total"`
}

func TestServiceReportJSON(t *testing.T) {
	f := newReportAPI(t)
	var r reportReply
	call(t, f.h, "GET", f.url(f.hub, "period=2026Q3"), f.official, "", http.StatusOK, &r)
	if r.Title != "解放区文化馆 2026年第三季度 公共文化服务报表" || r.UnitID != f.hub || r.GeneratedAt != "2026-10-08T02:30:00Z" {
		t.Errorf("report %q unit %d at %s", r.Title, r.UnitID, r.GeneratedAt)
	}
	if p := r.Period; p.Kind != "quarter" || p.Name != "2026Q3" || p.From != "2026-07-01" || p.To != "2026-09-30" || p.Days != 92 || p.Clipped {
		t.Errorf("period %+v", p)
	}
	if len(r.Sections) != 3 || r.Sections[0].Name != "解放区文化馆（本级）" || !r.Sections[0].Own || r.Sections[0].Figures.Participants != nil {
		t.Fatalf("sections %+v", r.Sections)
	}
	xi := r.Sections[1]
	if xi.UnitID != f.xi || xi.Figures.Activities != 8 || xi.Figures.WeeklyItems != 0.6 || *xi.Figures.Participants != 4 {
		t.Errorf("焦西 %+v", xi.Figures)
	}
	// Rates: share, attendance, fulfilment, rating; null (not 0) where
	// there is nothing to divide by.
	for _, c := range []struct {
		name string
		f    figuresReply
		want string
	}{
		{"焦西", xi.Figures, "0.75 0.8 0.5 4.5"},
		{"the hub's own", r.Sections[0].Figures, "0.5 null null null"}, // 2 activities, nothing else
		{"焦南", r.Sections[2].Figures, "0.25 " + rate(ptrFloat(14.0/15)) + " null 5"},
		{"焦西 in September", xi.Months[2].Figures, "null null 0.5 null"},
		{"September", r.Total.Months[2].Figures, "0 1 0.5 null"}, // 3 activities, none online
	} {
		got := strings.Join([]string{rate(c.f.OnlineShare), rate(c.f.AttendanceRate), rate(c.f.Fulfilment), rate(c.f.AverageRating)}, " ")
		if got != c.want {
			t.Errorf("%s: rates %s, want %s", c.name, got, c.want)
		}
	}
	if tot := r.Total.Figures; tot.Activities != 14 || *tot.Participants != 6 || tot.Attendance != 50 || tot.WeeklyItems != 1.1 {
		t.Errorf("total %+v", tot)
	}
	if m := r.Total.Months; len(m) != 3 || m[1].Month != "2026-08" || m[1].From != "2026-08-01" || m[1].Figures.Activities != 4 || *m[1].Figures.Participants != 4 {
		t.Errorf("months %+v", m)
	}
	// A custom range, and the default: the quarter under way, 2026Q4 up to
	// today, which holds the fixture's 100 activities of 1 October.
	call(t, f.h, "GET", f.url(f.xi, "from=2026-07-01&to=2026-07-31"), f.xiAdmin, "", http.StatusOK, &r)
	if r.Period.Kind != "custom" || r.Total.Figures.Activities != 5 || len(r.Total.Months) != 1 {
		t.Errorf("custom: %+v, %d activities", r.Period, r.Total.Figures.Activities)
	}
	call(t, f.h, "GET", f.url(f.hub, ""), f.hubAdmin, "", http.StatusOK, &r)
	if r.Period.Name != "2026Q4" || r.Period.To != "2026-10-08" || !r.Period.Clipped || r.Total.Figures.Activities != 100 {
		t.Errorf("default: %+v, %d activities", r.Period, r.Total.Figures.Activities)
	}
}

func TestServiceReportFiles(t *testing.T) {
	f := newReportAPI(t)
	rec := call(t, f.h, "GET", f.url(f.hub, "period=2026Q3&format=csv"), f.official, "", http.StatusOK, nil)
	if ct := rec.Header().Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("csv Content-Type %q", ct)
	}
	if cd := rec.Header().Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="service-report-%d-2026Q3.csv"`, f.hub) {
		t.Errorf("Content-Disposition %q", cd)
	}
	body := rec.Body.String()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatal("no BOM")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[4], ","); got != "合计,2026年第三季度,14,8,57.1%,1.1,50,6,56,42,8,84.0%,1,2,50.0%,6,1,15,6,4.67" {
		t.Errorf("total row %q", got)
	}

	rec = call(t, f.h, "GET", f.url(f.hub, "period=2026Q3&format=xlsx"), f.official, "", http.StatusOK, nil)
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if got := strings.Join(x.GetSheetList(), ","); got != "汇总,解放区文化馆（本级）,焦西分馆,焦南分馆" {
		t.Errorf("sheets %q", got)
	}
	if v, _ := x.GetCellValue("汇总", "B10"); v != "14" {
		t.Errorf("汇总!B10 = %q, want 14", v)
	}
}

func TestServiceReportErrors(t *testing.T) {
	f := newReportAPI(t)
	for _, c := range []struct {
		name, path, token string
		status            int
		want              string
	}{
		{"ErrNoToken", f.url(f.hub, "period=2026Q3"), "", http.StatusUnauthorized, "请先登录"},
		{"ErrResident", f.url(f.hub, "period=2026Q3"), f.resident, http.StatusForbidden, ""},
		{"ErrChecker", f.url(f.xi, "period=2026Q3"), f.xiChecker, http.StatusForbidden, ""},
		{"ErrOutsideTree", f.url(f.hub, "period=2026Q3"), f.xiAdmin, http.StatusForbidden, ""},
		{"ErrSibling", f.url(f.nan, "period=2026Q3"), f.xiAdmin, http.StatusForbidden, ""},
		{"ErrOtherHub", f.url(f.other, "period=2026Q3"), f.official, http.StatusForbidden, ""},
		{"ErrUnknownUnit", f.url(999999, "period=2026Q3"), f.official, http.StatusNotFound, "单位不存在"},
		{"ErrNoUnit", "/api/v1/reports/service?period=2026Q3", f.official, http.StatusBadRequest, "unit_id"},
		{"ErrBadUnit", "/api/v1/reports/service?unit_id=abc", f.official, http.StatusBadRequest, "unit_id"},
		{"ErrReversed", f.url(f.hub, "from=2026-09-30&to=2026-07-01"), f.official, http.StatusBadRequest, "晚于结束日期"},
		{"ErrTooLong", f.url(f.hub, "from=2024-01-01&to=2026-09-30"), f.official, http.StatusBadRequest, "最长一年"},
		{"ErrFuture", f.url(f.hub, "period=2027"), f.official, http.StatusBadRequest, "尚未开始"},
		{"ErrFutureCustom", f.url(f.hub, "from=2026-10-01&to=2026-10-09"), f.official, http.StatusBadRequest, "晚于今天"},
		{"ErrMalformed", f.url(f.hub, "period=Q3-2026"), f.official, http.StatusBadRequest, "无法识别"},
		{"ErrBoth", f.url(f.hub, "period=2026Q3&from=2026-07-01&to=2026-07-02"), f.official, http.StatusBadRequest, "不能同时指定"},
		{"ErrHalfRange", f.url(f.hub, "to=2026-07-02"), f.official, http.StatusBadRequest, "请填写开始日期和结束日期"},
		{"ErrFormat", f.url(f.hub, "period=2026Q3&format=pdf"), f.official, http.StatusBadRequest, "format"},
		{"ErrMethod", f.url(f.hub, "period=2026Q3"), f.official, http.StatusMethodNotAllowed, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			method := "GET"
			if c.name == "ErrMethod" {
				method = "POST"
			}
			rec := call(t, f.h, method, c.path, c.token, "", c.status, nil)
			if !strings.Contains(rec.Body.String(), c.want) || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
				t.Errorf("body %s, want JSON with %q", rec.Body.String(), c.want)
			}
		})
	}
	if len(f.stats.Queries) != 0 {
		t.Errorf("refused requests read the rollups: %+v", f.stats.Queries)
	}
}

func TestServiceReportWithoutStats(t *testing.T) {
	h, _, fx := newTestAPI(t) // no Stats
	rec := call(t, h, "GET", fmt.Sprintf("/api/v1/reports/service?unit_id=%d", fx.Hub), fx.HubAdminToken, "", http.StatusNotFound, nil)
	if !strings.Contains(rec.Body.String(), "统计报表功能未启用") {
		t.Errorf("body %s", rec.Body.String())
	}
}

func ptrFloat(v float64) *float64 { return &v }

// TestServiceReportMatchesSchema validates the JSON of a report with rates
// of nothing (the hub's own section, months without deliveries or
// ratings) against the ServiceReport schema of the served OpenAPI
// document (JSON Schema 2020-12, as OpenAPI 3.1 says).
func TestServiceReportMatchesSchema(t *testing.T) {
	f := newReportAPI(t)
	rec := call(t, f.h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, nil)
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.Components.Schemas["ServiceReport"]
	if schema == nil {
		t.Fatal("no ServiceReport schema")
	}
	rec = call(t, f.h, "GET", f.url(f.hub, "period=2026Q3"), f.official, "", http.StatusOK, nil)
	var v any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if err := schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		t.Errorf("the report does not match its schema: %v", err)
	}
	if !strings.Contains(rec.Body.String(), `"fulfilment":null`) {
		t.Error("no rate of nothing is null: the test shows nothing")
	}
}
