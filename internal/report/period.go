// Package report builds the service reports the 文化馆评估定级 and the
// 总分馆 evaluations ask for (a quarter, a year or a custom range of one
// unit, one section per branch, month by month) from the statistics
// rollups, and writes them and the booking exports as Excel workbooks and
// CSV files. It does no I/O of its own beyond the services it is given.
package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
)

// Kinds of period.
const (
	KindQuarter = "quarter"
	KindYear    = "year"
	KindCustom  = "custom"
)

// FirstYear is the earliest year a report may cover.
const FirstYear = 2000

// Period is the span of days a report covers, in Asia/Shanghai.
type Period struct {
	// Kind is KindQuarter, KindYear or KindCustom.
	Kind string `json:"kind"`
	// Name is how the period is written: 2026Q3, 2026, or
	// 2026-07-01~2026-08-15.
	Name string `json:"name"`
	// From and To are the first and last day, inclusive. A quarter or year
	// still under way ends today (Clipped).
	From    culture.Day `json:"-"`
	To      culture.Day `json:"-"`
	Clipped bool        `json:"clipped,omitempty"`
}

var (
	quarterRE = regexp.MustCompile(`^([0-9]{4})Q([1-4])$`)
	yearRE    = regexp.MustCompile(`^[0-9]{4}$`)
)

// ParseQuery reads a period given either by name (period: 2026Q3 or 2026)
// or as a custom range (from and to, 2006-01-02, inclusive), never both.
// today bounds it: a period may not start after today, and one still
// under way ends today.
func ParseQuery(period, from, to string, today culture.Day) (Period, error) {
	period = strings.TrimSpace(period)
	switch {
	case period != "" && period != KindCustom && (from != "" || to != ""):
		return Period{}, culture.Invalid("period", "统计期间请选择季度、年度或自定义日期中的一种，不能同时指定。")
	case period != "" && period != KindCustom:
		return ParsePeriod(period, today)
	case from == "" && to == "":
		return Period{}, culture.Invalid("period", "请选择统计期间（季度、年度或自定义日期）。")
	}
	return CustomPeriod(from, to, today)
}

// ParsePeriod reads a quarter (2026Q3) or a year (2026).
func ParsePeriod(s string, today culture.Day) (Period, error) {
	p, err := parseName(s)
	switch {
	case err != nil:
		return Period{}, err
	case p.From > today:
		return Period{}, culture.Invalid("period", fmt.Sprintf("%s尚未开始，无法统计（今天是 %s）。", p.Title(), today))
	case p.To > today:
		p.To, p.Clipped = today, true
	}
	return p, nil
}

// parseName reads a quarter or a year, whenever it falls.
func parseName(s string) (Period, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	var p Period
	var from, end time.Time
	switch m := quarterRE.FindStringSubmatch(s); {
	case m != nil:
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		from = time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, culture.Shanghai)
		end = from.AddDate(0, 3, 0)
		p = Period{Kind: KindQuarter, Name: s}
	case yearRE.MatchString(s):
		y, _ := strconv.Atoi(s)
		from = time.Date(y, 1, 1, 0, 0, 0, 0, culture.Shanghai)
		end = from.AddDate(1, 0, 0)
		p = Period{Kind: KindYear, Name: s}
	default:
		return Period{}, culture.Invalid("period", fmt.Sprintf("统计期间 %q 无法识别：季度写作 2026Q3，年度写作 2026。", clip(s)))
	}
	if from.Year() < FirstYear {
		return Period{}, culture.Invalid("period", fmt.Sprintf("统计期间不能早于 %d 年。", FirstYear))
	}
	p.From, p.To = culture.DayOf(from), culture.DayOf(end)-1
	return p, nil
}

// CustomPeriod reads a custom range of days, inclusive: at most one year
// (to before the same date a year after from), ending today at the latest.
func CustomPeriod(from, to string, today culture.Day) (Period, error) {
	f, t, err := parseRange(from, to)
	if err != nil {
		return Period{}, err
	}
	switch {
	case t > today:
		return Period{}, culture.Invalid("to", fmt.Sprintf("结束日期 %s 晚于今天（%s）：报表只统计已经发生的服务。", t, today))
	case !withinYear(f, t):
		return Period{}, culture.Invalid("to", fmt.Sprintf("自定义期间最长一年：%s 至 %s 超过了一年，请按年度统计或缩短范围。", f, t))
	}
	return Period{Kind: KindCustom, Name: f.String() + "~" + t.String(), From: f, To: t}, nil
}

// BookingRange reads the days of a booking export (activities starting
// from to to, inclusive): at most one year, and since bookings are made
// ahead, ending at most a year after today.
func BookingRange(from, to string, today culture.Day) (culture.Day, culture.Day, error) {
	f, t, err := parseRange(from, to)
	switch {
	case err != nil:
		return 0, 0, err
	case !withinYear(f, t):
		return 0, 0, culture.Invalid("to", fmt.Sprintf("导出范围最长一年：%s 至 %s 超过了一年，请缩短范围。", f, t))
	case t > today+366:
		return 0, 0, culture.Invalid("to", fmt.Sprintf("结束日期 %s 太远：最多到今天之后一年。", t))
	}
	return f, t, nil
}

// parseRange reads two days, both required, the first not after the
// second, neither before FirstYear.
func parseRange(from, to string) (culture.Day, culture.Day, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	switch {
	case from == "":
		return 0, 0, culture.Invalid("from", "请填写开始日期和结束日期（格式 2026-07-01）。")
	case to == "":
		return 0, 0, culture.Invalid("to", "请填写开始日期和结束日期（格式 2026-07-01）。")
	}
	f, err := culture.ParseDay(from)
	if err != nil {
		return 0, 0, culture.Invalid("from", fmt.Sprintf("开始日期 %q 格式不对，应写作 2026-07-01。", clip(from)))
	}
	t, err := culture.ParseDay(to)
	if err != nil {
		return 0, 0, culture.Invalid("to", fmt.Sprintf("结束日期 %q 格式不对，应写作 2026-09-30。", clip(to)))
	}
	switch {
	case f > t:
		return 0, 0, culture.Invalid("to", fmt.Sprintf("开始日期 %s 晚于结束日期 %s，请对调后再试。", f, t))
	case f.Start().Year() < FirstYear:
		return 0, 0, culture.Invalid("from", fmt.Sprintf("开始日期不能早于 %d 年。", FirstYear))
	}
	return f, t, nil
}

// withinYear reports whether to falls before the same date a year after
// from (so 2024-03-01 to 2025-02-28 is a year, to 2025-03-01 is not).
func withinYear(from, to culture.Day) bool {
	return to < culture.DayOf(from.Start().AddDate(1, 0, 0))
}

// clip shortens what a user typed before it is quoted in a message.
func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// Title names the period in Chinese: 2026年第三季度, 2026年度, or
// 2026-07-01 至 2026-08-15.
func (p Period) Title() string {
	y := p.From.Start().Year()
	switch p.Kind {
	case KindQuarter:
		q := (int(p.From.Start().Month())-1)/3 + 1
		return fmt.Sprintf("%d年第%s季度", y, []string{"一", "二", "三", "四"}[q-1])
	case KindYear:
		return fmt.Sprintf("%d年度", y)
	}
	return p.From.String() + " 至 " + p.To.String()
}

// Label is the title with the days covered: "2026年第三季度（2026-07-01 至
// 2026-09-30）", and "截至" the last day when the period is under way.
func (p Period) Label() string {
	switch {
	case p.Kind == KindCustom:
		return p.Title()
	case p.Clipped:
		return fmt.Sprintf("%s（%s 至 %s，截至今天）", p.Title(), p.From, p.To)
	}
	return fmt.Sprintf("%s（%s 至 %s）", p.Title(), p.From, p.To)
}

// Days counts the days covered.
func (p Period) Days() int { return int(p.To-p.From) + 1 }

// Weeks is the length in weeks (days/7), as figures.Weeks counts it.
func (p Period) Weeks() float64 { return figures.Weeks(p.From, p.To) }

// Span is a range of days within a period: one calendar month of it.
type Span struct {
	// Name is the month, written 2026-07.
	Name     string
	From, To culture.Day
}

// Months splits the period into calendar months, the first and last cut
// to the period.
func (p Period) Months() []Span {
	var out []Span
	start := p.From.Start()
	m := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, culture.Shanghai)
	for ; culture.DayOf(m) <= p.To; m = m.AddDate(0, 1, 0) {
		next := culture.DayOf(m.AddDate(0, 1, 0))
		out = append(out, Span{Name: m.Format("2006-01"), From: max(culture.DayOf(m), p.From), To: min(next-1, p.To)})
	}
	return out
}

// Quarter returns the quarter day falls in, written 2026Q3.
func Quarter(day culture.Day) string {
	t := day.Start()
	return fmt.Sprintf("%dQ%d", t.Year(), (int(t.Month())-1)/3+1)
}

// Choice is a period offered in a form.
type Choice struct {
	Value, Label string
}

// Choices lists the periods a form offers: the last eight quarters (the
// current one first), then the current and two previous years.
func Choices(today culture.Day) []Choice {
	var out []Choice
	t := today.Start()
	q := time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, culture.Shanghai)
	for i := 0; i < 8 && q.Year() >= FirstYear; i, q = i+1, q.AddDate(0, -3, 0) {
		p, _ := ParsePeriod(Quarter(culture.DayOf(q)), today)
		out = append(out, Choice{Value: p.Name, Label: p.Title()})
	}
	for y := t.Year(); y > t.Year()-3 && y >= FirstYear; y-- {
		out = append(out, Choice{Value: strconv.Itoa(y), Label: fmt.Sprintf("%d年度", y)})
	}
	return out
}

// ChoicesWith lists Choices, and the period asked for after them when it
// is not among them (an older quarter, or one refused), so that a form
// shows what was asked, not another period: named by its title when it
// is a quarter or a year, else as typed. Custom and nothing add nothing.
func ChoicesWith(today culture.Day, asked string) []Choice {
	out := Choices(today)
	if asked == "" || asked == KindCustom {
		return out
	}
	for _, c := range out {
		if c.Value == asked {
			return out
		}
	}
	label := clip(asked)
	if p, err := parseName(asked); err == nil {
		label = p.Title()
	}
	return append(out, Choice{Value: asked, Label: label})
}
