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

// Titles of announcements and articles must say something and fit on one
// line: they become SMS parameters and WeChat fields.
func TestAnnouncementAndArticleTitles(t *testing.T) {
	for _, title := range []string{"  \t ", "", "第一行\n第二行", "标题\r", "反向\u202e文字"} {
		a := &culture.Announcement{Title: title, Body: "内容"}
		if culture.ErrorCode(a.Validate()) != culture.EINVALID {
			t.Errorf("announcement title %q accepted", title)
		}
		ar := &culture.Article{Title: title, Body: "正文"}
		if culture.ErrorCode(ar.Validate()) != culture.EINVALID {
			t.Errorf("article title %q accepted", title)
		}
	}
	if err := (&culture.Announcement{Title: "新学期报名", Body: " \n "}).Validate(); culture.ErrorCode(err) != culture.EINVALID {
		t.Errorf("blank body accepted: %v", err)
	}
	if err := (&culture.Announcement{Title: "新学期报名", Body: "周六报名。\n请带身份证。"}).Validate(); err != nil {
		t.Errorf("good announcement refused: %v", err)
	}
}
