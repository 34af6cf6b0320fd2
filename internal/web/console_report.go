package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
)

// Service reports and booking exports in the console (issue 6). Staff who
// may view statistics at a unit (operator, hub and branch admins,
// officials) choose the unit and a quarter, year or custom range, see the
// summary and download it as Excel or CSV; they also export the bookings
// of a range of days, mobile numbers in full only where they manage the
// activity's unit (see report/bookings.go). Checkers export nothing.

// Refusals of the report pages; those about the chosen unit name its
// field, for the form.
var (
	errReportNoStats  = culture.Errorf(culture.EFORBIDDEN, "您没有查看统计报表的权限。")
	errReportForeign  = &culture.Error{Code: culture.EFORBIDDEN, Field: "unit", Message: "您无权查看该单位的报表和预约：它不在您负责的范围内。"}
	errReportNoUnit   = &culture.Error{Code: culture.ENOTFOUND, Field: "unit", Message: "单位不存在。"}
	errReportNoExport = culture.Errorf(culture.EFORBIDDEN, "您没有导出名单的权限。")
)

// consoleReportRoutes lists this file's console routes.
func (s *Server) consoleReportRoutes(staff func(string, http.HandlerFunc)) {
	staff("GET /console/reports", s.reportOnly(s.handleConsoleReports))
	staff("GET /console/reports/service.xlsx", s.reportOnly(s.handleConsoleReportXLSX))
	staff("GET /console/reports/service.csv", s.reportOnly(s.handleConsoleReportCSV))
	staff("GET /console/reports/bookings.csv", s.exportOnly(s.handleConsoleBookingsCSV))
	staff("GET /console/reports/bookings.xlsx", s.exportOnly(s.handleConsoleBookingsXLSX))
}

// reportOnly answers 404 without the statistics service and 403 to staff
// who view statistics nowhere.
func (s *Server) reportOnly(h http.HandlerFunc) http.HandlerFunc {
	return s.consoleGate(func() bool { return s.Stats != nil }, culture.ActViewStats, errReportNoStats, h)
}

// exportOnly answers 404 when no service can export bookings (see
// bookingSource) and 403 to staff who may export nowhere.
func (s *Server) exportOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		acc := consoleAccount(r)
		switch {
		case s.bookingSource() == nil:
			s.notFound(w, r)
		case !acc.CanAnywhere(culture.ActViewStats) && !acc.CanAnywhere(culture.ActManageActivities):
			s.error(w, r, errReportNoExport)
		default:
			h(w, r)
		}
	}
}

// bookingSource returns the first configured service that can serve
// booking exports (cmd wires the *sqlstore.Store, which can, as Activities
// and Stats; Bookings may be the booking engine in front of it), or nil.
func (s *Server) bookingSource() report.BookingSource {
	for _, v := range []any{s.Bookings, s.Activities, s.Stats} {
		if src, ok := v.(report.BookingSource); ok {
			return src
		}
	}
	return nil
}

// canExport reports whether acc may export the bookings of unit u: it
// views statistics or manages activities there.
func canExport(acc *culture.Account, u *culture.Unit) bool {
	return acc.Can(culture.ActViewStats, u) || acc.Can(culture.ActManageActivities, u)
}

// reportUnit reads ?unit=: by default the first unit where acc may do
// any of acts; an id that names no unit is 404, a unit outside acc's subtrees 403.
func (s *Server) reportUnit(ctx context.Context, acc *culture.Account, v string, allowed func(*culture.Unit) bool, acts ...string) (*culture.Unit, error) {
	var id int64
	if v == "" {
		roots := consoleRoots(acc, acts...)
		if len(roots) == 0 {
			return nil, errReportNoStats
		}
		id = roots[0]
	} else if n, err := strconv.ParseInt(v, 10, 64); err != nil || n <= 0 {
		return nil, errReportNoUnit
	} else {
		id = n
	}
	u, err := s.Units.FindUnitByID(ctx, id)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND:
		return nil, errReportNoUnit
	case err != nil:
		return nil, err
	case !allowed(u):
		return nil, errReportForeign
	}
	return u, nil
}

// reportQuery is what a report request names.
type reportQuery struct {
	Unit   *culture.Unit
	Period report.Period
	// Form values as sent (for the form), the period defaulted.
	PeriodValue, From, To string
}

// reportQueryOf reads ?unit=&period= (2026Q3, 2026, or custom with
// from=&to=); without any, the current quarter. The unit is checked before
// the period.
func (s *Server) reportQueryOf(r *http.Request) (reportQuery, error) {
	q, today := r.URL.Query(), culture.DayOf(s.Now())
	rq := reportQuery{PeriodValue: q.Get("period"), From: q.Get("from"), To: q.Get("to")}
	switch {
	case rq.PeriodValue == "" && rq.From == "" && rq.To == "":
		rq.PeriodValue = report.Quarter(today)
	case rq.PeriodValue == "":
		rq.PeriodValue = report.KindCustom
	case rq.PeriodValue != report.KindCustom:
		rq.From, rq.To = "", "" // the form sends its date fields too
	}
	acc := consoleAccount(r)
	var err error
	rq.Unit, err = s.reportUnit(r.Context(), acc, q.Get("unit"),
		func(u *culture.Unit) bool { return acc.Can(culture.ActViewStats, u) }, culture.ActViewStats)
	if err != nil {
		return rq, err
	}
	rq.Period, err = report.ParseQuery(rq.PeriodValue, rq.From, rq.To, today)
	return rq, err
}

// buildReport computes the report a query names.
func (s *Server) buildReport(ctx context.Context, rq reportQuery) (*report.Report, error) {
	return report.Build(ctx, report.Source{Stats: s.Stats, Units: s.Units}, rq.Unit, rq.Period, s.Now())
}

// consoleReportPage is the reports page: the form, the summary of the
// chosen report (or why there is none), the download links, and the
// booking export form.
type consoleReportPage struct {
	Page
	Units  []consoleUnitRow
	UnitID int64
	// UnitInput is the unit asked for when it is none of Units (unknown,
	// or outside the viewer's subtrees): the form shows it, selected.
	UnitInput string
	// Choices are the periods offered, with the one asked for among them.
	Choices []report.Choice
	Period  string
	From    string
	To      string
	// Error explains a refused choice (with ErrorStatus); Report is nil
	// then. ErrorField names the control at fault: unit, period, from or
	// to.
	Error       string
	ErrorField  string
	Report      *report.Report
	Columns     []report.Column
	Notes       []string
	XLSXURL     string
	CSVURL      string
	Generated   string
	CanBookings bool
	// BookingFrom and BookingTo preset the booking export's days: the
	// report's period.
	BookingFrom, BookingTo string
}

func (s *Server) handleConsoleReports(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	units, err := s.consoleScope(r.Context(), acc, culture.ActViewStats)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rq, err := s.reportQueryOf(r)
	data := consoleReportPage{Page: s.page(r, "服务报表"), Units: units, Period: rq.PeriodValue, From: rq.From, To: rq.To,
		Columns: report.Columns, Notes: report.Notes, CanBookings: s.bookingSource() != nil}
	if rq.Unit != nil {
		data.UnitID = rq.Unit.ID
	}
	if err == nil {
		data.Report, err = s.buildReport(r.Context(), rq)
	}
	status := http.StatusOK
	switch code := culture.ErrorCode(err); {
	case err == nil:
		data.fill(rq)
	case code == culture.EINTERNAL:
		s.error(w, r, err)
		return
	default:
		status, data.Error, data.ErrorField = statusOf[code], culture.ErrorMessage(err), errorField(err)
		if data.ErrorField == "unit" {
			data.UnitInput = r.URL.Query().Get("unit")
		}
	}
	data.Choices = report.ChoicesWith(culture.DayOf(s.Now()), data.Period)
	s.render(w, r, status, "console_report", "", data)
}

// fill sets the links and presets that follow from a report.
func (p *consoleReportPage) fill(rq reportQuery) {
	v := url.Values{"unit": {strconv.FormatInt(rq.Unit.ID, 10)}}
	if rq.Period.Kind == report.KindCustom {
		v.Set("period", report.KindCustom)
		v.Set("from", rq.Period.From.String())
		v.Set("to", rq.Period.To.String())
	} else {
		v.Set("period", rq.Period.Name)
		p.Period = rq.Period.Name // as the form offers it: 2026Q3, not 2026q3
	}
	p.XLSXURL = "/console/reports/service.xlsx?" + v.Encode()
	p.CSVURL = "/console/reports/service.csv?" + v.Encode()
	p.Generated = report.GeneratedAt(p.Report.Generated)
	p.BookingFrom, p.BookingTo = rq.Period.From.String(), rq.Period.To.String()
}

func (s *Server) handleConsoleReportXLSX(w http.ResponseWriter, r *http.Request) {
	s.consoleReportFile(w, r, "xlsx", report.WriteXLSX)
}

func (s *Server) handleConsoleReportCSV(w http.ResponseWriter, r *http.Request) {
	s.consoleReportFile(w, r, "csv", report.WriteCSV)
}

// consoleReportFile builds the report the query names and sends it as a
// download written by write.
func (s *Server) consoleReportFile(w http.ResponseWriter, r *http.Request, ext string, write func(io.Writer, *report.Report) error) {
	rq, err := s.reportQueryOf(r)
	var rep *report.Report
	if err == nil {
		rep, err = s.buildReport(r.Context(), rq)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.sendFile(w, r, ext, reportFileName(rq.Unit.ID, rq.Period, ext), func(w io.Writer) error { return write(w, rep) })
}

// reportFileName names a report's download: service-report-3-2026Q3.xlsx.
func reportFileName(unitID int64, p report.Period, ext string) string {
	return fmt.Sprintf("service-report-%d-%s.%s", unitID, p.Name, ext)
}

// contentTypes of the downloads.
var contentTypes = map[string]string{
	"csv":  "text/csv; charset=utf-8",
	"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// sendFile answers with the file write writes, as an attachment that no
// cache keeps (it may hold personal data), straight to the response: the
// headers go with its first byte. An error before that byte is answered
// as any error is; after it the status is sent and the client has part of
// a file, so the error is logged and the connection is cut short (see
// download.abort) for the download to fail rather than look complete.
// (The writers produce their files from rows already read — a CSV row by
// row, a workbook whole before its first byte — so an error once bytes
// are out is one of writing to the client.)
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, ext, name string, write func(io.Writer) error) {
	d := &download{w: w, ext: ext, name: name}
	err := write(d)
	switch {
	case err == nil:
	case d.n == 0:
		s.serverError(w, r, err)
	default:
		s.Logger.WarnContext(r.Context(), "download cut short", "path", r.URL.Path, "file", name, "sent", d.n, "err", err)
		d.abort()
	}
}

// download writes a file to the response, its headers set with the first
// byte.
type download struct {
	w         http.ResponseWriter
	ext, name string
	n         int64 // bytes written
}

func (d *download) Write(p []byte) (int, error) {
	if d.n == 0 && len(p) > 0 {
		h := d.w.Header()
		h.Set("Content-Type", contentTypes[d.ext])
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, d.name))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
	}
	n, err := d.w.Write(p)
	d.n += int64(n)
	return n, err
}

// abort cuts the connection of a download that failed midway, so that the
// client sees a broken transfer, not a shorter file; where the connection
// cannot be taken over (HTTP/2) the response ends as it is.
func (d *download) abort() {
	conn, _, err := http.NewResponseController(d.w).Hijack()
	if err == nil {
		conn.Close()
	}
}
