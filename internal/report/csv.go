package report

import (
	"encoding/csv"
	"io"
	"strings"
)

// BOM lets Excel recognise a CSV file as UTF-8 (otherwise Chinese shows as
// mojibake).
const BOM = "\ufeff"

// SafeRow neutralises cells a spreadsheet would run as a formula (CSV
// injection): a cell starting with = + - @, tab or carriage return gets a
// leading single quote, so it is shown as text. It changes cells in place
// and returns them.
func SafeRow(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.IndexByte("=+-@\t\r", c[0]) >= 0 {
			cells[i] = "'" + c
		}
	}
	return cells
}

// NewCSV starts a CSV file for Excel: the BOM written, CRLF line ends.
func NewCSV(w io.Writer) (*csv.Writer, error) {
	if _, err := io.WriteString(w, BOM); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	return cw, nil
}

// CSVHeader is the header row of a report's CSV table.
func CSVHeader() []string {
	h := []string{"单位", "期间"}
	for _, c := range Columns {
		h = append(h, c.Label)
	}
	return h
}

// WriteCSV writes r as one table: a row per section over the whole
// period, the total row (单位 合计), then each section's months and the
// total's months (期间 written 2026-07). Rates are written as shown
// (40.0%), which Excel reads back as numbers.
func WriteCSV(w io.Writer, r *Report) error {
	cw, err := NewCSV(w)
	if err != nil {
		return err
	}
	cw.Write(CSVHeader())
	period := r.Period.Title()
	for _, s := range r.Sections {
		cw.Write(csvRow(s.Name, period, s.Figures))
	}
	cw.Write(csvRow(r.Total.Name, period, r.Total.Figures))
	for _, s := range append(r.Sections[:len(r.Sections):len(r.Sections)], r.Total) {
		for _, m := range s.Months {
			cw.Write(csvRow(s.Name, m.Name, m.Figures))
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvRow(name, period string, f Figures) []string {
	row := []string{name, period}
	for _, c := range Columns {
		row = append(row, c.Format(f))
	}
	return SafeRow(row...)
}
