package report

import (
	"strconv"
)

// Kinds of value a column holds; each has its own number format.
const (
	Count   = iota // an integer
	Percent        // a share, 0.4 shown as 40.0%
	Tenths         // one decimal: 3.2
	Score          // two decimals: 4.50
)

// Column is one figure of a report, in the order every table shows them.
type Column struct {
	Key   string // the JSON name
	Label string
	Kind  int
	value func(Figures) (float64, bool)
}

// Value returns the column's value in f; false when it is not available
// (participants of a unit's own section, a rate whose divisor is 0).
func (c Column) Value(f Figures) (float64, bool) { return c.value(f) }

// Format shows the column's value as a table cell: 12, 40.0%, 3.2, 4.50,
// or — when not available.
func (c Column) Format(f Figures) string {
	v, ok := c.value(f)
	if !ok {
		return "—"
	}
	switch c.Kind {
	case Percent:
		return strconv.FormatFloat(v*100, 'f', 1, 64) + "%"
	case Tenths:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case Score:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatInt(int64(v), 10)
}

func count(get func(Figures) int64) func(Figures) (float64, bool) {
	return func(f Figures) (float64, bool) { return float64(get(f)), true }
}

func number(get func(Figures) float64) func(Figures) (float64, bool) {
	return func(f Figures) (float64, bool) { return get(f), true }
}

// ratio reads a rate, not available when it has no value (its divisor is
// 0).
func ratio(get func(Figures) *float64) func(Figures) (float64, bool) {
	return func(f Figures) (float64, bool) {
		if v := get(f); v != nil {
			return *v, true
		}
		return 0, false
	}
}

// Columns lists the figures of a report.
var Columns = []Column{
	{"activities", "举办活动", Count, count(func(f Figures) int64 { return f.Activities })},
	{"bookable", "线上预约活动", Count, count(func(f Figures) int64 { return f.Bookable })},
	{"online_share", "线上服务占比", Percent, ratio(func(f Figures) *float64 { return f.OnlineShare })},
	{"weekly_items", "每周免费开放服务项目", Tenths, number(func(f Figures) float64 { return f.WeeklyItems })},
	{"attendance", "参与人次", Count, count(func(f Figures) int64 { return f.Attendance })},
	{"participants", "参与人数", Count, func(f Figures) (float64, bool) {
		if f.Participants == nil {
			return 0, false
		}
		return float64(*f.Participants), true
	}},
	{"bookings", "预约", Count, count(func(f Figures) int64 { return f.Bookings })},
	{"checkins", "签到", Count, count(func(f Figures) int64 { return f.Checkins })},
	{"no_shows", "爽约", Count, count(func(f Figures) int64 { return f.NoShows })},
	{"attendance_rate", "到场率", Percent, ratio(func(f Figures) *float64 { return f.AttendanceRate })},
	{"deliveries_held", "配送场次", Count, count(func(f Figures) int64 { return f.DeliveriesHeld })},
	{"deliveries_due", "应配送", Count, count(func(f Figures) int64 { return f.DeliveriesDue })},
	{"fulfilment", "配送完成率", Percent, ratio(func(f Figures) *float64 { return f.Fulfilment })},
	{"supports", "点单支持", Count, count(func(f Figures) int64 { return f.Supports })},
	{"requests", "分馆点单", Count, count(func(f Figures) int64 { return f.Requests })},
	{"members", "新增社群成员", Count, count(func(f Figures) int64 { return f.Members })},
	{"ratings", "评价数", Count, count(func(f Figures) int64 { return f.Ratings })},
	{"average_rating", "平均评分", Score, ratio(func(f Figures) *float64 { return f.AverageRating })},
}

// Notes explain the figures under every table.
var Notes = []string{
	"线上服务占比＝线上预约活动÷举办活动；每周免费开放服务项目＝举办活动÷期间周数（天数÷7）。",
	"到场率＝签到÷（签到＋爽约）；配送完成率＝配送场次÷应配送；平均评分为可见评价的平均分（5 分制）。",
	"参与人数为期间内签到的不同居民数，同一居民在多个分馆或多个月份参与只计一次，所以合计不是各行之和；本级参与人数不单列（—）。",
	"比率的分母为 0 时（如没有举办活动、没有应配送场次、没有评价）无从计算，显示为 —，不是 0。",
	"数据来自每日统计汇总，活动按开始日期、预约按预约日期计入（北京时间）。",
}
