package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// statsAPI is the test API with the statistics service, the fixture's
// world plus history, and an official (统计查看) at the hub:
// 焦南合唱 at 焦南 three days before now, booked by Alice (checked in)
// and Bob (no-show); the fixture's Closed class at 焦西 ended yesterday.
type statsAPI struct {
	h             http.Handler
	s             *sqlstore.Store
	f             *fixture
	officialToken string
}

func newStatsAPI(t *testing.T) *statsAPI {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "api.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	store.Now = func() time.Time { return now }
	f := &fixture{SMS: &smsBox{codes: map[string]string{}}}
	seed(t, ctx, store, f)
	x := &statsAPI{s: store, f: f, officialToken: mustStaff(t, store, "official", culture.RoleOfficial, f.Hub)}
	x.history(t)
	store.Now = func() time.Time { return now }
	if _, err := store.RebuildRollups(ctx, nil); err != nil {
		t.Fatalf("RebuildRollups: %v", err)
	}
	x.h = api.New(api.Config{
		Units: store, Accounts: store, Activities: store, Bookings: store, Menu: store, Stats: store, SMS: f.SMS,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
	}).Handler()
	return x
}

func (x *statsAPI) history(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	start := now.AddDate(0, 0, -3)
	x.s.Now = func() time.Time { return start.Add(-2 * time.Hour) }
	id := mustActivity(t, x.s, x.f.Nan, "焦南合唱", culture.ModeFirstCome, 10, 1, start.Add(-3*time.Hour), start)
	alice, bob := mustBook(t, x.s, id, x.f.Alice), mustBook(t, x.s, id, x.f.Bob)
	x.s.Now = func() time.Time { return start.Add(10 * time.Minute) }
	if _, err := x.s.CheckInCode(ctx, alice.Code, 0, 0); err != nil {
		t.Fatal(err)
	}
	x.s.Now = func() time.Time { return start.Add(3 * time.Hour) }
	if _, err := x.s.SettleAttendance(ctx); err != nil || bob.ID == 0 {
		t.Fatal(err)
	}
}

func TestStats(t *testing.T) {
	t.Parallel()
	x := newStatsAPI(t)
	f := x.f
	var d figures.Dashboard
	call(t, x.h, "GET", path("/api/v1/stats?unit_id=%d&from=2026-02-01&to=2026-03-02", f.Hub), f.HubAdminToken, "", http.StatusOK, &d)
	h := d.Headline
	// Held: 焦南合唱 and the fixture's Closed class; bookings: the
	// fixture's three (made now) and 焦南合唱's two.
	if h.Activities != 2 || h.Bookable != 2 || h.Bookings != 5 || h.Checkins != 1 || h.NoShows != 1 || h.Attendance != 1 || h.Participants != 1 {
		t.Errorf("headline %+v", h)
	}
	if h.AttendanceRate != 0.5 || h.NoShowRate != 0.5 || h.BookableShare != 1 || h.Fulfilment.Valid() || h.AverageRating.Valid() {
		t.Errorf("rates %v %v %v %v %v", h.AttendanceRate, h.NoShowRate, h.BookableShare, h.Fulfilment, h.AverageRating)
	}
	rows, err := x.s.FindRollups(context.Background(), culture.StatsQuery{UnitID: f.Hub, From: statsDay(t, "2026-02-01"), To: statsDay(t, "2026-03-02")})
	if err != nil {
		t.Fatal(err)
	}
	sum := figures.Sum(rows)
	if h.Bookings != sum[culture.MetricBookings] || h.Attendance != sum[culture.MetricAttendance] {
		t.Errorf("headline %+v, rollup %v", h, sum)
	}
	var ids []string
	for _, c := range d.Charts {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"weekly", "monthly", "branches", "categories", "items", "attendance", "fulfilment"}, ids); diff != "" {
		t.Errorf("charts (-want +got):\n%s", diff)
	}
	want := [][]string{{"解放区文化馆（本级）", "0", "0", "—", "—"}, {"焦西分馆", "0", "0", "—", "—"}, {"焦南分馆", "1", "1", "50.0%", "50.0%"}}
	if diff := cmp.Diff(want, d.Chart(figures.ChartAttendance).Table.Rows); diff != "" {
		t.Errorf("attendance table (-want +got):\n%s", diff)
	}
	if d.UnitID != f.Hub || d.From != "2026-02-01" || d.To != "2026-03-02" || d.Days != 30 || d.UpdatedAt == nil || !d.UpdatedAt.Equal(now) {
		t.Errorf("dashboard %d %s–%s (%d days), updated %v", d.UnitID, d.From, d.To, d.Days, d.UpdatedAt)
	}
	body := call(t, x.h, "GET", "/api/v1/stats", f.HubAdminToken, "", http.StatusOK, nil).Body.String()
	for _, s := range []string{`"from":"2025-12-03"`, `"to":"2026-03-02"`, `"days":90`, `"fulfilment":null`, `"table":{"header":["周（周一）"`} {
		if !strings.Contains(body, s) {
			t.Errorf("default dashboard lacks %s", s)
		}
	}
}

func statsDay(t *testing.T, s string) culture.Day {
	t.Helper()
	d, err := culture.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestStatsAccess(t *testing.T) {
	t.Parallel()
	x := newStatsAPI(t)
	f := x.f
	get := func(name, token, query string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/stats" + query, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, x.h, []scenario{
		get("OKBranchDefault", f.XiAdminToken, "", http.StatusOK, "", `"unit_name":"焦西分馆"`),
		get("OKOfficial", x.officialToken, "", http.StatusOK, "", `"unit_name":"解放区文化馆"`),
		get("OKHubAtBranch", f.HubAdminToken, "?unit_id="+itoa(f.Nan), http.StatusOK, "", `"unit_name":"焦南分馆"`, `"activities":1`),
		get("ErrNoToken", "", "", http.StatusUnauthorized, "unauthorized"),
		get("ErrResident", f.AliceToken, "", http.StatusForbidden, "forbidden", "您没有查看统计数据的权限"),
		get("ErrChecker", f.XiCheckerToken, "?unit_id="+itoa(f.Xi), http.StatusForbidden, "forbidden", "您没有查看统计数据的权限"),
		get("ErrBranchAtHub", f.XiAdminToken, "?unit_id="+itoa(f.Hub), http.StatusForbidden, "forbidden", "只能查看您所在单位及其下级单位"),
		get("ErrBranchAtOther", f.XiAdminToken, "?unit_id="+itoa(f.Nan), http.StatusForbidden, "forbidden"),
		get("ErrUnknownUnit", f.HubAdminToken, "?unit_id=999", http.StatusNotFound, "not_found", "单位不存在"),
		get("ErrBadUnit", f.HubAdminToken, "?unit_id=abc", http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		get("ErrReversed", f.HubAdminToken, "?from=2026-03-02&to=2026-02-01", http.StatusBadRequest, "invalid", `"field":"from"`, "晚于结束日期"),
		get("ErrTooLong", f.HubAdminToken, "?from=2020-01-01&to=2026-03-01", http.StatusBadRequest, "invalid", `"field":"from"`, "统计范围最长"),
		get("ErrBadFrom", f.HubAdminToken, "?from=2026-2-1", http.StatusBadRequest, "invalid", `"field":"from"`),
		get("ErrBadTo", f.HubAdminToken, "?to=2026-02-30", http.StatusBadRequest, "invalid", `"field":"to"`),
		{name: "ErrMethod", method: "POST", path: "/api/v1/stats", token: f.HubAdminToken, body: "{}", wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
	})
}

// TestStatsWithoutService: without the statistics service the endpoint is
// 404.
func TestStatsWithoutService(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	run(t, h, []scenario{{name: "ErrOff", method: "GET", path: "/api/v1/stats", token: f.HubAdminToken,
		wantStatus: http.StatusNotFound, wantCode: "not_found", wantText: []string{"统计功能未启用"}}})
}

// TestStatsRepliesMatchOpenAPI checks each documented reply of GET /stats
// against its schema in openapi_stats.json.
func TestStatsRepliesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	x := newStatsAPI(t)
	f := x.f
	var doc map[string]any
	call(t, x.h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	for _, tt := range []struct {
		query, token string
		status       int
	}{
		{path("?unit_id=%d&from=2026-02-01&to=2026-03-02", f.Hub), f.HubAdminToken, 200},
		{path("?unit_id=%d&from=2026-03-01&to=2026-03-01", f.Xi), f.XiAdminToken, 200},
		{"?from=2026-03-02&to=2026-02-01", f.HubAdminToken, 400},
		{"", "", 401},
		{path("?unit_id=%d", f.Hub), f.XiAdminToken, 403},
		{"?unit_id=999", f.HubAdminToken, 404},
	} {
		rec := call(t, x.h, "GET", "/api/v1/stats"+tt.query, tt.token, "", tt.status, nil)
		schema, err := replySchema(doc, "/stats", "get", tt.status)
		if err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, problem := range conform(doc, schema, v, "$") {
			t.Errorf("GET /stats%s %d: %s", tt.query, tt.status, problem)
		}
	}
}
