package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/ical"
)

// fetchFeed GETs a feed address with Go's client; it returns the status
// and, for a 200, the calendar parsed by the strict parser.
func fetchFeed(t *testing.T, url string) (int, *ical.Component) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, nil
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	cal, err := ical.Parse(body)
	if err != nil {
		t.Fatalf("GET %s: %v\n%s", url, err, body)
	}
	return res.StatusCode, cal
}

// acceptDialogs accepts every JavaScript dialog (the reset form's
// confirm) of the tab and sends each message on the channel.
func acceptDialogs(ctx context.Context) <-chan string {
	msgs := make(chan string, 4)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			msgs <- ev.Message
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true}) //nolint:errcheck // a failure shows as the page never moving on
		}
	}()
	return msgs
}

// TestBrowserCalendarFeed: a resident with a booking for herself and her
// child signs in, opens /me/calendar (axe-core, 320 px), fetches the feed
// at the address the page shows and parses it strictly, resets the
// address through the confirm dialog, and finds the old address gone and
// the new one serving the same events.
func TestBrowserCalendarFeed(t *testing.T) {
	const phone = "13600136000"
	world := seedBrowserWorld(t)
	ctx := context.Background()
	s := openStore(t, world.db)
	resident, err := s.FindOrCreateResident(ctx, phone)
	must(t, err)
	child := &culture.FamilyMember{AccountID: resident.ID, Name: "张小乐", Relation: "子女", BirthYear: 2017}
	must(t, s.CreateFamilyMember(ctx, child))
	booking, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: world.activity.ID, AccountID: resident.ID,
		Self: true, FamilyIDs: []int64{child.ID}, IdempotencyKey: "browser-feed"})
	must(t, err)
	srv := startServe(t, world.db, "--log-format", "json")
	b := newBrowser(t)

	step(t, b, "open the login page", chromedp.Navigate(srv.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#login-phone")))
	signInResident(t, b, srv, phone)
	step(t, b, "my tickets links the calendar", chromedp.Navigate(srv.url+"/me/tickets"),
		chromedp.Click(chromedp.CSS(`main a[href="/me/calendar"]`)), chromedp.WaitVisible(chromedp.CSS("#cal-url")))
	checkAxe(t, b, "calendar")
	screenshot(t, b, "calendar")
	step(t, b, "320 px", chromedp.EmulateViewport(320, 640))
	if w, err := chromedp.Run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 320 {
		t.Errorf("/me/calendar is %d px wide at 320 px (err %v)", w, err)
	}
	step(t, b, "back to 375 px", chromedp.EmulateViewport(375, 812))

	first, err := chromedp.Run(b, chromedp.Value(chromedp.CSS("#cal-url")))
	must(t, err)
	if !strings.HasPrefix(first, srv.url+"/ical/me/") {
		t.Fatalf("the page shows %q", first)
	}
	webcal, err := chromedp.Run(b, chromedp.AttributeValue(chromedp.CSS("#cal-webcal"), "href"))
	must(t, err)
	if want := "webcal://" + strings.TrimPrefix(first, "http://"); webcal.Value != want {
		t.Errorf("webcal link %q, want %q", webcal.Value, want)
	}
	uid := fmt.Sprintf("booking-%d@127.0.0.1", booking.ID)
	status, cal := fetchFeed(t, first)
	if status != http.StatusOK || len(cal.Events()) != 1 || cal.Events()[0].Text("UID") != uid {
		t.Fatalf("feed: status %d, calendar %+v, want one event %s", status, cal, uid)
	}
	if desc := cal.Events()[0].Text("DESCRIPTION"); !strings.Contains(desc, "张小乐") {
		t.Errorf("the family booking's description lacks the child:\n%s", desc)
	}

	dialogs := acceptDialogs(b)
	step(t, b, "reset", chromedp.Click(chromedp.CSS(`form[action="/me/calendar/reset"] button[type=submit]`)))
	select {
	case msg := <-dialogs:
		if !strings.Contains(msg, "旧地址会立即失效") {
			t.Errorf("confirm said %q", msg)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no confirm dialog before the reset")
	}
	waitText(t, b, ".flash", "订阅地址已重置")
	checkAxe(t, b, "calendar after reset")
	second, err := chromedp.Run(b, chromedp.Value(chromedp.CSS("#cal-url")))
	must(t, err)
	if second == first || !strings.HasPrefix(second, srv.url+"/ical/me/") {
		t.Fatalf("after the reset the page shows %q (before %q)", second, first)
	}
	if status, _ := fetchFeed(t, first); status != http.StatusNotFound {
		t.Errorf("old address after the reset: status %d, want 404", status)
	}
	status, cal = fetchFeed(t, second)
	if status != http.StatusOK || len(cal.Events()) != 1 || cal.Events()[0].Text("UID") != uid {
		t.Errorf("new address: status %d, want the same event %s", status, uid)
	}
}
