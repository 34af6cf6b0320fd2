package notify

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// SMSConfig configures the SMS gateway: an HTTP API shaped like Aliyun
// Dysmsapi SendSms (RPC style, signed with HMAC-SHA1).
type SMSConfig struct {
	Endpoint     string // "https://dysmsapi.aliyuncs.com/"
	KeyID        string // AccessKeyId
	KeySecret    string // AccessKeySecret: signs requests, never sent
	SignName     string // the approved signature, "某某文化馆"
	TemplateCode string // notification template, variables ${title} ${body} ${link}
	CodeTemplate string // sign-in code template, variable ${code} (internal/sms)
	Client       *http.Client
}

// Validate checks the settings every SMS request needs.
func (c SMSConfig) Validate() error {
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("sms: endpoint %q is not an http(s) URL", c.Endpoint)
	}
	if c.KeyID == "" || c.KeySecret == "" || c.SignName == "" {
		return errors.New("sms: key id, key secret and sign name are required")
	}
	return nil
}

// SMSParamRunes caps each notification template variable (title, body):
// gateways reject longer values (Aliyun allows 35 characters a variable).
// The link is never cut, since a cut link is useless.
const SMSParamRunes = 35

// smsPermanent are gateway codes that retrying cannot fix: a bad number, a
// rejected template, signature or parameters, bad credentials.
var smsPermanent = map[string]bool{
	"isv.MOBILE_NUMBER_ILLEGAL":       true,
	"isv.MOBILE_COUNT_OVER_LIMIT":     true,
	"isv.SMS_TEMPLATE_ILLEGAL":        true,
	"isv.SMS_SIGNATURE_ILLEGAL":       true,
	"isv.TEMPLATE_MISSING_PARAMETERS": true,
	"isv.TEMPLATE_PARAMS_ILLEGAL":     true,
	"isv.INVALID_PARAMETERS":          true,
	"isv.INVALID_JSON_PARAM":          true,
	"isv.PARAM_LENGTH_LIMIT":          true,
	"isv.PARAM_NOT_SUPPORT_URL":       true,
	"isv.BLACK_KEY_CONTROL_LIMIT":     true,
	"isv.SMS_CONTENT_ILLEGAL":         true,
	"isv.SMS_SIGN_ILLEGAL":            true,
	"SignatureDoesNotMatch":           true,
	"InvalidAccessKeyId.NotFound":     true,
	"MissingParameter":                true,
}

// SMSError is a request the gateway refused or failed.
type SMSError struct {
	Status  int    // HTTP status
	Code    string // gateway code, "isv.BUSINESS_LIMIT_CONTROL"; empty if the body had none
	Message string
}

func (e *SMSError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("短信网关：HTTP %d", e.Status)
	}
	return fmt.Sprintf("短信网关：%s（%s）", e.Code, e.Message)
}

// SMSGateway sends SendSms requests. internal/sms uses it for sign-in
// codes; NewSMS wraps it as the notification channel.
type SMSGateway struct {
	cfg   SMSConfig
	now   func() time.Time
	nonce func() string
}

// NewSMSGateway returns a gateway client for cfg, after Validate.
func NewSMSGateway(cfg SMSConfig) (*SMSGateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 15 * time.Second}
	}
	return &SMSGateway{cfg: cfg, now: time.Now, nonce: randomNonce}, nil
}

// Config returns the gateway's settings.
func (g *SMSGateway) Config() SMSConfig { return g.cfg }

// Send sends template to phone with the template variables params. outID,
// if not empty, is the gateway's idempotency key (OutId). Errors marked
// Permanent are not worth retrying; throttling, HTTP 5xx and network
// errors are.
func (g *SMSGateway) Send(ctx context.Context, phone, template, outID string, params map[string]string) error {
	if phone == "" {
		return noAddress("短信", "手机号码")
	}
	tp, err := json.Marshal(params)
	if err != nil {
		return Permanent(err)
	}
	form := g.params(phone, template, outID, string(tp))
	form.Set("Signature", SMSSignature(http.MethodPost, g.cfg.KeySecret, form))
	return g.post(ctx, form)
}

// params are the request's parameters, all signed.
func (g *SMSGateway) params(phone, template, outID, templateParam string) url.Values {
	v := url.Values{
		"AccessKeyId":      {g.cfg.KeyID},
		"Action":           {"SendSms"},
		"Format":           {"JSON"},
		"Version":          {"2017-05-25"},
		"RegionId":         {"cn-hangzhou"},
		"PhoneNumbers":     {phone},
		"SignName":         {g.cfg.SignName},
		"TemplateCode":     {template},
		"TemplateParam":    {templateParam},
		"Timestamp":        {g.now().UTC().Format("2006-01-02T15:04:05Z")},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"},
		"SignatureNonce":   {g.nonce()},
	}
	if outID != "" {
		v.Set("OutId", outID)
	}
	return v
}

// post sends the form and classifies the answer.
func (g *SMSGateway) post(ctx context.Context, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.Endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Permanent(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := g.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("短信网关：%w", err) // network or timeout: retry
	}
	defer resp.Body.Close()
	var body struct{ Code, Message, BizId string }
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	_ = json.Unmarshal(raw, &body) // a body without a code is judged by status
	return classifySMS(resp.StatusCode, body.Code, body.Message)
}

// classifySMS turns an answer into nil, a retryable or a permanent error.
func classifySMS(status int, code, msg string) error {
	e := &SMSError{Status: status, Code: code, Message: msg}
	switch {
	case status >= 500 || status == http.StatusTooManyRequests:
		return e
	case code == "OK" && status < 300:
		return nil
	case smsPermanent[code]:
		return Permanent(e)
	case code != "": // throttling (isv.BUSINESS_LIMIT_CONTROL) and the unknown
		return e
	case status >= 400:
		return Permanent(e)
	}
	return e // 2xx or 3xx without a code: not understood, retry
}

// SMSSignature computes the RPC signature of Aliyun's POP API over params
// (which must not contain Signature):
//
//  1. Sort the parameters by name and percent-encode every name and value
//     as RFC 3986 unreserved-only: A-Z a-z 0-9 - _ . ~ stay, every other
//     byte becomes %XX (so space is %20, "*" is %2A, "~" stays).
//  2. Join them as name=value with "&": the canonicalised query.
//  3. StringToSign = method + "&" + enc("/") + "&" + enc(canonicalised query).
//  4. Signature = base64(HMAC-SHA1(key = secret + "&", StringToSign)).
func SMSSignature(method, secret string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, len(keys))
	for _, k := range keys {
		pairs = append(pairs, percentEncode(k)+"="+percentEncode(params.Get(k)))
	}
	toSign := method + "&" + percentEncode("/") + "&" + percentEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// percentEncode is RFC 3986 encoding keeping only unreserved bytes.
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// randomNonce makes SignatureNonce: the gateway refuses a nonce it has
// seen, which stops replays of a captured request.
func randomNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// smsChannel is the notification channel over the gateway.
type smsChannel struct{ gw *SMSGateway }

// NewSMS returns the SMS notification channel (culture.ChannelSMS). It
// sends cfg.TemplateCode with the variables title, body and link.
func NewSMS(cfg SMSConfig) (Channel, error) {
	if cfg.TemplateCode == "" {
		return nil, errors.New("sms: notification template code is required")
	}
	gw, err := NewSMSGateway(cfg)
	if err != nil {
		return nil, err
	}
	return smsChannel{gw}, nil
}

// Name returns culture.ChannelSMS.
func (smsChannel) Name() string { return culture.ChannelSMS }

// Send texts m to m.To.Phone with m.Key as OutId.
func (c smsChannel) Send(ctx context.Context, m Message) error {
	params := map[string]string{
		"title": truncate(m.Title, SMSParamRunes),
		"body":  truncate(m.Body, SMSParamRunes),
		"link":  m.Link,
	}
	return c.gw.Send(ctx, m.To.Phone, c.gw.cfg.TemplateCode, m.Key, params)
}

// truncate cuts s to at most n runes, ending a cut text with "…".
func truncate(s string, n int) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}
