// Package reporttest holds a fake culture.StatsService over rows a test
// writes, and the quarter the report, web, api and cmd tests share: a
// hub, two branches (one with a community point), and rollup rows and
// check-ins whose figures the tests state by hand.
package reporttest

import (
	"context"
	"errors"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// Checkin is one account checked in at a unit on a day.
type Checkin struct {
	AccountID, UnitID int64
	Day               culture.Day
}

// Stats is a culture.StatsService over fixed rows and check-ins. Units
// gives each unit's path, for subtrees. Err, when set, is what every
// method returns.
type Stats struct {
	Units    []*culture.Unit
	Rows     []culture.StatRow
	Checkins []Checkin
	Err      error
	// Queries records the FindRollups calls.
	Queries []culture.StatsQuery
	// Participants records the roots of each UniqueParticipants call.
	Participants [][]int64
}

var _ culture.StatsService = (*Stats)(nil)

func (s *Stats) path(id int64) string {
	for _, u := range s.Units {
		if u.ID == id {
			return u.Path
		}
	}
	return "\x00" // matches no subtree
}

func (s *Stats) within(root, id int64) bool {
	return strings.HasPrefix(s.path(id), s.path(root))
}

// FindRollups returns the rows of q's subtree and days.
func (s *Stats) FindRollups(_ context.Context, q culture.StatsQuery) ([]culture.StatRow, error) {
	s.Queries = append(s.Queries, q)
	if s.Err != nil {
		return nil, s.Err
	}
	var out []culture.StatRow
	for _, r := range s.Rows {
		if r.Day >= q.From && r.Day <= q.To && s.within(q.UnitID, r.UnitID) {
			out = append(out, r)
		}
	}
	return out, nil
}

// UniqueParticipants counts distinct accounts of the check-ins per root.
func (s *Stats) UniqueParticipants(_ context.Context, roots []int64, from, to culture.Day) (map[int64]int, error) {
	s.Participants = append(s.Participants, append([]int64(nil), roots...))
	if s.Err != nil {
		return nil, s.Err
	}
	out := map[int64]int{}
	for _, root := range roots {
		seen := map[int64]bool{}
		for _, c := range s.Checkins {
			if c.Day >= from && c.Day <= to && s.within(root, c.UnitID) {
				seen[c.AccountID] = true
			}
		}
		out[root] = len(seen)
	}
	return out, nil
}

var errNotFake = errors.New("reporttest: not faked")

// RebuildRollups is not faked.
func (s *Stats) RebuildRollups(context.Context, func(int, int)) (culture.RollupRun, error) {
	return culture.RollupRun{}, errNotFake
}

// RecountRollups is not faked.
func (s *Stats) RecountRollups(context.Context) ([]culture.StatRow, error) { return nil, errNotFake }

// LastRollup reports no rebuild.
func (s *Stats) LastRollup(context.Context) (culture.RollupRun, error) {
	return culture.RollupRun{}, nil
}

// Day parses a 2006-01-02 day or panics (fixtures only).
func Day(s string) culture.Day {
	d, err := culture.ParseDay(s)
	if err != nil {
		panic(err)
	}
	return d
}

// World names the units of the quarter fixture: the hub, branch A (焦西)
// and branch B (焦南) with its point P, and Other, a unit outside the
// hub whose rows no report of the hub may count.
type World struct {
	Hub, A, B, P, Other int64
}

func row(unit int64, day, metric, dim string, v int64) culture.StatRow {
	return culture.StatRow{UnitID: unit, Day: Day(day), Metric: metric, Dim: dim, Value: v}
}

// Q3 returns the rows and check-ins of 2026Q3 (2026-07-01 to 2026-09-30,
// 92 days), with a few rows just outside it. The figures they give are
// written out by hand in the tests (see report's xlsx_test.go):
//
//	hub's own: 2 activities, 1 bookable
//	A:  8 activities (5 in July, 3 in August), 6 bookable, 40 bookings,
//	    28 check-ins, 7 no-shows, 34 attendance, 2 deliveries due and 1
//	    held (September), 6 supports, 1 request, 12 members, 4 ratings
//	    worth 18 points; participants 4 (accounts 1, 2, 3, 6)
//	B:  3 activities at B and 1 at P, 1 bookable, 16 bookings, 14
//	    check-ins, 1 no-show, 16 attendance, 3 members, 2 ratings worth
//	    10; participants 3 (accounts 1, 4, 5)
//	total participants 6 (accounts 1 to 6), not 4+3.
func Q3(w World) ([]culture.StatRow, []Checkin) {
	const (
		act, bk, bks = culture.MetricActivities, culture.MetricBookable, culture.MetricBookings
		ci, ns, att  = culture.MetricCheckins, culture.MetricNoShows, culture.MetricAttendance
	)
	rows := []culture.StatRow{
		row(w.Hub, "2026-07-10", act, "讲座", 2), row(w.Hub, "2026-07-10", bk, "讲座", 1),

		row(w.A, "2026-07-05", act, "书法", 5), row(w.A, "2026-08-12", act, "舞蹈", 3),
		row(w.A, "2026-07-05", bk, "书法", 4), row(w.A, "2026-08-12", bk, "舞蹈", 2),
		row(w.A, "2026-07-03", bks, "", 30), row(w.A, "2026-08-10", bks, "", 10),
		row(w.A, "2026-07-05", ci, "", 20), row(w.A, "2026-08-12", ci, "", 8),
		row(w.A, "2026-07-05", ns, "", 5), row(w.A, "2026-08-12", ns, "", 2),
		row(w.A, "2026-07-05", att, "", 25), row(w.A, "2026-08-12", att, "", 9),
		row(w.A, "2026-07-05", culture.MetricParticipants, "", 3),
		row(w.A, "2026-09-01", culture.MetricDeliveriesDue, "11", 2), row(w.A, "2026-09-01", culture.MetricDeliveriesHeld, "11", 1),
		row(w.A, "2026-07-20", culture.MetricSupports, "11", 6), row(w.A, "2026-07-21", culture.MetricRequests, "11", 1),
		row(w.A, "2026-07-01", culture.MetricMembers, "", 12),
		row(w.A, "2026-07-06", culture.MetricRatings, "", 4), row(w.A, "2026-07-06", culture.MetricRatingPoints, "", 18),

		row(w.B, "2026-09-10", act, "戏曲", 3), row(w.B, "2026-09-10", ci, "", 10), row(w.B, "2026-09-10", att, "", 12),
		row(w.B, "2026-09-01", bks, "", 11), row(w.B, "2026-08-01", culture.MetricMembers, "", 3),
		row(w.P, "2026-08-20", act, "讲座", 1), row(w.P, "2026-08-20", bk, "讲座", 1),
		row(w.P, "2026-08-20", ci, "", 4), row(w.P, "2026-08-20", ns, "", 1), row(w.P, "2026-08-20", att, "", 4),
		row(w.P, "2026-08-15", bks, "", 5),
		row(w.P, "2026-08-21", culture.MetricRatings, "", 2), row(w.P, "2026-08-21", culture.MetricRatingPoints, "", 10),

		// Outside the quarter or the hub: never counted.
		row(w.A, "2026-06-30", act, "书法", 100), row(w.A, "2026-10-01", act, "书法", 100),
		row(w.Other, "2026-07-05", act, "书法", 100), row(w.Other, "2026-07-05", ci, "", 100),
	}
	checkins := []Checkin{
		{1, w.A, Day("2026-07-05")}, {2, w.A, Day("2026-07-05")}, {6, w.A, Day("2026-07-05")},
		{1, w.A, Day("2026-08-12")}, {3, w.A, Day("2026-08-12")},
		{6, w.Hub, Day("2026-07-10")},
		{5, w.P, Day("2026-08-20")}, {4, w.P, Day("2026-08-20")},
		{1, w.B, Day("2026-09-10")}, {4, w.B, Day("2026-09-10")},
		{7, w.A, Day("2026-06-30")}, {8, w.Other, Day("2026-07-05")},
	}
	return rows, checkins
}
