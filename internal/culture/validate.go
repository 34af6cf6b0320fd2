package culture

import (
	"regexp"
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

// checkText checks the length in characters of a text field.
func checkText(field, label, s string, min, max int) error {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) {
		return Invalid(field, label+"包含无效字符。")
	}
	if n < min && min == 1 {
		return Invalid(field, "请填写"+label+"。")
	}
	if n < min || n > max {
		return Errorf(EINVALID, "%s长度应在 %d 到 %d 个字之间。", label, min, max).withField(field)
	}
	return nil
}

func (e *Error) withField(f string) *Error { e.Field = f; return e }
