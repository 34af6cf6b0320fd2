package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

func day(t *testing.T, s string) culture.Day {
	t.Helper()
	d, err := culture.ParseDay(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestParseQuery(t *testing.T) {
	today := day(t, "2026-08-15")
	type want struct {
		kind, name, from, to, title string
		clipped                     bool
	}
	for _, c := range []struct {
		name, period, from, to string
		want                   want
	}{
		{"OKQuarter", "2026Q2", "", "", want{KindQuarter, "2026Q2", "2026-04-01", "2026-06-30", "2026年第二季度", false}},
		{"OKQuarterLower", " 2025q4 ", "", "", want{KindQuarter, "2025Q4", "2025-10-01", "2025-12-31", "2025年第四季度", false}},
		{"OKQuarterUnderWay", "2026Q3", "", "", want{KindQuarter, "2026Q3", "2026-07-01", "2026-08-15", "2026年第三季度", true}},
		{"OKYear", "2025", "", "", want{KindYear, "2025", "2025-01-01", "2025-12-31", "2025年度", false}},
		{"OKLeapYear", "2024", "", "", want{KindYear, "2024", "2024-01-01", "2024-12-31", "2024年度", false}},
		{"OKYearUnderWay", "2026", "", "", want{KindYear, "2026", "2026-01-01", "2026-08-15", "2026年度", true}},
		{"OKCustom", "", "2026-07-01", "2026-07-31", want{KindCustom, "2026-07-01~2026-07-31", "2026-07-01", "2026-07-31", "2026-07-01 至 2026-07-31", false}},
		{"OKCustomNamed", "custom", "2026-08-15", "2026-08-15", want{KindCustom, "2026-08-15~2026-08-15", "2026-08-15", "2026-08-15", "2026-08-15 至 2026-08-15", false}},
		{"OKCustomFullYear", "", "2025-08-16", "2026-08-15", want{KindCustom, "2025-08-16~2026-08-15", "2025-08-16", "2026-08-15", "2025-08-16 至 2026-08-15", false}},
		{"OKCustomLeapYear", "", "2024-01-01", "2024-12-31", want{KindCustom, "2024-01-01~2024-12-31", "2024-01-01", "2024-12-31", "2024-01-01 至 2024-12-31", false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseQuery(c.period, c.from, c.to, today)
			if err != nil {
				t.Fatal(err)
			}
			got := want{p.Kind, p.Name, p.From.String(), p.To.String(), p.Title(), p.Clipped}
			if diff := cmp.Diff(c.want, got, cmp.AllowUnexported(want{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if p.Days() != int(p.To-p.From)+1 {
				t.Errorf("days %d", p.Days())
			}
		})
	}
}

func TestParseQueryErrors(t *testing.T) {
	today := day(t, "2026-08-15")
	for _, c := range []struct {
		name, period, from, to, field, want string
	}{
		{"ErrNothing", "", "", "", "period", "请选择统计期间"},
		{"ErrQuarterFive", "2026Q5", "", "", "period", `统计期间 "2026Q5" 无法识别`},
		{"ErrQuarterZero", "2026Q0", "", "", "period", "无法识别"},
		{"ErrShortYear", "26Q1", "", "", "period", "无法识别"},
		{"ErrWords", "今年", "", "", "period", "无法识别"},
		{"ErrMonth", "2026-07", "", "", "period", "无法识别"},
		{"ErrInjection", "2026Q3' OR 1=1", "", "", "period", "无法识别"},
		{"ErrFutureQuarter", "2026Q4", "", "", "period", "2026年第四季度尚未开始"},
		{"ErrFutureYear", "2027", "", "", "period", "2027年度尚未开始"},
		{"ErrFarFuture", "9999Q4", "", "", "period", "尚未开始"},
		{"ErrAncientYear", "1999", "", "", "period", "不能早于 2000 年"},
		{"ErrAncientQuarter", "0001Q1", "", "", "period", "不能早于 2000 年"},
		{"ErrBoth", "2026Q2", "2026-04-01", "", "period", "不能同时指定"},
		{"ErrOnlyFrom", "", "2026-07-01", "", "to", "请填写开始日期和结束日期"},
		{"ErrOnlyTo", "custom", "", "2026-07-01", "from", "请填写开始日期和结束日期"},
		{"ErrFromMalformed", "", "2026/07/01", "2026-07-31", "from", `开始日期 "2026/07/01" 格式不对`},
		{"ErrToMalformed", "", "2026-07-01", "2026-02-30", "to", `结束日期 "2026-02-30" 格式不对`},
		{"ErrLongInput", "", strings.Repeat("9", 500), "2026-07-31", "from", "…"},
		{"ErrReversed", "", "2026-07-31", "2026-07-01", "to", "开始日期 2026-07-31 晚于结束日期 2026-07-01"},
		{"ErrFuture", "", "2026-08-01", "2026-08-16", "to", "结束日期 2026-08-16 晚于今天（2026-08-15）"},
		{"ErrFarFutureCustom", "", "2026-08-01", "2099-01-01", "to", "晚于今天"},
		{"ErrOverYear", "", "2025-08-15", "2026-08-15", "to", "自定义期间最长一年"},
		{"ErrAbsurd", "", "2000-01-01", "2026-08-15", "to", "最长一年"},
		{"ErrBefore2000", "", "1999-12-31", "2000-01-02", "from", "不能早于 2000 年"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseQuery(c.period, c.from, c.to, today)
			var e *culture.Error
			if !asError(err, &e) || e.Code != culture.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if e.Field != c.field || !strings.Contains(e.Message, c.want) {
				t.Errorf("field %q message %q, want %q containing %q", e.Field, e.Message, c.field, c.want)
			}
			if len([]rune(e.Message)) > 120 {
				t.Errorf("message too long (%d runes): it must not echo the whole input", len([]rune(e.Message)))
			}
		})
	}
}

func asError(err error, e **culture.Error) bool {
	x, ok := err.(*culture.Error)
	*e = x
	return ok
}

func TestPeriodStartsToday(t *testing.T) {
	p, err := ParsePeriod("2026Q3", day(t, "2026-07-01"))
	if err != nil || p.From != p.To || !p.Clipped || p.Days() != 1 {
		t.Fatalf("%+v, %v; want one day, clipped", p, err)
	}
	if _, err := ParsePeriod("2026Q3", day(t, "2026-06-30")); culture.ErrorCode(err) != culture.EINVALID {
		t.Errorf("the day before: %v, want EINVALID", err)
	}
}

func TestBookingRange(t *testing.T) {
	today := day(t, "2026-08-15")
	from, to, err := BookingRange("2026-08-01", "2027-07-31", today)
	if err != nil || from.String() != "2026-08-01" || to.String() != "2027-07-31" {
		t.Fatalf("future bookings: %s %s %v", from, to, err)
	}
	for _, c := range [][3]string{
		{"2026-08-01", "2026-07-01", "晚于结束日期"},
		{"2026-08-01", "2027-08-01", "导出范围最长一年"},
		{"2027-08-01", "2027-08-17", "太远"},
		{"", "2026-08-01", "请填写"},
		{"x", "2026-08-01", "格式不对"},
	} {
		if _, _, err := BookingRange(c[0], c[1], today); culture.ErrorCode(err) != culture.EINVALID || !strings.Contains(culture.ErrorMessage(err), c[2]) {
			t.Errorf("BookingRange(%q, %q) = %v, want %q", c[0], c[1], err, c[2])
		}
	}
}

func TestMonths(t *testing.T) {
	today := day(t, "2026-08-15")
	for _, c := range []struct {
		period, from, to string
		want             []string
	}{
		{"2026Q2", "", "", []string{"2026-04 2026-04-01 2026-04-30", "2026-05 2026-05-01 2026-05-31", "2026-06 2026-06-01 2026-06-30"}},
		{"2026Q3", "", "", []string{"2026-07 2026-07-01 2026-07-31", "2026-08 2026-08-01 2026-08-15"}},
		{"", "2025-12-20", "2026-02-03", []string{"2025-12 2025-12-20 2025-12-31", "2026-01 2026-01-01 2026-01-31", "2026-02 2026-02-01 2026-02-03"}},
		{"", "2026-02-03", "2026-02-03", []string{"2026-02 2026-02-03 2026-02-03"}},
	} {
		p, err := ParseQuery(c.period, c.from, c.to, today)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range p.Months() {
			got = append(got, m.Name+" "+m.From.String()+" "+m.To.String())
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("%s%s months (-want +got):\n%s", c.period, c.from, diff)
		}
	}
	if y, _ := ParsePeriod("2025", today); len(y.Months()) != 12 || y.Weeks() != 365.0/7 {
		t.Errorf("2025: %d months, %v weeks", len(y.Months()), y.Weeks())
	}
}

func TestPeriodLabel(t *testing.T) {
	today := day(t, "2026-08-15")
	for period, want := range map[string]string{
		"2026Q2": "2026年第二季度（2026-04-01 至 2026-06-30）",
		"2026Q3": "2026年第三季度（2026-07-01 至 2026-08-15，截至今天）",
		"2025":   "2025年度（2025-01-01 至 2025-12-31）",
	} {
		if p, _ := ParsePeriod(period, today); p.Label() != want {
			t.Errorf("%s: %q, want %q", period, p.Label(), want)
		}
	}
}

func TestChoices(t *testing.T) {
	got := Choices(day(t, "2026-02-10"))
	var values []string
	for _, c := range got {
		values = append(values, c.Value)
	}
	want := []string{"2026Q1", "2025Q4", "2025Q3", "2025Q2", "2025Q1", "2024Q4", "2024Q3", "2024Q2", "2026", "2025", "2024"}
	if diff := cmp.Diff(want, values); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got[0].Label != "2026年第一季度" || got[8].Label != "2026年度" {
		t.Errorf("labels %q %q", got[0].Label, got[8].Label)
	}
	for _, c := range got {
		if _, err := ParsePeriod(c.Value, day(t, "2026-02-10")); err != nil {
			t.Errorf("choice %s does not parse: %v", c.Value, err)
		}
	}
}

func TestChoicesWith(t *testing.T) {
	today := day(t, "2026-08-15")
	offered := len(Choices(today))
	for _, c := range []struct{ asked, want string }{
		{"", ""}, {"custom", ""}, {"2026Q3", ""}, {"2025", ""},
		{"2023Q1", "2023Q1 2023年第一季度"},
		{"2099Q1", "2099Q1 2099年第一季度"},
		{"2026Q9", "2026Q9 2026Q9"},
		{"1999", "1999 1999"},
		{strings.Repeat("9", 30), strings.Repeat("9", 30) + " " + strings.Repeat("9", 20) + "…"},
	} {
		got := ChoicesWith(today, c.asked)
		added := ""
		if len(got) > offered {
			added = got[offered].Value + " " + got[offered].Label
		}
		if added != c.want || len(got) > offered+1 {
			t.Errorf("ChoicesWith(%q) added %q (%d choices), want %q", c.asked, added, len(got), c.want)
		}
	}
}
