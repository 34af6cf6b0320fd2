package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds one attempt: connecting, sending and the answer's
// headers.
const DefaultTimeout = 10 * time.Second

// userAgent names the sender to receivers.
const userAgent = "Wenyun-Webhook/1"

// Message is one attempt of a delivery.
type Message struct {
	URL, Secret string
	// Event is the event type (X-Wenyun-Event), DeliveryID the delivery
	// (X-Wenyun-Delivery: the same on every attempt of the delivery).
	Event      string
	DeliveryID int64
	Body       []byte
}

// Result is what came of an attempt.
type Result struct {
	// StatusCode is the receiver's HTTP status; 0 when none came.
	StatusCode int
	// Err is nil for a 2xx answer; else it explains, in Chinese, what
	// went wrong.
	Err error
	// Cause is the network error behind Err, without the URL, for the
	// operator's log; nil when the receiver answered.
	Cause error
	// Permanent is set when trying again cannot help (the URL is no
	// longer allowed).
	Permanent bool
	Duration  time.Duration
}

// Sender posts signed webhook requests through the guard. It never
// follows redirects (a 3xx is a failure) and never uses a proxy from the
// environment, so the guard sees the address it connects to.
type Sender struct {
	client  *http.Client
	guard   *Guard
	timeout time.Duration
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// NewSender returns a sender whose attempts each take at most timeout
// (DefaultTimeout when <= 0).
func NewSender(g *Guard, timeout time.Duration) *Sender {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: timeout, Control: g.Control}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &Sender{guard: g, timeout: timeout, Now: time.Now, client: &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Send makes one attempt: the URL is checked again (the rules may have
// changed since the webhook was saved), then the body is posted with its
// signature.
func (s *Sender) Send(ctx context.Context, m Message) Result {
	start := time.Now()
	if err := s.guard.CheckURL(m.URL); err != nil {
		return Result{Err: fmt.Errorf("接收地址不再允许：%w", err), Permanent: true}
	}
	res := s.post(ctx, m)
	res.Duration = time.Since(start)
	return res
}

func (s *Sender) post(ctx context.Context, m Message) Result {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return Result{Err: fmt.Errorf("无法构造请求：%w", err), Permanent: true}
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", userAgent)
	h.Set(HeaderEvent, m.Event)
	h.Set(HeaderDelivery, strconv.FormatInt(m.DeliveryID, 10))
	h.Set(HeaderSignature, Sign(m.Secret, s.Now(), m.Body))
	resp, err := s.client.Do(req)
	if err != nil {
		return Result{Err: errors.New(describe(err, s.timeout)), Cause: withoutURL(err)}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) //nolint:errcheck // only to reuse the connection
	res := Result{StatusCode: resp.StatusCode}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		res.Err = fmt.Errorf("接收方返回 HTTP %d（重定向不会被跟随，请填写最终地址）", resp.StatusCode)
	default:
		res.Err = fmt.Errorf("接收方返回 HTTP %d", resp.StatusCode)
	}
	return res
}

// withoutURL unwraps the *url.Error with which http.Client wraps every
// error: it quotes the URL, whose query may hold the receiver's access
// token.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// describe explains a failed request in Chinese, without its URL.
func describe(err error, timeout time.Duration) string {
	err = withoutURL(err)
	var dialErr *DialError
	var dnsErr *net.DNSError
	var netErr net.Error
	switch {
	case errors.As(err, &dialErr):
		return dialErr.Error()
	case errors.Is(err, context.Canceled):
		return "发送被中止（服务正在停止），稍后重试"
	case errors.As(err, &dnsErr):
		return describeDNS(dnsErr)
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Sprintf("请求超时（%d 秒内没有响应）", int(timeout.Seconds()))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "连接被拒绝（接收方没有在该端口服务）"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "连接被接收方重置"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "无法到达接收方（网络不可达）"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "接收方没有返回响应就关闭了连接"
	}
	if msg, ok := describeTLS(err); ok {
		return msg
	}
	// http.Transport's own errors, which carry no type.
	switch msg := err.Error(); {
	case strings.Contains(msg, "server gave HTTP response to HTTPS client"):
		return "TLS 握手失败：接收方在该端口是 HTTP 服务，不是 HTTPS"
	case strings.Contains(msg, "malformed HTTP"):
		return "接收方返回的不是有效的 HTTP 响应"
	}
	return "网络错误，请求没有完成（请检查接收地址和接收方服务）"
}

// describeDNS explains a failed lookup of the receiver's host name.
func describeDNS(e *net.DNSError) string {
	switch {
	case e.IsNotFound:
		return "域名解析失败：" + e.Name + " 不存在"
	case e.IsTimeout:
		return "域名解析超时：" + e.Name
	}
	return "域名解析失败：" + e.Name
}

// describeTLS explains a failed TLS handshake; false when err is not one.
func describeTLS(err error) (string, bool) {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var certErr *tls.CertificateVerificationError
	var record tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.As(err, &unknown):
		return "TLS 证书校验失败：证书不是受信任的机构签发的（可能是自签名证书）", true
	case errors.As(err, &host):
		return "TLS 证书校验失败：证书与接收地址的域名不符", true
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "TLS 证书校验失败：证书已过期或尚未生效", true
	case errors.As(err, &invalid), errors.As(err, &certErr):
		return "TLS 证书校验失败：证书无效", true
	case errors.As(err, &record):
		return "TLS 握手失败：接收方在该端口不是 HTTPS 服务", true
	case errors.As(err, &alert):
		return "TLS 握手失败：接收方拒绝了连接", true
	}
	return "", false
}
