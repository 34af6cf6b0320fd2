package culture

// GB 11643-1999 check digit: the 18th character of a resident ID is
// (12 - Σ digit[i]·w[i] mod 11) mod 11, written X for 10.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// ValidIDNumber reports whether s is an 18-character resident ID number
// with a correct GB 11643 check digit (a lower-case x is accepted).
func ValidIDNumber(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		sum += int(c-'0') * idWeights[i]
	}
	last := s[17]
	if last == 'x' {
		last = 'X'
	}
	return idCheckChars[sum%11] == last
}

// MaskID shows a resident ID as its first 3 and last 4 characters.
func MaskID(s string) string {
	if len(s) != 18 {
		return "******"
	}
	return s[:3] + "***********" + s[14:]
}
