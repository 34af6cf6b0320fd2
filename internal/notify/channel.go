// Package notify holds the drivers of the external notification channels:
// the console (development), an SMS gateway, SMTP e-mail and WeChat
// official-account template messages. The delivery queue (notifyq) picks a
// Channel by name and calls Send; whether a failed send is retried depends
// on IsPermanent.
package notify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// Message is one notification ready for a driver.
type Message struct {
	// Key is the idempotency key, stable across retries. Drivers hand it to
	// the gateway (SMS OutId, e-mail Message-ID, WeChat client_msg_id).
	Key   string
	Kind  string // culture.Kind*
	Title string
	Body  string
	Link  string // an absolute URL built by the caller; may be empty
	To    Recipient
}

// Recipient is where a message goes; each driver reads its own address.
type Recipient struct {
	Name     string
	Phone    string
	Email    string
	WeChatID string // official-account OpenID
}

// Channel delivers messages over one medium.
type Channel interface {
	// Name is the channel's name: culture.ChannelSMS, ChannelEmail or
	// ChannelWeChat.
	Name() string
	// Send delivers m. An error wrapped by Permanent is not worth retrying;
	// any other error is.
	Send(ctx context.Context, m Message) error
}

// Channels are the configured drivers by channel name.
type Channels map[string]Channel

// Send delivers m on the named channel. A channel without a driver is a
// permanent error: retrying will not configure it.
func (cs Channels) Send(ctx context.Context, name string, m Message) error {
	ch, ok := cs[name]
	if !ok {
		return Permanent(fmt.Errorf("通知方式 %q 未配置", name))
	}
	return ch.Send(ctx, m)
}

// permanentError marks an error that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: a bad or missing recipient
// address, a rejected template, an HTTP 4xx other than 429. Nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// ErrNoAddress is wrapped (permanently) by drivers when the recipient has
// no address for their channel.
var ErrNoAddress = errors.New("收件人没有该通知方式的地址")

// noAddress is the permanent error for a recipient missing what, e.g.
// "手机号码".
func noAddress(channel, what string) error {
	return Permanent(fmt.Errorf("%s：%w（缺少%s）", channel, ErrNoAddress, what))
}

// MessageFromSend builds the driver's message from a send loaded by
// culture.NotificationService.FindSend. baseURL ("https://wenyun.example")
// makes the notification's local link absolute.
func MessageFromSend(s *culture.NotificationSend, baseURL string) Message {
	m := Message{
		Key: s.Key,
		To:  Recipient{Name: s.Name, Phone: s.Phone, Email: s.Email, WeChatID: s.WeChatID},
	}
	if n := s.Notification; n != nil {
		m.Kind, m.Title, m.Body = n.Kind, n.Title, n.Body
		m.Link = AbsoluteLink(baseURL, n.Link)
	}
	return m
}

// AbsoluteLink joins a local path ("/me/tickets/12") to baseURL. An empty
// path gives "", and a path that is already absolute is kept.
func AbsoluteLink(baseURL, path string) string {
	if path == "" {
		return ""
	}
	if u, err := url.Parse(path); err == nil && u.IsAbs() {
		return path
	}
	return strings.TrimRight(baseURL, "/") + "/" + strings.TrimLeft(path, "/")
}
