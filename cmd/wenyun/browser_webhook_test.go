package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wenyun/wenyun/internal/webhook/webhooktest"
)

// TestBrowserWebhooks: the hub admin adds a webhook in the console for
// booking confirmations, with the server's own address refused first;
// the new webhook's page shows its secret once. A resident's booking
// reaches the receiver, which verifies the signature with that secret;
// the log shows the delivery, and a resend adds an attempt. The list and
// the webhook's page pass axe-core.
func TestBrowserWebhooks(t *testing.T) {
	db := tempDB(t)
	w := seedHookWorld(t, openStore(t, db))
	rx := webhooktest.NewReceiver(t)
	srv := startServe(t, db, "--log-format", "json", "--webhook-allow-private", "--webhook-retry-delay", "100ms")
	b := newBrowser(t)
	signInStaff(t, b, srv, "hub", "hub-pass-1")
	add := func(url string) {
		t.Helper()
		step(t, b, "add a webhook for "+url, chromedp.Navigate(srv.url+"/console/webhooks"),
			chromedp.WaitVisible(chromedp.CSS(`form[action="/console/webhooks"] [name=url]`)),
			chromedp.SetValue(chromedp.CSS("#f-unit_id"), fmt.Sprint(w.hub)),
			chromedp.SetValue(chromedp.CSS(`form[action="/console/webhooks"] [name=url]`), url),
			chromedp.Click(chromedp.CSS(`input[name=events][value="booking.confirmed"]`)),
			chromedp.Click(chromedp.CSS(`form[action="/console/webhooks"] button[type=submit]`)))
	}
	add(srv.url + "/hooks")
	waitText(t, b, "main", "接收地址指向本系统自身")
	checkAxe(t, b, "webhooks with a refused form")

	add(rx.URL)
	waitText(t, b, ".flash", "已添加 Webhook")
	secret, err := chromedp.Run(b, chromedp.Evaluate[string](`document.querySelector("#webhook-secret").innerText.trim()`))
	if err != nil || !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret on the new webhook's page: %q (%v)", secret, err)
	}
	rx.SetSecret(secret)
	checkAxe(t, b, "new webhook")
	page, err := chromedp.Run(b, chromedp.Location())
	must(t, err)

	srv.hookCall(t, "POST", fmt.Sprintf("/api/v1/activities/%d/bookings", w.activity), w.resident, "", 201, nil)
	got := rx.WaitAccepted(t, 1, 30*time.Second)
	if got[0].VerifyErr != nil || got[0].Event != "booking.confirmed" {
		t.Fatalf("receiver got %+v", got[0])
	}
	reloadUntil(t, b, page, "已尝试 1 次") // the attempt is recorded just after the receiver answers
	if strings.Contains(pageText(t, b), secret) {
		t.Error("the secret shows on a later view")
	}
	checkAxe(t, b, "webhook log")
	screenshot(t, b, "webhook")

	step(t, b, "resend", chromedp.Click(chromedp.CSS(`form[action$="/resend"] button[type=submit]`)))
	waitText(t, b, ".flash", "已重新排队投递")
	rx.WaitAccepted(t, 2, 30*time.Second)
	reloadUntil(t, b, page, "第 1 次重发")
	checkAxe(t, b, "webhook log after a resend")
}

// reloadUntil loads page until its text shows text, for up to 20 s.
func reloadUntil(t *testing.T, b context.Context, page, text string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		step(t, b, "load "+page, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("main h1")))
		if strings.Contains(pageText(t, b), text) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed %q:\n%.1500s", page, text, pageText(t, b))
		}
		time.Sleep(200 * time.Millisecond)
	}
}
