package culture_test

import (
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestSeasonBounds(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		from, to, err := culture.Season("2026Q2").Bounds()
		if err != nil {
			t.Fatal(err)
		}
		wantFrom := time.Date(2026, 4, 1, 0, 0, 0, 0, culture.Shanghai)
		if !from.Equal(wantFrom) || !to.Equal(wantFrom.AddDate(0, 3, 0)) {
			t.Errorf("Bounds = %v, %v", from, to)
		}
		if s := culture.SeasonOf(from); s != "2026Q2" {
			t.Errorf("SeasonOf(%v) = %s", from, s)
		}
	})
	// Stored seasons are always SeasonOf's form: any other spelling would
	// bound the right dates but match none of the stored supports.
	for _, s := range []culture.Season{"2026Q2junk", "2026Q02", " 2026Q2", "2026Q2 ", "+2026Q2",
		"02026Q2", "2026q2", "2026Q5", "2026Q0", "1999Q4", ""} {
		t.Run("ErrInvalid/"+string(s), func(t *testing.T) {
			if _, _, err := s.Bounds(); culture.ErrorCode(err) != culture.EINVALID {
				t.Errorf("Bounds(%q) = %v, want EINVALID", s, err)
			}
		})
	}
}
