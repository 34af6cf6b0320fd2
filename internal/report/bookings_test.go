package report_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
)

// bookingsFixture is two bookings of activities at two units: one checked
// in (holder 王芳 with a child), one whose attendee's name is a formula.
func bookingsFixture() []*culture.Booking {
	start := time.Date(2026, 7, 5, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
	made := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)  // 20:00
	in := start.Add(-10 * time.Minute)
	return []*culture.Booking{
		{ID: 1, Code: "ABCD2345XY", Phone: "13812345678", Seats: 2, Status: culture.BookingCheckedIn,
			CreatedAt: made, CheckedInAt: &in,
			Attendees: []*culture.Attendee{{Name: "王小宝"}, {Name: "王芳", Self: true}},
			Activity:  &culture.Activity{ID: 7, UnitID: 2, Title: "少儿书法体验课", StartsAt: start, UnitName: "焦西分馆"}},
		{ID: 2, Code: "QRST6789AB", Phone: "13987654321", Seats: 1, Status: culture.BookingNoShow, CreatedAt: made,
			Attendees: []*culture.Attendee{{Name: "=SUM(A1:A2)"}},
			Activity:  &culture.Activity{ID: 8, UnitID: 4, Title: "-戏曲欣赏", StartsAt: start.Add(48 * time.Hour), UnitName: "焦南社区活动室"}},
	}
}

// TestBookingLinesMasking: a row the account may see in full shows the
// ticket code, the names and the phone; any other row shows only the
// code's last four characters, each name's first character and the
// masked phone.
func TestBookingLinesMasking(t *testing.T) {
	bs := bookingsFixture()
	type row struct{ Code, Holder, Attendees, Phone string }
	rows := func(lines []report.BookingLine) []row {
		var out []row
		for _, l := range lines {
			out = append(out, row{l.Code, l.Holder, l.Attendees, l.Phone})
		}
		return out
	}
	fullFirst := row{"ABCD-2345-XY", "王芳", "王小宝、王芳", "13812345678"}
	maskedFirst := row{"******45XY", "王*", "王**、王*", "138****5678"}
	maskedSecond := row{"******89AB", "=**********", "=**********", "139****4321"}
	lines, shown := report.BookingLines(bs, func(b *culture.Booking) bool { return b.Activity.UnitID == 2 })
	if diff := cmp.Diff([]row{fullFirst, maskedSecond}, rows(lines)); shown != 1 || diff != "" {
		t.Errorf("shown %d (want 1), rows (-want +got):\n%s", shown, diff)
	}
	lines, shown = report.BookingLines(bs, func(*culture.Booking) bool { return false })
	if diff := cmp.Diff([]row{maskedFirst, maskedSecond}, rows(lines)); shown != 0 || diff != "" {
		t.Errorf("masked: shown %d (want 0), rows (-want +got):\n%s", shown, diff)
	}
}

func TestMaskCode(t *testing.T) {
	for in, want := range map[string]string{"7K3MQ9XA2B": "******XA2B", "ABCD": "****", "": "", "ABCDE": "*BCDE"} {
		if got := report.MaskCode(in); got != want {
			t.Errorf("MaskCode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMaskedExportsHideCodesAndNames writes a masked export as CSV and as
// a workbook and reads every cell back: no ticket code (as stored or as
// shown) and no attendee's full name may appear anywhere.
func TestMaskedExportsHideCodesAndNames(t *testing.T) {
	bs := bookingsFixture()
	lines, _ := report.BookingLines(bs, func(*culture.Booking) bool { return false })
	var secrets []string
	for _, b := range bs {
		secrets = append(secrets, b.Code, b.DisplayCode())
		for _, a := range b.Attendees {
			secrets = append(secrets, a.Name)
		}
	}
	var csvBuf, xlsxBuf bytes.Buffer
	if err := report.WriteBookingsCSV(&csvBuf, lines); err != nil {
		t.Fatal(err)
	}
	e := report.BookingExport{Unit: &culture.Unit{ID: 1, Name: "解放区文化馆"}, Generated: generated}
	if err := report.WriteBookingsXLSX(&xlsxBuf, e, lines); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxBuf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet, err := f.GetRows(report.BookingSheet)
	if err != nil {
		t.Fatal(err)
	}
	table, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBuf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for name, rows := range map[string][][]string{"CSV": table, "workbook": sheet} {
		if len(rows) < 3 {
			t.Fatalf("%s: %d rows", name, len(rows))
		}
		for _, r := range rows {
			for _, c := range r {
				for _, s := range secrets {
					if strings.Contains(c, s) {
						t.Errorf("%s: cell %q shows %q", name, c, s)
					}
				}
			}
		}
	}
}

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "138****5678", "": "", "+8613812345678": "**********5678", "123": "***"} {
		if got := report.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}

var wantBookingRows = [][]string{
	{"活动", "活动时间", "单位", "票码", "预约人", "参加人", "手机", "人数", "状态", "预约时间", "签到时间"},
	{"少儿书法体验课", "2026-07-05 09:30", "焦西分馆", "ABCD-2345-XY", "王芳", "王小宝、王芳", "13812345678", "2", "已签到", "2026-07-01 20:00", "2026-07-05 09:20"},
	{"'-戏曲欣赏", "2026-07-07 09:30", "焦南社区活动室", "******89AB", "'=**********", "'=**********", "139****4321", "1", "爽约", "2026-07-01 20:00", ""},
}

func TestWriteBookingsCSV(t *testing.T) {
	lines, _ := report.BookingLines(bookingsFixture(), func(b *culture.Booking) bool { return b.ID == 1 })
	var buf bytes.Buffer
	if err := report.WriteBookingsCSV(&buf, lines); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	if !strings.HasPrefix(body, "\ufeff") || strings.Count(body, "\r\n") != 3 {
		t.Fatalf("BOM and CRLF: %q", body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantBookingRows, rows); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}

func TestWriteBookingsXLSX(t *testing.T) {
	lines, _ := report.BookingLines(bookingsFixture(), func(b *culture.Booking) bool { return b.ID == 1 })
	var buf bytes.Buffer
	e := report.BookingExport{Unit: &culture.Unit{ID: 1, Name: "解放区文化馆"},
		From: culture.DayOf(time.Date(2026, 7, 1, 0, 0, 0, 0, culture.Shanghai)),
		To:   culture.DayOf(time.Date(2026, 7, 31, 0, 0, 0, 0, culture.Shanghai)), Generated: generated}
	if err := report.WriteBookingsXLSX(&buf, e, lines); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff([]string{report.BookingSheet}, f.GetSheetList()); diff != "" {
		t.Fatalf("sheets: %s", diff)
	}
	rows, err := f.GetRows(report.BookingSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	wantHead := []string{"解放区文化馆 预约明细", "单位：解放区文化馆（含下属单位）", "活动日期：2026-07-01 至 2026-07-31，共 2 条预约",
		"生成时间：2026-10-08 10:30（北京时间）", ""}
	for i, w := range wantHead {
		if got := strings.Join(rows[i], ""); i > 0 && got != w || i == 0 && rows[0][0] != w {
			t.Errorf("row %d = %q, want %q", i+1, rows[i], w)
		}
	}
	// In a workbook nothing needs the quote: cells are text, never formulas.
	want := [][]string{wantBookingRows[0], wantBookingRows[1], append([]string(nil), wantBookingRows[2]...)}
	want[2][0], want[2][4], want[2][5] = "-戏曲欣赏", "=**********", "=**********"
	want[2] = want[2][:10] // GetRows leaves out the empty 签到时间 at the end
	if diff := cmp.Diff(want, rows[report.HeaderRow-1:]); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	for _, cell := range []string{"H7", "H8"} {
		if typ, _ := f.GetCellType(report.BookingSheet, cell); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s (seats) is of type %v, want a number", cell, typ)
		}
	}
	for _, cell := range []string{"E8", "A8"} {
		if formula, _ := f.GetCellFormula(report.BookingSheet, cell); formula != "" {
			t.Errorf("%s holds the formula %q", cell, formula)
		}
	}
	if st := style(t, f, report.BookingSheet, "G6"); st.Font == nil || !st.Font.Bold {
		t.Error("header not bold")
	}
	if p, _ := f.GetPanes(report.BookingSheet); !p.Freeze || p.YSplit != report.HeaderRow {
		t.Errorf("panes %+v", p)
	}
}

// TestWriteBookingsXLSXStreams writes 10 000 rows. The rows must go
// through excelize's StreamWriter (its text cells are inline strings; a
// workbook model would put them in the shared strings) and cost no more
// than 10 KB of allocations each: building the whole workbook model first
// took 16 KB a row (and 480 MB at its peak for 100 000 rows), the stream
// takes under 6. Every thousandth row is read back.
func TestWriteBookingsXLSXStreams(t *testing.T) {
	const n = 10000
	at := time.Date(2026, 7, 5, 1, 30, 0, 0, time.UTC)
	lines := make([]report.BookingLine, n)
	for i := range lines {
		lines[i] = report.BookingLine{Activity: fmt.Sprintf("少儿书法体验课第%d期", i), StartsAt: at, Unit: "焦西分馆",
			Code: report.MaskCode(fmt.Sprintf("ABCD%06d", i)), Holder: "王*", Attendees: "王**、王*", Phone: "138****5678",
			Seats: 1 + i%2, Status: "已签到", CreatedAt: at, CheckedInAt: &at}
	}
	e := report.BookingExport{Unit: &culture.Unit{ID: 1, Name: "解放区文化馆"}, Generated: generated}
	var buf bytes.Buffer
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := report.WriteBookingsXLSX(&buf, e, lines); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if perRow := (after.TotalAlloc - before.TotalAlloc) / n; perRow > 10<<10 {
		t.Errorf("%d bytes allocated a row, want at most 10 KB: is the workbook built in memory?", perRow)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := 0; i < n; i += 1000 {
		row := report.HeaderRow + 1 + i
		a, _ := f.GetCellValue(report.BookingSheet, fmt.Sprintf("A%d", row))
		d, _ := f.GetCellValue(report.BookingSheet, fmt.Sprintf("D%d", row))
		h, _ := f.GetCellValue(report.BookingSheet, fmt.Sprintf("H%d", row))
		if a != lines[i].Activity || d != lines[i].Code || h != strconv.Itoa(lines[i].Seats) {
			t.Errorf("row %d: %q %q %q, want %q %q %d", row, a, d, h, lines[i].Activity, lines[i].Code, lines[i].Seats)
		}
	}
	if typ, _ := f.GetCellType(report.BookingSheet, "A7"); typ != excelize.CellTypeInlineString {
		t.Errorf("A7 is of type %v, want an inline string (written by the StreamWriter)", typ)
	}
	if v, _ := f.GetCellValue(report.BookingSheet, fmt.Sprintf("A%d", report.HeaderRow+n+1)); v != "" {
		t.Errorf("a row after the last: %q", v)
	}
}
