package culture

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var phoneRE = regexp.MustCompile(`^1[3-9]\d{9}$`)

// ValidPhone reports whether s is a mainland mobile number.
func ValidPhone(s string) bool { return phoneRE.MatchString(s) }

// CheckPhone returns an EINVALID error unless s is a mainland mobile number.
func CheckPhone(s string) error {
	if !ValidPhone(s) {
		return Invalid("phone", "请输入正确的 11 位手机号码。")
	}
	return nil
}

// MaskPhone shows a mobile number as 138****5678.
func MaskPhone(s string) string {
	if len(s) != 11 {
		return s
	}
	return s[:3] + "****" + s[7:]
}

// MaskName shows a name with all but its first character hidden: 张**.
func MaskName(s string) string {
	r := []rune(s)
	if len(r) <= 1 {
		return s
	}
	out := string(r[0])
	for range r[1:] {
		out += "*"
	}
	return out
}

// checkText checks a text field: clean characters (CleanText) and a
// length in characters between min and max.
func checkText(field, label, s string, min, max int) error {
	if !CleanText(s) {
		return Invalid(field, label+"包含无效字符。")
	}
	n := utf8.RuneCountInString(s)
	if min >= 1 && strings.TrimSpace(s) == "" {
		return Invalid(field, "请填写"+label+"。")
	}
	if n < min || n > max {
		return Errorf(EINVALID, "%s长度应在 %d 到 %d 个字之间。", label, min, max).withField(field)
	}
	return nil
}

// checkLine is checkText for a one-line field (titles, which become SMS
// parameters and WeChat fields): no line breaks, tabs or bidirectional
// and other format characters.
func checkLine(field, label, s string, min, max int) error {
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' || unicode.Is(unicode.Cf, r) {
			return Invalid(field, label+"只能是一行文字。")
		}
	}
	return checkText(field, label, s, min, max)
}

// CleanText reports whether s is text a database should store: valid
// UTF-8 without NUL or any other control character (C0, DEL, C1) but
// newline, carriage return and tab.
func CleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}

func (e *Error) withField(f string) *Error { e.Field = f; return e }
