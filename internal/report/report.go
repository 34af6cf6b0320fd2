package report

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
)

// Figures are one section's numbers over a span of days: what the
// evaluations ask for, each derived from the rollup totals. A rate whose
// divisor is 0 (no activities, no check-ins or no-shows, no deliveries
// due, no ratings) has no value: nil, shown as — and null in JSON, never
// as 0 (a branch with no deliveries due has not failed them).
type Figures struct {
	Activities int64 `json:"activities"` // 举办活动
	Bookable   int64 `json:"bookable"`   // 线上预约活动
	// OnlineShare is bookable/activities (线上服务占比).
	OnlineShare *float64 `json:"online_share"`
	// WeeklyItems is activities held per week of the span (每周免费开放
	// 服务项目), rounded to one decimal.
	WeeklyItems float64 `json:"weekly_items"`
	Attendance  int64   `json:"attendance"` // 参与人次: seats checked in
	// Participants counts distinct residents checked in (参与人数); nil
	// where it cannot be told apart (a unit's own section beside its
	// children: the count is per subtree).
	Participants   *int64   `json:"participants"`
	Bookings       int64    `json:"bookings"`
	Checkins       int64    `json:"checkins"`
	NoShows        int64    `json:"no_shows"`
	AttendanceRate *float64 `json:"attendance_rate"` // 到场率: checkins/(checkins+no-shows)
	DeliveriesHeld int64    `json:"deliveries_held"` // 配送场次
	DeliveriesDue  int64    `json:"deliveries_due"`  // 应配送
	Fulfilment     *float64 `json:"fulfilment"`      // 配送完成率: held/due
	Supports       int64    `json:"supports"`        // 点单支持
	Requests       int64    `json:"requests"`        // 分馆点单
	Members        int64    `json:"members"`         // 新增社群成员
	Ratings        int64    `json:"ratings"`         // 评价数
	AverageRating  *float64 `json:"average_rating"`  // 平均评分: points/ratings
}

// newFigures derives the figures of a span of weeks from its totals.
func newFigures(t figures.Totals, participants *int64, weeks float64) Figures {
	checkins, noShows := t[culture.MetricCheckins], t[culture.MetricNoShows]
	return Figures{
		Activities: t[culture.MetricActivities], Bookable: t[culture.MetricBookable],
		OnlineShare: rate(t[culture.MetricBookable], t[culture.MetricActivities]),
		WeeklyItems: perWeek(t[culture.MetricActivities], weeks),
		Attendance:  t[culture.MetricAttendance], Participants: participants,
		Bookings: t[culture.MetricBookings], Checkins: checkins, NoShows: noShows,
		AttendanceRate: rate(checkins, checkins+noShows),
		DeliveriesHeld: t[culture.MetricDeliveriesHeld], DeliveriesDue: t[culture.MetricDeliveriesDue],
		Fulfilment: rate(t[culture.MetricDeliveriesHeld], t[culture.MetricDeliveriesDue]),
		Supports:   t[culture.MetricSupports], Requests: t[culture.MetricRequests],
		Members: t[culture.MetricMembers], Ratings: t[culture.MetricRatings],
		AverageRating: rate(t[culture.MetricRatingPoints], t[culture.MetricRatings]),
	}
}

// rate is part/whole, nil when whole is 0.
func rate(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(part) / float64(whole)
	return &v
}

// perWeek is n per week, to one decimal.
func perWeek(n int64, weeks float64) float64 {
	if weeks <= 0 {
		return 0
	}
	return math.Round(float64(n)/weeks*10) / 10
}

// Month is one calendar month of a section.
type Month struct {
	Span
	Figures Figures
}

// Section is one part of a report: a branch (with its community points),
// or the unit's own rows, or the whole unit (the total).
type Section struct {
	UnitID int64  `json:"unit_id"`
	Name   string `json:"name"`
	// Own marks the unit's own activities, apart from its children's.
	Own     bool    `json:"own,omitempty"`
	Figures Figures `json:"figures"`
	Months  []Month `json:"months"`
}

// Report is a service report of one unit over a period.
type Report struct {
	Title     string
	Unit      *culture.Unit
	Period    Period
	Generated time.Time
	// Sections are the unit's own rows (when it has any, or no children)
	// and then each child unit with its subtree.
	Sections []Section
	// Total is the whole unit.
	Total Section
}

// Source is what a report reads.
type Source struct {
	Stats culture.StatsService
	Units culture.UnitService
	// Progress, when set, is called after each step of Build (reading the
	// rollups, then each span: the whole period and each month) with the
	// steps done and the total.
	Progress func(done, total int)
}

// Build computes the report of unit over p, generated at now.
func Build(ctx context.Context, src Source, unit *culture.Unit, p Period, now time.Time) (*Report, error) {
	if err := culture.CheckRange(p.From, p.To); err != nil {
		return nil, err
	}
	subtree, _, err := src.Units.FindUnits(ctx, culture.UnitFilter{Within: &unit.ID})
	if err != nil {
		return nil, fmt.Errorf("report: units within %d: %w", unit.ID, err)
	}
	g := figures.NewGroups(unit, subtree)
	rows, err := src.Stats.FindRollups(ctx, culture.StatsQuery{UnitID: unit.ID, From: p.From, To: p.To})
	if err != nil {
		return nil, fmt.Errorf("report: rollups: %w", err)
	}
	b := builder{g: g, rows: rows, unit: unit, progress: src.Progress, steps: len(p.Months()) + 2}
	b.step()
	b.own = b.hasOwnRows() || len(g.Order) == 1
	r := &Report{Title: unit.Name + " " + p.Title() + " 公共文化服务报表", Unit: unit, Period: p, Generated: now}
	if err := b.sections(ctx, src.Stats, p, r); err != nil {
		return nil, err
	}
	return r, nil
}

// builder splits rollup rows into a report's sections.
type builder struct {
	g    *figures.Groups
	rows []culture.StatRow
	unit *culture.Unit
	own  bool // the unit's own rows form a section
	// progress reports steps done of steps.
	progress    func(done, total int)
	done, steps int
}

func (b *builder) step() {
	if b.done++; b.progress != nil {
		b.progress(b.done, b.steps)
	}
}

func (b *builder) hasOwnRows() bool {
	for _, r := range b.rows {
		if r.UnitID == b.unit.ID {
			return true
		}
	}
	return false
}

// sections fills r's sections and total: the whole period, then each
// month.
func (b *builder) sections(ctx context.Context, stats culture.StatsService, p Period, r *Report) error {
	whole := Span{Name: p.Name, From: p.From, To: p.To}
	all, err := b.spanSections(ctx, stats, whole)
	if err != nil {
		return err
	}
	r.Sections, r.Total = all[:len(all)-1], all[len(all)-1]
	for _, m := range p.Months() {
		ms, err := b.spanSections(ctx, stats, m)
		if err != nil {
			return err
		}
		for i := range r.Sections {
			r.Sections[i].Months = append(r.Sections[i].Months, Month{Span: m, Figures: ms[i].Figures})
		}
		r.Total.Months = append(r.Total.Months, Month{Span: m, Figures: ms[len(ms)-1].Figures})
	}
	return nil
}

// spanSections returns the sections of one span, the total last.
func (b *builder) spanSections(ctx context.Context, stats culture.StatsService, s Span) ([]Section, error) {
	roots := make([]int64, 0, len(b.g.Order))
	for _, u := range b.g.Order {
		roots = append(roots, u.ID)
	}
	people, err := stats.UniqueParticipants(ctx, roots, s.From, s.To)
	if err != nil {
		return nil, fmt.Errorf("report: participants %s..%s: %w", s.From, s.To, err)
	}
	var in []culture.StatRow
	for _, r := range b.rows {
		if r.Day >= s.From && r.Day <= s.To {
			in = append(in, r)
		}
	}
	defer b.step()
	sums := b.g.SumByGroup(in)
	weeks := figures.Weeks(s.From, s.To)
	distinct := func(id int64) *int64 { n := int64(people[id]); return &n }
	var out []Section
	if b.own {
		sec := Section{UnitID: b.unit.ID, Name: b.unit.Name, Own: true}
		if len(b.g.Order) > 1 {
			sec.Name += "（本级）"
		} else {
			sec.Figures.Participants = distinct(b.unit.ID)
		}
		sec.Figures = newFigures(sums[b.unit.ID], sec.Figures.Participants, weeks)
		out = append(out, sec)
	}
	for _, c := range b.g.Order[1:] {
		out = append(out, Section{UnitID: c.ID, Name: c.Name, Figures: newFigures(sums[c.ID], distinct(c.ID), weeks)})
	}
	total := figures.Totals{}
	for _, t := range sums {
		for k, v := range t {
			total[k] += v
		}
	}
	return append(out, Section{UnitID: b.unit.ID, Name: "合计", Figures: newFigures(total, distinct(b.unit.ID), weeks)}), nil
}
