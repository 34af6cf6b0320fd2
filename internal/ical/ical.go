// Package ical writes iCalendar (RFC 5545) feeds of events in
// Asia/Shanghai and checks calendars strictly (see Parse), so that every
// feed Wenyun serves can be proven valid by its tests.
//
// Content lines end with CRLF and are folded at 75 octets (a continuation
// line starts with one space, which counts toward its 75), never inside a
// UTF-8 sequence; TEXT values are escaped.
package ical

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TZID names the one time zone of Wenyun's calendars. China has kept
// UTC+8 without daylight saving since 1991, so its VTIMEZONE is a single
// STANDARD observance and local times convert with a fixed offset.
const TZID = "Asia/Shanghai"

// shanghai is Asia/Shanghai as its VTIMEZONE defines it.
var shanghai = time.FixedZone("CST", 8*3600)

// MaxLine is the longest content line, in octets, without its CRLF.
const MaxLine = 75

// DefaultProdID identifies the product that wrote a calendar.
const DefaultProdID = "-//Wenyun//Wenyun Calendar 1.0//ZH"

// Event statuses (STATUS of a VEVENT).
const (
	StatusConfirmed = "CONFIRMED"
	StatusTentative = "TENTATIVE"
	StatusCancelled = "CANCELLED"
)

// Calendar is one VCALENDAR of published events.
type Calendar struct {
	// ProdID is the PRODID; DefaultProdID when empty.
	ProdID string
	// Name and Description are shown by calendar apps (X-WR-CALNAME,
	// X-WR-CALDESC); Description is optional.
	Name        string
	Description string
	// Refresh asks subscribing apps to poll this often (REFRESH-INTERVAL
	// of RFC 7986 and X-PUBLISHED-TTL); 0 leaves it to them.
	Refresh time.Duration
	Events  []Event
}

// Event is one VEVENT with its times in Asia/Shanghai.
type Event struct {
	// UID identifies the event across versions of the feed.
	UID string
	// Stamp is DTSTAMP. The calendar has no METHOD (a published feed, not
	// an iTIP message), so RFC 5545 (3.8.7.2) makes DTSTAMP the time the
	// event last changed, as LAST-MODIFIED: not the time of the response.
	Stamp time.Time
	// Sequence is SEQUENCE, the event's revision: it must never decrease
	// from one version of the feed to the next, and should grow when the
	// time, place or status changes, so that calendar apps take the new
	// version for an update. 0 to math.MaxInt32; always written.
	Sequence int
	// Start and End are written as local times in Asia/Shanghai.
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	// URL is an absolute URI of printable ASCII (see ValidURI); written
	// when not empty.
	URL          string
	Status       string
	LastModified time.Time // written when not zero
	Categories   []string
}

var (
	errNoUID    = errors.New("ical: event without UID")
	errNoTimes  = errors.New("ical: event without a start, or ending before it starts")
	errStatus   = errors.New("ical: unknown event status")
	errSequence = errors.New("ical: SEQUENCE out of range")
	errURL      = errors.New("ical: URL not an absolute URI of printable ASCII")
)

func (e *Event) check() error {
	switch {
	case e.UID == "":
		return errNoUID
	case e.Start.IsZero() || e.Stamp.IsZero() || !e.End.After(e.Start):
		return fmt.Errorf("%w (UID %s)", errNoTimes, e.UID)
	case e.Status != "" && e.Status != StatusConfirmed && e.Status != StatusTentative && e.Status != StatusCancelled:
		return fmt.Errorf("%w %q", errStatus, e.Status)
	case e.Sequence < 0 || e.Sequence > math.MaxInt32:
		return fmt.Errorf("%w: %d (UID %s)", errSequence, e.Sequence, e.UID)
	case e.URL != "" && !ValidURI(e.URL):
		return fmt.Errorf("%w: %q (UID %s)", errURL, e.URL, e.UID)
	}
	return nil
}

// Encode writes the calendar to w. An event without a UID, a start or an
// end after its start, or with an unknown status, a negative SEQUENCE or
// a URL that is not an absolute URI of printable ASCII (a CR or LF in it
// would inject properties) is an error and nothing is written.
func (c *Calendar) Encode(w io.Writer) error {
	b, err := c.Bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Bytes returns the calendar's text (see Encode).
func (c *Calendar) Bytes() ([]byte, error) {
	for i := range c.Events {
		if err := c.Events[i].check(); err != nil {
			return nil, err
		}
	}
	var e encoder
	c.header(&e)
	for i := range c.Events {
		e.event(&c.Events[i])
	}
	e.line("END:VCALENDAR")
	return e.buf.Bytes(), nil
}

// encoder writes folded content lines.
type encoder struct{ buf bytes.Buffer }

// line writes one content line, folded.
func (e *encoder) line(s string) { fold(&e.buf, s) }

// text writes a property with a TEXT value.
func (e *encoder) text(name, value string) { e.line(name + ":" + EscapeText(value)) }

func (c *Calendar) header(e *encoder) {
	prodID := c.ProdID
	if prodID == "" {
		prodID = DefaultProdID
	}
	e.line("BEGIN:VCALENDAR")
	e.line("VERSION:2.0")
	e.text("PRODID", prodID)
	e.line("CALSCALE:GREGORIAN")
	// No METHOD: RFC 5546 requires an ORGANIZER in every event of a
	// METHOD:PUBLISH object, and a subscribed feed is no iTIP message.
	e.text("X-WR-CALNAME", c.Name)
	e.text("X-WR-TIMEZONE", TZID)
	if c.Description != "" {
		e.text("X-WR-CALDESC", c.Description)
	}
	if c.Refresh > 0 {
		d := duration(c.Refresh)
		e.line("REFRESH-INTERVAL;VALUE=DURATION:" + d)
		e.line("X-PUBLISHED-TTL:" + d)
	}
	for _, l := range vtimezone {
		e.line(l)
	}
}

// vtimezone defines Asia/Shanghai: UTC+8 all year.
var vtimezone = []string{
	"BEGIN:VTIMEZONE",
	"TZID:" + TZID,
	"BEGIN:STANDARD",
	"DTSTART:19700101T000000",
	"TZOFFSETFROM:+0800",
	"TZOFFSETTO:+0800",
	"TZNAME:CST",
	"END:STANDARD",
	"END:VTIMEZONE",
}

func (e *encoder) event(ev *Event) {
	e.line("BEGIN:VEVENT")
	e.text("UID", ev.UID)
	e.line("DTSTAMP:" + UTC(ev.Stamp))
	e.line("SEQUENCE:" + strconv.Itoa(ev.Sequence))
	e.line("DTSTART;TZID=" + TZID + ":" + Local(ev.Start))
	e.line("DTEND;TZID=" + TZID + ":" + Local(ev.End))
	e.text("SUMMARY", ev.Summary)
	if ev.Description != "" {
		e.text("DESCRIPTION", ev.Description)
	}
	if ev.Location != "" {
		e.text("LOCATION", ev.Location)
	}
	if ev.URL != "" {
		e.line("URL:" + ev.URL)
	}
	if ev.Status != "" {
		e.line("STATUS:" + ev.Status)
	}
	if !ev.LastModified.IsZero() {
		e.line("LAST-MODIFIED:" + UTC(ev.LastModified))
	}
	if len(ev.Categories) > 0 {
		cats := make([]string, len(ev.Categories))
		for i, c := range ev.Categories {
			cats[i] = EscapeText(c)
		}
		e.line("CATEGORIES:" + strings.Join(cats, ","))
	}
	e.line("END:VEVENT")
}

// UTC formats t as a UTC DATE-TIME: 20060102T150405Z.
func UTC(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Local formats t as a local DATE-TIME in Asia/Shanghai: 20060102T150405.
func Local(t time.Time) string { return t.In(shanghai).Format("20060102T150405") }

// duration formats d (whole seconds, not negative) as an RFC 5545
// DURATION: PT1H30M. The grammar lets hours be followed only by minutes
// (dur-hour = 1*DIGIT "H" [dur-minute]), so 1h0m30s is PT1H0M30S.
func duration(d time.Duration) string {
	s := max(int64(d/time.Second), 0)
	h, m, sec := s/3600, s%3600/60, s%60
	out := "PT"
	if h > 0 {
		out += fmt.Sprintf("%dH", h)
	}
	if m > 0 || h > 0 && sec > 0 {
		out += fmt.Sprintf("%dM", m)
	}
	if sec > 0 || out == "PT" {
		out += fmt.Sprintf("%dS", sec)
	}
	return out
}

// EscapeText escapes a TEXT value: backslash, semicolon and comma get a
// backslash, a line break (CRLF, LF or CR) becomes \n. Other control
// characters, which TEXT cannot hold, become spaces (tabs stay), and
// invalid UTF-8 becomes U+FFFD.
func EscapeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\\' || r == ';' || r == ',':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fold writes line as content lines of at most MaxLine octets each, every
// continuation line starting with one space (counted in its MaxLine),
// cutting only before the first byte of a UTF-8 sequence, each ended with
// CRLF.
func fold(b *bytes.Buffer, line string) {
	limit := MaxLine
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8 (EscapeText prevents it): cut anyway
			cut = limit
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = MaxLine - 1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
