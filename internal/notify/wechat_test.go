package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
)

// wxMessage is the template message body the WeChat API takes.
type wxMessage struct {
	ToUser      string `json:"touser"`
	TemplateID  string `json:"template_id"`
	URL         string `json:"url"`
	ClientMsgID string `json:"client_msg_id"`
	Data        map[string]struct {
		Value string `json:"value"`
	} `json:"data"`
}

// wxFake is a fake WeChat API: it issues access tokens, can expire the one
// in use (errcode 40001), and records accepted template messages.
type wxFake struct {
	*httptest.Server
	expiresIn int
	reply     map[string]int // openid → errcode for accepted tokens

	mu         sync.Mutex
	tokens     map[string]bool
	fetches    int
	sends      int  // template requests, accepted or not
	expireNext bool // revoke the token of the next send
	rejectAll  bool // reject every token
	msgs       []wxMessage
}

func newWxFake(t *testing.T) *wxFake {
	f := &wxFake{expiresIn: 7200, reply: map[string]int{}, tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /cgi-bin/token", f.token)
	mux.HandleFunc("POST /cgi-bin/message/template/send", f.send)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func (f *wxFake) token(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("grant_type") != "client_credential" || q.Get("appid") != "wx-app" || q.Get("secret") != "wx-secret" {
		writeJSON(w, map[string]any{"errcode": 40125, "errmsg": "invalid appsecret"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches++
	tok := fmt.Sprintf("tok-%d", f.fetches)
	f.tokens[tok] = true
	writeJSON(w, map[string]any{"access_token": tok, "expires_in": f.expiresIn})
}

func (f *wxFake) send(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sends++
	tok := r.URL.Query().Get("access_token")
	if f.expireNext {
		f.expireNext = false
		delete(f.tokens, tok)
	}
	if !f.tokens[tok] || f.rejectAll {
		writeJSON(w, map[string]any{"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"})
		return
	}
	var m wxMessage
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		writeJSON(w, map[string]any{"errcode": 47001, "errmsg": "data format error"})
		return
	}
	code := f.reply[m.ToUser]
	if code == 0 {
		f.msgs = append(f.msgs, m)
	}
	writeJSON(w, map[string]any{"errcode": code, "errmsg": "fake"})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// counts returns token fetches, template requests and accepted messages.
func (f *wxFake) counts() (fetches, sends int, msgs []wxMessage) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches, f.sends, append([]wxMessage(nil), f.msgs...)
}

func newWeChat(t *testing.T, f *wxFake) notify.Channel {
	t.Helper()
	ch, err := notify.NewWeChat(notify.WeChatConfig{
		BaseURL: f.URL, AppID: "wx-app", Secret: "wx-secret", TemplateID: "TPL-1", Client: f.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func wechatMessage(openID string) notify.Message {
	return notify.Message{
		Key: "remind2h:b:42", Kind: culture.KindReminder2h, Title: "书法体验课即将开始",
		Body: "14:00 在总馆三楼，请提前到场。", Link: "https://wenyun.example/me/tickets/42",
		To: notify.Recipient{WeChatID: openID},
	}
}

func TestWeChatSendOK(t *testing.T) {
	f := newWxFake(t)
	ch := newWeChat(t, f)
	m := wechatMessage("oUser_0123456789")
	for range 2 {
		if err := ch.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	fetches, _, msgs := f.counts()
	if fetches != 1 || len(msgs) != 2 {
		t.Fatalf("fetches %d, messages %d; want the token fetched once for 2 messages", fetches, len(msgs))
	}
	got := msgs[0]
	want := map[string]string{"first": m.Title, "keyword1": culture.KindLabels[m.Kind], "remark": m.Body}
	gotData := map[string]string{}
	for k, v := range got.Data {
		gotData[k] = v.Value
	}
	if diff := cmp.Diff(want, gotData); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if got.ToUser != m.To.WeChatID || got.TemplateID != "TPL-1" || got.URL != m.Link || got.ClientMsgID != m.Key {
		t.Errorf("message = %+v", got)
	}
	if ch.Name() != culture.ChannelWeChat {
		t.Errorf("Name() = %q", ch.Name())
	}
}

func TestWeChatSendRefreshesRevokedToken(t *testing.T) {
	f := newWxFake(t)
	ch := newWeChat(t, f)
	m := wechatMessage("oUser_0123456789")
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.expireNext = true
	f.mu.Unlock()
	if err := ch.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	fetches, sends, msgs := f.counts()
	if fetches != 2 || sends != 3 || len(msgs) != 2 {
		t.Fatalf("fetches %d, requests %d, accepted %d; want 2, 3, 2", fetches, sends, len(msgs))
	}
	if msgs[1].ClientMsgID != m.Key {
		t.Errorf("client_msg_id after refresh = %q", msgs[1].ClientMsgID)
	}
}

// TestWeChatSendTokenRejectedTwiceRetry: a refreshed token that is
// rejected too is not refreshed again in the same send.
func TestWeChatSendTokenRejectedTwiceRetry(t *testing.T) {
	f := newWxFake(t)
	f.rejectAll = true
	ch := newWeChat(t, f)
	err := ch.Send(context.Background(), wechatMessage("oUser_0123456789"))
	var we *notify.WeChatError
	if !errors.As(err, &we) || we.Code != 40001 || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want retryable 40001", err)
	}
	if fetches, sends, _ := f.counts(); fetches != 2 || sends != 2 {
		t.Errorf("fetches %d, requests %d; want 2 and 2", fetches, sends)
	}
}

func TestWeChatSendErrors(t *testing.T) {
	f := newWxFake(t)
	f.reply["oNotSubscribed01"] = 43004
	f.reply["oInvalidOpenID01"] = 40003
	f.reply["oSystemBusy00001"] = -1
	f.reply["oRateLimited0001"] = 45009
	ch := newWeChat(t, f)
	tests := []struct {
		name, openID string
		permanent    bool
	}{
		{"NotSubscribedPermanent", "oNotSubscribed01", true},
		{"InvalidOpenIDPermanent", "oInvalidOpenID01", true},
		{"SystemBusyRetry", "oSystemBusy00001", false},
		{"RateLimitRetry", "oRateLimited0001", false},
		{"NoOpenIDPermanent", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ch.Send(context.Background(), wechatMessage(tt.openID))
			if err == nil || notify.IsPermanent(err) != tt.permanent {
				t.Fatalf("err = %v, permanent %v; want an error, permanent %v", err, notify.IsPermanent(err), tt.permanent)
			}
			if tt.openID == "" && !errors.Is(err, notify.ErrNoAddress) {
				t.Errorf("err = %v, want ErrNoAddress", err)
			}
		})
	}
	if _, _, msgs := f.counts(); len(msgs) != 0 {
		t.Errorf("%d messages accepted", len(msgs))
	}
}

func TestWeChatSendHTTPErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		permanent bool
	}{
		{"HTTP5xxRetry", http.StatusBadGateway, false},
		{"HTTP429Retry", http.StatusTooManyRequests, false},
		{"HTTP4xxPermanent", http.StatusForbidden, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
			}))
			defer srv.Close()
			ch, err := notify.NewWeChat(notify.WeChatConfig{BaseURL: srv.URL, AppID: "a", Secret: "s", TemplateID: "t"})
			if err != nil {
				t.Fatal(err)
			}
			err = ch.Send(context.Background(), wechatMessage("oUser_0123456789"))
			if err == nil || notify.IsPermanent(err) != tt.permanent {
				t.Fatalf("err = %v, permanent %v; want permanent %v", err, notify.IsPermanent(err), tt.permanent)
			}
		})
	}
}

func TestWeChatSendBadSecretRetry(t *testing.T) {
	f := newWxFake(t)
	ch, err := notify.NewWeChat(notify.WeChatConfig{BaseURL: f.URL, AppID: "wx-app", Secret: "wrong", TemplateID: "TPL-1"})
	if err != nil {
		t.Fatal(err)
	}
	err = ch.Send(context.Background(), wechatMessage("oUser_0123456789"))
	var we *notify.WeChatError
	if !errors.As(err, &we) || we.Code != 40125 || notify.IsPermanent(err) {
		t.Fatalf("err = %v, want retryable 40125 (an operator can fix the secret)", err)
	}
}

// TestWeChatSendTokenExpiry: a token is not used past its expiry, here
// (expires_in 0) not even for the next send.
func TestWeChatSendTokenExpiry(t *testing.T) {
	f := newWxFake(t)
	f.expiresIn = 0
	ch := newWeChat(t, f)
	for range 2 {
		if err := ch.Send(context.Background(), wechatMessage("oUser_0123456789")); err != nil {
			t.Fatal(err)
		}
	}
	if fetches, _, _ := f.counts(); fetches != 2 {
		t.Errorf("fetches %d, want 2", fetches)
	}
}
