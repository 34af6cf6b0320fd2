package report_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
	"github.com/wenyun/wenyun/internal/report/reporttest"
)

// units is a culture.UnitService that only finds units.
type units struct {
	culture.UnitService
	all []*culture.Unit
}

func (u units) FindUnits(_ context.Context, f culture.UnitFilter) ([]*culture.Unit, int, error) {
	var root *culture.Unit
	for _, x := range u.all {
		if f.Within != nil && x.ID == *f.Within {
			root = x
		}
	}
	var out []*culture.Unit
	for _, x := range u.all {
		if root == nil || root.Contains(x) {
			out = append(out, x)
		}
	}
	return out, len(out), nil
}

func ptr(v int64) *int64 { return &v }

// world is the fixture's units: hub 1 with branches 焦西 (2) and 焦南 (3),
// 焦南's point (4), and a unit outside (9).
type world struct {
	hub, a, b, p, other *culture.Unit
	stats               *reporttest.Stats
	src                 report.Source
}

func newWorld() *world {
	w := &world{
		hub:   &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/"},
		a:     &culture.Unit{ID: 2, ParentID: ptr(1), Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/"},
		b:     &culture.Unit{ID: 3, ParentID: ptr(1), Kind: culture.UnitBranch, Name: "焦南分馆", Path: "/1/3/"},
		p:     &culture.Unit{ID: 4, ParentID: ptr(3), Kind: culture.UnitPoint, Name: "焦南社区活动室", Path: "/1/3/4/"},
		other: &culture.Unit{ID: 9, Kind: culture.UnitHub, Name: "外区文化馆", Path: "/9/"},
	}
	all := []*culture.Unit{w.hub, w.a, w.b, w.p, w.other}
	rows, checkins := reporttest.Q3(reporttest.World{Hub: 1, A: 2, B: 3, P: 4, Other: 9})
	w.stats = &reporttest.Stats{Units: all, Rows: rows, Checkins: checkins}
	w.src = report.Source{Stats: w.stats, Units: units{all: all}}
	return w
}

// generated is when the tests' reports are made: 2026-10-08 10:30 in
// Shanghai.
var generated = time.Date(2026, 10, 8, 2, 30, 0, 0, time.UTC)

func (w *world) build(t *testing.T, unit *culture.Unit, period string) *report.Report {
	t.Helper()
	p, err := report.ParsePeriod(period, culture.DayOf(generated))
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Build(context.Background(), w.src, unit, p, generated)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestBuildSections(t *testing.T) {
	w := newWorld()
	r := w.build(t, w.hub, "2026Q3")
	var names []string
	for _, s := range r.Sections {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "解放区文化馆（本级）,焦西分馆,焦南分馆" || !r.Sections[0].Own || r.Total.Name != "合计" {
		t.Fatalf("sections %v (own %v), total %q", names, r.Sections[0].Own, r.Total.Name)
	}
	if r.Title != "解放区文化馆 2026年第三季度 公共文化服务报表" {
		t.Errorf("title %q", r.Title)
	}
	if q := w.stats.Queries; len(q) != 1 || q[0].UnitID != 1 || q[0].From.String() != "2026-07-01" || q[0].To.String() != "2026-09-30" {
		t.Errorf("rollup queries %+v", q)
	}
	// Participants per subtree, the total not the sum of the branches.
	if p := r.Sections[1].Figures.Participants; p == nil || *p != 4 {
		t.Errorf("焦西 participants %v, want 4", p)
	}
	if p := r.Sections[2].Figures.Participants; p == nil || *p != 3 {
		t.Errorf("焦南 participants %v, want 3 (account 4 at the branch and its point once)", p)
	}
	if p := r.Total.Figures.Participants; p == nil || *p != 6 {
		t.Errorf("total participants %v, want 6", p)
	}
	if r.Sections[0].Figures.Participants != nil {
		t.Errorf("the hub's own section has participants %d; they cannot be told apart", *r.Sections[0].Figures.Participants)
	}
	if len(r.Total.Months) != 3 || len(r.Sections[1].Months) != 3 {
		t.Errorf("months %d / %d, want 3", len(r.Total.Months), len(r.Sections[1].Months))
	}
}

// TestBuildQueries: a hub's annual report reads the rollups once and
// asks for distinct participants once per span (the year, then each
// month), for all its sections' roots at once — not once per root.
func TestBuildQueries(t *testing.T) {
	w := newWorld()
	w.build(t, w.hub, "2025")
	if n := len(w.stats.Queries); n != 1 {
		t.Errorf("%d rollup queries, want 1", n)
	}
	if n := len(w.stats.Participants); n != 1+12 {
		t.Errorf("%d participant queries, want 13: the year and its months", n)
	}
	for i, roots := range w.stats.Participants {
		if fmt.Sprint(roots) != "[1 2 3]" {
			t.Errorf("participant query %d for roots %v, want [1 2 3] (the hub and its branches)", i, roots)
		}
	}
}

func TestBuildProgress(t *testing.T) {
	w := newWorld()
	var calls []string
	w.src.Progress = func(done, total int) { calls = append(calls, fmt.Sprintf("%d/%d", done, total)) }
	p, _ := report.ParsePeriod("2026Q3", culture.DayOf(generated))
	if _, err := report.Build(context.Background(), w.src, w.hub, p, generated); err != nil {
		t.Fatal(err)
	}
	// Reading the rollups, the quarter, then July, August, September.
	if got := strings.Join(calls, " "); got != "1/5 2/5 3/5 4/5 5/5" {
		t.Errorf("progress %s", got)
	}
}

func TestBuildBranchWithoutOwnRows(t *testing.T) {
	w := newWorld()
	// 焦南 has its own rows and a point: both sections.
	r := w.build(t, w.b, "2026Q3")
	if len(r.Sections) != 2 || r.Sections[0].Name != "焦南分馆（本级）" || r.Sections[1].Name != "焦南社区活动室" {
		t.Fatalf("sections %+v", r.Sections)
	}
	if f := r.Sections[0].Figures; f.Activities != 3 || f.Checkins != 10 || f.Participants != nil {
		t.Errorf("焦南 own %+v", f)
	}
	if f := r.Total.Figures; f.Activities != 4 || *f.Participants != 3 || f.Bookings != 16 {
		t.Errorf("焦南 total %+v", f)
	}
	// A point has no children: one section, its own, with participants.
	r = w.build(t, w.p, "2026Q3")
	if len(r.Sections) != 1 || r.Sections[0].Name != "焦南社区活动室" || *r.Sections[0].Figures.Participants != 2 {
		t.Fatalf("point sections %+v", r.Sections)
	}
	// Without own rows a unit with children shows only its children.
	w.stats.Rows = w.stats.Rows[2:] // drop the hub's own two rows
	r = w.build(t, w.hub, "2026Q3")
	if len(r.Sections) != 2 || r.Sections[0].Name != "焦西分馆" || r.Total.Figures.Activities != 12 {
		t.Errorf("sections %+v, total activities %d", r.Sections, r.Total.Figures.Activities)
	}
}

func TestBuildEmptyPeriod(t *testing.T) {
	w := newWorld()
	r := w.build(t, w.hub, "2025")
	// Nothing to divide by: every rate has no value, not 0.
	if f := r.Total.Figures; f.Activities != 0 || f.OnlineShare != nil || f.AttendanceRate != nil || f.Fulfilment != nil ||
		f.AverageRating != nil || *f.Participants != 0 || f.WeeklyItems != 0 {
		t.Errorf("empty year %+v", f)
	}
	if len(r.Sections) != 2 || len(r.Total.Months) != 12 {
		t.Errorf("%d sections, %d months", len(r.Sections), len(r.Total.Months))
	}
}

func TestBuildStatsError(t *testing.T) {
	w := newWorld()
	w.stats.Err = errors.New("rollups not built yet")
	p, _ := report.ParsePeriod("2026Q3", culture.DayOf(generated))
	if _, err := report.Build(context.Background(), w.src, w.hub, p, generated); err == nil || !strings.Contains(err.Error(), "rollups not built yet") {
		t.Errorf("err = %v", err)
	}
}

func TestColumnFormat(t *testing.T) {
	share, none := 0.4, 0.0
	f := report.Figures{Activities: 12, OnlineShare: &share, WeeklyItems: 3.2, AverageRating: ptrf(4.5), Fulfilment: &none}
	got := map[string]string{}
	for _, c := range report.Columns {
		got[c.Key] = c.Format(f)
	}
	for k, want := range map[string]string{"activities": "12", "online_share": "40.0%", "weekly_items": "3.2",
		"average_rating": "4.50", "participants": "—", "attendance_rate": "—", "fulfilment": "0.0%", "deliveries_due": "0"} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
}

func ptrf(v float64) *float64 { return &v }

// TestRatesOfNothing: a rate is 0 when nothing of its divisor came of
// anything (0 of 2 deliveries held) and has no value when its divisor is 0
// (no deliveries due), in every section and month.
func TestRatesOfNothing(t *testing.T) {
	w := newWorld()
	r := w.build(t, w.hub, "2026Q3")
	xi := r.Sections[1]
	if xi.Name != "焦西分馆" {
		t.Fatalf("section 1 is %q", xi.Name)
	}
	sept := xi.Months[2].Figures // 1 of 2 deliveries held, no activities
	if sept.Fulfilment == nil || *sept.Fulfilment != 0.5 || sept.OnlineShare != nil || sept.AttendanceRate != nil || sept.AverageRating != nil {
		t.Errorf("焦西 September %+v", sept)
	}
	nan := r.Sections[2].Figures // no deliveries due
	if nan.Fulfilment != nil || nan.OnlineShare == nil || *nan.OnlineShare != 0.25 {
		t.Errorf("焦南 %+v", nan)
	}
	if s := r.Total.Months[2].Figures.OnlineShare; s == nil || *s != 0 {
		t.Errorf("September's online share %v, want 0 (3 activities, none online)", s)
	}
}
