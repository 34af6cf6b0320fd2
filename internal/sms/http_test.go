package sms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/notify/notifytest"
	"github.com/wenyun/wenyun/internal/sms"
)

func TestHTTPSendCode(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	var sender sms.Sender
	sender, err := sms.NewHTTP(gw.Config())
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.SendCode(context.Background(), "13800000001", "482913"); err != nil {
		t.Fatal(err)
	}
	reqs := gw.Requests()
	if len(reqs) != 1 {
		t.Fatalf("gateway got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Get("TemplateCode") != "SMS_CODE" || r.Get("TemplateParam") != `{"code":"482913"}` || r.Get("PhoneNumbers") != "13800000001" {
		t.Errorf("request = %v", r)
	}
	if r.Has("OutId") {
		t.Errorf("OutId = %q, want none", r.Get("OutId"))
	}
}

func TestHTTPSendCodeBadMobilePermanent(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	gw.Reply = func(string) (int, string) { return 200, "isv.MOBILE_NUMBER_ILLEGAL" }
	sender, err := sms.NewHTTP(gw.Config())
	if err != nil {
		t.Fatal(err)
	}
	err = sender.SendCode(context.Background(), "1380000", "482913")
	var se *notify.SMSError
	if !errors.As(err, &se) || se.Code != "isv.MOBILE_NUMBER_ILLEGAL" || !notify.IsPermanent(err) {
		t.Fatalf("err = %v", err)
	}
}

func TestNewHTTPNeedsCodeTemplate(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	cfg := gw.Config()
	cfg.CodeTemplate = ""
	if _, err := sms.NewHTTP(cfg); err == nil {
		t.Fatal("no error without a code template")
	}
}
