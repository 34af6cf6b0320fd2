package figures

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// The dashboard of a unit over a day range: headline figures, and charts
// that each carry the table of their numbers (a data table is shown beside
// every chart, and the JSON API returns the same model).

// Chart ids, in the order the dashboard shows them.
const (
	ChartWeekly     = "weekly"
	ChartMonthly    = "monthly"
	ChartBranches   = "branches"
	ChartCategories = "categories"
	ChartItems      = "items"
	ChartAttendance = "attendance"
	ChartFulfilment = "fulfilment"
)

// Chart kinds: how stats.js draws a chart.
const (
	KindLine = "line" // one line per series over the labels
	KindBar  = "bar"  // grouped bars; percent series as lines on a second axis
	KindPie  = "pie"  // the first series only
	KindHBar = "hbar" // horizontal stacked bars, longest first
)

// TopItemsMax is how many menu items the most-demanded chart lists.
const TopItemsMax = 10

// Num is a figure that may be undefined (a rate of nothing): NaN, written
// as null in JSON and "—" in tables.
type Num float64

// None is the undefined Num.
var None = Num(math.NaN())

// Valid reports whether n is defined.
func (n Num) Valid() bool { return !math.IsNaN(float64(n)) }

// MarshalJSON writes n, or null when undefined.
func (n Num) MarshalJSON() ([]byte, error) {
	if !n.Valid() {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

// UnmarshalJSON reads a number or null.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = None
		return nil
	}
	return json.Unmarshal(b, (*float64)(n))
}

// ratio is part/whole, undefined when whole is 0.
func ratio(part, whole int64) Num {
	if whole == 0 {
		return None
	}
	return Num(float64(part) / float64(whole))
}

// percent turns a ratio into a percentage with one decimal.
func percent(r Num) Num {
	if !r.Valid() {
		return None
	}
	return Num(math.Round(float64(r)*1000) / 10)
}

// Dashboard is the statistics of a unit's subtree over a day range.
type Dashboard struct {
	UnitID   int64  `json:"unit_id"`
	UnitName string `json:"unit_name"`
	From     string `json:"from"` // first day, 2006-01-02
	To       string `json:"to"`   // last day, included
	Days     int    `json:"days"`
	// UpdatedAt is when the rollup was last rebuilt; nil when never.
	UpdatedAt *time.Time `json:"updated_at"`
	Headline  Headline   `json:"headline"`
	Charts    []*Chart   `json:"charts"`
	// Version names the rollup run and range the dashboard was read from
	// (see Version); empty when built without Sources.
	Version string `json:"-"`
}

// Headline holds the dashboard's main figures. Rates are fractions (0–1),
// null when there is nothing to divide by.
type Headline struct {
	Activities     int64 `json:"activities"`
	Bookable       int64 `json:"bookable"`
	BookableShare  Num   `json:"bookable_share"`
	Bookings       int64 `json:"bookings"`
	Checkins       int64 `json:"checkins"`
	NoShows        int64 `json:"no_shows"`
	Attendance     int64 `json:"attendance"`
	Participants   int64 `json:"participants"`
	AttendanceRate Num   `json:"attendance_rate"`
	NoShowRate     Num   `json:"no_show_rate"`
	Supports       int64 `json:"supports"`
	Requests       int64 `json:"requests"`
	DeliveriesDue  int64 `json:"deliveries_due"`
	DeliveriesHeld int64 `json:"deliveries_held"`
	Fulfilment     Num   `json:"fulfilment"`
	Members        int64 `json:"members"`
	Ratings        int64 `json:"ratings"`
	AverageRating  Num   `json:"average_rating"`
}

// Chart is one chart: labels along an axis, and series of values per
// label. Table holds the same numbers as a header row and rows.
type Chart struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Kind  string `json:"kind"`
	// Axis names what the labels are ("月份"); it heads the table's first
	// column.
	Axis    string   `json:"axis"`
	Labels  []string `json:"labels"`
	Series  []Series `json:"series"`
	Table   Table    `json:"table"`
	Summary string   `json:"summary"` // a sentence describing the chart
}

// Series is one named row of values, one per label.
type Series struct {
	Name string `json:"name"`
	// Percent marks percentages (0–100, one decimal); counts otherwise.
	Percent bool `json:"percent,omitempty"`
	// TableOnly series are shown in the table but not drawn.
	TableOnly bool  `json:"table_only,omitempty"`
	Values    []Num `json:"values"`
}

// Table is a chart's numbers as text: a header row, then one row per label.
type Table struct {
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Chart returns the chart with the id, nil when there is none.
func (d *Dashboard) Chart(id string) *Chart {
	for _, c := range d.Charts {
		if c.ID == id {
			return c
		}
	}
	return nil
}

// Input is what a dashboard is built from.
type Input struct {
	Unit     *culture.Unit
	Units    []*culture.Unit // Unit's subtree, Unit included
	From, To culture.Day
	Rows     []culture.StatRow // rollup rows of the subtree and days
	// Participants counts distinct participants per unit id: Unit's
	// subtree and each child's (StatsService.UniqueParticipants).
	Participants map[int64]int
	Titles       map[int64]string // menu item titles by id
	Updated      time.Time        // the last rollup; zero when none
}

// NewDashboard builds the dashboard. Rows outside the subtree or the days
// are left out.
func NewDashboard(in Input) *Dashboard {
	g := NewGroups(in.Unit, in.Units)
	rows := in.rows(g)
	t := Sum(rows)
	d := &Dashboard{UnitID: in.Unit.ID, UnitName: in.Unit.Name, From: in.From.String(), To: in.To.String(),
		Days: int(in.To-in.From) + 1, Headline: newHeadline(t, int64(in.Participants[in.Unit.ID]))}
	if !in.Updated.IsZero() {
		u := in.Updated.UTC()
		d.UpdatedAt = &u
	}
	byGroup := g.SumByGroup(rows)
	d.Charts = []*Chart{
		trendChart(ChartWeekly, "每周趋势", "周（周一）", weekBuckets(in.From, in.To), rows),
		trendChart(ChartMonthly, "每月趋势", "月份", monthBuckets(in.From, in.To), rows),
		branchChart(g, byGroup, in.Participants),
		categoryChart(rows),
		itemChart(rows, in.Titles),
		attendanceChart(g, byGroup),
		fulfilmentChart(g, byGroup),
	}
	return d
}

// rows keeps the input rows inside the subtree and the days.
func (in Input) rows(g *Groups) []culture.StatRow {
	out := make([]culture.StatRow, 0, len(in.Rows))
	for _, r := range in.Rows {
		if r.Day >= in.From && r.Day <= in.To && g.Of(r.UnitID) != nil {
			out = append(out, r)
		}
	}
	return out
}

func newHeadline(t Totals, participants int64) Headline {
	return Headline{
		Activities: t[culture.MetricActivities], Bookable: t[culture.MetricBookable],
		BookableShare: ratio(t[culture.MetricBookable], t[culture.MetricActivities]),
		Bookings:      t[culture.MetricBookings], Checkins: t[culture.MetricCheckins], NoShows: t[culture.MetricNoShows],
		Attendance: t[culture.MetricAttendance], Participants: participants,
		AttendanceRate: ratio(t[culture.MetricCheckins], t[culture.MetricCheckins]+t[culture.MetricNoShows]),
		NoShowRate:     ratio(t[culture.MetricNoShows], t[culture.MetricCheckins]+t[culture.MetricNoShows]),
		Supports:       t[culture.MetricSupports], Requests: t[culture.MetricRequests],
		DeliveriesDue: t[culture.MetricDeliveriesDue], DeliveriesHeld: t[culture.MetricDeliveriesHeld],
		Fulfilment: ratio(t[culture.MetricDeliveriesHeld], t[culture.MetricDeliveriesDue]),
		Members:    t[culture.MetricMembers], Ratings: t[culture.MetricRatings],
		AverageRating: ratio(t[culture.MetricRatingPoints], t[culture.MetricRatings]),
	}
}

// bucket is a span of days shown as one label.
type bucket struct {
	label    string
	from, to culture.Day
}

// WeekStart returns the Monday of d's week.
func WeekStart(d culture.Day) culture.Day {
	// 1970-01-01, day 0, was a Thursday: (d+3) mod 7 counts days since Monday.
	return d - culture.Day(((int(d)+3)%7+7)%7)
}

// MonthStart returns the first day of d's month.
func MonthStart(d culture.Day) culture.Day {
	y, m, _ := d.Start().Date()
	return firstOfMonth(y, m)
}

// nextMonth returns the first day of the month after d's.
func nextMonth(d culture.Day) culture.Day {
	y, m, _ := d.Start().Date()
	return firstOfMonth(y, m+1)
}

// weekBuckets lists the Monday-based weeks from–to spans, each labelled by
// its Monday (the first and last may be partial).
func weekBuckets(from, to culture.Day) []bucket {
	var out []bucket
	for w := WeekStart(from); w <= to; w += 7 {
		out = append(out, bucket{label: w.String(), from: max(w, from), to: min(w+6, to)})
	}
	return out
}

// monthBuckets lists the calendar months from–to spans.
func monthBuckets(from, to culture.Day) []bucket {
	var out []bucket
	for m := MonthStart(from); m <= to; m = nextMonth(m) {
		out = append(out, bucket{label: m.String()[:7], from: max(m, from), to: min(nextMonth(m)-1, to)})
	}
	return out
}

// trendMetrics are the metrics of the trend charts.
var trendMetrics = []string{culture.MetricActivities, culture.MetricBookings, culture.MetricCheckins, culture.MetricAttendance}

func trendChart(id, title, axis string, buckets []bucket, rows []culture.StatRow) *Chart {
	c := &Chart{ID: id, Title: title, Kind: KindLine, Axis: axis}
	sums := make([]Totals, len(buckets))
	for i, b := range buckets {
		c.Labels = append(c.Labels, b.label)
		sums[i] = Totals{}
	}
	for _, r := range rows {
		// Buckets are in day order: find r's by binary search.
		i, _ := slices.BinarySearchFunc(buckets, r.Day, func(b bucket, d culture.Day) int { return cmp.Compare(b.to, d) })
		if i < len(buckets) && r.Day >= buckets[i].from {
			sums[i].Add(r)
		}
	}
	for _, m := range trendMetrics {
		c.Series = append(c.Series, countSeries(culture.MetricLabels[m], sums, m))
	}
	return c.finish()
}

// countSeries takes metric m out of each totals.
func countSeries(name string, sums []Totals, m string) Series {
	s := Series{Name: name, Values: make([]Num, len(sums))}
	for i, t := range sums {
		s.Values[i] = Num(t[m])
	}
	return s
}

// groupLabel names a group: the viewed unit's own facts are "（本级）".
func groupLabel(g *Groups, u *culture.Unit) string {
	if u.ID == g.Root.ID {
		return u.Name + "（本级）"
	}
	return u.Name
}

// groupTotals lists the groups' labels and totals in order.
func groupTotals(g *Groups, byGroup map[int64]Totals) ([]string, []Totals) {
	var labels []string
	var sums []Totals
	for _, u := range g.Order {
		labels, sums = append(labels, groupLabel(g, u)), append(sums, byGroup[u.ID])
	}
	return labels, sums
}

func branchChart(g *Groups, byGroup map[int64]Totals, participants map[int64]int) *Chart {
	c := &Chart{ID: ChartBranches, Title: "各分馆（下级单位）对比", Kind: KindBar, Axis: "单位"}
	var sums []Totals
	c.Labels, sums = groupTotals(g, byGroup)
	for _, m := range []string{culture.MetricActivities, culture.MetricBookings, culture.MetricAttendance} {
		c.Series = append(c.Series, countSeries(culture.MetricLabels[m], sums, m))
	}
	// Distinct participants are counted per subtree: the viewed unit's own
	// row (本级) has no such count.
	p := Series{Name: culture.MetricLabels[culture.MetricParticipants], TableOnly: true}
	for _, u := range g.Order {
		n, ok := participants[u.ID]
		if u.ID == g.Root.ID || !ok {
			p.Values = append(p.Values, None)
		} else {
			p.Values = append(p.Values, Num(n))
		}
	}
	c.Series = append(c.Series, p,
		countSeries(culture.MetricLabels[culture.MetricSupports], sums, culture.MetricSupports),
		countSeries(culture.MetricLabels[culture.MetricDeliveriesHeld], sums, culture.MetricDeliveriesHeld))
	return c.finish()
}

func attendanceChart(g *Groups, byGroup map[int64]Totals) *Chart {
	c := &Chart{ID: ChartAttendance, Title: "出席率与爽约率", Kind: KindBar, Axis: "单位"}
	var sums []Totals
	c.Labels, sums = groupTotals(g, byGroup)
	att, no := Series{Name: "出席率", Percent: true}, Series{Name: "爽约率", Percent: true}
	for _, t := range sums {
		settled := t[culture.MetricCheckins] + t[culture.MetricNoShows]
		att.Values = append(att.Values, percent(ratio(t[culture.MetricCheckins], settled)))
		no.Values = append(no.Values, percent(ratio(t[culture.MetricNoShows], settled)))
	}
	c.Series = []Series{
		countSeries(culture.MetricLabels[culture.MetricCheckins], sums, culture.MetricCheckins),
		countSeries(culture.MetricLabels[culture.MetricNoShows], sums, culture.MetricNoShows),
		att, no,
	}
	return c.finish()
}

func fulfilmentChart(g *Groups, byGroup map[int64]Totals) *Chart {
	c := &Chart{ID: ChartFulfilment, Title: "配送履约", Kind: KindBar, Axis: "单位"}
	var sums []Totals
	c.Labels, sums = groupTotals(g, byGroup)
	rate := Series{Name: "履约率", Percent: true}
	for _, t := range sums {
		rate.Values = append(rate.Values, percent(ratio(t[culture.MetricDeliveriesHeld], t[culture.MetricDeliveriesDue])))
	}
	c.Series = []Series{
		countSeries(culture.MetricLabels[culture.MetricDeliveriesDue], sums, culture.MetricDeliveriesDue),
		countSeries(culture.MetricLabels[culture.MetricDeliveriesHeld], sums, culture.MetricDeliveriesHeld),
		rate,
	}
	return c.finish()
}

// categoryChart shows held activities by category, most first (ties by
// name).
func categoryChart(rows []culture.StatRow) *Chart {
	held, online := map[string]int64{}, map[string]int64{}
	for _, r := range rows {
		switch r.Metric {
		case culture.MetricActivities:
			held[r.Dim] += r.Value
		case culture.MetricBookable:
			online[r.Dim] += r.Value
		}
	}
	cats := make([]string, 0, len(held))
	for c, n := range held {
		if n > 0 {
			cats = append(cats, c)
		}
	}
	slices.SortFunc(cats, func(a, b string) int { return cmp.Or(cmp.Compare(held[b], held[a]), strings.Compare(a, b)) })
	c := &Chart{ID: ChartCategories, Title: "活动类别构成", Kind: KindPie, Axis: "类别"}
	h := Series{Name: culture.MetricLabels[culture.MetricActivities]}
	o := Series{Name: "其中" + culture.MetricLabels[culture.MetricBookable], TableOnly: true}
	for _, cat := range cats {
		c.Labels = append(c.Labels, cmp.Or(cat, "未分类"))
		h.Values, o.Values = append(h.Values, Num(held[cat])), append(o.Values, Num(online[cat]))
	}
	c.Series = []Series{h, o}
	return c.finish()
}

// ItemDemand is a menu item's supports and requests over a range.
type ItemDemand struct {
	ItemID             int64
	Supports, Requests int64
}

// Total is supports plus requests.
func (x ItemDemand) Total() int64 { return x.Supports + x.Requests }

// TopItems ranks menu items by supports plus requests (then supports,
// then id) and keeps the first n. Rows whose dimension is not an item id
// are left out.
func TopItems(rows []culture.StatRow, n int) []ItemDemand {
	by := map[int64]*ItemDemand{}
	for _, r := range rows {
		if r.Metric != culture.MetricSupports && r.Metric != culture.MetricRequests {
			continue
		}
		id, err := strconv.ParseInt(r.Dim, 10, 64)
		if err != nil || id <= 0 {
			continue
		}
		x := by[id]
		if x == nil {
			x = &ItemDemand{ItemID: id}
			by[id] = x
		}
		if r.Metric == culture.MetricSupports {
			x.Supports += r.Value
		} else {
			x.Requests += r.Value
		}
	}
	var out []ItemDemand
	for _, x := range by {
		if x.Total() > 0 {
			out = append(out, *x)
		}
	}
	slices.SortFunc(out, func(a, b ItemDemand) int {
		return cmp.Or(cmp.Compare(b.Total(), a.Total()), cmp.Compare(b.Supports, a.Supports), cmp.Compare(a.ItemID, b.ItemID))
	})
	return out[:min(n, len(out))]
}

// ItemTitle is how the dashboard names a menu item: its title, or
// "菜单 #id" when unknown.
func ItemTitle(titles map[int64]string, id int64) string {
	if t := titles[id]; t != "" {
		return t
	}
	return fmt.Sprintf("菜单 #%d", id)
}

func itemChart(rows []culture.StatRow, titles map[int64]string) *Chart {
	c := &Chart{ID: ChartItems, Title: "最受欢迎的菜单项目", Kind: KindHBar, Axis: "菜单项目"}
	s := Series{Name: culture.MetricLabels[culture.MetricSupports]}
	q := Series{Name: culture.MetricLabels[culture.MetricRequests]}
	total := Series{Name: "合计", TableOnly: true}
	for _, x := range TopItems(rows, TopItemsMax) {
		c.Labels = append(c.Labels, ItemTitle(titles, x.ItemID))
		s.Values, q.Values = append(s.Values, Num(x.Supports)), append(q.Values, Num(x.Requests))
		total.Values = append(total.Values, Num(x.Total()))
	}
	c.Series = []Series{s, q, total}
	return c.finish()
}

// chartKinds names chart kinds in the summaries.
var chartKinds = map[string]string{KindLine: "折线图", KindBar: "柱状图", KindPie: "饼图", KindHBar: "条形图"}

// finish fills the table and the summary from the labels and series.
func (c *Chart) finish() *Chart {
	// Empty lists are written [] in JSON, not null.
	if c.Labels == nil {
		c.Labels = []string{}
	}
	for i := range c.Series {
		if c.Series[i].Values == nil {
			c.Series[i].Values = []Num{}
		}
	}
	c.Table.Header = []string{c.Axis}
	var names []string
	for _, s := range c.Series {
		c.Table.Header = append(c.Table.Header, s.Name)
		if !s.TableOnly {
			names = append(names, s.Name)
		}
	}
	c.Table.Rows = make([][]string, len(c.Labels))
	for i, l := range c.Labels {
		row := []string{l}
		for _, s := range c.Series {
			row = append(row, FormatValue(s.Values[i], s.Percent))
		}
		c.Table.Rows[i] = row
	}
	if c.Kind == KindPie && len(names) > 0 {
		names = names[:1]
	}
	c.Summary = fmt.Sprintf("%s：%s，按%s列出%s，共 %d 项；具体数字见图下的数据表。",
		chartKinds[c.Kind], c.Title, c.Axis, strings.Join(names, "、"), len(c.Labels))
	return c
}

// FormatValue writes a count as an integer, a percentage with one decimal
// and "%", and an undefined value as "—".
func FormatValue(v Num, pct bool) string {
	switch {
	case !v.Valid():
		return "—"
	case pct:
		return strconv.FormatFloat(float64(v), 'f', 1, 64) + "%"
	}
	return strconv.FormatFloat(float64(v), 'f', -1, 64)
}

// FormatRate writes a ratio (0–1) as a percentage with one decimal.
func FormatRate(r Num) string { return FormatValue(percent(r), true) }

// Figure is a headline figure as shown: a label, the value and a note.
type Figure struct {
	Key   string // stable name, for tests and styling
	Label string
	Value string
	Note  string
}

// Figures lists the headline figures in the order the page shows them.
func (d *Dashboard) Figures() []Figure {
	h := d.Headline
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	rating := "—"
	if h.AverageRating.Valid() {
		rating = strconv.FormatFloat(float64(h.AverageRating), 'f', 1, 64)
	}
	return []Figure{
		{"activities", "举办活动", n(h.Activities), "线上预约占 " + FormatRate(h.BookableShare)},
		{"bookings", "预约", n(h.Bookings), "签到 " + n(h.Checkins) + "，爽约 " + n(h.NoShows)},
		{"attendance", "参与人次", n(h.Attendance), "参与人数 " + n(h.Participants)},
		{"attendance_rate", "出席率", FormatRate(h.AttendanceRate), "爽约率 " + FormatRate(h.NoShowRate)},
		{"supports", "点单支持", n(h.Supports), "分馆点单 " + n(h.Requests)},
		{"deliveries", "已配送", n(h.DeliveriesHeld), "应配送 " + n(h.DeliveriesDue) + "，履约率 " + FormatRate(h.Fulfilment)},
		{"members", "新增社群成员", n(h.Members), ""},
		{"rating", "平均评分", rating, n(h.Ratings) + " 条评价"},
	}
}
