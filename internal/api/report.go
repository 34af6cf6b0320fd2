package api

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
)

// Refusals of the report routes.
var (
	errNoReports    = notFound("统计报表功能未启用。")
	errReportFormat = culture.Invalid("format", "参数 format 应为 json、csv 或 xlsx。")
	errReportNoUnit = culture.Invalid("unit_id", "请用参数 unit_id 指定单位。")
)

// reportRoutes lists the issue-6 routes of this file; each answers 404 without
// its service.
func (a *API) reportRoutes(r router) {
	s := a.with(a.stats != nil, errNoReports)
	r.Handle("GET /api/v1/reports/service", a.requireAccount(s(a.handleServiceReport)))
}

// reportJSON is a service report: a section per branch (and the unit's
// own activities), the total, each month by month.
type reportJSON struct {
	Title       string        `json:"title"`
	UnitID      int64         `json:"unit_id"`
	UnitName    string        `json:"unit_name"`
	Period      periodJSON    `json:"period"`
	GeneratedAt time.Time     `json:"generated_at"`
	Sections    []sectionJSON `json:"sections"`
	Total       sectionJSON   `json:"total"`
}

type periodJSON struct {
	Kind    string  `json:"kind"`
	Name    string  `json:"name"`
	Title   string  `json:"title"`
	From    string  `json:"from"`
	To      string  `json:"to"`
	Days    int     `json:"days"`
	Weeks   float64 `json:"weeks"`
	Clipped bool    `json:"clipped"`
}

type sectionJSON struct {
	UnitID  int64          `json:"unit_id"`
	Name    string         `json:"name"`
	Own     bool           `json:"own"`
	Figures report.Figures `json:"figures"`
	Months  []monthJSON    `json:"months"`
}

type monthJSON struct {
	Month   string         `json:"month"`
	From    string         `json:"from"`
	To      string         `json:"to"`
	Figures report.Figures `json:"figures"`
}

func newSectionJSON(s report.Section) sectionJSON {
	out := sectionJSON{UnitID: s.UnitID, Name: s.Name, Own: s.Own, Figures: s.Figures, Months: []monthJSON{}}
	for _, m := range s.Months {
		out.Months = append(out.Months, monthJSON{Month: m.Name, From: m.From.String(), To: m.To.String(), Figures: m.Figures})
	}
	return out
}

func newReportJSON(r *report.Report) reportJSON {
	p := r.Period
	out := reportJSON{Title: r.Title, UnitID: r.Unit.ID, UnitName: r.Unit.Name, GeneratedAt: r.Generated.UTC(),
		Period: periodJSON{Kind: p.Kind, Name: p.Name, Title: p.Title(), From: p.From.String(), To: p.To.String(),
			Days: p.Days(), Weeks: p.Weeks(), Clipped: p.Clipped},
		Sections: []sectionJSON{}, Total: newSectionJSON(r.Total)}
	for _, s := range r.Sections {
		out.Sections = append(out.Sections, newSectionJSON(s))
	}
	return out
}

// handleServiceReport answers the service report of unit_id over period
// (2026Q3, 2026) or from/to, by default the current quarter, as JSON, CSV
// or an Excel workbook. It needs view_stats at the unit.
func (a *API) handleServiceReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "json"
	}
	u, err := a.reportUnit(r)
	var p report.Period
	switch {
	case err != nil:
	case format != "json" && format != "csv" && format != "xlsx":
		err = errReportFormat
	default:
		p, err = a.reportPeriod(r)
	}
	var rep *report.Report
	if err == nil {
		rep, err = report.Build(r.Context(), report.Source{Stats: a.stats, Units: a.units}, u, p, a.now())
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if format == "json" {
		a.writeJSON(w, r, http.StatusOK, newReportJSON(rep))
		return
	}
	a.writeReportFile(w, r, rep, format)
}

// reportUnit reads unit_id, which a report requires (400 without); the
// rest is statsUnit: malformed 400, no such unit 404, a unit where the
// caller may not view statistics 403.
func (a *API) reportUnit(r *http.Request) (*culture.Unit, error) {
	if r.URL.Query().Get("unit_id") == "" {
		return nil, errReportNoUnit
	}
	return a.statsUnit(r)
}

// reportPeriod reads period, or from and to; none is the current quarter.
func (a *API) reportPeriod(r *http.Request) (report.Period, error) {
	q, today := r.URL.Query(), culture.DayOf(a.now())
	period, from, to := q.Get("period"), q.Get("from"), q.Get("to")
	if period == "" && from == "" && to == "" {
		period = report.Quarter(today)
	}
	return report.ParseQuery(period, from, to, today)
}

// reportFiles are the download formats: content type and writer.
var reportFiles = map[string]struct {
	contentType string
	write       func(w *bytes.Buffer, r *report.Report) error
}{
	"csv": {"text/csv; charset=utf-8", func(w *bytes.Buffer, r *report.Report) error { return report.WriteCSV(w, r) }},
	"xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		func(w *bytes.Buffer, r *report.Report) error { return report.WriteXLSX(w, r) }},
}

func (a *API) writeReportFile(w http.ResponseWriter, r *http.Request, rep *report.Report, format string) {
	f := reportFiles[format]
	var buf bytes.Buffer
	if err := f.write(&buf, rep); err != nil {
		a.writeError(w, r, fmt.Errorf("write report %s: %w", format, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="service-report-%d-%s.%s"`, rep.Unit.ID, rep.Period.Name, format))
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("X-Content-Type-Options", "nosniff")
	buf.WriteTo(w)
}
