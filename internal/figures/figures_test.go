package figures

import (
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

func ptr(v int64) *int64 { return &v }

func TestGroupsSumByBranch(t *testing.T) {
	hub := &culture.Unit{ID: 1, Path: "/1/"}
	a := &culture.Unit{ID: 2, ParentID: ptr(1), Path: "/1/2/"}
	b := &culture.Unit{ID: 3, ParentID: ptr(1), Path: "/1/3/"}
	aPoint := &culture.Unit{ID: 4, ParentID: ptr(2), Path: "/1/2/4/"}
	other := &culture.Unit{ID: 9, Path: "/9/"}
	g := NewGroups(hub, []*culture.Unit{hub, a, b, aPoint, other})
	rows := []culture.StatRow{
		{UnitID: 1, Metric: culture.MetricActivities, Value: 1},
		{UnitID: 2, Metric: culture.MetricActivities, Dim: "讲座", Value: 2},
		{UnitID: 4, Metric: culture.MetricActivities, Dim: "展览", Value: 3},
		{UnitID: 3, Metric: culture.MetricCheckins, Value: 4},
		{UnitID: 3, Metric: culture.MetricNoShows, Value: 1},
		{UnitID: 9, Metric: culture.MetricActivities, Value: 100},
	}
	got := g.SumByGroup(rows)
	if got[1][culture.MetricActivities] != 1 || got[2][culture.MetricActivities] != 5 || got[3][culture.MetricActivities] != 0 {
		t.Errorf("activities by group = %v %v %v", got[1], got[2], got[3])
	}
	if r := got[3].AttendanceRate(); r != 0.8 {
		t.Errorf("attendance rate %v, want 0.8", r)
	}
	if len(g.Order) != 3 || g.Of(9) != nil || g.Of(4) != a {
		t.Errorf("groups %v, of(9) %v, of(4) %v", g.Order, g.Of(9), g.Of(4))
	}
	if s := Sum(rows)[culture.MetricActivities]; s != 106 {
		t.Errorf("sum %d", s)
	}
	if Weeks(0, 90) != 13 {
		t.Errorf("weeks of 91 days = %v", Weeks(0, 90))
	}
}
