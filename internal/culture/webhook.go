package culture

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Webhooks tell another system (the WeChat gateway, the national platform,
// a district's own software) of a unit's events as they happen: a signed
// JSON POST per event to each active webhook of the unit or a unit above
// it. Events are stored in the transaction of the change they report, so a
// rolled-back change sends nothing, and each has a stable id, so an event
// repeated (a replayed request, a job run twice) is delivered once.

// Webhook event types.
const (
	EventBookingConfirmed = "booking.confirmed"
	EventBookingCancelled = "booking.cancelled"
	EventBookingCheckedIn = "booking.checked_in"
	EventDeliveryUpdated  = "delivery.updated"
)

// WebhookEvents lists the event types in display order, named in Chinese.
var WebhookEvents = []Label{
	{EventBookingConfirmed, "预约成功"},
	{EventBookingCancelled, "预约取消（含审核未通过、活动取消）"},
	{EventBookingCheckedIn, "签到入场"},
	{EventDeliveryUpdated, "配送状态变化"},
}

// Statuses of a webhook delivery.
const (
	WebhookPending   = "pending"   // queued, or waiting for its next attempt
	WebhookDelivered = "delivered" // the receiver answered 2xx
	WebhookFailed    = "failed"    // every attempt failed, or the webhook was off
)

// WebhookStatusLabels names delivery statuses in Chinese.
var WebhookStatusLabels = map[string]string{
	WebhookPending: "投递中", WebhookDelivered: "已送达", WebhookFailed: "失败",
}

// Bounds of webhooks.
const (
	// WebhookURLMax bounds a receiver URL, in bytes.
	WebhookURLMax = 2000
	// MaxWebhooksPerUnit bounds the webhooks of one unit, and so the
	// deliveries one event can fan out to there.
	MaxWebhooksPerUnit = 20
)

// Webhook is a receiver of the events of a unit's subtree.
type Webhook struct {
	ID     int64  `json:"id"`
	UnitID int64  `json:"unit_id"`
	URL    string `json:"url"`
	// Secret signs every request (HMAC-SHA256). The store generates it;
	// it is shown only to those who manage the webhook.
	Secret string `json:"-"`
	// Events lists the event types sent; empty sends all of them.
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Joined for display.
	UnitName      string `json:"unit_name,omitempty"`
	CreatedByName string `json:"created_by_name,omitempty"`
	// Failed counts the deliveries that failed.
	Failed int `json:"failed"`
}

// Wants reports whether the webhook receives events of type event.
func (w *Webhook) Wants(event string) bool {
	return len(w.Events) == 0 || slices.Contains(w.Events, event)
}

// EventLabels names the webhook's event types in Chinese ("全部事件" for
// all).
func (w *Webhook) EventLabels() string {
	if len(w.Events) == 0 {
		return "全部事件"
	}
	names := make([]string, len(w.Events))
	for i, e := range w.Events {
		names[i] = LabelOf(WebhookEvents, e)
	}
	return strings.Join(names, "、")
}

// Validate checks a webhook before it is stored — the URL's form and the
// event types — and puts the event types in display order. Whether the URL may be reached from this server (not the
// server itself, not a private address) is the deployment's policy,
// checked by webhook.Guard.
func (w *Webhook) Validate() error {
	if _, err := CheckWebhookURL(w.URL); err != nil {
		return err
	}
	events, err := CheckWebhookEvents(w.Events)
	w.Events = events
	return err
}

// CheckWebhookURL parses a receiver URL and refuses one that is not an
// absolute http(s) URL with a host, or carries a user name, password or
// fragment, or is too long.
func CheckWebhookURL(raw string) (*url.URL, error) {
	switch {
	case strings.TrimSpace(raw) == "":
		return nil, Invalid("url", "请填写接收地址（URL）。")
	case len(raw) > WebhookURLMax:
		return nil, Errorf(EINVALID, "接收地址不能超过 %d 个字符。", WebhookURLMax).withField("url")
	case strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 || !CleanText(raw):
		return nil, Invalid("url", "接收地址不能包含空格或控制字符。")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return nil, Invalid("url", "接收地址格式不正确，应形如 https://example.cn/hooks/wenyun。")
	}
	return u, checkWebhookURLParts(u, raw)
}

func checkWebhookURLParts(u *url.URL, raw string) error {
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return Invalid("url", "接收地址必须以 http:// 或 https:// 开头。")
	case u.User != nil:
		return Invalid("url", "接收地址不能包含用户名或密码。")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return Invalid("url", "接收地址不能包含“#”片段。")
	case u.Hostname() == "":
		return Invalid("url", "接收地址缺少主机名。")
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return Invalid("url", "接收地址的端口应在 1 到 65535 之间。")
		}
	}
	return nil
}

// CheckWebhookEvents refuses unknown event types and returns the chosen
// ones in display order without repeats (empty: all).
func CheckWebhookEvents(events []string) ([]string, error) {
	var out []string
	for _, e := range events {
		if !inLabels(WebhookEvents, e) {
			return nil, Invalid("events", "事件类型无效，请重新选择。")
		}
	}
	for _, l := range WebhookEvents {
		if slices.Contains(events, l.Value) {
			out = append(out, l.Value)
		}
	}
	return out, nil
}

// WebhookUpdate changes a webhook; nil fields stay.
type WebhookUpdate struct {
	URL    *string
	Events *[]string
	Active *bool
}

// WebhookFilter selects webhooks.
type WebhookFilter struct {
	// Within lists units: webhooks of their subtrees match (none: all).
	Within []int64
	Limit  int
	Offset int
}

// WebhookDelivery is one event on its way to one webhook: the payload as
// sent, where it stands and, when loaded one by one, its attempts.
type WebhookDelivery struct {
	ID        int64 `json:"id"`
	WebhookID int64 `json:"webhook_id"`
	// EventID is the event's stable id ("booking:12:confirmed"), the
	// same for every webhook that receives it; the payload's "id".
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	// Payload is the JSON body sent.
	Payload        string     `json:"-"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	Resends        int        `json:"resends"`
	LastStatusCode int        `json:"last_status_code,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	// Log lists the attempts, oldest first (FindWebhookDeliveryByID).
	Log []*WebhookAttempt `json:"-"`
}

// StatusLabel returns the Chinese name of the delivery's status.
func (d *WebhookDelivery) StatusLabel() string { return WebhookStatusLabels[d.Status] }

// EventLabel returns the Chinese name of the delivery's event type.
func (d *WebhookDelivery) EventLabel() string { return LabelOf(WebhookEvents, d.EventType) }

// WebhookDeliveryFilter selects one webhook's deliveries, newest first.
type WebhookDeliveryFilter struct {
	WebhookID int64
	// Status, when set, keeps deliveries in that status.
	Status string
	Limit  int
	Offset int
}

// WebhookAttempt is one POST of a delivery and what came of it.
type WebhookAttempt struct {
	ID         int64 `json:"id"`
	DeliveryID int64 `json:"delivery_id"`
	// Resend is 0 for the automatic attempts, n for those of the n-th
	// manual resend.
	Resend int       `json:"resend"`
	At     time.Time `json:"at"`
	// StatusCode is the receiver's HTTP status; 0 when none came.
	StatusCode int    `json:"status_code"`
	Error      string `json:"error,omitempty"`
	// Duration is how long the attempt took.
	Duration time.Duration `json:"-"`
}

// OK reports whether the attempt delivered: an answer of 2xx.
func (a *WebhookAttempt) OK() bool { return a.Error == "" && a.StatusCode >= 200 && a.StatusCode < 300 }

// Millis returns the attempt's duration in milliseconds.
func (a *WebhookAttempt) Millis() int64 { return a.Duration.Milliseconds() }

// WebhookSend is what the delivery job needs to make one attempt.
type WebhookSend struct {
	DeliveryID int64
	Resend     int
	Status     string
	EventID    string
	EventType  string
	Payload    []byte
	URL        string
	Secret     string
	Active     bool
}

// WebhookService manages webhooks and their delivery log (issue 6). The
// caller checks ActManageWebhooks at the webhook's unit.
type WebhookService interface {
	// FindWebhookByID returns a webhook with its secret, or ENOTFOUND.
	FindWebhookByID(ctx context.Context, id int64) (*Webhook, error)
	// FindWebhooks returns the webhooks matching f, newest first, and
	// their total.
	FindWebhooks(ctx context.Context, f WebhookFilter) ([]*Webhook, int, error)
	// CreateWebhook validates and stores w with a new secret, setting
	// its ID, Secret and times.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook applies upd and returns the webhook.
	UpdateWebhook(ctx context.Context, id int64, upd WebhookUpdate) (*Webhook, error)
	// RotateWebhookSecret gives the webhook a new secret and returns it.
	RotateWebhookSecret(ctx context.Context, id int64) (*Webhook, error)
	// DeleteWebhook deletes the webhook with its deliveries.
	DeleteWebhook(ctx context.Context, id int64) error
	// FindWebhookDeliveries returns a page of a webhook's deliveries and
	// their total.
	FindWebhookDeliveries(ctx context.Context, f WebhookDeliveryFilter) ([]*WebhookDelivery, int, error)
	// FindWebhookDeliveryByID returns a delivery with its payload and
	// attempts.
	FindWebhookDeliveryByID(ctx context.Context, id int64) (*WebhookDelivery, error)
	// ResendWebhookDelivery queues a delivered or failed delivery again.
	ResendWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
}
