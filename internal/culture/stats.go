package culture

import (
	"context"
	"fmt"
	"time"
)

// Statistics are rollups of facts: a job recounts the raw rows (activities,
// bookings, supports, requests, deliveries, members, ratings) into one row
// per unit, Asia/Shanghai day, metric and dimension. Nothing is entered by
// hand, and the rollup always equals a recount of the rows it came from.

// Day is a calendar day in Asia/Shanghai, counted from 1970-01-01. China
// has kept UTC+8 without daylight saving since 1991, so a day is a fixed
// 86,400-second span and both database engines bucket a Unix time t with
// the same integer arithmetic: (t + 28800) / 86400.
type Day int32

// ShanghaiOffset is Asia/Shanghai's offset from UTC in seconds.
const ShanghaiOffset = 8 * 3600

// DayOf returns the Asia/Shanghai day of t.
func DayOf(t time.Time) Day {
	s := t.Unix() + ShanghaiOffset
	if s < 0 {
		return Day((s - 86399) / 86400)
	}
	return Day(s / 86400)
}

// Start returns the first instant of d (00:00 Asia/Shanghai).
func (d Day) Start() time.Time {
	return time.Unix(int64(d)*86400-ShanghaiOffset, 0).In(Shanghai)
}

// String formats d as 2006-01-02.
func (d Day) String() string { return d.Start().Format(time.DateOnly) }

// Weekday returns d's day of the week.
func (d Day) Weekday() time.Weekday { return d.Start().Weekday() }

// ParseDay reads a day written 2006-01-02.
func ParseDay(s string) (Day, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, Shanghai)
	if err != nil {
		return 0, Errorf(EINVALID, "日期格式应为 2006-01-02：%q", s)
	}
	return DayOf(t), nil
}

// Metrics of the daily rollup. Each is counted at the unit where it
// happened (an activity's unit, a support's or request's unit, a
// delivery's unit, a community's unit) on the day named.
const (
	// MetricActivities: activities held — ended, not cancelled — on their
	// start day; Dim is the category.
	MetricActivities = "activities"
	// MetricBookable: of those, the ones booked online (any mode but
	// walk-in); Dim is the category. Bookable share = bookable/activities.
	MetricBookable = "bookable"
	// MetricBookings: bookings made (confirmed, checked in, no-show, or
	// cancelled after confirming) on the day they were made, at the
	// activity's unit. Pending, declined, waiting, offered and lottery
	// applications are not bookings. A cancelled booking counts when
	// bookings.was_confirmed is set (a trigger, migration 0008).
	MetricBookings = "bookings"
	// MetricCheckins / MetricNoShows: bookings checked in and marked
	// no-show, on the activity's start day.
	MetricCheckins = "checkins"
	MetricNoShows  = "no_shows"
	// MetricAttendance: people who came (seats of checked-in bookings,
	// 人次), on the activity's start day.
	MetricAttendance = "attendance"
	// MetricParticipants: distinct accounts checked in at the unit that
	// day. Not additive across days or units; ranges use
	// StatsService.UniqueParticipants.
	MetricParticipants = "participants"
	// MetricSupports / MetricRequests: residents' supports and branches'
	// requests (withdrawn ones aside) for menu items, on the day made; Dim
	// is the item id.
	MetricSupports = "supports"
	MetricRequests = "requests"
	// MetricDeliveriesDue: deliveries a provider confirmed (confirmed,
	// published, held, rated, settled) whose start day has come;
	// MetricDeliveriesHeld: those held (held, rated, settled). Dim is the
	// item id. Fulfilment = held/due.
	MetricDeliveriesDue  = "deliveries_due"
	MetricDeliveriesHeld = "deliveries_held"
	// MetricMembers: current community members, on the day they joined.
	MetricMembers = "members"
	// MetricRatings / MetricRatingPoints: visible ratings and the sum of
	// their scores, on the day rated, at the activity's unit.
	MetricRatings      = "ratings"
	MetricRatingPoints = "rating_points"
)

// Metrics lists every metric in the order reports show them.
var Metrics = []string{
	MetricActivities, MetricBookable, MetricBookings, MetricCheckins, MetricNoShows,
	MetricAttendance, MetricParticipants, MetricSupports, MetricRequests,
	MetricDeliveriesDue, MetricDeliveriesHeld, MetricMembers, MetricRatings, MetricRatingPoints,
}

// MetricLabels names metrics in Chinese.
var MetricLabels = map[string]string{
	MetricActivities:     "举办活动",
	MetricBookable:       "线上预约活动",
	MetricBookings:       "预约",
	MetricCheckins:       "签到",
	MetricNoShows:        "爽约",
	MetricAttendance:     "参与人次",
	MetricParticipants:   "参与人数",
	MetricSupports:       "点单支持",
	MetricRequests:       "分馆点单",
	MetricDeliveriesDue:  "应配送",
	MetricDeliveriesHeld: "已配送",
	MetricMembers:        "新增社群成员",
	MetricRatings:        "评价",
	MetricRatingPoints:   "评分合计",
}

// StatRow is one rollup row: the value of a metric at a unit on a day.
// Dim is "" for metrics without a dimension.
type StatRow struct {
	UnitID int64  `json:"unit_id"`
	Day    Day    `json:"day"`
	Metric string `json:"metric"`
	Dim    string `json:"dim,omitempty"`
	Value  int64  `json:"value"`
}

// Key orders and compares rows.
func (r StatRow) Key() string {
	return fmt.Sprintf("%d|%d|%s|%s", r.UnitID, r.Day, r.Metric, r.Dim)
}

// RollupRun reports a rebuild.
type RollupRun struct {
	Rows     int           `json:"rows"`
	Took     time.Duration `json:"took"`
	Finished time.Time     `json:"finished"`
}

// StatsQuery selects rollup rows: the units in UnitID's subtree, days From
// to To inclusive.
type StatsQuery struct {
	UnitID   int64
	From, To Day
}

// Limits of a statistics range.
const (
	// MaxStatsDays bounds a dashboard or report range (about three years).
	MaxStatsDays = 3*366 + 1
)

// CheckRange validates a day range: From on or before To, at most
// MaxStatsDays long.
func CheckRange(from, to Day) error {
	switch {
	case from > to:
		return Errorf(EINVALID, "开始日期 %s 晚于结束日期 %s", from, to)
	case int(to-from)+1 > MaxStatsDays:
		return Errorf(EINVALID, "统计范围最长 %d 天（%s 至 %s 共 %d 天）", MaxStatsDays, from, to, int(to-from)+1)
	}
	return nil
}

// StatsService reads and maintains the rollups.
type StatsService interface {
	// RebuildRollups recounts every rollup row from the raw rows in a
	// read snapshot and writes the rows that differ in one short
	// transaction, so readers see the old rollup or the new, never a mix. progress, when set, is called
	// after each step with the steps done and the total.
	RebuildRollups(ctx context.Context, progress func(done, total int)) (RollupRun, error)
	// RecountRollups counts the raw rows as RebuildRollups would, without
	// storing them (tests and `wenyun stats verify` compare the two).
	RecountRollups(ctx context.Context) ([]StatRow, error)
	// FindRollups returns the stored rows of q's subtree and days, each at
	// its own unit, ordered by day, unit, metric, dim.
	FindRollups(ctx context.Context, q StatsQuery) ([]StatRow, error)
	// UniqueParticipants counts distinct accounts checked in, from to to,
	// within each root's subtree.
	UniqueParticipants(ctx context.Context, roots []int64, from, to Day) (map[int64]int, error)
	// LastRollup reports the last rebuild; the zero RollupRun when none.
	LastRollup(ctx context.Context) (RollupRun, error)
}
