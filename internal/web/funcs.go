package web

import (
	"fmt"
	"html/template"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// funcs are the template helpers. Times are always shown in Asia/Shanghai.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"static":     func(name string) string { return s.static.url(name) },
		"datetime":   fmtDateTime,
		"date":       fmtDate,
		"clock":      func(t time.Time) string { return t.In(culture.Shanghai).Format("15:04") },
		"isoLocal":   func(t time.Time) string { return t.In(culture.Shanghai).Format("2006-01-02T15:04") },
		"isoUTC":     func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"maskPhone":  culture.MaskPhone,
		"maskName":   culture.MaskName,
		"modeLabel":  func(m string) string { return culture.ModeLabels[m] },
		"roleLabel":  func(r string) string { return culture.RoleLabels[r] },
		"statusText": func(s string) string { return culture.BookingStatusLabels[s] },
		"categories": func() []string { return culture.Categories },
		"relations":  func() []string { return culture.Relations },
		"add":        func(a, b int) int { return a + b },
		"sub":        func(a, b int) int { return a - b },
		"seq":        seq,
		"derefInt64": func(p *int64) int64 { return deref(p) },
	}
}

// fmtDateTime shows a time as "11月30日 周一 19:00".
func fmtDateTime(t time.Time) string {
	l := t.In(culture.Shanghai)
	return fmt.Sprintf("%d月%d日 %s %s", l.Month(), l.Day(), weekdays[l.Weekday()], l.Format("15:04"))
}

// fmtDate shows a date as "2026年11月30日 周一".
func fmtDate(t time.Time) string {
	l := t.In(culture.Shanghai)
	return fmt.Sprintf("%d年%d月%d日 %s", l.Year(), l.Month(), l.Day(), weekdays[l.Weekday()])
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

func deref(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
