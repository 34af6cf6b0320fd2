package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
)

// Statistics in the console: the dashboard of a unit's subtree over a
// day range (/console/stats) and the big screen for a hub's lobby
// (/console/stats/screen), which refreshes itself from data.json. Both
// read the rollups (culture.StatsService); staff who may view statistics
// at a unit (culture.ActViewStats) see its subtree. Built dashboards are
// cached until the next rebuild of the rollup (figures.Cache): a refresh
// of the big screen costs one LastRollup query, and nothing more when the
// screen already shows that rollup's version (204).

// Refusals of the statistics pages.
var (
	errNoStats      = culture.Errorf(culture.EFORBIDDEN, "您没有查看统计数据的权限。")
	errStatsOutside = culture.Errorf(culture.EFORBIDDEN, "只能查看您所在单位及其下级单位的统计数据。")
	errStatsUnit    = culture.Errorf(culture.ENOTFOUND, "单位不存在。")
)

// The big screen's refresh period: ?refresh= seconds, clamped. The
// rollup changes every 5 minutes at most; a faster refresh shows nothing
// new.
const (
	screenRefreshDefault = 60
	screenRefreshMin     = 30
	screenRefreshMax     = 3600
)

// statsCacheSize bounds the built dashboards kept per server: the big
// screens and the ranges being looked at.
const statsCacheSize = 48

// screenCharts are the charts the big screen shows.
var screenCharts = []string{figures.ChartMonthly, figures.ChartBranches, figures.ChartCategories, figures.ChartItems}

// consoleStatsRoutes lists this file's console routes (issue 6).
func (s *Server) consoleStatsRoutes(staff func(string, http.HandlerFunc)) {
	p := &statsPages{Server: s, cache: figures.NewCache(statsCacheSize)}
	st := func(pattern string, h http.HandlerFunc) { staff(pattern, s.statsOnly(h)) }
	st("GET /console/stats", p.handleConsoleStats)
	st("GET /console/stats/screen", p.handleConsoleStatsScreen)
	st("GET /console/stats/screen/data.json", p.handleConsoleStatsScreenData)
}

// statsPages serves the statistics pages, sharing one cache of built
// dashboards.
type statsPages struct {
	*Server
	cache *figures.Cache
}

// dashboard returns the dashboard of u over from–to as of run (read by
// the caller: see figures.Sources.Build), from the cache when built
// before.
func (p *statsPages) dashboard(r *http.Request, u *culture.Unit, from, to culture.Day, run culture.RollupRun) (*figures.Dashboard, error) {
	src := figures.Sources{Stats: p.Stats, Units: p.Units, Menu: p.Menu}
	return p.cache.Load(r.Context(), src, u, from, to, run)
}

// statsOnly answers 404 without the statistics service, and 403 to staff
// who may view statistics nowhere.
func (s *Server) statsOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.consoleGate(func() bool { return s.Stats != nil }, culture.ActViewStats, errNoStats, h)
}

// statsUnit reads ?unit= (by default the widest unit where the account may
// view statistics): unknown is ENOTFOUND, outside the account's subtrees
// EFORBIDDEN.
func (s *Server) statsUnit(r *http.Request) (*culture.Unit, error) {
	acc := consoleAccount(r)
	id, ok := figures.TopUnit(acc)
	if v := r.URL.Query().Get("unit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return nil, errStatsUnit
		}
		id, ok = n, true
	}
	if !ok {
		return nil, errNoStats
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND:
		return nil, errStatsUnit
	case err != nil:
		return nil, err
	case !acc.Can(culture.ActViewStats, u):
		return nil, errStatsOutside
	}
	return u, nil
}

// statsView is what the dashboard and the big screen show of a dashboard.
type statsView struct {
	Dash *figures.Dashboard
}

// chartSpec is what stats.js draws a chart from (the series it plots).
type chartSpec struct {
	ID     string           `json:"id"`
	Kind   string           `json:"kind"`
	Title  string           `json:"title"`
	Labels []string         `json:"labels"`
	Series []figures.Series `json:"series"`
}

// Spec returns c's drawing data, for its JSON data island.
func (statsView) Spec(c *figures.Chart) chartSpec {
	sp := chartSpec{ID: c.ID, Kind: c.Kind, Title: c.Title, Labels: c.Labels, Series: []figures.Series{}}
	for _, x := range c.Series {
		if !x.TableOnly {
			sp.Series = append(sp.Series, x)
		}
	}
	return sp
}

// statsChartView is one chart as a page shows it.
type statsChartView struct {
	Chart *figures.Chart
	Spec  chartSpec
	Range string
	// Screen marks the big screen, where the table is for screen readers
	// only.
	Screen bool
}

// Item returns what the stats_chart partial shows of c.
func (v statsView) Item(c *figures.Chart) statsChartView {
	return statsChartView{Chart: c, Spec: v.Spec(c), Range: v.Range()}
}

// Updated says when the rollup was last rebuilt.
func (v statsView) Updated() string {
	if v.Dash == nil || v.Dash.UpdatedAt == nil {
		return "统计数据尚未生成，系统每 5 分钟汇总一次。"
	}
	return "数据更新于 " + fmtStatsTime(*v.Dash.UpdatedAt)
}

// Version changes with each rollup (figures.Version): the big screen
// marks it on the page and sends it back with each refresh.
func (v statsView) Version() string {
	if v.Dash == nil || v.Dash.Version == "" {
		return "0"
	}
	return v.Dash.Version
}

// Range describes the dashboard's days.
func (v statsView) Range() string {
	if v.Dash == nil {
		return ""
	}
	return fmt.Sprintf("%s 至 %s，共 %d 天", v.Dash.From, v.Dash.To, v.Dash.Days)
}

// fmtStatsTime shows a time as "2026年5月17日 14:05".
func fmtStatsTime(t time.Time) string {
	l := t.In(culture.Shanghai)
	return fmt.Sprintf("%d年%d月%d日 %s", l.Year(), l.Month(), l.Day(), l.Format("15:04"))
}

// consoleStatsPage is the dashboard, or its form refused (Dash nil).
type consoleStatsPage struct {
	Page
	statsView
	Units    []consoleUnitRow // where the account may view statistics
	Unit     *culture.Unit
	From, To string // the form's values
	// Error says why the range was refused; ErrorField names the input.
	Error, ErrorField string
	Quick             []statsLink
	ScreenURL         string
}

// statsLink is a quick range.
type statsLink struct {
	Label, URL string
	Current    bool
}

func (p *statsPages) handleConsoleStats(w http.ResponseWriter, r *http.Request) {
	u, err := p.statsUnit(r)
	if err != nil {
		p.error(w, r, err)
		return
	}
	data, err := p.statsPage(r, u)
	if err != nil {
		p.error(w, r, err)
		return
	}
	q := r.URL.Query()
	from, to, err := figures.ParseRange(q.Get("from"), q.Get("to"), culture.DayOf(p.Now()))
	if culture.ErrorCode(err) == culture.EINVALID {
		data.Error, data.ErrorField = culture.ErrorMessage(err), errorField(err)
		p.render(w, r, http.StatusBadRequest, "console_stats", "", data)
		return
	}
	data.From, data.To = from.String(), to.String()
	run, err := p.Stats.LastRollup(r.Context())
	if err == nil {
		data.Dash, err = p.dashboard(r, u, from, to, run)
	}
	if err != nil {
		p.error(w, r, err)
		return
	}
	data.markQuick()
	p.render(w, r, http.StatusOK, "console_stats", "", data)
}

// statsPage fills the dashboard's page around u: the unit choice, the
// form as sent, the quick ranges.
func (s *Server) statsPage(r *http.Request, u *culture.Unit) (consoleStatsPage, error) {
	units, err := s.consoleScope(r.Context(), consoleAccount(r), culture.ActViewStats)
	q := r.URL.Query()
	data := consoleStatsPage{Page: s.page(r, "数据统计"), Units: units, Unit: u, From: q.Get("from"), To: q.Get("to"),
		ScreenURL: fmt.Sprintf("/console/stats/screen?unit=%d", u.ID)}
	for _, qr := range figures.QuickRanges(culture.DayOf(s.Now())) {
		data.Quick = append(data.Quick, statsLink{Label: qr.Label, URL: statsURL(u.ID, qr.From, qr.To)})
	}
	return data, err
}

// markQuick marks the quick range the dashboard shows, if any.
func (p *consoleStatsPage) markQuick() {
	for i := range p.Quick {
		p.Quick[i].Current = p.Quick[i].URL == statsURL(p.Unit.ID, mustDay(p.From), mustDay(p.To))
	}
}

func mustDay(s string) culture.Day {
	d, _ := culture.ParseDay(s)
	return d
}

// statsURL is the dashboard's address for a unit and range.
func statsURL(unit int64, from, to culture.Day) string {
	v := url.Values{"unit": {strconv.FormatInt(unit, 10)}, "from": {from.String()}, "to": {to.String()}}
	return "/console/stats?" + v.Encode()
}

// consoleStatsScreenPage is the big screen: a full-screen document of its
// own (the block "screen"), refreshed from DataURL every Refresh seconds.
type consoleStatsScreenPage struct {
	Page
	statsView
	Unit    *culture.Unit
	Refresh int
	DataURL string
	BackURL string
}

// Charts are the charts the big screen shows.
func (p consoleStatsScreenPage) Charts() []*figures.Chart {
	var out []*figures.Chart
	for _, id := range screenCharts {
		if c := p.Dash.Chart(id); c != nil {
			out = append(out, c)
		}
	}
	return out
}

// Item returns what the stats_chart partial shows of c on the screen.
func (p consoleStatsScreenPage) Item(c *figures.Chart) statsChartView {
	v := p.statsView.Item(c)
	v.Screen = true
	return v
}

func (p *statsPages) handleConsoleStatsScreen(w http.ResponseWriter, r *http.Request) {
	sr, err := p.screenRequest(r)
	var d *figures.Dashboard
	if err == nil {
		d, err = sr.dashboard(p, r)
	}
	if err != nil {
		p.error(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, "console_stats_screen", "screen", consoleStatsScreenPage{
		Page: p.page(r, sr.unit.Name+"数据大屏"), statsView: statsView{Dash: d}, Unit: sr.unit,
		Refresh: screenRefresh(r), DataURL: fmt.Sprintf("/console/stats/screen/data.json?unit=%d", sr.unit.ID),
		BackURL: fmt.Sprintf("/console/stats?unit=%d", sr.unit.ID)})
}

// screenRequest is what the big screen shows: a unit's dashboard over the
// twelve months to today, as of the last rollup.
type screenRequest struct {
	unit *culture.Unit
	rng  figures.QuickRange
	run  culture.RollupRun
}

// screenRequest reads the big screen's unit, range and the last rollup.
func (p *statsPages) screenRequest(r *http.Request) (screenRequest, error) {
	u, err := p.statsUnit(r)
	if err != nil {
		return screenRequest{}, err
	}
	run, err := p.Stats.LastRollup(r.Context())
	return screenRequest{unit: u, rng: figures.TwelveMonths(culture.DayOf(p.Now())), run: run}, err
}

// version is the version of the dashboard sr shows (figures.Version).
func (sr screenRequest) version() string { return figures.Version(sr.run, sr.rng.From, sr.rng.To) }

func (sr screenRequest) dashboard(p *statsPages, r *http.Request) (*figures.Dashboard, error) {
	return p.dashboard(r, sr.unit, sr.rng.From, sr.rng.To, sr.run)
}

// screenRefresh reads ?refresh= seconds; anything else than a number in
// range is clamped or the default.
func screenRefresh(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("refresh"))
	if err != nil {
		return screenRefreshDefault
	}
	return min(max(n, screenRefreshMin), screenRefreshMax)
}

// screenData is the big screen's refresh: its figures, charts and tables.
type screenData struct {
	Version string         `json:"version"`
	Updated string         `json:"updated"`
	Range   string         `json:"range"`
	Figures []screenFigure `json:"figures"`
	Charts  []screenChart  `json:"charts"`
}

type screenFigure struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Note  string `json:"note"`
}

type screenChart struct {
	Spec  chartSpec     `json:"spec"`
	Table figures.Table `json:"table"`
}

// handleConsoleStatsScreenData answers the big screen's refresh: 204
// when ?version= is the version it would send (nothing changed), else the
// dashboard.
func (p *statsPages) handleConsoleStatsScreenData(w http.ResponseWriter, r *http.Request) {
	sr, err := p.screenRequest(r)
	if err == nil && r.URL.Query().Get("version") == sr.version() {
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var d *figures.Dashboard
	if err == nil {
		d, err = sr.dashboard(p, r)
	}
	if err != nil {
		p.statsJSONError(w, r, err)
		return
	}
	writeStatsJSON(w, http.StatusOK, newScreenData(d))
}

// newScreenData is the big screen's refresh of d.
func newScreenData(d *figures.Dashboard) screenData {
	p := consoleStatsScreenPage{statsView: statsView{Dash: d}}
	out := screenData{Version: p.Version(), Updated: p.Updated(), Range: p.Range()}
	for _, f := range d.Figures() {
		out.Figures = append(out.Figures, screenFigure{Key: f.Key, Value: f.Value, Note: f.Note})
	}
	for _, c := range p.Charts() {
		out.Charts = append(out.Charts, screenChart{Spec: p.Spec(c), Table: c.Table})
	}
	return out
}

// statsJSONError answers data.json's failures as JSON: the user-safe
// message and the mapped status; internal errors are logged.
func (s *Server) statsJSONError(w http.ResponseWriter, r *http.Request, err error) {
	code := culture.ErrorCode(err)
	msg := culture.ErrorMessage(err)
	if code == culture.EINTERNAL {
		s.Logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		msg = "系统内部错误，请稍后再试。"
	}
	writeStatsJSON(w, statusOf[code], map[string]string{"error": msg})
}

func writeStatsJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only plain data is marshalled
		status, b = http.StatusInternalServerError, []byte(`{"error":"系统内部错误，请稍后再试。"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}
