package ical

import (
	"errors"
	"strings"
	"testing"
)

// validLines is a small valid calendar that each negative case breaks in
// one way.
var validLines = []string{
	"BEGIN:VCALENDAR",
	"VERSION:2.0",
	"PRODID:-//Test//Test 1.0//ZH",
	"CALSCALE:GREGORIAN",
	"METHOD:PUBLISH",
	"X-WR-CALNAME:测试日历",
	"BEGIN:VTIMEZONE",
	"TZID:Asia/Shanghai",
	"BEGIN:STANDARD",
	"DTSTART:19700101T000000",
	"TZOFFSETFROM:+0800",
	"TZOFFSETTO:+0800",
	"TZNAME:CST",
	"END:STANDARD",
	"END:VTIMEZONE",
	"BEGIN:VEVENT",
	"UID:activity-1@example.org",
	"DTSTAMP:20250301T010000Z",
	"DTSTART;TZID=Asia/Shanghai:20250302T090000",
	"DTEND;TZID=Asia/Shanghai:20250302T110000",
	`SUMMARY:少儿书法\, 启蒙班`,
	"STATUS:CONFIRMED",
	"END:VEVENT",
	"BEGIN:VEVENT",
	"UID:activity-2@example.org",
	"DTSTAMP:20250301T010000Z",
	"DTSTART:20250303T010000Z",
	"DTEND:20250303T030000Z",
	"SUMMARY:广场舞",
	"END:VEVENT",
	"END:VCALENDAR",
}

func validCalendar() string { return strings.Join(validLines, "\r\n") + "\r\n" }

// TestParseValid accepts the base calendar and variants the rules allow.
func TestParseValid(t *testing.T) {
	for name, text := range map[string]string{
		"Base":         validCalendar(),
		"FoldedTab":    edit(t, validCalendar(), "SUMMARY:广场舞", "SUMMARY:广场\r\n\t舞"),
		"XProperty":    edit(t, validCalendar(), "METHOD:PUBLISH", "METHOD:PUBLISH\r\nX-APPLE-CALENDAR-COLOR:#FF0000"),
		"QuotedParam":  edit(t, validCalendar(), "SUMMARY:广场舞", `SUMMARY;LANGUAGE="zh-CN":广场舞`),
		"AllDay":       edit(t, validCalendar(), "DTSTART:20250303T010000Z\r\nDTEND:20250303T030000Z", "DTSTART;VALUE=DATE:20250303\r\nDTEND;VALUE=DATE:20250304"),
		"NoDTEND":      edit(t, validCalendar(), "DTEND:20250303T030000Z\r\n", ""),
		"LowerCase":    edit(t, validCalendar(), "SUMMARY:广场舞", "summary:广场舞"),
		"EmptyText":    edit(t, validCalendar(), "SUMMARY:广场舞", "SUMMARY:"),
		"CrossZoneEnd": edit(t, validCalendar(), "DTEND;TZID=Asia/Shanghai:20250302T110000", "DTEND:20250302T010001Z"),
		// VALUE=DATE-TIME is the default: said or not, the types agree.
		"ExplicitDateTime": edit(t, validCalendar(), "DTSTART:20250303T010000Z", "DTSTART;VALUE=DATE-TIME:20250303T010000Z"),
		"ExplicitDTEND":    edit(t, validCalendar(), "DTEND:20250303T030000Z", "DTEND;value=date-time:20250303T030000Z"),
		"Refresh":          edit(t, validCalendar(), "METHOD:PUBLISH", "REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\nX-PUBLISHED-TTL:P1DT0H30M"),
		"Duration":         edit(t, validCalendar(), "DTEND:20250303T030000Z", "DURATION:PT1H0M30S"),
		"DurationWeeks":    edit(t, validCalendar(), "DTEND:20250303T030000Z", "DURATION:P2W"),
		"Sequence":         edit(t, validCalendar(), "STATUS:CONFIRMED", "STATUS:CONFIRMED\r\nSEQUENCE:2147483647"),
		"URLEncoded":       edit(t, validCalendar(), "STATUS:CONFIRMED", "STATUS:CONFIRMED\r\nURL:https://wenyun.example/%E6%B4%BB?a=1&b=2#x"),
	} {
		t.Run(name, func(t *testing.T) {
			cal, err := Parse([]byte(text))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if n := len(cal.Events()); n != 2 {
				t.Errorf("%d events, want 2", n)
			}
		})
	}
	cal, _ := Parse([]byte(validCalendar()))
	if got := cal.Events()[0].Text("SUMMARY"); got != "少儿书法, 启蒙班" {
		t.Errorf("SUMMARY %q", got)
	}
}

// edit replaces the first old with new, failing when old is absent (so
// no case passes by not changing anything).
func edit(t *testing.T, text, old, new string) string {
	t.Helper()
	if !strings.Contains(text, old) {
		t.Fatalf("%q not in the calendar", old)
	}
	return strings.Replace(text, old, new, 1)
}

// TestParseRejects breaks one rule per case and wants that rule's error.
func TestParseRejects(t *testing.T) {
	base := validCalendar()
	const summary = `SUMMARY:少儿书法\, 启蒙班`
	cases := []struct {
		name      string
		old, new  string
		want      error
		wholeText string // used instead of an edit when set
	}{
		{name: "BareLF", old: "VERSION:2.0\r\n", new: "VERSION:2.0\n", want: ErrLineEnd},
		{name: "BareCR", old: "VERSION:2.0\r\n", new: "VERSION:2.0\r", want: ErrLineEnd},
		{name: "NoFinalCRLF", wholeText: strings.TrimSuffix(base, "\r\n"), want: ErrLineEnd},
		{name: "LineOf76Octets", old: summary, new: "SUMMARY:" + strings.Repeat("a", 68), want: ErrLineLength},
		{name: "Continuation76", old: summary, new: "SUMMARY:a\r\n " + strings.Repeat("b", 75), want: ErrLineLength},
		{name: "InvalidUTF8", old: summary, new: "SUMMARY:\xff\xfe", want: ErrUTF8},
		{name: "FoldSplitsCharacter", old: summary, new: "SUMMARY:\xe5\xb0\r\n \x91儿书法", want: ErrUTF8},
		{name: "MissingEnd", old: "END:VEVENT\r\n", new: "", want: ErrNesting},
		{name: "MismatchedEnd", old: "END:VEVENT", new: "END:VTODO", want: ErrNesting},
		{name: "ExtraEnd", wholeText: base + "END:VCALENDAR\r\n", want: ErrNesting},
		{name: "LineBeforeCalendar", wholeText: "VERSION:2.0\r\n" + base, want: ErrNesting},
		{name: "NotACalendar", old: "BEGIN:VCALENDAR", new: "BEGIN:VEVENT", want: ErrNesting},
		{name: "EventInsideTimezone", old: "END:STANDARD\r\nEND:VTIMEZONE", want: ErrNesting,
			new: "END:STANDARD\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTAMP:20250301T010000Z\r\nDTSTART:20250301T010000Z\r\nEND:VEVENT\r\nEND:VTIMEZONE"},
		{name: "CalendarInsideEvent", old: "STATUS:CONFIRMED\r\n", new: "STATUS:CONFIRMED\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", want: ErrNesting},
		{name: "StandardOutsideTimezone", old: "STATUS:CONFIRMED\r\n", want: ErrNesting,
			new: "STATUS:CONFIRMED\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0800\r\nTZOFFSETTO:+0800\r\nEND:STANDARD\r\n"},
		{name: "MissingVersion", old: "VERSION:2.0\r\n", new: "", want: ErrMissing},
		{name: "MissingProdID", old: "PRODID:-//Test//Test 1.0//ZH\r\n", new: "", want: ErrMissing},
		{name: "VersionNot2", old: "VERSION:2.0", new: "VERSION:1.0", want: ErrValue},
		{name: "EventWithoutUID", old: "UID:activity-1@example.org\r\n", new: "", want: ErrMissing},
		{name: "EventWithoutDTSTAMP", old: "DTSTAMP:20250301T010000Z\r\n", new: "", want: ErrMissing},
		{name: "EventWithoutDTSTART", old: "DTSTART;TZID=Asia/Shanghai:20250302T090000\r\n", new: "", want: ErrMissing},
		{name: "DuplicateUID", old: "UID:activity-2@", new: "UID:activity-1@", want: ErrDuplicateUID},
		{name: "RepeatedSummary", old: summary, new: summary + "\r\n" + summary, want: ErrRepeated},
		{name: "DTSTAMPLocal", old: "DTSTAMP:20250301T010000Z", new: "DTSTAMP:20250301T010000", want: ErrNotUTC},
		{name: "DTSTAMPWithTZID", old: "DTSTAMP:20250301T010000Z", new: "DTSTAMP;TZID=Asia/Shanghai:20250301T090000", want: ErrNotUTC},
		{name: "UndefinedTZID", old: "DTSTART;TZID=Asia/Shanghai", new: "DTSTART;TZID=Europe/Berlin", want: ErrTZID},
		{name: "DTENDBeforeDTSTART", old: "DTEND;TZID=Asia/Shanghai:20250302T110000", new: "DTEND;TZID=Asia/Shanghai:20250302T080000", want: ErrEndBeforeStart},
		{name: "DTENDAtDTSTART", old: "DTEND:20250303T030000Z", new: "DTEND:20250303T010000Z", want: ErrEndBeforeStart},
		// 09:00 in Shanghai is 01:00 UTC: an end at 00:59:59Z is before it
		// although its digits are larger than nothing in 09:00.
		{name: "DTENDBeforeAcrossZones", old: "DTEND;TZID=Asia/Shanghai:20250302T110000", new: "DTEND:20250302T005959Z", want: ErrEndBeforeStart},
		{name: "February30", old: "DTSTART;TZID=Asia/Shanghai:20250302T090000", new: "DTSTART;TZID=Asia/Shanghai:20250230T090000", want: ErrDateTime},
		{name: "Hour25", old: "DTEND:20250303T030000Z", new: "DTEND:20250303T250000Z", want: ErrDateTime},
		{name: "ISOExtended", old: "DTSTAMP:20250301T010000Z", new: "DTSTAMP:2025-03-01T01:00:00Z", want: ErrDateTime},
		{name: "TZIDAndZ", old: "DTSTART;TZID=Asia/Shanghai:20250302T090000", new: "DTSTART;TZID=Asia/Shanghai:20250302T090000Z", want: ErrDateTime},
		{name: "UnknownEscape", old: summary, new: `SUMMARY:少儿书法\t启蒙班`, want: ErrEscape},
		{name: "TrailingBackslash", old: summary, new: `SUMMARY:少儿书法\`, want: ErrEscape},
		{name: "UnescapedSemicolon", old: summary, new: `SUMMARY:少儿书法;启蒙班`, want: ErrEscape},
		{name: "UnescapedComma", old: summary, new: `SUMMARY:少儿书法,启蒙班`, want: ErrEscape},
		{name: "UnregisteredProperty", old: summary, new: summary + "\r\nFOOBAR:x", want: ErrName},
		{name: "PropertyNameNotAToken", old: summary, new: `SUMMARY_ZH:少儿书法`, want: ErrName},
		{name: "UnregisteredParameter", old: "DTSTART;TZID=", new: "DTSTART;COLOUR=red;TZID=", want: ErrName},
		{name: "UnregisteredComponent", old: "BEGIN:VEVENT", new: "BEGIN:VMEETING", want: ErrName},
		{name: "UnknownStatus", old: "STATUS:CONFIRMED", new: "STATUS:DONE", want: ErrValue},
		{name: "RelativeURL", old: summary, new: summary + "\r\nURL:/activities/1", want: ErrValue},
		{name: "URLSpace", old: summary, new: summary + "\r\nURL:https://wenyun.example/a b", want: ErrValue},
		{name: "URLTab", old: summary, new: summary + "\r\nURL:https://wenyun.example/a\tb", want: ErrValue},
		{name: "URLNonASCII", old: summary, new: summary + "\r\nURL:https://wenyun.example/活动", want: ErrValue},
		{name: "URLAngle", old: summary, new: summary + "\r\nURL:https://wenyun.example/<script>", want: ErrValue},
		{name: "URLInjectedCR", old: summary, new: summary + "\r\nURL:https://wenyun.example/a\rX-EVIL:1", want: ErrLineEnd},
		{name: "SequenceNegative", old: summary, new: summary + "\r\nSEQUENCE:-1", want: ErrValue},
		{name: "SequenceTooLarge", old: summary, new: summary + "\r\nSEQUENCE:2147483648", want: ErrValue},
		{name: "SequenceSigned", old: summary, new: summary + "\r\nSEQUENCE:+1", want: ErrValue},
		{name: "DurationHourThenSecond", old: "DTEND:20250303T030000Z", new: "DURATION:PT1H30S", want: ErrValue},
		{name: "DurationNoT", old: "DTEND:20250303T030000Z", new: "DURATION:P1H", want: ErrValue},
		{name: "DurationWeeksAndDays", old: "DTEND:20250303T030000Z", new: "DURATION:P1W2D", want: ErrValue},
		{name: "DurationEmptyTime", old: "DTEND:20250303T030000Z", new: "DURATION:P1DT", want: ErrValue},
		{name: "RefreshWithoutValue", old: "METHOD:PUBLISH", new: "REFRESH-INTERVAL:PT1H", want: ErrValue},
		{name: "RefreshValueText", old: "METHOD:PUBLISH", new: "REFRESH-INTERVAL;VALUE=TEXT:PT1H", want: ErrValue},
		{name: "RefreshNegative", old: "METHOD:PUBLISH", new: "REFRESH-INTERVAL;VALUE=DURATION:-PT1H", want: ErrValue},
		{name: "RefreshBad", old: "METHOD:PUBLISH", new: "REFRESH-INTERVAL;VALUE=DURATION:PT1H30S", want: ErrValue},
		{name: "PublishedTTLBad", old: "METHOD:PUBLISH", new: "X-PUBLISHED-TTL:1H", want: ErrValue},
		{name: "DTSTARTDateDTENDDateTime", old: "DTSTART:20250303T010000Z", new: "DTSTART;VALUE=DATE:20250303", want: ErrValue},
		{name: "NoColon", old: summary, new: "SUMMARY", want: ErrSyntax},
		{name: "EmptyLine", old: summary, new: summary + "\r\n", want: ErrSyntax},
		{name: "ControlCharacter", old: summary, new: "SUMMARY:a\x01b", want: ErrSyntax},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := tc.wholeText
			if text == "" {
				text = edit(t, base, tc.old, tc.new)
			}
			_, err := Parse([]byte(text))
			if !errors.Is(err, tc.want) {
				t.Errorf("Parse: %v\nwant %v", err, tc.want)
			}
			var pe *ParseError
			if err != nil && (!errors.As(err, &pe) || pe.Line < 1) {
				t.Errorf("error %v carries no line", err)
			}
		})
	}
}

// TestParseFeedShape checks that the writer's own output passes and that
// breaking its folding (a long line unfolded) is caught: the round trip
// tests would not notice a writer that never folds.
func TestParseFeedShape(t *testing.T) {
	data, err := sampleCalendar().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(data); err != nil {
		t.Fatalf("the writer's calendar: %v", err)
	}
	unfolded := strings.ReplaceAll(string(data), "\r\n ", "")
	if _, err := Parse([]byte(unfolded)); !errors.Is(err, ErrLineLength) {
		t.Errorf("unfolded calendar: %v, want %v", err, ErrLineLength)
	}
}
