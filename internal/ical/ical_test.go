package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// longTitle is a Chinese title of 180 octets and more: it folds three
// times, and a 3-octet character never fits the line ends evenly.
const longTitle = "解放区文化馆“非遗进社区”系列：少儿剪纸、豫剧唱段与书法启蒙体验课（第三期，家长可陪同；每单限三人）🎭"

// physicalLines splits folded text at CRLF, failing on anything else.
func physicalLines(t *testing.T, folded string) []string {
	t.Helper()
	if !strings.HasSuffix(folded, "\r\n") {
		t.Fatalf("folded text does not end with CRLF: %q", folded)
	}
	lines := strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n")
	for _, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("bare CR or LF in %q", l)
		}
	}
	return lines
}

// TestFold folds lines of every shape: each physical line holds at most
// 75 octets (a continuation's leading space included), is valid UTF-8 on
// its own, is as full as the next character allows, and unfolding gives
// back the line byte for byte.
func TestFold(t *testing.T) {
	for _, line := range []string{
		"SUMMARY:" + longTitle,
		"DESCRIPTION:" + strings.Repeat("a", 67),       // exactly 75
		"DESCRIPTION:" + strings.Repeat("a", 68),       // 76: one octet over
		"DESCRIPTION:" + strings.Repeat("书", 40),       // 3-octet runs
		"DESCRIPTION:" + strings.Repeat("🎭x", 30),      // 4-octet runs
		"DESCRIPTION:" + strings.Repeat("é", 100) + "", // 2-octet runs
		"X:",
	} {
		var b bytes.Buffer
		fold(&b, line)
		phys := physicalLines(t, b.String())
		var joined strings.Builder
		for i, p := range phys {
			if len(p) > MaxLine {
				t.Errorf("line %d of %q: %d octets", i, line[:12], len(p))
			}
			if !utf8.ValidString(p) {
				t.Errorf("line %d of %q splits a character: %q", i, line[:12], p)
			}
			if i > 0 {
				if p[0] != ' ' || len(p) < 2 {
					t.Fatalf("continuation %d does not start with one space and content: %q", i, p)
				}
				p = p[1:]
			}
			if i < len(phys)-1 {
				next, _ := utf8.DecodeRuneInString(phys[i+1][1:])
				if room := MaxLine - len(phys[i]); room >= utf8.RuneLen(next) {
					t.Errorf("line %d folded early: %d octets, next character %q fits", i, len(phys[i]), next)
				}
			}
			joined.WriteString(p)
		}
		if joined.String() != line {
			t.Errorf("unfolded %q\nwant     %q", joined.String(), line)
		}
		if len(line) <= MaxLine && len(phys) != 1 {
			t.Errorf("%d-octet line folded into %d", len(line), len(phys))
		}
	}
}

// TestEscapeText checks TEXT escaping and that unescaping restores the
// text (line breaks as LF).
func TestEscapeText(t *testing.T) {
	for _, tt := range []struct{ in, want, back string }{
		{`a,b;c\d`, `a\,b\;c\\d`, `a,b;c\d`},
		{"第一行\r\n第二行\n第三行\r第四行", `第一行\n第二行\n第三行\n第四行`, "第一行\n第二行\n第三行\n第四行"},
		{"tab\tstays, bell\agoes", "tab\tstays\\, bell goes", "tab\tstays, bell goes"},
		{`\n is not a newline`, `\\n is not a newline`, `\n is not a newline`},
		{"bad \xff utf-8", "bad \uFFFD utf-8", "bad \uFFFD utf-8"},
	} {
		got := EscapeText(tt.in)
		if got != tt.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back := unescape(got); back != tt.back {
			t.Errorf("unescape(%q) = %q, want %q", got, back, tt.back)
		}
	}
}

// sampleCalendar has a long Chinese title, text needing every escape and
// a cancelled event.
func sampleCalendar() *Calendar {
	stamp := time.Date(2025, 3, 1, 1, 2, 3, 0, time.UTC)
	start := time.Date(2025, 3, 2, 1, 0, 0, 0, time.UTC) // 09:00 in Shanghai
	return &Calendar{
		Name: "焦西分馆活动日历", Description: "焦西分馆及其文化点的公开活动；每小时更新", Refresh: time.Hour,
		Events: []Event{{
			UID: "activity-1@wenyun.example", Stamp: stamp, Sequence: 3600, Start: start, End: start.Add(90 * time.Minute),
			Summary:     longTitle,
			Description: "第一行：带上毛笔, 墨汁; 宣纸\r\n第二行 \\ 反斜杠\n" + strings.Repeat("很长的说明", 30),
			Location:    "焦西分馆 多功能厅（焦作市解放区焦西街道 1 号）", URL: "https://wenyun.example/activities/1",
			Status: StatusConfirmed, LastModified: stamp.Add(-time.Hour), Categories: []string{"书法美术", "解放益课, 周末"},
		}, {
			UID: "activity-2@wenyun.example", Stamp: stamp, Start: start.Add(24 * time.Hour), End: start.Add(26 * time.Hour),
			Summary: "【已取消】广场舞进阶课", Status: StatusCancelled,
		}},
	}
}

// TestCalendarRoundTrip writes a calendar, parses it strictly and reads
// every field back byte for byte.
func TestCalendarRoundTrip(t *testing.T) {
	cal := sampleCalendar()
	data, err := cal.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range physicalLines(t, string(data)) {
		if len(l) > MaxLine {
			t.Errorf("line %d: %d octets", i+1, len(l))
		}
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, data)
	}
	if bytes.Contains(data, []byte("METHOD:")) || got.Get("METHOD") != nil {
		t.Error("a published feed has a METHOD (RFC 5546 would want an ORGANIZER with it)")
	}
	for _, want := range []string{"VERSION:2.0", "CALSCALE:GREGORIAN", "X-WR-TIMEZONE:Asia/Shanghai",
		"PRODID:" + DefaultProdID, "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
		"BEGIN:VTIMEZONE\r\nTZID:Asia/Shanghai\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n" +
			"TZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nTZNAME:CST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"} {
		if !bytes.Contains(data, []byte(want+"\r\n")) && !bytes.Contains(data, []byte(want)) {
			t.Errorf("calendar lacks %q", want)
		}
	}
	if got.Text("X-WR-CALNAME") != cal.Name || got.Text("X-WR-CALDESC") != cal.Description {
		t.Errorf("name %q, description %q", got.Text("X-WR-CALNAME"), got.Text("X-WR-CALDESC"))
	}
	evs := got.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events, want 2", len(evs))
	}
	want, ev := cal.Events[0], evs[0]
	fields := map[string]string{
		"UID": want.UID, "SUMMARY": want.Summary, "LOCATION": want.Location,
		"DESCRIPTION": strings.ReplaceAll(want.Description, "\r\n", "\n"),
	}
	for name, w := range fields {
		if g := ev.Text(name); g != w {
			t.Errorf("%s = %q\nwant %q", name, g, w)
		}
	}
	raw := map[string]string{"DTSTAMP": "20250301T010203Z", "DTSTART": "20250302T090000", "DTEND": "20250302T103000",
		"URL": want.URL, "STATUS": "CONFIRMED", "LAST-MODIFIED": "20250301T000203Z", "SEQUENCE": "3600"}
	for name, w := range raw {
		if p := ev.Get(name); p == nil || p.Value != w {
			t.Errorf("%s = %+v, want %q", name, p, w)
		}
	}
	if tz := ev.Get("DTSTART").Param("TZID"); tz != TZID {
		t.Errorf("DTSTART TZID %q", tz)
	}
	if diff := cmp.Diff(want.Categories, ev.Get("CATEGORIES").Texts()); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
	if seq := evs[1].Get("SEQUENCE"); seq == nil || seq.Value != "0" {
		t.Errorf("second event: SEQUENCE %+v, want 0 (always written)", seq)
	}
	if evs[1].Get("STATUS").Value != StatusCancelled || evs[1].Get("DESCRIPTION") != nil {
		t.Errorf("second event: status %v, description %v", evs[1].Get("STATUS"), evs[1].Get("DESCRIPTION"))
	}
}

// TestEncodeRefuses checks that events the writer cannot make valid are
// refused rather than written.
func TestEncodeRefuses(t *testing.T) {
	for name, edit := range map[string]func(*Event){
		"NoUID":       func(e *Event) { e.UID = "" },
		"EndAtStart":  func(e *Event) { e.End = e.Start },
		"NoStamp":     func(e *Event) { e.Stamp = time.Time{} },
		"Status":      func(e *Event) { e.Status = "DONE" },
		"Sequence":    func(e *Event) { e.Sequence = -1 },
		"URLCRLF":     func(e *Event) { e.URL = "https://wenyun.example/a\r\nDESCRIPTION:injected" },
		"URLLF":       func(e *Event) { e.URL = "https://wenyun.example/a\nX-EVIL:1" },
		"URLSpace":    func(e *Event) { e.URL = "https://wenyun.example/a b" },
		"URLTab":      func(e *Event) { e.URL = "https://wenyun.example/a\tb" },
		"URLChinese":  func(e *Event) { e.URL = "https://wenyun.example/活动/1" },
		"URLQuote":    func(e *Event) { e.URL = `https://wenyun.example/"x"` },
		"URLRelative": func(e *Event) { e.URL = "/activities/1" },
	} {
		t.Run(name, func(t *testing.T) {
			cal := sampleCalendar()
			edit(&cal.Events[1])
			var b bytes.Buffer
			if err := cal.Encode(&b); err == nil || b.Len() > 0 {
				t.Errorf("Encode: err %v, wrote %d bytes", err, b.Len())
			}
		})
	}
}

// TestDuration formats durations of every shape; each must also pass the
// parser's DURATION rule (hours are followed only by minutes).
func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "PT1H", 90 * time.Minute: "PT1H30M", 0: "PT0S", 61 * time.Second: "PT1M1S",
		time.Hour + 30*time.Second: "PT1H0M30S", 30 * time.Second: "PT30S", 25*time.Hour + time.Second: "PT25H0M1S",
		time.Hour + time.Minute + time.Second: "PT1H1M1S", 1500 * time.Millisecond: "PT1S",
	} {
		got := duration(d)
		if got != want {
			t.Errorf("duration(%v) = %s, want %s", d, got, want)
		}
		if err := checkDuration(&Property{Name: "X-PUBLISHED-TTL", Value: got, Line: 1}); err != nil {
			t.Errorf("duration(%v) = %s: %v", d, got, err)
		}
	}
}
