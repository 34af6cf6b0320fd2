package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
)

// Exports of names and mobile numbers: the attendees of one activity
// (CSV) and the bookings of a unit's activities over a range of days (CSV
// or Excel). Ticket codes, names and mobile numbers are shown in full
// only to staff who manage activities at the activity's unit — they call
// attendees when an activity changes and let them in — and each export
// that shows a number writes an audit_log row first; staff who only view
// statistics there (officials) get them masked (******XA2B, 李**,
// 138****5678; see report.BookingLines); everyone else, checkers
// included, is refused. Files are written straight to the response.

var consoleCSVHeader = []string{"票码", "参加人", "手机", "人数", "状态", "预约时间", "签到时间"}

func (s *Server) handleConsoleAttendeesCSV(w http.ResponseWriter, r *http.Request) {
	a, full, ok := s.consoleExportActivity(w, r)
	if !ok {
		return
	}
	acc := consoleAccount(r)
	bookings, err := s.consoleBookingsOf(r.Context(), a.ID)
	if err == nil && full {
		err = s.auditFullPhones(r.Context(), acc, report.AuditAttendees, fmt.Sprintf("activity:%d", a.ID),
			fmt.Sprintf("活动“%s”的参加人名单，%d 条预约", a.Title, len(bookings)), countPhones(bookings))
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.sendFile(w, r, "csv", fmt.Sprintf("activity-%d-attendees.csv", a.ID), func(w io.Writer) error {
		return writeAttendeesCSV(w, bookings, full)
	})
}

// consoleExportActivity loads the activity named by the path for an
// attendee export: full is true where the account manages activities at
// its unit; viewing statistics there is enough for masked numbers. On
// failure it answers (404 for no such activity, 403 otherwise).
func (s *Server) consoleExportActivity(w http.ResponseWriter, r *http.Request) (a *culture.Activity, full, ok bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false, false
	}
	acc := consoleAccount(r)
	a, err := s.Activities.FindActivityByID(r.Context(), id)
	var u *culture.Unit
	if err == nil {
		u, err = s.Units.FindUnitByID(r.Context(), a.UnitID)
	}
	switch {
	case err != nil:
		s.error(w, r, err)
		return nil, false, false
	case acc.Can(culture.ActManageActivities, u):
		// Without an audit log no full number leaves.
		return a, s.bookingSource() != nil, true
	case acc.Can(culture.ActViewStats, u):
		return a, false, true
	}
	s.error(w, r, culture.ErrForbidden)
	return nil, false, false
}

// countPhones counts the bookings with a phone number.
func countPhones(bs []*culture.Booking) int {
	n := 0
	for _, b := range bs {
		if b.Phone != "" {
			n++
		}
	}
	return n
}

// auditFullPhones writes the audit row of an export that shows shown full
// numbers; nothing when it shows none.
func (s *Server) auditFullPhones(ctx context.Context, acc *culture.Account, action, target, what string, shown int) error {
	if shown == 0 {
		return nil
	}
	return s.bookingSource().AuditExport(ctx, acc.ID, action, target, fmt.Sprintf("%s，含 %d 个完整手机号", what, shown))
}

// writeAttendeesCSV writes one row per booking, in full when full (else
// masked as report.BookingLines masks), every cell guarded against
// spreadsheet formulas.
func writeAttendeesCSV(w io.Writer, bookings []*culture.Booking, full bool) error {
	cw, err := report.NewCSV(w)
	if err != nil {
		return err
	}
	cw.Write(consoleCSVHeader)
	lines, _ := report.BookingLines(bookings, func(*culture.Booking) bool { return full })
	for _, l := range lines {
		cw.Write(csvSafeRow(l.Code, l.Attendees, l.Phone, strconv.Itoa(l.Seats), l.Status,
			report.Stamp(&l.CreatedAt), report.Stamp(l.CheckedInAt)))
	}
	cw.Flush()
	return cw.Error()
}

// csvSafeRow neutralises cells a spreadsheet would run as a formula (CSV
// injection); see report.SafeRow.
func csvSafeRow(cells ...string) []string { return report.SafeRow(cells...) }

func (s *Server) handleConsoleBookingsCSV(w http.ResponseWriter, r *http.Request) {
	s.consoleBookingsFile(w, r, "csv")
}

func (s *Server) handleConsoleBookingsXLSX(w http.ResponseWriter, r *http.Request) {
	s.consoleBookingsFile(w, r, "xlsx")
}

// consoleBookingsFile exports the bookings of ?unit='s activities starting
// ?from= to ?to=, as CSV or Excel.
func (s *Server) consoleBookingsFile(w http.ResponseWriter, r *http.Request, ext string) {
	acc, q := consoleAccount(r), r.URL.Query()
	e := report.BookingExport{Generated: s.Now()}
	u, err := s.reportUnit(r.Context(), acc, q.Get("unit"), func(u *culture.Unit) bool { return canExport(acc, u) },
		culture.ActViewStats, culture.ActManageActivities)
	if err == nil {
		e.Unit = u
		e.From, e.To, err = report.BookingRange(q.Get("from"), q.Get("to"), culture.DayOf(s.Now()))
	}
	var lines []report.BookingLine
	if err == nil {
		lines, err = s.bookingLines(r.Context(), acc, e)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.sendFile(w, r, ext, fmt.Sprintf("bookings-%d-%s-%s.%s", u.ID, e.From, e.To, ext), func(w io.Writer) error {
		if ext == "xlsx" {
			return report.WriteBookingsXLSX(w, e, lines)
		}
		return report.WriteBookingsCSV(w, lines)
	})
}

// bookingLines finds the export's bookings and masks each row (ticket
// code, names, phone) unless acc manages activities at the activity's
// unit; when any number shows in full, the audit row is written before
// anything is sent.
func (s *Server) bookingLines(ctx context.Context, acc *culture.Account, e report.BookingExport) ([]report.BookingLine, error) {
	src := s.bookingSource()
	bs, err := src.FindBookingsWithin(ctx, e.Unit.ID, e.From, e.To, report.MaxBookingRows)
	if err != nil {
		return nil, err
	}
	units, _, err := s.Units.FindUnits(ctx, culture.UnitFilter{Within: &e.Unit.ID})
	if err != nil {
		return nil, err
	}
	manages := map[int64]bool{}
	for _, u := range units {
		manages[u.ID] = acc.Can(culture.ActManageActivities, u)
	}
	lines, shown := report.BookingLines(bs, func(b *culture.Booking) bool { return manages[b.Activity.UnitID] })
	what := fmt.Sprintf("%s（含下属单位）%s 至 %s 的预约明细，%d 条", e.Unit.Name, e.From, e.To, len(lines))
	err = s.auditFullPhones(ctx, acc, report.AuditBookings, fmt.Sprintf("unit:%d", e.Unit.ID), what, shown)
	return lines, err
}
