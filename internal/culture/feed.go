package culture

// FeedService serves the iCalendar feeds' data and residents' secret feed
// tokens (issue 6).
type FeedService interface{}
