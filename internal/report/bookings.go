package report

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/culture"
)

// Booking exports list bookings with the holder's name and mobile number
// and the ticket code. They are shown in full only to those who need them
// — staff who manage activities at the activity's unit, who call
// attendees when an activity changes and let them in — and masked for
// everyone else who may see the export (statistics viewers such as
// officials): the code shows its last four characters (******XA2B: the
// code is what checks a ticket in), each name its first character (李**),
// the number its first three and last four digits (138****5678). Every
// export that shows a full number is written to the audit log.

// MaxBookingRows bounds one booking export.
const MaxBookingRows = 100000

// Audit actions of exports that showed full mobile numbers.
const (
	AuditAttendees = "export.attendees"
	AuditBookings  = "export.bookings"
)

// BookingSource finds the bookings an export lists and records the exports
// that show full mobile numbers. sqlstore.Store implements it.
type BookingSource interface {
	// FindBookingsWithin returns the bookings (with their attendees, the
	// holder's phone and the activity) of activities in unit's subtree
	// that start on days from to to, in order of activity start; at most
	// limit, or EINVALID when there are more.
	FindBookingsWithin(ctx context.Context, unitID int64, from, to culture.Day, limit int) ([]*culture.Booking, error)
	// AuditExport writes an audit_log row; accountID 0 is the operator at
	// the command line.
	AuditExport(ctx context.Context, accountID int64, action, target, reason string) error
}

// BookingHeader is the header row of a booking export.
var BookingHeader = []string{"活动", "活动时间", "单位", "票码", "预约人", "参加人", "手机", "人数", "状态", "预约时间", "签到时间"}

// BookingLine is one row of a booking export, the personal data already
// masked or not.
type BookingLine struct {
	Activity    string
	StartsAt    time.Time
	Unit        string
	Code        string
	Holder      string
	Attendees   string
	Phone       string
	Seats       int
	Status      string
	CreatedAt   time.Time
	CheckedInAt *time.Time
}

// BookingLines turns bookings into export rows: where full(b) the row
// shows the ticket code, the names and the phone as they are, elsewhere
// masked (MaskCode, MaskNames, MaskPhone). It returns how many rows show
// a full number.
func BookingLines(bs []*culture.Booking, full func(*culture.Booking) bool) ([]BookingLine, int) {
	out := make([]BookingLine, 0, len(bs))
	shown := 0
	for _, b := range bs {
		l := BookingLine{Seats: b.Seats, Status: b.StatusLabel(), CreatedAt: b.CreatedAt, CheckedInAt: b.CheckedInAt}
		if a := b.Activity; a != nil {
			l.Activity, l.StartsAt, l.Unit = a.Title, a.StartsAt, a.UnitName
		}
		if full(b) {
			l.Code, l.Holder, l.Attendees, l.Phone = b.DisplayCode(), Holder(b), Attendees(b), b.Phone
			if b.Phone != "" {
				shown++
			}
		} else {
			l.Code, l.Holder, l.Attendees, l.Phone = MaskCode(b.Code), culture.MaskName(Holder(b)), MaskNames(b), MaskPhone(b.Phone)
		}
		out = append(out, l)
	}
	return out, shown
}

// MaskPhone masks a mobile number as culture.MaskPhone does (138****5678);
// a number of another length keeps only its last four characters.
func MaskPhone(s string) string {
	if len(s) == 11 || s == "" {
		return culture.MaskPhone(s)
	}
	if len(s) <= 4 {
		return strings.Repeat("*", len(s))
	}
	return strings.Repeat("*", len(s)-4) + s[len(s)-4:]
}

// MaskCode shows only the last four characters of a ticket code
// (******XA2B): enough to tell rows apart and to match a ticket someone
// reads out, not enough to check in with.
// A code of four characters or fewer (none is issued) is all stars.
func MaskCode(code string) string {
	r := []rune(code)
	if len(r) <= 4 {
		return strings.Repeat("*", len(r))
	}
	return strings.Repeat("*", len(r)-4) + string(r[len(r)-4:])
}

// Holder names who booked: the attendee booked as "self", else the first
// attendee.
func Holder(b *culture.Booking) string {
	for _, a := range b.Attendees {
		if a.Self {
			return a.Name
		}
	}
	if len(b.Attendees) > 0 {
		return b.Attendees[0].Name
	}
	return ""
}

// Attendees joins the names of a booking's attendees.
func Attendees(b *culture.Booking) string {
	names := make([]string, len(b.Attendees))
	for i, a := range b.Attendees {
		names[i] = a.Name
	}
	return strings.Join(names, "、")
}

// MaskNames joins the names of a booking's attendees, each masked as
// culture.MaskName does (李**).
func MaskNames(b *culture.Booking) string {
	names := make([]string, len(b.Attendees))
	for i, a := range b.Attendees {
		names[i] = culture.MaskName(a.Name)
	}
	return strings.Join(names, "、")
}

// Stamp shows a time as 2006-01-02 15:04 in Asia/Shanghai, "" for none.
func Stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(culture.Shanghai).Format("2006-01-02 15:04")
}

func (l BookingLine) cells() []string {
	return []string{l.Activity, Stamp(&l.StartsAt), l.Unit, l.Code, l.Holder, l.Attendees, l.Phone,
		strconv.Itoa(l.Seats), l.Status, Stamp(&l.CreatedAt), Stamp(l.CheckedInAt)}
}

// WriteBookingsCSV writes the lines as CSV for Excel, every cell guarded
// against formulas.
func WriteBookingsCSV(w io.Writer, lines []BookingLine) error {
	cw, err := NewCSV(w)
	if err != nil {
		return err
	}
	cw.Write(BookingHeader)
	for _, l := range lines {
		cw.Write(SafeRow(l.cells()...))
	}
	cw.Flush()
	return cw.Error()
}

// BookingSheet names the sheet of a booking export.
const BookingSheet = "预约明细"

// BookingExport is a booking export's heading: whose, which days, when.
type BookingExport struct {
	Unit      *culture.Unit
	From, To  culture.Day
	Generated time.Time
}

// WriteBookingsXLSX writes the lines as a workbook of one sheet: the
// heading, then the table (header row frozen; seats as numbers; every
// other cell as text, so a name is never read as a formula). The rows go
// through excelize's StreamWriter, straight to XML (held in memory up to
// 16 MB, then in a temporary file), not into a workbook model: 100 000
// rows take tens of megabytes, not half a gigabyte. Nothing is written to
// w before the workbook is complete, so an error returned before any byte
// of w was written means w is untouched.
func WriteBookingsXLSX(w io.Writer, e BookingExport, lines []BookingLine) error {
	title := e.Unit.Name + " 预约明细"
	b, err := newBook(title)
	if err != nil {
		return err
	}
	defer b.f.Close()
	sheet, err := b.sheet(BookingSheet)
	if err != nil {
		return err
	}
	sw, err := b.f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := b.streamBookings(sw, e, title, lines); err != nil {
		return fmt.Errorf("report: booking sheet: %w", err)
	}
	return b.f.Write(w)
}

// streamBookings writes the booking sheet in order: the column widths and
// panes, which must come first, then row by row.
func (b *book) streamBookings(sw *excelize.StreamWriter, e BookingExport, title string, lines []BookingLine) error {
	last := len(BookingHeader)
	steps := []error{sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: HeaderRow,
		TopLeftCell: cell(1, HeaderRow+1), ActivePane: "bottomLeft"})}
	for i, width := range bookingWidths(lines) {
		steps = append(steps, sw.SetColWidth(i+1, i+1, width))
	}
	steps = append(steps, sw.SetRow("A1", []any{excelize.Cell{StyleID: b.styles["title"], Value: title}}, excelize.RowOpts{Height: 24}),
		sw.MergeCell("A1", cell(last, 1)))
	for i, l := range []string{
		"单位：" + e.Unit.Name + "（含下属单位）",
		fmt.Sprintf("活动日期：%s 至 %s，共 %d 条预约", e.From, e.To, len(lines)),
		"生成时间：" + GeneratedAt(e.Generated) + "（北京时间）",
	} {
		steps = append(steps, sw.SetRow(cell(1, i+2), []any{excelize.Cell{StyleID: b.styles["meta"], Value: l}}))
	}
	header := make([]any, last)
	for i, h := range BookingHeader {
		header[i] = excelize.Cell{StyleID: b.styles["header"], Value: h}
	}
	steps = append(steps, sw.SetRow(cell(1, HeaderRow), header))
	if err := firstErr(steps...); err != nil {
		return err
	}
	row := make([]any, last)
	name, seats := b.styles["name"], b.styles[fmt.Sprint("num", Count)]
	for i, l := range lines {
		for j, c := range l.cells() {
			var v any
			if c != "" {
				v = c // an empty cell keeps its border, with no value
			}
			row[j] = excelize.Cell{StyleID: name, Value: v}
		}
		row[7] = excelize.Cell{StyleID: seats, Value: l.Seats} // 人数, a number
		if err := sw.SetRow(cell(1, HeaderRow+1+i), row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// bookingWidths fits each column to its longest cell, at most 40.
func bookingWidths(lines []BookingLine) []float64 {
	widths := make([]float64, len(BookingHeader))
	for i, h := range BookingHeader {
		widths[i] = TextWidth(h) + 2
	}
	for _, l := range lines {
		for i, c := range l.cells() {
			widths[i] = max(widths[i], TextWidth(c)+2)
		}
	}
	for i := range widths {
		widths[i] = min(widths[i], 40)
	}
	return widths
}
