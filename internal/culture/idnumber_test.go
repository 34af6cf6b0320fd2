package culture

import "testing"

func TestValidIDNumber(t *testing.T) {
	for _, tt := range []struct {
		id   string
		want bool
	}{
		{"11010519491231002X", true},  // the standard's own example
		{"11010519491231002x", true},  // lower-case x
		{"110105194912310021", false}, // wrong check digit
		{"440524188001010014", true},
		{"440524188001010015", false},
		{"4405241880010100", false},   // too short
		{"44052418800101001A", false}, // letter other than X
		{"", false},
	} {
		if got := ValidIDNumber(tt.id); got != tt.want {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	if got := MaskID("11010519491231002X"); got != "110***********002X" {
		t.Errorf("MaskID = %q", got)
	}
}
