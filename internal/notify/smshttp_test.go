package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/notify/notifytest"
)

// TestSMSSignature checks the signature against the two examples Aliyun
// publishes: SendSms (Dysmsapi docs) and DescribeRegions (RPC signature
// docs). Both are GET; POST differs only in the first word signed.
func TestSMSSignature(t *testing.T) {
	sendSms := url.Values{
		"AccessKeyId": {"testId"}, "Action": {"SendSms"}, "Format": {"XML"}, "OutId": {"123"},
		"PhoneNumbers": {"15300000001"}, "RegionId": {"cn-hangzhou"}, "SignName": {"阿里云短信测试专用"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"45e25e9b-0a6f-4070-8c85-2956eda1b466"},
		"SignatureVersion": {"1.0"}, "TemplateCode": {"SMS_71390007"}, "TemplateParam": {`{"customer":"test"}`},
		"Timestamp": {"2017-07-12T02:42:19Z"}, "Version": {"2017-05-25"},
	}
	if got, want := notify.SMSSignature(http.MethodGet, "testSecret", sendSms), "zJDF+Lrzhj/ThnlvIToysFRq6t4="; got != want {
		t.Errorf("SendSms example: got %s, want %s", got, want)
	}
	regions := url.Values{
		"AccessKeyId": {"testid"}, "Action": {"DescribeRegions"}, "Format": {"XML"},
		"SignatureMethod": {"HMAC-SHA1"}, "SignatureNonce": {"3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"},
		"SignatureVersion": {"1.0"}, "Timestamp": {"2016-02-23T12:46:24Z"}, "Version": {"2014-05-26"},
	}
	if got, want := notify.SMSSignature(http.MethodGet, "testsecret", regions), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("DescribeRegions example: got %s, want %s", got, want)
	}
	if notify.SMSSignature(http.MethodPost, "testsecret", regions) == notify.SMSSignature(http.MethodGet, "testsecret", regions) {
		t.Error("the method is not signed")
	}
}

func newSMS(t *testing.T, cfg notify.SMSConfig) notify.Channel {
	t.Helper()
	ch, err := notify.NewSMS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func smsMessage(phone string) notify.Message {
	return notify.Message{
		Key: "remind24:b:42", Kind: culture.KindReminder24h,
		Title: "活动提醒：" + strings.Repeat("书法", 30), Body: "您预约的活动明天 14:00 开始。",
		Link: "https://wenyun.example/me/tickets/42", To: notify.Recipient{Name: "王阿姨", Phone: phone},
	}
}

func TestSMSSendOK(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	ch := newSMS(t, gw.Config())
	m := smsMessage("13800000001")
	for range 2 { // a retry carries the same OutId
		if err := ch.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	reqs := gw.Requests()
	if len(reqs) != 2 {
		t.Fatalf("gateway got %d requests, want 2", len(reqs))
	}
	for _, r := range reqs {
		checkSMSRequest(t, r, m)
	}
	if reqs[0].Get("SignatureNonce") == reqs[1].Get("SignatureNonce") {
		t.Error("nonce reused")
	}
	if ch.Name() != culture.ChannelSMS {
		t.Errorf("Name() = %q", ch.Name())
	}
}

func checkSMSRequest(t *testing.T, r url.Values, m notify.Message) {
	t.Helper()
	want := map[string]string{
		"OutId": m.Key, "PhoneNumbers": m.To.Phone, "TemplateCode": "SMS_NOTIFY",
		"SignName": "文云文化馆", "AccessKeyId": "LTAI-test",
	}
	for k, v := range want {
		if r.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, r.Get(k), v)
		}
	}
	var params map[string]string
	if err := json.Unmarshal([]byte(r.Get("TemplateParam")), &params); err != nil {
		t.Fatal(err)
	}
	wantParams := map[string]string{
		"title": string([]rune(m.Title)[:notify.SMSParamRunes-1]) + "…", "body": m.Body, "link": m.Link,
	}
	if diff := cmp.Diff(wantParams, params); diff != "" {
		t.Errorf("TemplateParam (-want +got):\n%s", diff)
	}
	if strings.Contains(r.Encode(), "test-secret") {
		t.Error("the secret was sent")
	}
}

func TestSMSSendErrors(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	replies := map[string]struct {
		status int
		code   string
	}{
		"13800000002": {200, "isv.BUSINESS_LIMIT_CONTROL"},
		"13800000003": {200, "isv.MOBILE_NUMBER_ILLEGAL"},
		"13800000004": {503, ""},
		"13800000005": {400, ""},
		"13800000006": {429, ""},
		"13800000007": {200, "isv.SMS_TEMPLATE_ILLEGAL"},
		"13800000008": {notifytest.Hang, ""},
	}
	gw.Reply = func(phone string) (int, string) { return replies[phone].status, replies[phone].code }
	cfg := gw.Config()
	cfg.Client = &http.Client{Timeout: 200 * time.Millisecond}
	ch := newSMS(t, cfg)
	tests := []struct {
		name, phone string
		permanent   bool
	}{
		{"ThrottledRetry", "13800000002", false},
		{"BadMobilePermanent", "13800000003", true},
		{"HTTP5xxRetry", "13800000004", false},
		{"HTTP4xxPermanent", "13800000005", true},
		{"HTTP429Retry", "13800000006", false},
		{"BadTemplatePermanent", "13800000007", true},
		{"TimeoutRetry", "13800000008", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ch.Send(context.Background(), smsMessage(tt.phone))
			if err == nil || notify.IsPermanent(err) != tt.permanent {
				t.Fatalf("err = %v, permanent %v; want an error, permanent %v", err, notify.IsPermanent(err), tt.permanent)
			}
		})
	}
}

func TestSMSSendWrongSecretPermanent(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	cfg := gw.Config()
	cfg.KeySecret = "not-the-secret"
	err := newSMS(t, cfg).Send(context.Background(), smsMessage("13800000001"))
	var se *notify.SMSError
	if !errors.As(err, &se) || se.Code != "SignatureDoesNotMatch" || !notify.IsPermanent(err) {
		t.Fatalf("err = %v, want permanent SignatureDoesNotMatch", err)
	}
}

func TestSMSSendNoPhonePermanent(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	err := newSMS(t, gw.Config()).Send(context.Background(), smsMessage(""))
	if !notify.IsPermanent(err) || !errors.Is(err, notify.ErrNoAddress) {
		t.Fatalf("err = %v, want permanent ErrNoAddress", err)
	}
	if n := len(gw.Requests()); n != 0 {
		t.Errorf("gateway got %d requests", n)
	}
}

func TestNewSMSInvalidConfig(t *testing.T) {
	good := notify.SMSConfig{Endpoint: "https://sms.example/", KeyID: "k", KeySecret: "s", SignName: "文云", TemplateCode: "SMS_1"}
	bad := map[string]func(*notify.SMSConfig){
		"NoTemplate": func(c *notify.SMSConfig) { c.TemplateCode = "" },
		"NoSecret":   func(c *notify.SMSConfig) { c.KeySecret = "" },
		"BadURL":     func(c *notify.SMSConfig) { c.Endpoint = "sms.example" },
	}
	if _, err := notify.NewSMS(good); err != nil {
		t.Fatalf("good config: %v", err)
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		if _, err := notify.NewSMS(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
