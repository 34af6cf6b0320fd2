package notify_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/notify/notifytest"
)

func TestPermanent(t *testing.T) {
	base := errors.New("bad number")
	p := notify.Permanent(base)
	wrapped := fmt.Errorf("job 7: %w", p)
	switch {
	case notify.Permanent(nil) != nil:
		t.Error("Permanent(nil) != nil")
	case notify.IsPermanent(base), notify.IsPermanent(nil):
		t.Error("an unmarked error is permanent")
	case !notify.IsPermanent(p), !notify.IsPermanent(wrapped):
		t.Error("a marked error is not permanent")
	case !errors.Is(wrapped, base), p.Error() != base.Error():
		t.Error("Permanent hides the error it marks")
	}
}

func TestChannelsSend(t *testing.T) {
	sms := &notifytest.Channel{ChannelName: culture.ChannelSMS}
	cs := notify.Channels{culture.ChannelSMS: sms}
	m := notify.Message{Key: "k1", Title: "标题"}
	if err := cs.Send(context.Background(), culture.ChannelSMS, m); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]notify.Message{m}, sms.Sent()); diff != "" {
		t.Errorf("sent (-want +got):\n%s", diff)
	}
	if err := cs.Send(context.Background(), culture.ChannelWeChat, m); !notify.IsPermanent(err) {
		t.Errorf("unconfigured channel: err = %v, want permanent", err)
	}
}

func TestMessageFromSend(t *testing.T) {
	s := &culture.NotificationSend{
		Key: "remind24:b:9", Channel: culture.ChannelEmail, Phone: "13800000001", Email: "a@example.cn",
		WeChatID: "oUser_0123456789", Name: "李伯",
		Notification: &culture.Notification{Kind: culture.KindReminder24h, Title: "提醒", Body: "明天见", Link: "/me/tickets/9"},
	}
	want := notify.Message{
		Key: "remind24:b:9", Kind: culture.KindReminder24h, Title: "提醒", Body: "明天见",
		Link: "https://wenyun.example/me/tickets/9",
		To:   notify.Recipient{Name: "李伯", Phone: "13800000001", Email: "a@example.cn", WeChatID: "oUser_0123456789"},
	}
	if diff := cmp.Diff(want, notify.MessageFromSend(s, "https://wenyun.example/")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestAbsoluteLink(t *testing.T) {
	tests := []struct{ base, path, want string }{
		{"https://wenyun.example", "/news/3", "https://wenyun.example/news/3"},
		{"https://wenyun.example/", "news/3", "https://wenyun.example/news/3"},
		{"https://wenyun.example", "", ""},
		{"https://wenyun.example", "https://other.example/x", "https://other.example/x"},
	}
	for _, tt := range tests {
		if got := notify.AbsoluteLink(tt.base, tt.path); got != tt.want {
			t.Errorf("AbsoluteLink(%q, %q) = %q, want %q", tt.base, tt.path, got, tt.want)
		}
	}
}

func TestConsoleSend(t *testing.T) {
	var buf bytes.Buffer
	ch := notify.NewConsole(culture.ChannelEmail, slog.New(slog.NewTextHandler(&buf, nil)))
	m := mailMessage("wang@example.cn")
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"channel=email", "key=remind24:b:42", "to_email=wang@example.cn", m.Link} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, buf.String())
		}
	}
	if ch.Name() != culture.ChannelEmail {
		t.Errorf("Name() = %q", ch.Name())
	}
}
