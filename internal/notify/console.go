package notify

import (
	"context"
	"log/slog"
)

// console logs messages instead of sending them.
type console struct {
	name string
	log  *slog.Logger
}

// NewConsole returns a channel named name (culture.ChannelSMS etc.) that
// writes each message to log: the development and demo driver.
func NewConsole(name string, log *slog.Logger) Channel {
	return console{name: name, log: log}
}

// Name returns the channel's name.
func (c console) Name() string { return c.name }

// Send logs m. It never fails, so a development setup exercises the whole
// queue without gateways.
func (c console) Send(ctx context.Context, m Message) error {
	c.log.InfoContext(ctx, "notification (console driver)",
		"channel", c.name, "key", m.Key, "kind", m.Kind, "title", m.Title,
		"body", m.Body, "link", m.Link, "to_name", m.To.Name, "to_phone", m.To.Phone,
		"to_email", m.To.Email, "to_wechat", m.To.WeChatID)
	return nil
}
