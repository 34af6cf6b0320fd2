// Package figures turns rollup rows (culture.StatRow) into the figures the
// dashboard and the reports show: totals per unit group, per week and
// month, and the rates derived from them. It does no I/O of its own;
// Sources.Load reads the rows through culture.StatsService.
package figures

import (
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// Totals sums each metric over some rows (all dimensions together).
type Totals map[string]int64

// Add adds r's value to its metric.
func (t Totals) Add(r culture.StatRow) { t[r.Metric] += r.Value }

// Rate returns part/whole, 0 when whole is 0.
func Rate(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

// BookableShare is the share of held activities booked online.
func (t Totals) BookableShare() float64 {
	return Rate(t[culture.MetricBookable], t[culture.MetricActivities])
}

// AttendanceRate is check-ins over settled bookings (checked in or no-show).
func (t Totals) AttendanceRate() float64 {
	return Rate(t[culture.MetricCheckins], t[culture.MetricCheckins]+t[culture.MetricNoShows])
}

// NoShowRate is no-shows over settled bookings.
func (t Totals) NoShowRate() float64 {
	return Rate(t[culture.MetricNoShows], t[culture.MetricCheckins]+t[culture.MetricNoShows])
}

// Fulfilment is deliveries held over deliveries due.
func (t Totals) Fulfilment() float64 {
	return Rate(t[culture.MetricDeliveriesHeld], t[culture.MetricDeliveriesDue])
}

// AverageRating is the mean visible score, 0 without ratings.
func (t Totals) AverageRating() float64 {
	return Rate(t[culture.MetricRatingPoints], t[culture.MetricRatings])
}

// Sum totals rows.
func Sum(rows []culture.StatRow) Totals {
	t := Totals{}
	for _, r := range rows {
		t.Add(r)
	}
	return t
}

// Groups maps each unit of a subtree to the group it is counted in: the
// viewed unit itself, or the child of the viewed unit whose subtree holds
// it (a hub's dashboard shows its branches side by side, each with its
// community points).
type Groups struct {
	Root   *culture.Unit
	Order  []*culture.Unit         // the root, then its children in the order given
	byUnit map[int64]*culture.Unit // any unit of the subtree → its group
}

// NewGroups builds the groups of root from the units of its subtree (root
// included; units outside it are ignored).
func NewGroups(root *culture.Unit, subtree []*culture.Unit) *Groups {
	g := &Groups{Root: root, Order: []*culture.Unit{root}, byUnit: map[int64]*culture.Unit{root.ID: root}}
	for _, u := range subtree {
		if u.ParentID != nil && *u.ParentID == root.ID {
			g.Order = append(g.Order, u)
		}
	}
	for _, u := range subtree {
		if !root.Contains(u) || u.ID == root.ID {
			continue
		}
		for _, c := range g.Order[1:] {
			if strings.HasPrefix(u.Path, c.Path) {
				g.byUnit[u.ID] = c
				break
			}
		}
	}
	return g
}

// Of returns the group of unit id, nil when it is outside the subtree.
func (g *Groups) Of(id int64) *culture.Unit { return g.byUnit[id] }

// SumByGroup totals rows per group id.
func (g *Groups) SumByGroup(rows []culture.StatRow) map[int64]Totals {
	out := make(map[int64]Totals, len(g.Order))
	for _, u := range g.Order {
		out[u.ID] = Totals{}
	}
	for _, r := range rows {
		if u := g.Of(r.UnitID); u != nil {
			out[u.ID].Add(r)
		}
	}
	return out
}

// Weeks counts the Monday-to-Sunday weeks a day range spans, in whole and
// part weeks as days/7 (a quarter of 91 days is 13 weeks).
func Weeks(from, to culture.Day) float64 {
	return float64(int(to-from)+1) / 7
}
