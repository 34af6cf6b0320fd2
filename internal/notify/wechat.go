package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// WeChatConfig configures official-account template messages.
type WeChatConfig struct {
	BaseURL    string // default "https://api.weixin.qq.com"
	AppID      string
	Secret     string
	TemplateID string // fields first, keyword1, remark
	Client     *http.Client
}

// tokenMargin is how long before its stated expiry a token is renewed, so
// a request never carries one that expires on the way.
const tokenMargin = 5 * time.Minute

// WeChat errcodes the driver acts on.
const (
	wxInvalidToken    = 40001 // invalid credential (token revoked or replaced)
	wxBadToken        = 40014 // invalid access_token
	wxExpiredToken    = 42001 // access_token expired
	wxInvalidOpenID   = 40003
	wxInvalidTemplate = 40037
	wxBadArgs         = 47003 // template data does not match the template
	wxNotSubscribed   = 43004
	wxRefused         = 43101 // the user refused template messages
)

// wxPermanent are errcodes retrying cannot fix: the recipient or the
// template is wrong.
var wxPermanent = map[int]bool{
	wxInvalidOpenID: true, wxNotSubscribed: true, wxRefused: true,
	wxInvalidTemplate: true, wxBadArgs: true,
}

// WeChatError is an errcode answer of the WeChat API.
type WeChatError struct {
	Code    int
	Message string
}

func (e *WeChatError) Error() string {
	return fmt.Sprintf("微信：errcode %d（%s）", e.Code, e.Message)
}

// wechatChannel is the WeChat template message channel. The access token is
// shared by all sends and renewed under mu.
type wechatChannel struct {
	cfg     WeChatConfig
	now     func() time.Time
	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewWeChat returns the WeChat channel (culture.ChannelWeChat) for cfg.
func NewWeChat(cfg WeChatConfig) (Channel, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = "https://api.weixin.qq.com"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.AppID == "" || cfg.Secret == "" || cfg.TemplateID == "" {
		return nil, errors.New("wechat: app id, secret and template id are required")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second}
	}
	return &wechatChannel{cfg: cfg, now: time.Now}, nil
}

// Name returns culture.ChannelWeChat.
func (*wechatChannel) Name() string { return culture.ChannelWeChat }

// Send posts a template message to m.To.WeChatID with m.Key as
// client_msg_id. A token the server calls invalid or expired is renewed
// and the send tried once more.
func (c *wechatChannel) Send(ctx context.Context, m Message) error {
	if m.To.WeChatID == "" {
		return noAddress("微信", "绑定的微信 OpenID")
	}
	body, err := json.Marshal(c.templateMessage(m))
	if err != nil {
		return Permanent(err)
	}
	token, err := c.accessToken(ctx)
	if err != nil {
		return err
	}
	err = c.post(ctx, token, body)
	var we *WeChatError
	if errors.As(err, &we) && isTokenError(we.Code) {
		c.forget(token)
		if token, err = c.accessToken(ctx); err != nil {
			return err
		}
		err = c.post(ctx, token, body)
	}
	return err
}

func isTokenError(code int) bool {
	return code == wxInvalidToken || code == wxExpiredToken || code == wxBadToken
}

type wxValue struct {
	Value string `json:"value"`
}

type wxTemplateMessage struct {
	ToUser      string             `json:"touser"`
	TemplateID  string             `json:"template_id"`
	URL         string             `json:"url,omitempty"`
	Data        map[string]wxValue `json:"data"`
	ClientMsgID string             `json:"client_msg_id,omitempty"`
}

// templateMessage fills the template: first is the title, keyword1 the
// kind's Chinese name and remark the body. Without a known kind the body
// moves to keyword1.
func (c *wechatChannel) templateMessage(m Message) wxTemplateMessage {
	keyword, remark := culture.KindLabels[m.Kind], m.Body
	if keyword == "" {
		keyword, remark = m.Body, ""
	}
	if remark == "" && m.Link != "" {
		remark = "点击查看详情。"
	}
	return wxTemplateMessage{
		ToUser: m.To.WeChatID, TemplateID: c.cfg.TemplateID, URL: m.Link, ClientMsgID: m.Key,
		Data: map[string]wxValue{
			"first":    {truncate(m.Title, 100)},
			"keyword1": {truncate(keyword, 100)},
			"remark":   {truncate(remark, 200)},
		},
	}
}

// post sends one template message with token.
func (c *wechatChannel) post(ctx context.Context, token string, body []byte) error {
	u := c.cfg.BaseURL + "/cgi-bin/message/template/send?access_token=" + url.QueryEscape(token)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	var ans struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := c.do(req, &ans); err != nil {
		return err
	}
	if ans.ErrCode == 0 {
		return nil
	}
	werr := &WeChatError{Code: ans.ErrCode, Message: ans.ErrMsg}
	if wxPermanent[ans.ErrCode] {
		return Permanent(werr)
	}
	return werr // -1 system busy, 45009 rate limit, token errors and the unknown
}

// accessToken returns the cached token, fetching a new one when it is
// missing or near expiry. Holding mu while fetching makes concurrent sends
// share one fetch: each fetch invalidates the previous token.
func (c *wechatChannel) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires) {
		return c.token, nil
	}
	token, ttl, err := c.fetchToken(ctx)
	if err != nil {
		return "", err
	}
	c.token, c.expires = token, c.now().Add(ttl)
	return token, nil
}

// forget drops token if it is still the cached one (another send may have
// renewed it already).
func (c *wechatChannel) forget(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

// fetchToken asks for a new access token and how long to keep it.
func (c *wechatChannel) fetchToken(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"grant_type": {"client_credential"}, "appid": {c.cfg.AppID}, "secret": {c.cfg.Secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.BaseURL+"/cgi-bin/token?"+q.Encode(), nil)
	if err != nil {
		return "", 0, Permanent(err)
	}
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		ErrCode     int    `json:"errcode"`
		ErrMsg      string `json:"errmsg"`
	}
	if err := c.do(req, &ans); err != nil {
		return "", 0, err
	}
	if ans.ErrCode != 0 || ans.AccessToken == "" {
		// Bad credentials are a configuration fault an operator can fix:
		// keep retrying rather than fail every pending message.
		return "", 0, fmt.Errorf("获取 access_token：%w", &WeChatError{Code: ans.ErrCode, Message: ans.ErrMsg})
	}
	return ans.AccessToken, tokenTTL(ans.ExpiresIn), nil
}

// tokenTTL keeps a token for expires_in less tokenMargin, or for half its
// life when that is shorter than twice the margin.
func tokenTTL(expiresIn int) time.Duration {
	life := time.Duration(expiresIn) * time.Second
	if life < 2*tokenMargin {
		return life / 2
	}
	return life - tokenMargin
}

// do runs req and decodes a JSON answer into v. HTTP 5xx, 429 and
// network errors are retryable, other 4xx permanent.
func (c *wechatChannel) do(req *http.Request, v any) error {
	resp, err := c.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("微信：%w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		err := fmt.Errorf("微信：HTTP %d", resp.StatusCode)
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests {
			return Permanent(err)
		}
		return err
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(v); err != nil {
		return fmt.Errorf("微信：无法解析应答：%w", err)
	}
	return nil
}
