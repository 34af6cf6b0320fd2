package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

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
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatalf("no UTF-8 BOM: % x", body[:min(len(body), 8)])
	}
	if strings.Contains(body, "13812345678") || strings.Contains(body, "13987654321") {
		t.Error("CSV holds a full phone number")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
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
	if a[0] != f.xiTicketA.DisplayCode() || a[2] != "138****5678" || a[3] != "1" || a[4] != "已预约" || a[5] == "" || a[6] != "" {
		t.Errorf("row of 张小明: %q", a)
	}
	if b[2] != "139****4321" {
		t.Errorf("row of B: %q", b)
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
	var sb strings.Builder
	err := writeAttendeesCSV(&sb, []*culture.Booking{{Code: "ABCD2345XY", Phone: "13812345678", Seats: 2,
		Status: culture.BookingCheckedIn, CreatedAt: at, CheckedInAt: &at,
		Attendees: []*culture.Attendee{{Name: "王芳"}, {Name: "-王小宝"}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := "\ufeff票码,参加人,手机,人数,状态,预约时间,签到时间\r\n" +
		"ABCD-2345-XY,王芳、-王小宝,138****5678,2,已签到,2031-03-01 09:30,2031-03-01 09:30\r\n"
	if diff := cmp.Diff(want, sb.String()); diff != "" {
		t.Errorf("CSV (-want +got):\n%s", diff)
	}
}
