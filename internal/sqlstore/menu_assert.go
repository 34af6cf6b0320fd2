package sqlstore

import "github.com/wenyun/wenyun/internal/culture"

var (
	_ culture.MenuService  = (*Store)(nil)
	_ culture.ImageService = (*Store)(nil)
)

var (
	_ culture.NotificationService = (*Store)(nil)
	_ culture.CommunityService    = (*Store)(nil)
	_ culture.NewsService         = (*Store)(nil)
	_ culture.RatingModeration    = (*Store)(nil)
)
