package ical

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Names registered with IANA for iCalendar (RFC 5545, 5546, 7986, 9073,
// 9074): components, properties and parameters. Anything else must be an
// X- name.
var (
	ianaComponents = []string{"VCALENDAR", "VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VTIMEZONE",
		"STANDARD", "DAYLIGHT", "VALARM", "VAVAILABILITY", "AVAILABLE", "VLOCATION", "VRESOURCE", "PARTICIPANT"}
	ianaProperties = []string{"BEGIN", "END",
		"CALSCALE", "METHOD", "PRODID", "VERSION",
		"ATTACH", "CATEGORIES", "CLASS", "COMMENT", "DESCRIPTION", "GEO", "LOCATION", "PERCENT-COMPLETE",
		"PRIORITY", "RESOURCES", "STATUS", "SUMMARY", "COMPLETED", "DTEND", "DUE", "DTSTART", "DURATION",
		"FREEBUSY", "TRANSP", "TZID", "TZNAME", "TZOFFSETFROM", "TZOFFSETTO", "TZURL", "ATTENDEE",
		"CONTACT", "ORGANIZER", "RECURRENCE-ID", "RELATED-TO", "URL", "UID", "EXDATE", "RDATE", "RRULE",
		"ACTION", "REPEAT", "TRIGGER", "CREATED", "DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "REQUEST-STATUS",
		// RFC 7986
		"NAME", "REFRESH-INTERVAL", "SOURCE", "COLOR", "IMAGE", "CONFERENCE",
		// RFC 9073, 9074
		"LOCATION-TYPE", "PARTICIPANT-TYPE", "RESOURCE-TYPE", "CALENDAR-ADDRESS", "STYLED-DESCRIPTION",
		"STRUCTURED-DATA", "ACKNOWLEDGED", "PROXIMITY"}
	ianaParams = []string{"ALTREP", "CN", "CUTYPE", "DELEGATED-FROM", "DELEGATED-TO", "DIR", "ENCODING",
		"FMTTYPE", "FBTYPE", "LANGUAGE", "MEMBER", "PARTSTAT", "RANGE", "RELATED", "RELTYPE", "ROLE",
		"RSVP", "SENT-BY", "TZID", "VALUE", "DISPLAY", "EMAIL", "FEATURE", "LABEL", "ORDER", "SCHEMA",
		"DERIVED"}
)

func isX(name string) bool { return strings.HasPrefix(name, "X-") && len(name) > 2 }

func knownComponent(name string) bool { return isX(name) || slices.Contains(ianaComponents, name) }
func knownProperty(name string) bool  { return isX(name) || slices.Contains(ianaProperties, name) }
func knownParam(name string) bool     { return isX(name) || slices.Contains(ianaParams, name) }

// textProperties have TEXT values whose escapes are checked; listText
// ones hold comma-separated lists.
var (
	textProperties = []string{"PRODID", "SUMMARY", "DESCRIPTION", "LOCATION", "COMMENT", "CONTACT",
		"TZNAME", "UID", "NAME", "X-WR-CALNAME", "X-WR-CALDESC", "X-WR-TIMEZONE"}
	listText = []string{"CATEGORIES", "RESOURCES"}
	// onceInEvent may occur at most once in a VEVENT.
	onceInEvent = []string{"UID", "DTSTAMP", "DTSTART", "DTEND", "DURATION", "SUMMARY", "DESCRIPTION",
		"LOCATION", "URL", "STATUS", "LAST-MODIFIED", "CREATED", "SEQUENCE", "CLASS", "GEO", "ORGANIZER",
		"PRIORITY", "TRANSP", "RECURRENCE-ID"}
	onceInCalendar = []string{"VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME", "X-WR-TIMEZONE"}
	// utcOnly must be UTC DATE-TIMEs.
	utcOnly = []string{"DTSTAMP", "LAST-MODIFIED", "CREATED", "COMPLETED"}
	// dateTimes are DATE or DATE-TIME valued.
	dateTimes = []string{"DTSTART", "DTEND", "DUE", "RECURRENCE-ID"}
)

// checker holds what the checks of one calendar share.
type checker struct {
	zones map[string]*Component // VTIMEZONEs by TZID
}

// check enforces the rules beyond syntax on the VCALENDAR.
func check(cal *Component) error {
	c := &checker{zones: map[string]*Component{}}
	if err := c.calendar(cal); err != nil {
		return err
	}
	for _, tz := range cal.Children("VTIMEZONE") {
		if err := c.timezone(tz); err != nil {
			return err
		}
	}
	uids := map[string]int{}
	for _, comp := range cal.Components {
		if err := c.component(comp); err != nil {
			return err
		}
		if comp.Name == "VEVENT" {
			if err := c.event(comp, uids); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *checker) calendar(cal *Component) error {
	if err := once(cal, onceInCalendar); err != nil {
		return err
	}
	v, prod := cal.Get("VERSION"), cal.Get("PRODID")
	switch {
	case v == nil:
		return fail(cal.Line, ErrMissing, "VERSION")
	case v.Value != "2.0":
		return fail(v.Line, ErrValue, "VERSION:%s", v.Value)
	case prod == nil || prod.Value == "":
		return fail(cal.Line, ErrMissing, "PRODID")
	}
	if cs := cal.Get("CALSCALE"); cs != nil && !strings.EqualFold(cs.Value, "GREGORIAN") {
		return fail(cs.Line, ErrValue, "CALSCALE:%s", cs.Value)
	}
	return c.values(cal)
}

// timezone checks a VTIMEZONE and records its TZID.
func (c *checker) timezone(tz *Component) error {
	id := tz.Get("TZID")
	switch {
	case id == nil || id.Value == "":
		return fail(tz.Line, ErrMissing, "TZID of VTIMEZONE")
	case c.zones[id.Value] != nil:
		return fail(id.Line, ErrRepeated, "VTIMEZONE %s defined twice", id.Value)
	}
	obs := append(tz.Children("STANDARD"), tz.Children("DAYLIGHT")...)
	if len(obs) == 0 {
		return fail(tz.Line, ErrMissing, "STANDARD or DAYLIGHT in VTIMEZONE %s", id.Value)
	}
	for _, o := range obs {
		if err := observance(o); err != nil {
			return err
		}
	}
	c.zones[id.Value] = tz
	return nil
}

// observance checks a STANDARD or DAYLIGHT: a local DTSTART and offsets.
func observance(o *Component) error {
	for _, name := range []string{"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"} {
		if o.Get(name) == nil {
			return fail(o.Line, ErrMissing, "%s in %s", name, o.Name)
		}
	}
	start := o.Get("DTSTART")
	if _, utc, err := parseDateTime(start.Value); err != nil || utc {
		return fail(start.Line, ErrDateTime, "observance DTSTART %q must be a local DATE-TIME", start.Value)
	}
	for _, name := range []string{"TZOFFSETFROM", "TZOFFSETTO"} {
		if _, ok := parseOffset(o.Get(name).Value); !ok {
			return fail(o.Get(name).Line, ErrValue, "%s:%s", name, o.Get(name).Value)
		}
	}
	return nil
}

// component checks the properties of a component and its descendants.
func (c *checker) component(comp *Component) error {
	if err := c.values(comp); err != nil {
		return err
	}
	for _, sub := range comp.Components {
		if err := c.component(sub); err != nil {
			return err
		}
	}
	return nil
}

// values checks the value of each property by its type.
func (c *checker) values(comp *Component) error {
	for _, p := range comp.Properties {
		if err := c.value(p); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) value(p *Property) error {
	switch {
	case slices.Contains(textProperties, p.Name):
		return checkText(p, false)
	case slices.Contains(listText, p.Name):
		return checkText(p, true)
	case slices.Contains(utcOnly, p.Name):
		return checkUTC(p)
	case slices.Contains(dateTimes, p.Name):
		_, err := c.instant(p)
		return err
	case p.Name == "URL":
		if !ValidURI(p.Value) {
			return fail(p.Line, ErrValue, "URL %q is not an absolute URI of printable ASCII", p.Value)
		}
	case p.Name == "SEQUENCE":
		if _, err := strconv.ParseUint(p.Value, 10, 31); err != nil { // 0 to 2^31-1
			return fail(p.Line, ErrValue, "SEQUENCE:%s", p.Value)
		}
	case slices.Contains(durations, p.Name):
		return checkDuration(p)
	}
	return nil
}

// durations are DURATION valued. REFRESH-INTERVAL (RFC 7986) must say
// so with VALUE=DURATION, and it and X-PUBLISHED-TTL must not be
// negative.
var durations = []string{"DURATION", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"}

// durationRE is dur-value of RFC 5545 (3.3.6): a week count, or days
// and/or a time part in which hours may be followed only by minutes and
// minutes only by seconds ("PT1H30S" is not a DURATION).
var durationRE = regexp.MustCompile(`^[+-]?P(?:[0-9]+W|[0-9]+D(?:T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))?|T(?:[0-9]+H(?:[0-9]+M(?:[0-9]+S)?)?|[0-9]+M(?:[0-9]+S)?|[0-9]+S))$`)

// checkDuration checks a DURATION value and, for the refresh hints, the
// VALUE parameter and the sign.
func checkDuration(p *Property) error {
	switch {
	case !durationRE.MatchString(p.Value):
		return fail(p.Line, ErrValue, "%s:%s is not a DURATION", p.Name, p.Value)
	case p.Name == "REFRESH-INTERVAL" && !strings.EqualFold(p.Param("VALUE"), "DURATION"):
		return fail(p.Line, ErrValue, "REFRESH-INTERVAL without VALUE=DURATION")
	case p.Name != "DURATION" && strings.HasPrefix(p.Value, "-"):
		return fail(p.Line, ErrValue, "%s:%s is negative", p.Name, p.Value)
	}
	return nil
}

// ValidURI reports whether s is an absolute URI written in printable
// ASCII: no control characters (a CR or LF would end the content line
// and inject properties), no spaces, no non-ASCII (an IRI must be
// percent-encoded to be a URI) and none of the characters RFC 3986 never
// allows (" < > \ ^ ` { | }).
func ValidURI(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.IsAbs()
}

// checkText checks the escapes of a TEXT value: a backslash only before
// \ ; , n N; no bare ";" and, unless list, no bare ",".
func checkText(p *Property, list bool) error {
	v := p.Value
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '\\':
			if i+1 >= len(v) || !strings.ContainsRune(`\;,nN`, rune(v[i+1])) {
				return fail(p.Line, ErrEscape, "%s: unknown escape %q", p.Name, v[i:min(i+2, len(v))])
			}
			i++
		case ';':
			return fail(p.Line, ErrEscape, "%s: unescaped ;", p.Name)
		case ',':
			if !list {
				return fail(p.Line, ErrEscape, "%s: unescaped ,", p.Name)
			}
		}
	}
	return nil
}

// checkUTC checks a DATE-TIME that must be in UTC (DTSTAMP and others).
func checkUTC(p *Property) error {
	_, utc, err := parseDateTime(p.Value)
	switch {
	case err != nil:
		return fail(p.Line, ErrDateTime, "%s:%s", p.Name, p.Value)
	case !utc || p.Param("TZID") != "" || p.Param("VALUE") != "" && p.Param("VALUE") != "DATE-TIME":
		return fail(p.Line, ErrNotUTC, "%s:%s", p.Name, p.Value)
	}
	return nil
}

// event checks a VEVENT: required and single properties, the UID unique,
// DTEND after DTSTART.
func (c *checker) event(ev *Component, uids map[string]int) error {
	for _, name := range []string{"UID", "DTSTAMP", "DTSTART"} {
		if ev.Get(name) == nil {
			return fail(ev.Line, ErrMissing, "%s in VEVENT", name)
		}
	}
	if err := once(ev, onceInEvent); err != nil {
		return err
	}
	uid := ev.Get("UID")
	if ev.Get("RECURRENCE-ID") == nil {
		if first, dup := uids[uid.Value]; dup {
			return fail(uid.Line, ErrDuplicateUID, "%s (first at line %d)", uid.Value, first)
		}
		uids[uid.Value] = uid.Line
	}
	if st := ev.Get("STATUS"); st != nil && !slices.Contains([]string{StatusConfirmed, StatusTentative, StatusCancelled}, st.Value) {
		return fail(st.Line, ErrValue, "STATUS:%s", st.Value)
	}
	return c.span(ev)
}

// span checks that DTEND (if any) is after DTSTART, of the same type, and
// that DURATION is not given as well.
func (c *checker) span(ev *Component) error {
	start, end := ev.Get("DTSTART"), ev.Get("DTEND")
	if end == nil {
		return nil
	}
	if ev.Get("DURATION") != nil {
		return fail(end.Line, ErrRepeated, "DTEND and DURATION both given")
	}
	if valueType(start) != valueType(end) {
		return fail(end.Line, ErrValue, "DTEND and DTSTART of different types")
	}
	s, err := c.instant(start)
	if err != nil {
		return err
	}
	e, err := c.instant(end)
	if err != nil {
		return err
	}
	if !e.After(s) {
		return fail(end.Line, ErrEndBeforeStart, "DTSTART %s, DTEND %s", start.Value, end.Value)
	}
	return nil
}

// valueType is the VALUE of a DATE or DATE-TIME property: DATE-TIME when
// absent (the default), upper case.
func valueType(p *Property) string {
	if v := p.Param("VALUE"); v != "" {
		return strings.ToUpper(v)
	}
	return "DATE-TIME"
}

// instant reads a DATE or DATE-TIME property as an instant: UTC for …Z,
// the VTIMEZONE's offset for a TZID, floating times as if UTC.
func (c *checker) instant(p *Property) (time.Time, error) {
	if valueType(p) == "DATE" {
		t, err := time.Parse("20060102", p.Value)
		if err != nil || p.Param("TZID") != "" {
			return time.Time{}, fail(p.Line, ErrDateTime, "%s;VALUE=DATE:%s", p.Name, p.Value)
		}
		return t, nil
	}
	if v := valueType(p); v != "DATE-TIME" {
		return time.Time{}, fail(p.Line, ErrValue, "%s;VALUE=%s", p.Name, v)
	}
	t, utc, err := parseDateTime(p.Value)
	if err != nil {
		return time.Time{}, fail(p.Line, ErrDateTime, "%s:%s", p.Name, p.Value)
	}
	tzid := p.Param("TZID")
	switch {
	case tzid == "":
		return t, nil
	case utc:
		return time.Time{}, fail(p.Line, ErrDateTime, "%s has both TZID and Z", p.Name)
	case c.zones[tzid] == nil:
		return time.Time{}, fail(p.Line, ErrTZID, "%s", tzid)
	}
	return t.Add(-time.Duration(zoneOffset(c.zones[tzid], t)) * time.Second), nil
}

// zoneOffset returns the UTC offset, in seconds, of the zone's observance
// with the latest DTSTART not after the local time t (recurrence rules
// aside: enough for a zone without daylight saving).
func zoneOffset(tz *Component, t time.Time) int {
	best, offset := time.Time{}, 0
	for _, o := range tz.Components {
		if o.Name != "STANDARD" && o.Name != "DAYLIGHT" {
			continue
		}
		start, _, err := parseDateTime(o.Get("DTSTART").Value)
		if err != nil || start.After(t) || !best.IsZero() && start.Before(best) {
			continue
		}
		best, offset = start, mustOffset(o.Get("TZOFFSETTO").Value)
	}
	return offset
}

func mustOffset(s string) int {
	off, _ := parseOffset(s)
	return off
}

// parseDateTime reads 20060102T150405 with an optional Z, strictly.
func parseDateTime(s string) (t time.Time, utc bool, err error) {
	local, utc := strings.CutSuffix(s, "Z")
	if len(local) != 15 || local[8] != 'T' || strings.Trim(local[:8]+local[9:], "0123456789") != "" {
		return time.Time{}, false, ErrDateTime
	}
	t, err = time.Parse("20060102T150405", local)
	if err != nil && strings.HasSuffix(local, "60") { // a leap second is allowed
		t, err = time.Parse("20060102T150405", local[:13]+"59")
	}
	return t, utc, err
}

// parseOffset reads a UTC-OFFSET: +0800, -0530, +053045.
func parseOffset(s string) (int, bool) {
	if len(s) != 5 && len(s) != 7 || s[0] != '+' && s[0] != '-' || strings.Trim(s[1:], "0123456789") != "" {
		return 0, false
	}
	num := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	h, m, sec := num(1), num(3), 0
	if len(s) == 7 {
		sec = num(5)
	}
	if h > 23 || m > 59 || sec > 59 || s == "-0000" || s == "-000000" {
		return 0, false
	}
	off := h*3600 + m*60 + sec
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

// once refuses a second occurrence of any of names in comp.
func once(comp *Component, names []string) error {
	seen := map[string]bool{}
	for _, p := range comp.Properties {
		if slices.Contains(names, p.Name) {
			if seen[p.Name] {
				return fail(p.Line, ErrRepeated, "%s in %s", p.Name, comp.Name)
			}
			seen[p.Name] = true
		}
	}
	return nil
}
