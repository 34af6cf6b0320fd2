package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

// TestConsoleAttendeesCSV exports an activity's attendees as the admin of
// its branch, who manages it: the file is a CSV for Excel with the phone
// numbers in full, formulas guarded, and the export is audited.
// (console_report_test.go exports it as every role.)
func TestConsoleAttendeesCSV(t *testing.T) {
	f := newConsoleTestServer(t)
	res, body := f.client("xiadmin").get(consoleActivityURL(f.xiFirst) + "/attendees.csv")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	rows := readCSV(t, body)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want header + 2", len(rows))
	}
	if diff := cmp.Diff(consoleCSVHeader, rows[0]); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	byName := map[string][]string{}
	for _, r := range rows[1:] {
		byName[r[1]] = r
	}
	a, b := byName["张小明"], byName["'=SUM(A1:A2)"]
	if a == nil || b == nil {
		t.Fatalf("rows by attendee: %q (want 张小明 and a quoted formula)", rows[1:])
	}
	if a[0] != f.xiTicketA.DisplayCode() || a[2] != "13812345678" || a[3] != "1" || a[4] != "已预约" || a[5] == "" || a[6] != "" {
		t.Errorf("row of 张小明: %q", a)
	}
	if b[2] != "13987654321" {
		t.Errorf("row of B: %q", b)
	}
	var n int
	if err := f.store.DB().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action = 'export.attendees'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audit rows (%v), want 1", n, err)
	}
}

func TestCSVSafeRow(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=1+2", "'=1+2"}, {"+86", "'+86"}, {"-3", "'-3"}, {"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"}, {"张三", "张三"}, {"", ""}, {"a=b", "a=b"}, {"138****5678", "138****5678"},
	} {
		if got := csvSafeRow(c.in)[0]; got != c.want {
			t.Errorf("csvSafeRow(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestWriteAttendeesCSVCheckedIn(t *testing.T) {
	at := consoleT0()
	bookings := []*culture.Booking{{Code: "ABCD2345XY", Phone: "13812345678", Seats: 2,
		Status: culture.BookingCheckedIn, CreatedAt: at, CheckedInAt: &at,
		Attendees: []*culture.Attendee{{Name: "王芳"}, {Name: "-王小宝"}}}}
	for full, shown := range map[bool]string{false: "******45XY,王*、-***,138****5678", true: "ABCD-2345-XY,王芳、-王小宝,13812345678"} {
		var sb strings.Builder
		if err := writeAttendeesCSV(&sb, bookings, full); err != nil {
			t.Fatal(err)
		}
		want := "\ufeff票码,参加人,手机,人数,状态,预约时间,签到时间\r\n" +
			shown + ",2,已签到,2031-03-01 09:30,2031-03-01 09:30\r\n"
		if diff := cmp.Diff(want, sb.String()); diff != "" {
			t.Errorf("full=%v CSV (-want +got):\n%s", full, diff)
		}
	}
}
