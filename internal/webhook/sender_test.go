package webhook_test

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/webhook"
	"github.com/wenyun/wenyun/internal/webhook/webhooktest"
)

// privateSender sends to test servers on 127.0.0.1.
func privateSender(t *testing.T, timeout time.Duration) *webhook.Sender {
	t.Helper()
	return webhook.NewSender(webhook.NewGuard(true), timeout)
}

func message(url string) webhook.Message {
	return webhook.Message{URL: url, Secret: secret, Event: "booking.confirmed", DeliveryID: 42, Body: body}
}

// TestSenderSigns: the receiver verifies the request with the secret and
// sees the event, the delivery id and the JSON content type.
func TestSenderSigns(t *testing.T) {
	r := webhooktest.NewReceiver(t)
	r.SetSecret(secret)
	res := privateSender(t, 0).Send(t.Context(), message(r.URL))
	if res.Err != nil || res.StatusCode != http.StatusNoContent || res.Permanent {
		t.Fatalf("Send = %+v", res)
	}
	got := r.Requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests", len(got))
	}
	q := got[0]
	if q.VerifyErr != nil || q.Event != "booking.confirmed" || q.Delivery != "42" || q.ContentType != "application/json" || string(q.Body) != string(body) {
		t.Errorf("receiver got %+v", q)
	}
}

// TestSenderWrongSecret: signed with another secret, the receiver's
// verification fails and so does the attempt.
func TestSenderWrongSecret(t *testing.T) {
	r := webhooktest.NewReceiver(t)
	r.SetSecret("whsec_receivers-own")
	res := privateSender(t, 0).Send(t.Context(), message(r.URL))
	if res.StatusCode != http.StatusUnauthorized || res.Err == nil || !strings.Contains(res.Err.Error(), "HTTP 401") {
		t.Errorf("Send = %+v, want a 401 failure", res)
	}
	if q := r.Requests(); len(q) != 1 || q[0].VerifyErr == nil {
		t.Errorf("receiver verified a request signed with another secret: %+v", q)
	}
}

func TestSenderFailures(t *testing.T) {
	var redirected atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { redirected.Add(1) }))
	defer target.Close()
	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-hang }))
	defer slow.Close()
	defer close(hang)
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code == http.StatusFound {
				http.Redirect(w, r, target.URL, code)
				return
			}
			w.WriteHeader(code)
		}))
		t.Cleanup(srv.Close)
		return srv.URL
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	s := privateSender(t, 300*time.Millisecond)
	for _, tc := range []struct {
		name, url, want string
		code            int
		permanent       bool
	}{
		{"Err500", status(500), "接收方返回 HTTP 500", 500, false},
		{"Err404", status(404), "接收方返回 HTTP 404", 404, false},
		{"ErrRedirectNotFollowed", status(http.StatusFound), "重定向不会被跟随", 302, false},
		{"ErrTimeout", slow.URL, "请求超时", 0, false},
		{"ErrRefused", closed.URL, "连接被拒绝", 0, false},
		{"ErrNotAllowed", "ftp://example.com/", "接收地址不再允许", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Send(t.Context(), message(tc.url))
			if res.Err == nil || !strings.Contains(res.Err.Error(), tc.want) || res.StatusCode != tc.code || res.Permanent != tc.permanent {
				t.Errorf("Send = %+v (err %v), want %q, status %d, permanent %t", res, res.Err, tc.want, tc.code, tc.permanent)
			}
		})
	}
	if n := redirected.Load(); n != 0 {
		t.Errorf("the redirect was followed %d times", n)
	}
}

// TestSenderRefusesItself: a receiver at the server's own listen address
// is refused before any request, even with private addresses allowed.
func TestSenderRefusesItself(t *testing.T) {
	r := webhooktest.NewReceiver(t)
	r.SetSecret(secret)
	g := webhook.NewGuard(true)
	if err := g.AddListener(strings.TrimSuffix(strings.TrimPrefix(r.URL, "http://"), "/hook")); err != nil {
		t.Fatal(err)
	}
	res := webhook.NewSender(g, 0).Send(context.Background(), message(r.URL))
	if res.Err == nil || !res.Permanent || !strings.Contains(res.Err.Error(), "本系统自身") {
		t.Errorf("Send = %+v, want a permanent refusal", res)
	}
	if n := len(r.Requests()); n != 0 {
		t.Errorf("the server itself got %d requests", n)
	}
}

// TestSenderErrorsHideURL: whatever goes wrong, the error kept in the
// attempt log is Chinese and does not quote the URL, whose query holds the
// receiver's access token here; Cause, for the operator's log, does not
// either.
func TestSenderErrorsHideURL(t *testing.T) {
	closing := hangUp(t)
	refused := httptest.NewServer(http.NotFoundHandler())
	refused.Close()
	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake fails, as it should
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	const token = "?access_token=SECRET-TOKEN"
	s := privateSender(t, 2*time.Second)
	words := regexp.MustCompile(`[A-Za-z]{2,}`)
	for _, tc := range []struct{ name, url, want string }{
		{"ErrEOF", closing + "/hook" + token, "没有返回响应就关闭了连接"},
		{"ErrRefused", refused.URL + "/hook" + token, "连接被拒绝"},
		{"ErrUnknownCA", tlsSrv.URL + "/hook" + token, "证书不是受信任的机构签发的"},
		{"ErrPlainHTTP", "https" + strings.TrimPrefix(plain.URL, "http") + "/hook" + token, "不是 HTTPS"},
		{"ErrDNS", "http://receiver.invalid/hook" + token, "域名解析"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.Send(t.Context(), message(tc.url))
			if res.Err == nil || !strings.Contains(res.Err.Error(), tc.want) {
				t.Fatalf("Send = %+v (err %v), want %q", res, res.Err, tc.want)
			}
			msg := strings.ReplaceAll(res.Err.Error(), "receiver.invalid", "")
			for _, w := range words.FindAllString(msg, -1) {
				if w != "TLS" && w != "HTTP" && w != "HTTPS" {
					t.Errorf("error %q has the English word %q", res.Err, w)
				}
			}
			for _, e := range []error{res.Err, res.Cause} {
				if e != nil && (strings.Contains(e.Error(), "SECRET") || strings.Contains(e.Error(), "/hook")) {
					t.Errorf("error %q quotes the URL", e)
				}
			}
		})
	}
}

// hangUp starts a server that reads a request and closes the connection
// without answering; it returns its base URL.
func hangUp(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				http.ReadRequest(bufio.NewReader(c)) //nolint:errcheck // hanging up whatever came
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}
