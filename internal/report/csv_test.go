package report_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/report"
)

// wantCSV is the fixture quarter's CSV table, worked out by hand (see
// xlsx_test.go), one line per row.
var wantCSV = []string{
	"单位,期间,举办活动,线上预约活动,线上服务占比,每周免费开放服务项目,参与人次,参与人数,预约,签到,爽约,到场率,配送场次,应配送,配送完成率,点单支持,分馆点单,新增社群成员,评价数,平均评分",
	"解放区文化馆（本级）,2026年第三季度,2,1,50.0%,0.2,0,—,0,0,0,—,0,0,—,0,0,0,0,—",
	"焦西分馆,2026年第三季度,8,6,75.0%,0.6,34,4,40,28,7,80.0%,1,2,50.0%,6,1,12,4,4.50",
	"焦南分馆,2026年第三季度,4,1,25.0%,0.3,16,3,16,14,1,93.3%,0,0,—,0,0,3,2,5.00",
	"合计,2026年第三季度,14,8,57.1%,1.1,50,6,56,42,8,84.0%,1,2,50.0%,6,1,15,6,4.67",
	"解放区文化馆（本级）,2026-07,2,1,50.0%,0.5,0,—,0,0,0,—,0,0,—,0,0,0,0,—",
	"解放区文化馆（本级）,2026-08,0,0,—,0.0,0,—,0,0,0,—,0,0,—,0,0,0,0,—",
	"解放区文化馆（本级）,2026-09,0,0,—,0.0,0,—,0,0,0,—,0,0,—,0,0,0,0,—",
	"焦西分馆,2026-07,5,4,80.0%,1.1,25,3,30,20,5,80.0%,0,0,—,6,1,12,4,4.50",
	"焦西分馆,2026-08,3,2,66.7%,0.7,9,2,10,8,2,80.0%,0,0,—,0,0,0,0,—",
	"焦西分馆,2026-09,0,0,—,0.0,0,0,0,0,0,—,1,2,50.0%,0,0,0,0,—",
	"焦南分馆,2026-07,0,0,—,0.0,0,0,0,0,0,—,0,0,—,0,0,0,0,—",
	"焦南分馆,2026-08,1,1,100.0%,0.2,4,2,5,4,1,80.0%,0,0,—,0,0,3,2,5.00",
	"焦南分馆,2026-09,3,0,0.0%,0.7,12,2,11,10,0,100.0%,0,0,—,0,0,0,0,—",
	"合计,2026-07,7,5,71.4%,1.6,25,3,30,20,5,80.0%,0,0,—,6,1,12,4,4.50",
	"合计,2026-08,4,3,75.0%,0.9,13,4,15,12,3,80.0%,0,0,—,0,0,3,2,5.00",
	"合计,2026-09,3,0,0.0%,0.7,12,2,11,10,0,100.0%,1,2,50.0%,0,0,0,0,—",
}

func TestCSV(t *testing.T) {
	w := newWorld()
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, w.build(t, w.hub, "2026Q3")); err != nil {
		t.Fatal(err)
	}
	body := buf.String()
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatal("no UTF-8 BOM")
	}
	if n := strings.Count(body, "\r\n"); n != len(wantCSV) || strings.Count(body, "\n") != n {
		t.Errorf("%d CRLF of %d line ends, want %d", n, strings.Count(body, "\n"), len(wantCSV))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, l := range wantCSV {
		want = append(want, strings.Split(l, ","))
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}

func TestCSVFormulaGuard(t *testing.T) {
	w := newWorld()
	w.a.Name = `=HYPERLINK("http://evil","点我")`
	w.b.Name = "+焦南"
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, w.build(t, w.hub, "2026Q3")); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if rows[2][0] != `'=HYPERLINK("http://evil","点我")` || rows[3][0] != "'+焦南" {
		t.Errorf("names %q %q, want them quoted", rows[2][0], rows[3][0])
	}
	for _, r := range rows {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("cell %q starts a formula", c)
			}
		}
	}
}

func TestSafeRow(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=1+2", "'=1+2"}, {"+86", "'+86"}, {"-3", "'-3"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"\rx", "'\rx"}, {"张三", "张三"}, {"", ""}, {"a=b", "a=b"}, {"138****5678", "138****5678"},
	} {
		if got := report.SafeRow(c.in)[0]; got != c.want {
			t.Errorf("SafeRow(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
