package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/culture"
)

// Layout of every sheet: the title, unit, period and generated time in
// rows 1 to 4, the table's header in HeaderRow, its rows below. The header
// row and the first column stay in view when scrolling.
const (
	HeaderRow = 6
	// SummarySheet names the first sheet.
	SummarySheet = "汇总"
	// maxSheetName is Excel's limit, in UTF-16 code units.
	maxSheetName = 31
)

// Number formats of the value columns: Count, Percent, Tenths, Score.
var numFormats = map[int]string{Count: "0", Percent: "0.0%", Tenths: "0.0", Score: "0.00"}

// NumFormat returns the Excel number format of a column kind.
func NumFormat(kind int) string { return numFormats[kind] }

// book is a workbook being written, with its cell styles.
type book struct {
	f      *excelize.File
	styles map[string]int
	used   map[string]bool // sheet names taken, lower-cased
	sheets int
}

func newBook(title string) (*book, error) {
	b := &book{f: excelize.NewFile(), styles: map[string]int{}, used: map[string]bool{"history": true}}
	if err := b.f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "文韵 wenyun", Language: "zh-CN"}); err != nil {
		return nil, err
	}
	return b, b.newStyles()
}

// border outlines a cell on all four sides.
var border = []excelize.Border{
	{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
	{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
}

// HeaderFill is the background of header cells.
const HeaderFill = "DDEBF7"

func (b *book) newStyles() error {
	specs := map[string]*excelize.Style{
		"title": {Font: &excelize.Font{Bold: true, Size: 14}},
		"meta":  {Font: &excelize.Font{Color: "404040"}},
		"sub":   {Font: &excelize.Font{Bold: true, Size: 12}},
		"note":  {Font: &excelize.Font{Color: "595959", Size: 9}},
		"header": {Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{HeaderFill}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		"name":      {Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"name-bold": {Font: &excelize.Font{Bold: true}, Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
	}
	for kind, nf := range numFormats {
		specs[fmt.Sprint("num", kind)] = &excelize.Style{Border: border, CustomNumFmt: &nf}
		specs[fmt.Sprint("num-bold", kind)] = &excelize.Style{Border: border, CustomNumFmt: &nf, Font: &excelize.Font{Bold: true}}
	}
	// "—": a figure with no value (participants of a unit's own section,
	// a rate whose divisor is 0), as text, so that SUM and AVERAGE skip
	// it as they would an empty cell, yet nobody reads it as missing.
	specs["na"] = &excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center"}}
	specs["na-bold"] = &excelize.Style{Border: border, Alignment: &excelize.Alignment{Horizontal: "center"}, Font: &excelize.Font{Bold: true}}
	for name, st := range specs {
		id, err := b.f.NewStyle(st)
		if err != nil {
			return fmt.Errorf("style %s: %w", name, err)
		}
		b.styles[name] = id
	}
	return nil
}

// sheet adds a sheet named as close to name as Excel allows (see
// SheetName); the first call renames the default sheet.
func (b *book) sheet(name string) (string, error) {
	name = SheetName(name, b.used)
	b.used[strings.ToLower(name)] = true
	if b.sheets++; b.sheets == 1 {
		return name, b.f.SetSheetName(b.f.GetSheetName(0), name)
	}
	_, err := b.f.NewSheet(name)
	return name, err
}

// SheetName makes name a valid Excel sheet name not in used (lower-cased
// names): the characters []:*?/\ become _, quotes at either end go, it is
// cut to 31 UTF-16 units, and a repeat gets (2), (3)….
func SheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) || r < 0x20 {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	name = strings.Trim(name, "'")
	if name == "" {
		name = "分馆"
	}
	for n := 1; ; n++ {
		suffix := ""
		if n > 1 {
			suffix = fmt.Sprintf("(%d)", n)
		}
		cand := strings.TrimRight(cutUTF16(name, maxSheetName-len(suffix)), "'") + suffix
		if !used[strings.ToLower(cand)] {
			return cand
		}
	}
}

// cutUTF16 cuts s to at most n UTF-16 code units, at a rune boundary.
func cutUTF16(s string, n int) string {
	units := 0
	for i, r := range s {
		units += len(utf16.Encode([]rune{r}))
		if units > n {
			return s[:i]
		}
	}
	return s
}

// cell names the cell at column col (1-based) and row.
func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// heading writes a sheet's title and the lines under it, and merges the
// title across the table's cols columns.
func (b *book) heading(sheet, title string, cols int, lines []string) error {
	f := b.f
	last := cell(cols, 1)
	steps := []error{f.SetCellStr(sheet, "A1", title), f.MergeCell(sheet, "A1", last),
		f.SetCellStyle(sheet, "A1", last, b.styles["title"]), f.SetRowHeight(sheet, 1, 24)}
	for i, l := range lines {
		steps = append(steps, f.SetCellStr(sheet, cell(1, i+2), l), f.SetCellStyle(sheet, cell(1, i+2), cell(1, i+2), b.styles["meta"]))
	}
	return firstErr(steps...)
}

// header writes a table's header row: first, then the column labels.
func (b *book) header(sheet string, row int, first string) error {
	f := b.f
	steps := []error{f.SetCellStr(sheet, cell(1, row), first)}
	for i, c := range Columns {
		steps = append(steps, f.SetCellStr(sheet, cell(i+2, row), c.Label))
	}
	steps = append(steps, f.SetCellStyle(sheet, cell(1, row), cell(len(Columns)+1, row), b.styles["header"]),
		f.SetRowHeight(sheet, row, 36))
	return firstErr(steps...)
}

// figuresRow writes one table row: the name, then each column's value as
// a number in its format ("—" when not available).
func (b *book) figuresRow(sheet string, row int, name string, fig Figures, bold bool) error {
	f, sfx := b.f, ""
	if bold {
		sfx = "-bold"
	}
	steps := []error{f.SetCellStr(sheet, cell(1, row), name), f.SetCellStyle(sheet, cell(1, row), cell(1, row), b.styles["name"+sfx])}
	for i, c := range Columns {
		at := cell(i+2, row)
		v, ok := c.Value(fig)
		switch {
		case !ok:
			steps = append(steps, f.SetCellStr(sheet, at, "—"), f.SetCellStyle(sheet, at, at, b.styles["na"+sfx]))
			continue
		case c.Kind == Count:
			steps = append(steps, f.SetCellInt(sheet, at, int64(v)))
		default:
			steps = append(steps, f.SetCellFloat(sheet, at, v, -1, 64))
		}
		steps = append(steps, f.SetCellStyle(sheet, at, at, b.styles[fmt.Sprint("num"+sfx, c.Kind)]))
	}
	return firstErr(steps...)
}

// notes writes the explanations from row on.
func (b *book) notes(sheet string, row int) error {
	var steps []error
	for i, n := range append([]string{"说明："}, Notes...) {
		at := cell(1, row+i)
		steps = append(steps, b.f.SetCellStr(sheet, at, n), b.f.SetCellStyle(sheet, at, at, b.styles["note"]))
	}
	return firstErr(steps...)
}

// finish freezes the header and the first column and fits the widths:
// the first column to its longest name, the others to their labels on at
// most two lines.
func (b *book) finish(sheet string, names []string) error {
	first := 8.0
	for _, n := range names {
		first = max(first, TextWidth(n)+2)
	}
	steps := []error{
		b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, XSplit: 1, YSplit: HeaderRow,
			TopLeftCell: cell(2, HeaderRow+1), ActivePane: "bottomRight"}),
		b.f.SetColWidth(sheet, "A", "A", min(first, 40)),
	}
	for i, c := range Columns {
		col, _ := excelize.ColumnNumberToName(i + 2)
		steps = append(steps, b.f.SetColWidth(sheet, col, col, ColumnWidth(c.Label)))
	}
	return firstErr(steps...)
}

// ColumnWidth is the width of a value column: its label on one line when
// short, on two when long, and never under 10 (a percentage fits).
func ColumnWidth(label string) float64 {
	w := TextWidth(label) + 2
	if w > 14 {
		w = TextWidth(label)/2 + 3
	}
	return max(w, 10)
}

// TextWidth measures s in Excel's width units: a Chinese character (or any
// wide rune) counts two, others one.
func TextWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		if r >= 0x1100 {
			w += 2
		} else {
			w++
		}
	}
	return w
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// metaLines are the lines under a sheet's title.
func metaLines(unitLine string, r *Report) []string {
	p := r.Period
	return []string{
		unitLine,
		fmt.Sprintf("统计期间：%s，共 %d 天（%.1f 周）", p.Label(), p.Days(), p.Weeks()),
		"生成时间：" + GeneratedAt(r.Generated) + "（北京时间）",
	}
}

// GeneratedAt shows when a report was made, in Asia/Shanghai.
func GeneratedAt(t time.Time) string { return t.In(culture.Shanghai).Format("2006-01-02 15:04") }

// WriteXLSX writes r as a workbook: the summary sheet (汇总: a row per
// section and the total, then the total month by month) and a sheet per
// section (the whole period, then each month).
func WriteXLSX(w io.Writer, r *Report) error {
	b, err := newBook(r.Title)
	if err != nil {
		return err
	}
	defer b.f.Close()
	if err := b.summary(r); err != nil {
		return fmt.Errorf("report: summary sheet: %w", err)
	}
	for _, s := range r.Sections {
		if err := b.section(r, s); err != nil {
			return fmt.Errorf("report: sheet of %s: %w", s.Name, err)
		}
	}
	b.f.SetActiveSheet(0)
	return b.f.Write(w)
}

// SummaryMonthsRow is the row of the summary sheet's second header (the
// months of the total) for a report with n sections.
func SummaryMonthsRow(n int) int { return HeaderRow + n + 1 + 3 }

func (b *book) summary(r *Report) error {
	sheet, err := b.sheet(SummarySheet)
	if err != nil {
		return err
	}
	names := []string{"合计"}
	steps := []error{b.heading(sheet, r.Title, len(Columns)+1, metaLines("单位："+r.Unit.Name, r)), b.header(sheet, HeaderRow, "单位")}
	row := HeaderRow + 1
	for _, s := range r.Sections {
		steps = append(steps, b.figuresRow(sheet, row, s.Name, s.Figures, false))
		names, row = append(names, s.Name), row+1
	}
	steps = append(steps, b.figuresRow(sheet, row, r.Total.Name, r.Total.Figures, true))
	row += 2
	steps = append(steps, b.f.SetCellStr(sheet, cell(1, row), "按月汇总（全单位合计）"),
		b.f.SetCellStyle(sheet, cell(1, row), cell(1, row), b.styles["sub"]))
	row++ // == SummaryMonthsRow
	steps = append(steps, b.header(sheet, row, "月份"))
	for _, m := range r.Total.Months {
		row++
		steps = append(steps, b.figuresRow(sheet, row, m.Name, m.Figures, false))
	}
	steps = append(steps, b.notes(sheet, row+2), b.finish(sheet, names))
	return firstErr(steps...)
}

func (b *book) section(r *Report, s Section) error {
	sheet, err := b.sheet(s.Name)
	if err != nil {
		return err
	}
	title := s.Name + " " + r.Period.Title() + " 公共文化服务"
	steps := []error{b.heading(sheet, title, len(Columns)+1, metaLines("所属单位："+r.Unit.Name, r)), b.header(sheet, HeaderRow, "期间"),
		b.figuresRow(sheet, HeaderRow+1, "全期", s.Figures, true)}
	row := HeaderRow + 1
	for _, m := range s.Months {
		row++
		steps = append(steps, b.figuresRow(sheet, row, m.Name, m.Figures, false))
	}
	steps = append(steps, b.notes(sheet, row+2), b.finish(sheet, []string{"全期", "2026-07"}))
	return firstErr(steps...)
}
