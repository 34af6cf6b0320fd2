package sqlstore

// TEMPORARY: stubs replaced by notify.go (inbox, preferences, sends,
// reminders), community.go and news.go / moderation.go. Each engineer
// deletes the stubs they implement; the last one deletes this file.

import (
	"context"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

var errStub5 = errors.New("not written yet")

// --- notify.go ---

func (s *Store) FindNotifications(ctx context.Context, accountID int64, unreadOnly bool, limit, offset int) ([]*culture.Notification, int, error) {
	return nil, 0, errStub5
}
func (s *Store) UnreadCount(ctx context.Context, accountID int64) (int, error) { return 0, errStub5 }
func (s *Store) MarkRead(ctx context.Context, accountID, id int64) error       { return errStub5 }
func (s *Store) FindPrefs(ctx context.Context, accountID int64) (*culture.NotificationPrefs, error) {
	return nil, errStub5
}
func (s *Store) UpdatePrefs(ctx context.Context, p *culture.NotificationPrefs) error { return errStub5 }
func (s *Store) FindSend(ctx context.Context, id int64) (*culture.NotificationSend, error) {
	return nil, errStub5
}
func (s *Store) MarkSend(ctx context.Context, id int64, state, lastError string) error {
	return errStub5
}
func (s *Store) CreateDueReminders(ctx context.Context) (int, error) { return 0, errStub5 }

// --- community.go ---

func (s *Store) JoinCommunity(ctx context.Context, accountID, unitID int64) error  { return errStub5 }
func (s *Store) LeaveCommunity(ctx context.Context, accountID, unitID int64) error { return errStub5 }
func (s *Store) FindCommunity(ctx context.Context, unitID, viewer int64) (*culture.Community, error) {
	return nil, errStub5
}
func (s *Store) FindCommunities(ctx context.Context, within, member int64) ([]*culture.Community, error) {
	return nil, errStub5
}
func (s *Store) FindMembers(ctx context.Context, unitID int64, limit, offset int) ([]*culture.CommunityMember, int, error) {
	return nil, 0, errStub5
}
func (s *Store) PostAnnouncement(ctx context.Context, a *culture.Announcement) error { return errStub5 }
func (s *Store) FindAnnouncements(ctx context.Context, unitID int64, limit int) ([]*culture.Announcement, error) {
	return nil, errStub5
}

// --- news.go, moderation.go ---

func (s *Store) CreateArticle(ctx context.Context, a *culture.Article) error { return errStub5 }
func (s *Store) UpdateArticle(ctx context.Context, a *culture.Article) error { return errStub5 }
func (s *Store) DeleteArticle(ctx context.Context, id int64) error           { return errStub5 }
func (s *Store) FindArticleByID(ctx context.Context, id int64) (*culture.Article, error) {
	return nil, errStub5
}
func (s *Store) FindArticles(ctx context.Context, f culture.ArticleFilter) ([]*culture.Article, int, error) {
	return nil, 0, errStub5
}
func (s *Store) HideRating(ctx context.Context, id int64, hide bool, reason string, by int64) error {
	return errStub5
}
func (s *Store) FindRatingsForStaff(ctx context.Context, within int64, limit, offset int) ([]*culture.Rating, int, error) {
	return nil, 0, errStub5
}
