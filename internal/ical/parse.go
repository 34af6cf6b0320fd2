package ical

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The rules Parse enforces; its errors wrap one of these (errors.Is) with
// the line number.
var (
	// ErrLineEnd: a line ends with a bare LF or CR, or the last line has
	// no CRLF.
	ErrLineEnd = errors.New("line not ended by CRLF")
	// ErrLineLength: a line is longer than 75 octets.
	ErrLineLength = errors.New("line longer than 75 octets")
	// ErrUTF8: a line is not valid UTF-8 on its own (this includes a fold
	// that splits a character).
	ErrUTF8 = errors.New("invalid UTF-8, or a fold inside a character")
	// ErrSyntax: a content line is not name *(;param) : value, or holds a
	// control character.
	ErrSyntax = errors.New("malformed content line")
	// ErrName: a property, parameter or component name is not an IANA
	// registered name nor an X- name.
	ErrName = errors.New("name neither IANA-registered nor X-")
	// ErrNesting: BEGIN and END do not balance, or lines stand outside
	// the one VCALENDAR.
	ErrNesting = errors.New("unbalanced BEGIN/END")
	// ErrMissing: a required property is absent (VERSION, PRODID, a
	// VEVENT's UID, DTSTAMP or DTSTART, a time zone's TZID...).
	ErrMissing = errors.New("required property missing")
	// ErrRepeated: a property that may occur once occurs again.
	ErrRepeated = errors.New("property repeated")
	// ErrValue: a value is not one the property allows.
	ErrValue = errors.New("invalid property value")
	// ErrDuplicateUID: two events share a UID.
	ErrDuplicateUID = errors.New("duplicate UID")
	// ErrNotUTC: DTSTAMP, LAST-MODIFIED or CREATED is not a UTC
	// DATE-TIME (…Z).
	ErrNotUTC = errors.New("date-time not in UTC form")
	// ErrTZID: a TZID parameter names no VTIMEZONE of the calendar.
	ErrTZID = errors.New("TZID not defined by a VTIMEZONE")
	// ErrEndBeforeStart: DTEND is not after DTSTART.
	ErrEndBeforeStart = errors.New("DTEND not after DTSTART")
	// ErrDateTime: a DATE or DATE-TIME value is malformed.
	ErrDateTime = errors.New("malformed DATE-TIME")
	// ErrEscape: a TEXT value holds an unknown escape (only \\ \; \, \n
	// \N exist) or an unescaped ; (or , where one value is allowed).
	ErrEscape = errors.New("bad escape in TEXT")
)

// ParseError is a rule broken at a line: the physical line number
// (1-based) where the content line begins.
type ParseError struct {
	Line int
	Err  error
	// Detail says what was found.
	Detail string
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("ical: line %d: %v", e.Line, e.Err)
	}
	return fmt.Sprintf("ical: line %d: %v: %s", e.Line, e.Err, e.Detail)
}

func (e *ParseError) Unwrap() error { return e.Err }

func fail(line int, err error, format string, args ...any) error {
	return &ParseError{Line: line, Err: err, Detail: fmt.Sprintf(format, args...)}
}

// Component is a parsed component: BEGIN:Name … END:Name.
type Component struct {
	Name       string
	Properties []*Property
	Components []*Component
	Line       int
}

// Property is one content line of a component.
type Property struct {
	Name   string
	Params []Param
	// Value is the value as written (TEXT still escaped).
	Value string
	Line  int
}

// Param is a property parameter and its values (quotes removed).
type Param struct {
	Name   string
	Values []string
}

// Parse checks a calendar strictly and returns its VCALENDAR. Beyond the
// syntax (CRLF line ends, lines of at most 75 octets, UTF-8 that no fold
// splits, names, balanced BEGIN/END) it checks what calendar apps rely
// on: VERSION 2.0 and PRODID; each VEVENT's UID (unique), DTSTAMP (UTC),
// DTSTART and DTEND (well-formed, the end after the start, every TZID
// defined by a VTIMEZONE); TEXT escapes; known STATUS values; URLs
// (absolute, printable ASCII); SEQUENCE (0 to 2^31-1); DURATION values
// (DURATION, REFRESH-INTERVAL with its VALUE=DURATION, X-PUBLISHED-TTL).
// The error wraps one of the Err values.
func Parse(data []byte) (*Component, error) {
	lines, err := unfold(data)
	if err != nil {
		return nil, err
	}
	props := make([]*Property, 0, len(lines))
	for _, l := range lines {
		p, err := parseLine(l.text, l.line)
		if err != nil {
			return nil, err
		}
		props = append(props, p)
	}
	cal, err := build(props)
	if err != nil {
		return nil, err
	}
	return cal, check(cal)
}

// logical is an unfolded content line and where it began.
type logical struct {
	text string
	line int
}

// unfold splits data into physical lines, checks each (CRLF, length,
// UTF-8) and joins continuation lines.
func unfold(data []byte) ([]logical, error) {
	if len(data) == 0 {
		return nil, fail(1, ErrNesting, "empty calendar")
	}
	var out []logical
	n := 0
	for len(data) > 0 {
		n++
		i := bytes.IndexAny(data, "\r\n")
		if i < 0 || data[i] == '\n' || i+1 >= len(data) || data[i+1] != '\n' {
			return nil, fail(n, ErrLineEnd, "%q", clip(data))
		}
		phys := data[:i]
		data = data[i+2:]
		if err := checkPhysical(phys, n); err != nil {
			return nil, err
		}
		if phys[0] == ' ' || phys[0] == '\t' {
			if len(out) == 0 {
				return nil, fail(n, ErrSyntax, "continuation line first")
			}
			out[len(out)-1].text += string(phys[1:])
			continue
		}
		out = append(out, logical{text: string(phys), line: n})
	}
	return out, nil
}

func checkPhysical(phys []byte, n int) error {
	switch {
	case len(phys) == 0:
		return fail(n, ErrSyntax, "empty line")
	case len(phys) > MaxLine:
		return fail(n, ErrLineLength, "%d octets", len(phys))
	case !utf8.Valid(phys):
		return fail(n, ErrUTF8, "%q", clip(phys))
	}
	return nil
}

func clipString(s string) string { return string(clip([]byte(s))) }

func clip(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

// parseLine reads name *(";" param) ":" value.
func parseLine(s string, n int) (*Property, error) {
	name, rest := cutName(s)
	if name == "" {
		return nil, fail(n, ErrSyntax, "no name in %q", s)
	}
	if rest != "" && rest[0] != ';' && rest[0] != ':' {
		return nil, fail(n, ErrName, "%q is not a name token", s[:min(len(s), len(name)+1)])
	}
	p := &Property{Name: strings.ToUpper(name), Line: n}
	for strings.HasPrefix(rest, ";") {
		var prm Param
		var err error
		if prm, rest, err = parseParam(rest[1:], n); err != nil {
			return nil, err
		}
		p.Params = append(p.Params, prm)
	}
	if !strings.HasPrefix(rest, ":") {
		return nil, fail(n, ErrSyntax, "no colon after %s", name)
	}
	p.Value = rest[1:]
	if i := strings.IndexFunc(p.Value, isCTL); i >= 0 {
		return nil, fail(n, ErrSyntax, "control character in the value of %s", name)
	}
	if !knownProperty(p.Name) {
		return nil, fail(n, ErrName, "property %s", name)
	}
	return p, nil
}

// cutName splits off a leading token of ALPHA, DIGIT and "-".
func cutName(s string) (name, rest string) {
	i := 0
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func isNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-'
}

// isCTL reports a control character other than HTAB.
func isCTL(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }

// parseParam reads name=value *("," value) and returns the rest of the
// line after it.
func parseParam(s string, n int) (Param, string, error) {
	name, rest := cutName(s)
	if name == "" || !strings.HasPrefix(rest, "=") {
		return Param{}, "", fail(n, ErrName, "malformed parameter name in %q", clipString(s))
	}
	prm := Param{Name: strings.ToUpper(name)}
	if !knownParam(prm.Name) {
		return Param{}, "", fail(n, ErrName, "parameter %s", name)
	}
	rest = rest[1:]
	for {
		v, after, err := paramValue(rest, n)
		if err != nil {
			return Param{}, "", err
		}
		prm.Values, rest = append(prm.Values, v), after
		if !strings.HasPrefix(rest, ",") {
			return prm, rest, nil
		}
		rest = rest[1:]
	}
}

// paramValue reads a quoted-string or paramtext.
func paramValue(s string, n int) (string, string, error) {
	if strings.HasPrefix(s, `"`) {
		end := strings.IndexByte(s[1:], '"')
		if end < 0 || strings.IndexFunc(s[1:1+end], isCTL) >= 0 {
			return "", "", fail(n, ErrSyntax, "unterminated quoted parameter value")
		}
		return s[1 : 1+end], s[end+2:], nil
	}
	i := strings.IndexAny(s, `";:,`)
	if i < 0 {
		return "", "", fail(n, ErrSyntax, "parameter without a value")
	}
	if strings.IndexFunc(s[:i], isCTL) >= 0 || s[i] == '"' {
		return "", "", fail(n, ErrSyntax, "bad parameter value")
	}
	return s[:i], s[i:], nil
}

// build nests the properties into components by BEGIN and END.
func build(props []*Property) (*Component, error) {
	var stack []*Component
	var root *Component
	for _, p := range props {
		switch {
		case root != nil && len(stack) == 0:
			return nil, fail(p.Line, ErrNesting, "%s after END:VCALENDAR", p.Name)
		case p.Name == "BEGIN":
			c, err := begin(p, stack)
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				root = c
			} else {
				top := stack[len(stack)-1]
				top.Components = append(top.Components, c)
			}
			stack = append(stack, c)
		case len(stack) == 0:
			return nil, fail(p.Line, ErrNesting, "%s outside VCALENDAR", p.Name)
		case p.Name == "END":
			if top := stack[len(stack)-1]; !strings.EqualFold(p.Value, top.Name) {
				return nil, fail(p.Line, ErrNesting, "END:%s closes BEGIN:%s of line %d", p.Value, top.Name, top.Line)
			}
			stack = stack[:len(stack)-1]
		default:
			top := stack[len(stack)-1]
			top.Properties = append(top.Properties, p)
		}
	}
	if len(stack) > 0 {
		top := stack[len(stack)-1]
		return nil, fail(top.Line, ErrNesting, "BEGIN:%s never ends", top.Name)
	}
	return root, nil
}

func begin(p *Property, stack []*Component) (*Component, error) {
	name := strings.ToUpper(p.Value)
	switch {
	case len(p.Params) > 0 || !validToken(name):
		return nil, fail(p.Line, ErrSyntax, "BEGIN:%s", p.Value)
	case !knownComponent(name):
		return nil, fail(p.Line, ErrName, "component %s", p.Value)
	case len(stack) == 0 && name != "VCALENDAR":
		return nil, fail(p.Line, ErrNesting, "the calendar starts with BEGIN:%s", p.Value)
	case len(stack) > 0 && !allowedIn(stack[len(stack)-1].Name, name):
		return nil, fail(p.Line, ErrNesting, "%s inside %s", name, stack[len(stack)-1].Name)
	}
	return &Component{Name: name, Line: p.Line}, nil
}

// allowedIn reports whether RFC 5545 lets component child nest directly
// in parent (X- components go anywhere and hold anything).
func allowedIn(parent, child string) bool {
	switch {
	case isX(parent) || isX(child):
		return true
	case child == "STANDARD" || child == "DAYLIGHT":
		return parent == "VTIMEZONE"
	case child == "VALARM":
		return parent == "VEVENT" || parent == "VTODO"
	case child == "AVAILABLE":
		return parent == "VAVAILABILITY"
	case child == "VLOCATION" || child == "VRESOURCE" || child == "PARTICIPANT":
		return parent != "VCALENDAR" && parent != "VTIMEZONE"
	}
	return parent == "VCALENDAR" // VEVENT, VTODO, VTIMEZONE …; never VCALENDAR
}

func validToken(s string) bool {
	name, rest := cutName(s)
	return name != "" && rest == ""
}

// Get returns the component's first property of the name, or nil.
func (c *Component) Get(name string) *Property {
	for _, p := range c.Properties {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// Text returns the unescaped TEXT value of the component's first property
// of the name, or "".
func (c *Component) Text(name string) string {
	if p := c.Get(name); p != nil {
		return p.Text()
	}
	return ""
}

// Children returns the sub-components of the name (such as VEVENT).
func (c *Component) Children(name string) []*Component {
	var out []*Component
	for _, s := range c.Components {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Events returns the calendar's VEVENTs.
func (c *Component) Events() []*Component { return c.Children("VEVENT") }

// Param returns the first value of the parameter, or "".
func (p *Property) Param(name string) string {
	for _, prm := range p.Params {
		if prm.Name == name && len(prm.Values) > 0 {
			return prm.Values[0]
		}
	}
	return ""
}

// Text returns the value as TEXT, unescaped.
func (p *Property) Text() string { return unescape(p.Value) }

// Texts returns a list of TEXT values (CATEGORIES), each unescaped.
func (p *Property) Texts() []string {
	var out []string
	for _, v := range splitList(p.Value) {
		out = append(out, unescape(v))
	}
	return out
}

// unescape undoes EscapeText on a checked value.
func unescape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == 'n' || s[i] == 'N' {
				b.WriteByte('\n')
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// splitList splits a TEXT list at its unescaped commas.
func splitList(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
