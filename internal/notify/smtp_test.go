package notify_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
)

// sinkMail is one message the SMTP sink accepted.
type sinkMail struct {
	helo string
	from string
	to   []string
	data []byte
	tls  bool   // sent after STARTTLS
	auth string // AUTH PLAIN credentials, decoded
}

// smtpSink is a minimal SMTP server: EHLO, STARTTLS (when tls is set),
// AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type smtpSink struct {
	ln     net.Listener
	tls    *tls.Config
	reject map[string]string // recipient → reply to RCPT, "550 5.1.1 no such user"

	mu    sync.Mutex
	mails []sinkMail
}

func startSink(t *testing.T, tlsConfig *tls.Config) *smtpSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpSink{ln: ln, tls: tlsConfig, reject: map[string]string{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *smtpSink) Mails() []sinkMail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkMail(nil), s.mails...)
}

// serve speaks SMTP on one connection until QUIT or an error.
func (s *smtpSink) serve(conn net.Conn) {
	defer conn.Close()
	tp := textproto.NewConn(conn)
	var m sinkMail
	_ = tp.PrintfLine("220 sink ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			m.helo = arg
			s.ehlo(tp, m.tls)
		case "STARTTLS":
			_ = tp.PrintfLine("220 2.0.0 ready")
			tc := tls.Server(conn, s.tls)
			if tc.Handshake() != nil {
				return
			}
			conn, tp, m = tc, textproto.NewConn(tc), sinkMail{tls: true}
		case "AUTH":
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(arg, "PLAIN "))
			m.auth = string(raw)
			_ = tp.PrintfLine("235 2.7.0 ok")
		case "MAIL":
			m.from = strings.TrimPrefix(arg, "FROM:")
			_ = tp.PrintfLine("250 ok")
		case "RCPT":
			to := strings.TrimPrefix(arg, "TO:")
			if reply, ok := s.reject[strings.Trim(to, "<>")]; ok {
				_ = tp.PrintfLine("%s", reply)
				continue
			}
			m.to = append(m.to, to)
			_ = tp.PrintfLine("250 ok")
		case "DATA":
			_ = tp.PrintfLine("354 go ahead")
			if m.data, err = tp.ReadDotBytes(); err != nil {
				return
			}
			s.mu.Lock()
			s.mails = append(s.mails, m)
			s.mu.Unlock()
			_ = tp.PrintfLine("250 2.0.0 queued")
		case "RSET", "NOOP":
			_ = tp.PrintfLine("250 ok")
		case "QUIT":
			_ = tp.PrintfLine("221 bye")
			return
		default:
			_ = tp.PrintfLine("502 unknown command")
		}
	}
}

func (s *smtpSink) ehlo(tp *textproto.Conn, secure bool) {
	_ = tp.PrintfLine("250-sink")
	if s.tls != nil && !secure {
		_ = tp.PrintfLine("250-STARTTLS")
	}
	_ = tp.PrintfLine("250 AUTH PLAIN")
}

func newSMTP(t *testing.T, cfg notify.SMTPConfig) notify.Channel {
	t.Helper()
	ch, err := notify.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func mailMessage(to string) notify.Message {
	return notify.Message{
		Key: "remind24:b:42", Kind: culture.KindReminder24h,
		Title: "活动提醒：明天下午的书法体验课《兰亭序》临摹即将开始，请准时到馆签到参加", Body: "您预约的活动明天 14:00 开始。\n地点：总馆三楼。",
		Link: "https://wenyun.example/me/tickets/42", To: notify.Recipient{Name: "王阿姨", Email: to},
	}
}

func TestSMTPSendOK(t *testing.T) {
	sink := startSink(t, nil)
	ch := newSMTP(t, notify.SMTPConfig{
		Addr: sink.ln.Addr().String(), Username: "mailer", Password: "pw",
		From: "文云文化馆 <noreply@wenyun.example>", StartTLS: true, // plain: loopback without STARTTLS
	})
	m := mailMessage("wang@example.cn")
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	mails := sink.Mails()
	if len(mails) != 1 {
		t.Fatalf("sink got %d mails, want 1", len(mails))
	}
	got := mails[0]
	if got.from != "<noreply@wenyun.example>" || len(got.to) != 1 || got.to[0] != "<wang@example.cn>" || got.auth != "\x00mailer\x00pw" || got.helo != "wenyun.example" {
		t.Errorf("envelope from %q to %q auth %q helo %q", got.from, got.to, got.auth, got.helo)
	}
	checkMail(t, got.data, m)
	if ch.Name() != culture.ChannelEmail {
		t.Errorf("Name() = %q", ch.Name())
	}
}

// checkMail parses a captured message and checks its headers and body.
func checkMail(t *testing.T, data []byte, m notify.Message) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Title {
		t.Errorf("Subject = %q (%v), want %q", subject, err, m.Title)
	}
	if id := msg.Header.Get("Message-Id"); id != "<remind24=3Ab=3A42@wenyun>" {
		t.Errorf("Message-ID = %q", id)
	}
	to, err := msg.Header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != m.To.Name || to[0].Address != m.To.Email {
		t.Errorf("To = %v (%v)", to, err)
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || from[0].Name != "文云文化馆" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	media, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || media != "text/plain" || params["charset"] != "UTF-8" || msg.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Errorf("Content-Type %q, encoding %q", msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"王阿姨，您好", "14:00 开始。\r\n地点：总馆三楼。", m.Link} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
}

// testTLS returns a server certificate for 127.0.0.1 and a client
// configuration trusting it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	return srv.TLS, srv.Client().Transport.(*http.Transport).TLSClientConfig
}

func TestSMTPSendStartTLS(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	sink := startSink(t, serverTLS)
	ch := newSMTP(t, notify.SMTPConfig{
		Addr: sink.ln.Addr().String(), From: "noreply@wenyun.example", StartTLS: true, TLS: clientTLS,
	})
	if err := ch.Send(context.Background(), mailMessage("wang@example.cn")); err != nil {
		t.Fatal(err)
	}
	if mails := sink.Mails(); len(mails) != 1 || !mails[0].tls {
		t.Fatalf("mails = %+v, want one sent over TLS", mails)
	}
}

func TestSMTPSendStartTLSUntrustedRetry(t *testing.T) {
	serverTLS, _ := testTLS(t)
	sink := startSink(t, serverTLS)
	ch := newSMTP(t, notify.SMTPConfig{Addr: sink.ln.Addr().String(), From: "noreply@wenyun.example", StartTLS: true})
	err := ch.Send(context.Background(), mailMessage("wang@example.cn"))
	if err == nil || notify.IsPermanent(err) || len(sink.Mails()) != 0 {
		t.Fatalf("err = %v, mails %d; want a retryable error and nothing sent", err, len(sink.Mails()))
	}
}

func TestSMTPSendErrors(t *testing.T) {
	sink := startSink(t, nil)
	sink.reject["gone@example.cn"] = "550 5.1.1 no such user"
	sink.reject["full@example.cn"] = "452 4.2.2 mailbox full"
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	tests := []struct {
		name, addr, to string
		permanent      bool
	}{
		{"Reply5xxPermanent", sink.ln.Addr().String(), "gone@example.cn", true},
		{"Reply4xxRetry", sink.ln.Addr().String(), "full@example.cn", false},
		{"NetworkRetry", closed.Addr().String(), "wang@example.cn", false},
		{"BadAddressPermanent", sink.ln.Addr().String(), "not an address", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := newSMTP(t, notify.SMTPConfig{Addr: tt.addr, From: "noreply@wenyun.example"})
			err := ch.Send(context.Background(), mailMessage(tt.to))
			if err == nil || notify.IsPermanent(err) != tt.permanent {
				t.Fatalf("err = %v, permanent %v; want an error, permanent %v", err, notify.IsPermanent(err), tt.permanent)
			}
		})
	}
	if n := len(sink.Mails()); n != 0 {
		t.Errorf("sink accepted %d mails", n)
	}
}

func TestSMTPSendNoEmailPermanent(t *testing.T) {
	ch := newSMTP(t, notify.SMTPConfig{Addr: "127.0.0.1:1", From: "noreply@wenyun.example"})
	err := ch.Send(context.Background(), mailMessage(""))
	if !notify.IsPermanent(err) || !errors.Is(err, notify.ErrNoAddress) {
		t.Fatalf("err = %v, want permanent ErrNoAddress", err)
	}
}

// TestSMTPSendHeaderInjection: a title or name with line breaks must not
// add headers.
func TestSMTPSendHeaderInjection(t *testing.T) {
	sink := startSink(t, nil)
	ch := newSMTP(t, notify.SMTPConfig{Addr: sink.ln.Addr().String(), From: "noreply@wenyun.example"})
	m := mailMessage("wang@example.cn")
	m.Title = "公告\r\nBcc: victim@example.cn"
	m.To.Name = "王\nCc: victim@example.cn"
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(sink.Mails()[0].data))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Header.Get("Bcc") != "" || msg.Header.Get("Cc") != "" {
		t.Errorf("injected header: %v", msg.Header)
	}
}

func TestMessageID(t *testing.T) {
	tests := map[string]string{
		"remind24:b:42":  "<remind24=3Ab=3A42@wenyun>",
		"a=3Ab":          "<a=3D3Ab@wenyun>", // distinct from "a:b"
		"a:b":            "<a=3Ab@wenyun>",
		".x..y.":         "<=2Ex=2E=2Ey=2E@wenyun>",
		"ann:社群":         "<ann=3A=E7=A4=BE=E7=BE=A4@wenyun>",
		"delivery-7_ok~": "<delivery-7_ok~@wenyun>",
	}
	for key, want := range tests {
		if got := notify.MessageID(key); got != want {
			t.Errorf("MessageID(%q) = %q, want %q", key, got, want)
		}
	}
}
