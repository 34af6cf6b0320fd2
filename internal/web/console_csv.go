package web

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// utf8BOM lets Excel recognise a CSV file as UTF-8 (otherwise Chinese shows
// as mojibake).
const utf8BOM = "\ufeff"

var consoleCSVHeader = []string{"票码", "参加人", "手机", "人数", "状态", "预约时间", "签到时间"}

func (s *Server) handleConsoleAttendeesCSV(w http.ResponseWriter, r *http.Request) {
	a, ok := s.consoleActivity(w, r)
	if !ok {
		return
	}
	bookings, err := s.consoleBookingsOf(r.Context(), a.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := writeAttendeesCSV(&buf, bookings); err != nil {
		s.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="activity-%d-attendees.csv"`, a.ID))
	h.Set("Cache-Control", "no-store")
	buf.WriteTo(w)
}

// writeAttendeesCSV writes one row per booking, phones masked and every
// cell guarded against spreadsheet formulas.
func writeAttendeesCSV(w io.Writer, bookings []*culture.Booking) error {
	if _, err := io.WriteString(w, utf8BOM); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	cw.Write(consoleCSVHeader)
	for _, b := range bookings {
		cw.Write(csvSafeRow(
			b.DisplayCode(), consoleBookingNames(b), culture.MaskPhone(b.Phone), strconv.Itoa(b.Seats),
			b.StatusLabel(), consoleTime(&b.CreatedAt), consoleTime(b.CheckedInAt),
		))
	}
	cw.Flush()
	return cw.Error()
}

// csvSafeRow neutralises cells a spreadsheet would run as a formula (CSV
// injection): a cell starting with = + - @, tab or carriage return gets a
// leading single quote, so it is shown as text.
func csvSafeRow(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
			cells[i] = "'" + c
		}
	}
	return cells
}
