// Package notifytest has fakes for tests of code that sends notifications:
// a recording Channel, and an SMS gateway server that checks signatures
// like the real one.
package notifytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/notify"
)

// Channel is a fake notify.Channel that records what it is asked to send.
// Err, if set, decides each send's error (use notify.Permanent for a
// permanent one); a failed send is recorded too.
type Channel struct {
	ChannelName string
	Err         func(m notify.Message) error

	mu   sync.Mutex
	sent []notify.Message
}

// Name returns ChannelName.
func (c *Channel) Name() string { return c.ChannelName }

// Send records m and returns Err(m).
func (c *Channel) Send(_ context.Context, m notify.Message) error {
	c.mu.Lock()
	c.sent = append(c.sent, m)
	c.mu.Unlock()
	if c.Err != nil {
		return c.Err(m)
	}
	return nil
}

// Sent returns the messages sent so far, in order.
func (c *Channel) Sent() []notify.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]notify.Message(nil), c.sent...)
}

// Hang as a Reply status makes the SMS server answer only when the client
// gives up: a gateway timeout.
const Hang = -1

// SMSServer is a fake SendSms gateway. It checks the request the way the
// real one does (action, signature, replayed nonce) and records every
// request it accepts.
type SMSServer struct {
	*httptest.Server
	KeyID, Secret string
	// Reply answers a well-signed request for phone; nil answers 200 "OK".
	Reply func(phone string) (status int, code string)

	mu        sync.Mutex
	requests  []url.Values
	nonces    map[string]bool
	delivered []url.Values    // what reached a phone
	outIDs    map[string]bool // OutIds delivered: a repeat is accepted, not delivered again
}

// NewSMSServer starts a fake gateway, closed when the test ends.
func NewSMSServer(tb testing.TB) *SMSServer {
	tb.Helper()
	s := &SMSServer{KeyID: "LTAI-test", Secret: "test-secret", nonces: map[string]bool{}, outIDs: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Config returns a gateway configuration pointing at s, with the
// templates SMS_NOTIFY (notifications) and SMS_CODE (sign-in codes).
func (s *SMSServer) Config() notify.SMSConfig {
	return notify.SMSConfig{
		Endpoint: s.URL + "/", KeyID: s.KeyID, KeySecret: s.Secret, SignName: "文云文化馆",
		TemplateCode: "SMS_NOTIFY", CodeTemplate: "SMS_CODE", Client: s.Client(),
	}
}

// Requests returns the form of every well-signed request, in order.
func (s *SMSServer) Requests() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.requests...)
}

func (s *SMSServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	form := r.PostForm
	if code := s.check(form); code != "" {
		answer(w, http.StatusBadRequest, code)
		return
	}
	status, code := http.StatusOK, "OK"
	if s.Reply != nil {
		status, code = s.Reply(form.Get("PhoneNumbers"))
	}
	if status == Hang {
		<-r.Context().Done()
		return
	}
	answer(w, status, code)
}

// check returns the gateway's error code for a bad request, or "".
func (s *SMSServer) check(form url.Values) string {
	signed := url.Values{}
	for k, v := range form {
		if k != "Signature" {
			signed[k] = v
		}
	}
	switch {
	case form.Get("Action") != "SendSms" || form.Get("SignatureMethod") != "HMAC-SHA1":
		return "InvalidParameter"
	case form.Get("AccessKeyId") != s.KeyID:
		return "InvalidAccessKeyId.NotFound"
	case form.Get("Signature") != notify.SMSSignature(http.MethodPost, s.Secret, signed):
		return "SignatureDoesNotMatch"
	}
	if _, err := time.Parse("2006-01-02T15:04:05Z", form.Get("Timestamp")); err != nil {
		return "InvalidTimeStamp.Format"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.nonces[form.Get("SignatureNonce")] {
		return "SignatureNonceUsed"
	}
	s.nonces[form.Get("SignatureNonce")] = true
	s.requests = append(s.requests, form)
	if id := form.Get("OutId"); id == "" || !s.outIDs[id] {
		s.outIDs[id] = id != ""
		s.delivered = append(s.delivered, form)
	}
	return ""
}

// Delivered returns the messages that reached a phone: like the real
// gateway, a request repeating a delivered OutId is accepted but not
// delivered again.
func (s *SMSServer) Delivered() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]url.Values(nil), s.delivered...)
}

// answer writes the gateway's JSON answer; an empty code writes no body.
func answer(w http.ResponseWriter, status int, code string) {
	if code == "" {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"Code": code, "Message": fmt.Sprintf("fake gateway: %s", code), "BizId": "900619746936498440^0", "RequestId": "F655A8D5",
	})
}
