package culture

import (
	"context"
	"time"
)

// Calendar feeds (iCalendar, RFC 5545): one per unit (its subtree's
// activities), one per series, and one per resident ("my tickets") at a
// secret address /ical/me/{token}.ics that the resident can reset.

// Feed windows: a feed shows activities starting from FeedPast ago to
// FeedAhead from now; a cancelled activity stays in it, marked cancelled,
// for FeedCancelledFor after it was cancelled, so subscribed phones learn
// of the cancellation. At most FeedLimit events are listed, soonest first.
const (
	FeedPast         = 30 * 24 * time.Hour
	FeedAhead        = 180 * 24 * time.Hour
	FeedCancelledFor = 30 * 24 * time.Hour
	FeedLimit        = 2000
)

// FeedWindow bounds a feed: activities starting in [From, To); a cancelled
// one only when cancelled at or after CancelledSince; at most Limit events
// (0 or more than FeedLimit means FeedLimit).
type FeedWindow struct {
	From, To       time.Time
	CancelledSince time.Time
	Limit          int
}

// FeedWindowAt returns the standard window of a feed read at now.
func FeedWindowAt(now time.Time) FeedWindow {
	return FeedWindow{
		From: now.Add(-FeedPast), To: now.Add(FeedAhead),
		CancelledSince: now.Add(-FeedCancelledFor), Limit: FeedLimit,
	}
}

// FeedFilter selects the activities of a public feed: those of a unit's
// subtree (Within) or of a series, in the window.
type FeedFilter struct {
	FeedWindow
	Within   *int64
	SeriesID *int64
}

// FeedEvent is one event of a feed: an activity (unit and series feeds)
// or a booking with its activity and attendees (the personal feed).
// UpdatedAt is when the activity or booking last changed, whichever is
// later.
type FeedEvent struct {
	Activity  *Activity
	Booking   *Booking
	UpdatedAt time.Time
}

// FeedTokenLen is the length of a feed token: 24 random bytes (192 bits)
// in unpadded base64url, safe in a URL path.
const FeedTokenLen = 32

// ValidFeedToken reports whether s has the shape of a feed token, so that
// odd input is refused before any query.
func ValidFeedToken(s string) bool {
	if len(s) != FeedTokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// MyFeedPath is the path of the personal feed with the token.
func MyFeedPath(token string) string { return "/ical/me/" + token + ".ics" }

// ErrFeedToken answers an unknown or reset feed token.
var ErrFeedToken = Errorf(ENOTFOUND, "订阅地址无效或已重置，请在“我的日历”页面重新获取。")

// FeedService serves the iCalendar feeds' data and residents' secret feed
// tokens (issue 6).
type FeedService interface {
	// FeedActivities lists the published activities f selects, and those
	// cancelled since f.CancelledSince, by start time.
	FeedActivities(ctx context.Context, f FeedFilter) ([]*FeedEvent, error)
	// FeedBookings lists the account's active bookings (own and family
	// attendees alike) of activities starting in the window, and its
	// bookings cancelled with their activity since w.CancelledSince.
	FeedBookings(ctx context.Context, accountID int64, w FeedWindow) ([]*FeedEvent, error)
	// FeedToken returns the account's feed token, creating it on first use.
	FeedToken(ctx context.Context, accountID int64) (string, error)
	// ResetFeedToken replaces the account's feed token; the old one stops
	// working at once.
	ResetFeedToken(ctx context.Context, accountID int64) (string, error)
	// FindAccountByFeedToken returns the account holding the token, or
	// ErrFeedToken.
	FindAccountByFeedToken(ctx context.Context, token string) (*Account, error)
	// FollowedSeries lists the series the account follows, in the order
	// they were created.
	FollowedSeries(ctx context.Context, accountID int64) ([]*Series, error)
}
