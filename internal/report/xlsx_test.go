package report_test

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/report"
)

// The figures of the fixture quarter (reporttest.Q3), worked out by hand
// from its rows: 92 days are 13.142857 weeks, July and August 4.428571,
// September 4.285714. na is a "—" cell: participants of the hub's own
// section, and every rate whose divisor is 0 (no activities, no check-ins
// or no-shows, no deliveries due, no ratings) — never 0.
type na struct{}

var header = []any{"举办活动", "线上预约活动", "线上服务占比", "每周免费开放服务项目", "参与人次", "参与人数",
	"预约", "签到", "爽约", "到场率", "配送场次", "应配送", "配送完成率", "点单支持", "分馆点单", "新增社群成员", "评价数", "平均评分"}

var (
	//                 act bk  share      weekly att  people  bkg chk ns  rate       held due ful  sup req mem rat avg
	wantHubOwn  = []any{2, 1, 0.5, 0.2, 0, na{}, 0, 0, 0, na{}, 0, 0, na{}, 0, 0, 0, 0, na{}}
	wantXi      = []any{8, 6, 0.75, 0.6, 34, 4, 40, 28, 7, 0.8, 1, 2, 0.5, 6, 1, 12, 4, 4.5}
	wantNan     = []any{4, 1, 0.25, 0.3, 16, 3, 16, 14, 1, 14.0 / 15, 0, 0, na{}, 0, 0, 3, 2, 5.0}
	wantTotal   = []any{14, 8, 8.0 / 14, 1.1, 50, 6, 56, 42, 8, 0.84, 1, 2, 0.5, 6, 1, 15, 6, 28.0 / 6}
	wantJuly    = []any{7, 5, 5.0 / 7, 1.6, 25, 3, 30, 20, 5, 0.8, 0, 0, na{}, 6, 1, 12, 4, 4.5}
	wantAugust  = []any{4, 3, 0.75, 0.9, 13, 4, 15, 12, 3, 0.8, 0, 0, na{}, 0, 0, 3, 2, 5.0}
	wantSept    = []any{3, 0, 0.0, 0.7, 12, 2, 11, 10, 0, 1.0, 1, 2, 0.5, 0, 0, 0, 0, na{}}
	wantXiJuly  = []any{5, 4, 0.8, 1.1, 25, 3, 30, 20, 5, 0.8, 0, 0, na{}, 6, 1, 12, 4, 4.5}
	wantXiAug   = []any{3, 2, 2.0 / 3, 0.7, 9, 2, 10, 8, 2, 0.8, 0, 0, na{}, 0, 0, 0, 0, na{}}
	wantXiSept  = []any{0, 0, na{}, 0.0, 0, 0, 0, 0, 0, na{}, 1, 2, 0.5, 0, 0, 0, 0, na{}}
	notes       = append([]string{"说明："}, report.Notes...)
	periodLine  = "统计期间：2026年第三季度（2026-07-01 至 2026-09-30），共 92 天（13.1 周）"
	generatedAt = "生成时间：2026-10-08 10:30（北京时间）"
)

func line(first string, rest []any) []any { return append([]any{first}, rest...) }

// wantSummary is every cell of the 汇总 sheet, row by row from row 1; nil
// rows are empty.
func wantSummary() [][]any {
	g := [][]any{
		{"解放区文化馆 2026年第三季度 公共文化服务报表"},
		{"单位：解放区文化馆"},
		{periodLine},
		{generatedAt},
		nil,
		line("单位", header),
		line("解放区文化馆（本级）", wantHubOwn),
		line("焦西分馆", wantXi),
		line("焦南分馆", wantNan),
		line("合计", wantTotal),
		nil,
		{"按月汇总（全单位合计）"},
		line("月份", header),
		line("2026-07", wantJuly),
		line("2026-08", wantAugust),
		line("2026-09", wantSept),
		nil,
	}
	for _, n := range notes {
		g = append(g, []any{n})
	}
	return g
}

// wantXiSheet is every cell of 焦西分馆's sheet.
func wantXiSheet() [][]any {
	g := [][]any{
		{"焦西分馆 2026年第三季度 公共文化服务"},
		{"所属单位：解放区文化馆"},
		{periodLine},
		{generatedAt},
		nil,
		line("期间", header),
		line("全期", wantXi),
		line("2026-07", wantXiJuly),
		line("2026-08", wantXiAug),
		line("2026-09", wantXiSept),
		nil,
	}
	for _, n := range notes {
		g = append(g, []any{n})
	}
	return g
}

func writeWorkbook(t *testing.T) *excelize.File {
	t.Helper()
	w := newWorld()
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, w.build(t, w.hub, "2026Q3")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestXLSXSheets(t *testing.T) {
	f := writeWorkbook(t)
	want := []string{"汇总", "解放区文化馆（本级）", "焦西分馆", "焦南分馆"}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	if props, err := f.GetDocProps(); err != nil || props.Title != "解放区文化馆 2026年第三季度 公共文化服务报表" {
		t.Errorf("doc props %+v, %v", props, err)
	}
}

// TestXLSXCells reads the summary and 焦西's sheet back cell by cell:
// every non-empty cell must be expected, every expected cell must be
// there, numbers stored as numbers (not text) with the right value.
func TestXLSXCells(t *testing.T) {
	f := writeWorkbook(t)
	checkSheet(t, f, "汇总", wantSummary())
	checkSheet(t, f, "焦西分馆", wantXiSheet())
}

func checkSheet(t *testing.T, f *excelize.File, sheet string, want [][]any) {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for r := 0; r < max(len(rows), len(want)); r++ {
		var got []string
		var exp []any
		if r < len(rows) {
			got = rows[r]
		}
		if r < len(want) {
			exp = want[r]
		}
		for c := 0; c < max(len(got), len(exp)); c++ {
			name, _ := excelize.CoordinatesToCellName(c+1, r+1)
			var g string
			if c < len(got) {
				g = got[c]
			}
			if c >= len(exp) {
				// Merged title cells repeat the title; nothing else may
				// stand outside the expected grid.
				if g != "" && !(r == 0 && g == exp[0]) {
					t.Errorf("%s!%s = %q, want empty", sheet, name, g)
				}
				continue
			}
			checkCell(t, f, sheet, name, g, exp[c])
		}
	}
}

func checkCell(t *testing.T, f *excelize.File, sheet, name, got string, want any) {
	t.Helper()
	typ, err := f.GetCellType(sheet, name)
	if err != nil {
		t.Fatal(err)
	}
	isNumber := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
	switch w := want.(type) {
	case string:
		if got != w || isNumber {
			t.Errorf("%s!%s = %q (type %v), want text %q", sheet, name, got, typ, w)
		}
	case na:
		if got != "—" || isNumber {
			t.Errorf("%s!%s = %q, want —", sheet, name, got)
		}
	case int:
		if got != strconv.Itoa(w) || !isNumber {
			t.Errorf("%s!%s = %q (type %v), want the integer %d", sheet, name, got, typ, w)
		}
	case float64:
		v, err := strconv.ParseFloat(got, 64)
		if err != nil || !isNumber || math.Abs(v-w) > 1e-9 {
			t.Errorf("%s!%s = %q (type %v), want the number %v", sheet, name, got, typ, w)
		}
	default:
		t.Fatalf("bad expectation %T", want)
	}
}

// TestXLSXStyles checks the header cells (bold, filled, bordered, centred,
// wrapped), the number formats of every kind of column, bold totals, the
// frozen header and the column widths.
func TestXLSXStyles(t *testing.T) {
	f := writeWorkbook(t)
	for _, sheet := range []string{"汇总", "焦西分馆"} {
		for c := 1; c <= len(report.Columns)+1; c++ {
			name, _ := excelize.CoordinatesToCellName(c, report.HeaderRow)
			st := style(t, f, sheet, name)
			if st.Font == nil || !st.Font.Bold || len(st.Fill.Color) != 1 || st.Fill.Color[0] != "#"+report.HeaderFill && st.Fill.Color[0] != report.HeaderFill ||
				len(st.Border) != 4 || st.Alignment == nil || st.Alignment.Horizontal != "center" || !st.Alignment.WrapText {
				t.Errorf("%s!%s header style %+v font %+v align %+v", sheet, name, st, st.Font, st.Alignment)
			}
		}
		panes, err := f.GetPanes(sheet)
		if err != nil || !panes.Freeze || panes.YSplit != report.HeaderRow || panes.XSplit != 1 || panes.TopLeftCell != "B7" {
			t.Errorf("%s panes %+v, %v", sheet, panes, err)
		}
	}
	wantFmt := map[string]string{"B": "0", "D": "0.0%", "E": "0.0", "K": "0.0%", "N": "0.0%", "S": "0.00", "G": "0"}
	grid := wantSummary()
	for col, nf := range wantFmt {
		for _, row := range []int{7, 10, 14} {
			cellName := fmt.Sprintf("%s%d", col, row)
			c, _, _ := excelize.CellNameToCoordinates(cellName)
			st := style(t, f, "汇总", cellName)
			if _, ok := grid[row-1][c-1].(na); ok {
				// "—": centred, no number format.
				if st.Alignment == nil || st.Alignment.Horizontal != "center" || numFmt(st) != "General" {
					t.Errorf("汇总!%s (—) style %+v align %+v", cellName, st, st.Alignment)
				}
			} else if got := numFmt(st); got != nf {
				t.Errorf("汇总!%s number format %q, want %q", cellName, got, nf)
			}
			if bold := st.Font != nil && st.Font.Bold; bold != (row == 10) {
				t.Errorf("汇总!%s bold %v; only the total row is bold", cellName, bold)
			}
		}
	}
	if st := style(t, f, "汇总", "A1"); st.Font == nil || !st.Font.Bold {
		t.Error("the title is not bold")
	}
	if st := style(t, f, "焦西分馆", "A7"); st.Font == nil || !st.Font.Bold {
		t.Error("焦西分馆!A7 (全期) is not bold")
	}
	widthA, _ := f.GetColWidth("汇总", "A")
	if widthA < report.TextWidth("解放区文化馆（本级）") {
		t.Errorf("column A is %v wide; the longest name needs %v", widthA, report.TextWidth("解放区文化馆（本级）"))
	}
	for i, c := range report.Columns {
		col, _ := excelize.ColumnNumberToName(i + 2)
		w, _ := f.GetColWidth("汇总", col)
		// A label fits on the header's two lines, and a number fits.
		if w < 10 || 2*(w-1) < report.TextWidth(c.Label) {
			t.Errorf("column %s (%s) is %v wide", col, c.Label, w)
		}
	}
}

func style(t *testing.T, f *excelize.File, sheet, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// numFmt is a style's number format code.
func numFmt(st *excelize.Style) string {
	if st.CustomNumFmt != nil {
		return *st.CustomNumFmt
	}
	return map[int]string{0: "General", 1: "0", 2: "0.00", 9: "0%", 10: "0.00%"}[st.NumFmt]
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{"汇总": true, "history": true}
	long := "焦作市解放区焦西街道第一社区居民委员会文化活动中心分馆第二活动室及阅览室"
	for _, c := range []struct{ in, want string }{
		{"焦西分馆", "焦西分馆"},
		{"焦西分馆", "焦西分馆(2)"},
		{"焦西分馆", "焦西分馆(3)"},
		{"汇总", "汇总(2)"},
		{"History", "History(2)"},
		{"a/b\\c?d*e[f]g:h", "a_b_c_d_e_f_g_h"},
		{"'引号'", "引号"},
		{"  ", "分馆"},
		{long, string([]rune(long)[:31])},
		{long, string([]rune(long)[:28]) + "(2)"},
		{"ABC", "ABC"},
		{"abc", "abc(2)"}, // Excel compares names case-insensitively
		{"😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀", "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀"}, // two UTF-16 units each
	} {
		got := report.SheetName(c.in, used)
		if got != c.want {
			t.Errorf("SheetName(%q) = %q, want %q", c.in, got, c.want)
		}
		used[toLower(got)] = true
		// excelize refuses invalid names: the result must be accepted.
		f := excelize.NewFile()
		if _, err := f.NewSheet(got); err != nil {
			t.Errorf("excelize refuses %q: %v", got, err)
		}
		f.Close()
	}
}

func toLower(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r >= 'A' && r <= 'Z' {
			b[i] = r + 'a' - 'A'
		}
	}
	return string(b)
}

// TestXLSXSheetNamesOfOddBranches writes a report whose branches have
// names Excel refuses or repeats, and opens the result.
func TestXLSXSheetNamesOfOddBranches(t *testing.T) {
	w := newWorld()
	w.a.Name = "焦西/焦东[联合]分馆：总部*"
	w.b.Name = "焦西/焦东[联合]分馆：总部?"
	var buf bytes.Buffer
	if err := report.WriteXLSX(&buf, w.build(t, w.hub, "2026Q3")); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"汇总", "解放区文化馆（本级）", "焦西_焦东_联合_分馆：总部_", "焦西_焦东_联合_分馆：总部_(2)"}
	if diff := cmp.Diff(want, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
}
