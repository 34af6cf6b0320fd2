package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// mustArticle stores an article of the unit by the account.
func mustArticle(tb testing.TB, s *sqlstore.Store, unit, author int64, title string, published bool, cover *int64) int64 {
	tb.Helper()
	a := &culture.Article{UnitID: unit, AuthorID: author, Title: title, Summary: "摘要", Body: "正文**加粗**",
		Published: published, CoverID: cover}
	if err := s.CreateArticle(context.Background(), a); err != nil {
		tb.Fatalf("CreateArticle(%s): %v", title, err)
	}
	return a.ID
}

// mustJoin makes the account a member of the unit's community.
func mustJoin(tb testing.TB, s *sqlstore.Store, account, unit int64) {
	tb.Helper()
	if err := s.JoinCommunity(context.Background(), account, unit); err != nil {
		tb.Fatalf("JoinCommunity: %v", err)
	}
}

// mustAnnounce posts an announcement to the unit's community.
func mustAnnounce(tb testing.TB, s *sqlstore.Store, unit, author int64, title string) {
	tb.Helper()
	a := &culture.Announcement{UnitID: unit, AuthorID: author, Title: title, Body: "请准时参加。"}
	if err := s.PostAnnouncement(context.Background(), a); err != nil {
		tb.Fatalf("PostAnnouncement: %v", err)
	}
}

// mustRating checks Alice in to the activity she booked (XiBooked at
// 焦西), moves the store's clock past its end and stores her rating.
func mustRating(tb testing.TB, s *sqlstore.Store, f *fixture) int64 {
	tb.Helper()
	ctx := context.Background()
	if _, err := s.CheckInCode(ctx, f.AliceBooking.Code, f.Xi, accountOf(tb, s, f.XiCheckerToken)); err != nil {
		tb.Fatalf("CheckIn: %v", err)
	}
	s.Now = func() time.Time { return now.Add(5 * time.Hour) }
	r := &culture.Rating{ActivityID: f.XiBooked, AccountID: f.Alice, Score: 2, Comment: "音响太差<script>alert(1)</script>"}
	if err := s.Rate(ctx, r); err != nil {
		tb.Fatalf("Rate: %v", err)
	}
	return r.ID
}

// articleBody is a valid news request body for the unit, with extra
// members appended (`,"cover_id":3`).
func articleBody(unit int64, extra string) string {
	return fmt.Sprintf(`{"unit_id":%d,"title":"春节游园会回顾","summary":"热闹非凡","body":"## 精彩瞬间\n\n舞龙舞狮。"%s}`, unit, extra)
}
