package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleMaxForm bounds every console form body.
const consoleMaxForm = 64 << 10

// consoleForm holds a submitted (or prefilled) form as typed, so that an
// invalid form is shown again exactly as it was sent, with one message per
// field. ID prefixes the element ids when a page shows several forms.
type consoleForm struct {
	ID     string
	Values map[string]string
	Errors map[string]string
}

// consoleField is what the "console_input" partial renders.
type consoleField struct {
	ID, Name, Label, Type, Value, Error string
}

func newConsoleForm(id string) *consoleForm {
	return &consoleForm{ID: id, Values: map[string]string{}, Errors: map[string]string{}}
}

// consoleFormFrom copies the named fields of a parsed request, trimmed.
// Text no database should store (invalid UTF-8, NUL or another control
// character but newline, return and tab) is refused here, and shown again
// without it.
func consoleFormFrom(r *http.Request, id string, names ...string) *consoleForm {
	f := newConsoleForm(id)
	for _, n := range names {
		v := strings.TrimSpace(r.PostForm.Get(n))
		if !consoleCleanText(v) {
			f.fail(n, "包含无效字符，请重新输入。")
			v = strings.Map(func(c rune) rune {
				if unicode.IsControl(c) && c != '\n' && c != '\r' && c != '\t' {
					return -1
				}
				return c
			}, strings.ToValidUTF8(v, ""))
		}
		f.Values[n] = v
	}
	return f
}

// consoleCleanText reports whether s is clean text (culture.CleanText:
// valid UTF-8 without control characters but newline, return and tab).
func consoleCleanText(s string) bool { return culture.CleanText(s) }

// Get returns the value of a field.
func (f *consoleForm) Get(name string) string { return f.Values[name] }

// Error returns the message of a field, or "".
func (f *consoleForm) Error(name string) string { return f.Errors[name] }

// Input describes one field for the "console_input" partial.
func (f *consoleForm) Input(name, label, typ string) consoleField {
	id := "f-" + name
	if f.ID != "" {
		id = "f-" + f.ID + "-" + name
	}
	return consoleField{ID: id, Name: name, Label: label, Type: typ, Value: f.Values[name], Error: f.Errors[name]}
}

// Valid reports whether no field has a message.
func (f *consoleForm) Valid() bool { return len(f.Errors) == 0 }

// fail records a message for a field, keeping the first one.
func (f *consoleForm) fail(name, msg string) {
	if _, ok := f.Errors[name]; !ok {
		f.Errors[name] = msg
	}
}

// absorb turns a domain refusal of the input (EINVALID, or ECONFLICT on a
// field) into a message on its field ("" for the form as a whole) and
// reports whether it did; other errors are left to the caller.
func (f *consoleForm) absorb(err error) bool {
	var e *culture.Error
	if !errors.As(err, &e) || !(e.Code == culture.EINVALID || e.Code == culture.ECONFLICT && e.Field != "") {
		return false
	}
	f.fail(e.Field, e.Message)
	return true
}

// text returns a required field's value, or records msg.
func (f *consoleForm) text(name, msg string) string {
	v := f.Values[name]
	if v == "" {
		f.fail(name, msg)
	}
	return v
}

// int parses a whole number; blank gives def.
func (f *consoleForm) int(name string, def int) int {
	v := f.Values[name]
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		f.fail(name, "请输入整数。")
		return def
	}
	return n
}

// intIn parses a whole number (blank gives def) that must lie in [lo, hi],
// or records msg. Out of range it returns def, so that no caller computes
// with a huge value.
func (f *consoleForm) intIn(name string, def, lo, hi int, msg string) int {
	n := f.int(name, def)
	if _, bad := f.Errors[name]; bad {
		return def
	}
	if n < lo || n > hi {
		f.fail(name, msg)
		return def
	}
	return n
}

// id parses an optional id; blank gives nil.
func (f *consoleForm) id(name string) *int64 {
	v := f.Values[name]
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		f.fail(name, "选项无效，请重新选择。")
		return nil
	}
	return &n
}

// time parses a datetime-local value in Asia/Shanghai and returns it in
// UTC; blank gives the zero time.
func (f *consoleForm) time(name string) time.Time {
	v := f.Values[name]
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, culture.Shanghai); err == nil {
			return t.UTC()
		}
	}
	f.fail(name, "时间格式无效，请按“年-月-日 时:分”填写。")
	return time.Time{}
}

// consoleParseForm limits the body to 64 KiB and parses it. On failure it
// answers (413 or 400) and returns false.
func (s *Server) consoleParseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, consoleMaxForm)
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		s.consoleFail(w, r, http.StatusRequestEntityTooLarge, "提交的内容过多（最多 64 KB）。")
	} else {
		s.consoleFail(w, r, http.StatusBadRequest, "表单无法解析，请返回重新提交。")
	}
	return false
}

// consoleFail renders the error page with a status that has no domain code.
func (s *Server) consoleFail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", "", errorPage{Page: s.page(r, "出错了"), Status: status, Message: msg})
}

// consolePathID parses a positive id from the path; anything else is no
// such page.
func consolePathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}
