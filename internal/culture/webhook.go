package culture

import (
	"context"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
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
	// WebhookURLMax bounds a receiver URL, in characters.
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
// fragment, invisible characters, or is too long (counted in characters).
// The host must be a valid domain name (internationalised names are
// checked under IDNA's lookup rules), a canonical dotted-quad IPv4 address
// or an IPv6 address without a zone: the numeric, hexadecimal, octal and
// shortened IPv4 forms that resolvers accept ("http://2130706433/",
// "http://127.1/", "http://0x7f.1/") are refused, as they dodge address
// rules written for the usual form. The URL returned carries the host in
// its normal form (lower-case ASCII, punycode, IPs canonical), which is
// what the address rules should look at; the URL as typed is what is
// stored and posted to.
func CheckWebhookURL(raw string) (*url.URL, error) {
	switch {
	case strings.TrimSpace(raw) == "":
		return nil, Invalid("url", "请填写接收地址（URL）。")
	case utf8.RuneCountInString(raw) > WebhookURLMax:
		return nil, Errorf(EINVALID, "接收地址不能超过 %d 个字符。", WebhookURLMax).withField("url")
	case strings.IndexFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 || !CleanText(raw):
		return nil, Invalid("url", "接收地址不能包含空格或控制字符。")
	case strings.IndexFunc(raw, func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0:
		return nil, Invalid("url", "接收地址不能包含零宽字符等不可见字符，请重新输入。")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return nil, Invalid("url", "接收地址格式不正确，应形如 https://example.cn/hooks/wenyun。")
	}
	if err := checkWebhookURLParts(u, raw); err != nil {
		return nil, err
	}
	host, err := webhookHost(u.Hostname())
	if err != nil {
		return nil, err
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	u.Host = host
	return u, nil
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

// Bounds of a host name (RFC 1035), in ASCII.
const (
	webhookHostMax  = 253
	webhookLabelMax = 63
)

var (
	errWebhookIPv6 = Invalid("url", "接收地址中的 IPv6 地址无效（也不能带网卡区域标识）。")
	errWebhookIPv4 = Invalid("url", "接收地址中的 IP 地址写法不规范，请写成 203.0.113.5 这样的四段十进制形式。")
	errWebhookName = Invalid("url", "接收地址的域名无效：含有不允许的字符、空段或错误的国际化域名编码。")
	errWebhookLong = Invalid("url", fmt.Sprintf("接收地址的域名过长：整个域名不能超过 %d 个字符，每一段不能超过 %d 个字符。",
		webhookHostMax, webhookLabelMax))
)

// webhookHost checks a URL's host (as url.URL.Hostname gives it) and
// returns it in normal form: an IPv6 address canonical, anything else
// through IDNA's lookup profile (lower case, punycode), without a
// trailing dot.
func webhookHost(h string) (string, error) {
	if strings.Contains(h, ":") {
		ip, err := netip.ParseAddr(h)
		if err != nil || ip.Zone() != "" || !ip.Is6() {
			return "", errWebhookIPv6
		}
		return ip.String(), nil
	}
	ascii, err := idna.Lookup.ToASCII(strings.TrimSuffix(h, "."))
	if err != nil {
		return "", errWebhookName
	}
	if len(ascii) > webhookHostMax {
		return "", errWebhookLong
	}
	labels := strings.Split(ascii, ".")
	for _, l := range labels {
		switch {
		case l == "":
			return "", errWebhookName
		case len(l) > webhookLabelMax:
			return "", errWebhookLong
		}
	}
	if numericLabel(labels[len(labels)-1]) {
		// A resolver reads the host as an IPv4 address in some form:
		// only the canonical one passes.
		if ip, err := netip.ParseAddr(ascii); err != nil || !ip.Is4() || ip.String() != ascii {
			return "", errWebhookIPv4
		}
	}
	return ascii, nil
}

// numericLabel reports whether a host's last label is a number, decimal or
// hexadecimal ("0x…"): the WHATWG URL rule for a host that is an IPv4
// address.
func numericLabel(l string) bool {
	digits := "0123456789"
	if rest, ok := strings.CutPrefix(l, "0x"); ok {
		l, digits = rest, "0123456789abcdef"
		if l == "" {
			return true
		}
	}
	return strings.Trim(l, digits) == ""
}

// WebhookOrigin is a receiver URL's scheme and host, such as
// "https://gateway.example.cn:8443", without the path and query, which
// may hold an access token: what logs and the audit log show of it.
func WebhookOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "（地址无法识别）"
	}
	return u.Scheme + "://" + u.Host
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
// caller checks ActManageWebhooks at the webhook's unit. The changes and
// each showing of a secret write an audit_log row naming the account by
// (a webhook's creator is its CreatedBy; 0 is no account: the command
// line, tests).
type WebhookService interface {
	// FindWebhookByID returns a webhook with its secret, or ENOTFOUND.
	// Call RevealWebhookSecret instead to show the secret to someone.
	FindWebhookByID(ctx context.Context, id int64) (*Webhook, error)
	// FindWebhooks returns the webhooks matching f, newest first, and
	// their total.
	FindWebhooks(ctx context.Context, f WebhookFilter) ([]*Webhook, int, error)
	// CreateWebhook validates and stores w with a new secret, setting
	// its ID, Secret and times.
	CreateWebhook(ctx context.Context, w *Webhook) error
	// UpdateWebhook applies upd, as account by, and returns the webhook.
	UpdateWebhook(ctx context.Context, id int64, upd WebhookUpdate, by int64) (*Webhook, error)
	// RevealWebhookSecret returns the webhook with its secret, to be
	// shown to account by.
	RevealWebhookSecret(ctx context.Context, id, by int64) (*Webhook, error)
	// RotateWebhookSecret gives the webhook a new secret, as account by,
	// and returns it.
	RotateWebhookSecret(ctx context.Context, id, by int64) (*Webhook, error)
	// DeleteWebhook deletes the webhook with its deliveries, as account
	// by.
	DeleteWebhook(ctx context.Context, id, by int64) error
	// FindWebhookDeliveries returns a page of a webhook's deliveries and
	// their total.
	FindWebhookDeliveries(ctx context.Context, f WebhookDeliveryFilter) ([]*WebhookDelivery, int, error)
	// FindWebhookDeliveryByID returns a delivery with its payload and
	// attempts.
	FindWebhookDeliveryByID(ctx context.Context, id int64) (*WebhookDelivery, error)
	// ResendWebhookDelivery queues a delivered or failed delivery again,
	// or a pending one whose job has shown no sign of life for longer
	// than its whole retry schedule.
	ResendWebhookDelivery(ctx context.Context, id int64) (*WebhookDelivery, error)
}
