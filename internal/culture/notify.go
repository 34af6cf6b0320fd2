package culture

import (
	"context"
	"net/mail"
	"regexp"
	"time"
)

// Notification kinds: the events residents, providers and branches hear of.
const (
	KindBookingConfirmed = "booking_confirmed"
	KindBookingCancelled = "booking_cancelled"
	KindReminder24h      = "reminder_24h"
	KindReminder2h       = "reminder_2h"
	KindWaitlistOffer    = "waitlist_offer"
	KindLotteryResult    = "lottery_result"
	KindSeriesSession    = "series_session"
	KindAnnouncement     = "announcement"
	KindDeliveryStatus   = "delivery_status"
)

// KindLabels names notification kinds in Chinese.
var KindLabels = map[string]string{
	KindBookingConfirmed: "预约成功", KindBookingCancelled: "预约取消",
	KindReminder24h: "活动提醒（24 小时）", KindReminder2h: "活动提醒（2 小时）",
	KindWaitlistOffer: "候补名额", KindLotteryResult: "抽签结果",
	KindSeriesSession: "关注的品牌有新活动", KindAnnouncement: "社群公告",
	KindDeliveryStatus: "配送进度",
}

// Channels a notification is sent on. The inbox always receives it; the
// others follow the account's preferences.
const (
	ChannelInbox  = "inbox"
	ChannelSMS    = "sms"
	ChannelEmail  = "email"
	ChannelWeChat = "wechat"
)

// ExternalChannels are the channels with a driver, in display order.
var ExternalChannels = []Label{
	{ChannelSMS, "短信"}, {ChannelEmail, "电子邮件"}, {ChannelWeChat, "微信服务号消息"},
}

// Notification is one message in an account's inbox. Key makes it
// idempotent: one notification per account and key ("remind24:b:123"), so
// a job that runs twice, in two processes or after a restart, stores it once.
type Notification struct {
	ID        int64      `json:"id"`
	AccountID int64      `json:"account_id"`
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Body      string     `json:"body"`
	Link      string     `json:"link,omitempty"` // a local path: "/me/tickets/12"
	Key       string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// KindLabel returns the Chinese name of the notification's kind.
func (n *Notification) KindLabel() string { return KindLabels[n.Kind] }

// NotificationPrefs are an account's channel choices and addresses. SMS
// goes to the account's phone.
type NotificationPrefs struct {
	AccountID int64           `json:"account_id"`
	Channels  map[string]bool `json:"channels"` // ExternalChannels values
	Email     string          `json:"email,omitempty"`
	WeChatID  string          `json:"wechat_openid,omitempty"`
}

var openIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{10,64}$`)

// Validate checks preferences: known channels only, and an address for
// each external channel switched on.
func (p *NotificationPrefs) Validate() error {
	for ch := range p.Channels {
		if !inLabels(ExternalChannels, ch) {
			return Invalid("channels", "通知方式无效。")
		}
	}
	if p.Email != "" {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || len(p.Email) > 254 {
			return Invalid("email", "电子邮件地址格式不正确。")
		}
	}
	if p.WeChatID != "" && !openIDRE.MatchString(p.WeChatID) {
		return Invalid("wechat_openid", "微信 OpenID 格式不正确。")
	}
	if p.Channels[ChannelEmail] && p.Email == "" {
		return Invalid("email", "选择电子邮件通知时请填写邮箱。")
	}
	if p.Channels[ChannelWeChat] && p.WeChatID == "" {
		return Invalid("wechat_openid", "选择微信通知时须先绑定微信。")
	}
	return nil
}

// Send states.
const (
	SendPending = "pending"
	SendSent    = "sent"
	SendFailed  = "failed" // gave up after retries, or a permanent error
)

// NotificationSend is one notification on one external channel: the unit
// of work of the delivery job. Key is stable across retries and is passed
// to the gateway as its idempotency key (SMS OutId, e-mail Message-ID,
// WeChat client_msg_id), so a send retried after a crash between sending
// and marking sent is not delivered twice by a gateway that honours it.
type NotificationSend struct {
	ID             int64      `json:"id"`
	NotificationID int64      `json:"notification_id"`
	Channel        string     `json:"channel"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"last_error,omitempty"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	Key            string     `json:"key"`

	// Loaded with the send for the driver.
	Notification *Notification `json:"notification,omitempty"`
	Phone        string        `json:"-"`
	Email        string        `json:"-"`
	WeChatID     string        `json:"-"`
	Name         string        `json:"-"`
}

// NotificationService is the inbox, the preferences and the delivery
// queue's bookkeeping. Notifications themselves are created by the store
// as a side effect of the events, in the same transaction.
type NotificationService interface {
	FindNotifications(ctx context.Context, accountID int64, unreadOnly bool, limit, offset int) ([]*Notification, int, error)
	UnreadCount(ctx context.Context, accountID int64) (int, error)
	// MarkRead marks one notification (id > 0) or all of them (id 0) read.
	MarkRead(ctx context.Context, accountID, id int64) error
	FindPrefs(ctx context.Context, accountID int64) (*NotificationPrefs, error)
	UpdatePrefs(ctx context.Context, p *NotificationPrefs) error

	// FindSend loads a send with its notification and recipient.
	FindSend(ctx context.Context, id int64) (*NotificationSend, error)
	// MarkSend records an attempt: sent, or failed (final) or still
	// pending (to be retried) with the error.
	MarkSend(ctx context.Context, id int64, state, lastError string) error
	// CreateDueReminders stores the 24 h and 2 h reminders of confirmed
	// bookings whose activity starts within those windows; it returns how
	// many were new.
	CreateDueReminders(ctx context.Context) (int, error)
}

// Community is a branch's (or point's) own community (分馆专属社群).
type Community struct {
	UnitID   int64              `json:"unit_id"`
	UnitName string             `json:"unit_name"`
	Members  int                `json:"members"`
	Growth   []*CommunityGrowth `json:"growth,omitempty"` // last 12 weeks, oldest first
	// Member and JoinedAt describe the viewer's own membership.
	Member   bool       `json:"member"`
	JoinedAt *time.Time `json:"joined_at,omitempty"`
}

// CommunityGrowth is the member count at the end of a week and the joins
// in it (weeks start Monday 00:00 Asia/Shanghai).
type CommunityGrowth struct {
	Week    time.Time `json:"week"`
	Joined  int       `json:"joined"`
	Members int       `json:"members"`
}

// CommunityMember is a member as staff see them: the phone masked.
type CommunityMember struct {
	AccountID int64     `json:"account_id"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"` // masked: 138****8000
	JoinedAt  time.Time `json:"joined_at"`
}

// Announcement is a post by branch staff to a community's members.
type Announcement struct {
	ID         int64     `json:"id"`
	UnitID     int64     `json:"unit_id"`
	Title      string    `json:"title"`
	Body       string    `json:"body"` // plain text; shown escaped
	AuthorID   int64     `json:"author_id"`
	AuthorName string    `json:"author_name,omitempty"`
	UnitName   string    `json:"unit_name,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks an announcement.
func (a *Announcement) Validate() error {
	return firstErr(checkLine("title", "标题", a.Title, 1, 60), checkText("body", "内容", a.Body, 1, 2000))
}

// CommunityService stores communities, memberships and announcements.
type CommunityService interface {
	// JoinCommunity adds the account to the unit's community (a branch or
	// point); joining twice is not an error.
	JoinCommunity(ctx context.Context, accountID, unitID int64) error
	LeaveCommunity(ctx context.Context, accountID, unitID int64) error
	// FindCommunity returns the unit's community, with growth, as viewer
	// (0 for nobody) sees it.
	FindCommunity(ctx context.Context, unitID, viewer int64) (*Community, error)
	// FindCommunities lists the communities of every branch and point under
	// within, or (member > 0) those the account belongs to.
	FindCommunities(ctx context.Context, within, member int64) ([]*Community, error)
	FindMembers(ctx context.Context, unitID int64, limit, offset int) ([]*CommunityMember, int, error)
	// PostAnnouncement stores a and notifies every member, in one
	// transaction; the caller has checked the author may manage the unit.
	PostAnnouncement(ctx context.Context, a *Announcement) error
	FindAnnouncements(ctx context.Context, unitID int64, limit int) ([]*Announcement, error)
}

// Article is a news item (资讯) by hub or branch staff.
type Article struct {
	ID         int64     `json:"id"`
	UnitID     int64     `json:"unit_id"`
	Title      string    `json:"title"`
	Summary    string    `json:"summary,omitempty"`
	Body       string    `json:"body"` // Markdown; rendered and sanitised for display
	CoverID    *int64    `json:"cover_id,omitempty"`
	AuthorID   int64     `json:"author_id"`
	Published  bool      `json:"published"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	UnitName   string    `json:"unit_name,omitempty"`
	AuthorName string    `json:"author_name,omitempty"`
}

// Validate checks an article.
func (a *Article) Validate() error {
	return firstErr(
		checkLine("title", "标题", a.Title, 1, 80),
		checkText("summary", "摘要", a.Summary, 0, 200),
		checkText("body", "正文", a.Body, 1, 50000),
	)
}

// ArticleFilter selects articles.
type ArticleFilter struct {
	Within        *int64 // articles of this unit's subtree
	PublishedOnly bool
	Limit, Offset int
}

// NewsService stores articles.
type NewsService interface {
	CreateArticle(ctx context.Context, a *Article) error
	UpdateArticle(ctx context.Context, a *Article) error
	DeleteArticle(ctx context.Context, id int64) error
	FindArticleByID(ctx context.Context, id int64) (*Article, error)
	FindArticles(ctx context.Context, f ArticleFilter) ([]*Article, int, error)
}

// RatingModeration hides or shows a rating; every change is audited.
type RatingModeration interface {
	// HideRating hides (hide) or shows a rating, with a reason, as by.
	HideRating(ctx context.Context, id int64, hide bool, reason string, by int64) error
	// FindRatingsForStaff lists ratings, hidden ones included, of the
	// activities within a unit's subtree, newest first.
	FindRatingsForStaff(ctx context.Context, within int64, limit, offset int) ([]*Rating, int, error)
	// FindRatingByID returns a rating, hidden or not, as FindRatingsForStaff
	// shows it (author masked); ENOTFOUND when missing.
	FindRatingByID(ctx context.Context, id int64) (*Rating, error)
}
