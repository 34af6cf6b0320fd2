package main

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCommunityAnnouncement: a resident joins the 焦西 community;
// the branch admin posts an announcement to it; the resident's header shows
// one unread notification and the inbox lists the announcement. Community,
// inbox and console pages pass axe-core.
func TestBrowserCommunityAnnouncement(t *testing.T) {
	const phone, title = "13700137000", "国画班新学期报名通知"
	world := seedMenuWorld(t, phone)
	srv := startServe(t, world.db, "--log-format", "json")
	resident, branch := newBrowser(t), newBrowser(t)

	step(t, resident, "open the login page", chromedp.Navigate(srv.url+"/login"), chromedp.WaitVisible(chromedp.CSS("#login-phone")))
	signInResident(t, resident, srv, phone)
	community := fmt.Sprintf("%s/communities/%d", srv.url, world.branch.ID)
	step(t, resident, "the community", chromedp.Navigate(community),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/join"]`)))
	checkAxe(t, resident, "community")
	screenshot(t, resident, "community")
	step(t, resident, "join", chromedp.Click(chromedp.CSS(`form[action$="/join"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/leave"]`)))
	if n, err := chromedp.Run(resident, chromedp.Evaluate[int](`document.querySelectorAll("#unread-count").length`)); err != nil || n != 0 {
		t.Fatalf("unread badge before the announcement: %d (err %v), want none", n, err)
	}

	signInStaff(t, branch, srv, "jiaoxi", "jiaoxi-pass-1")
	step(t, branch, "console community", chromedp.Navigate(fmt.Sprintf("%s/console/communities/%d", srv.url, world.branch.ID)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/announcements"] [name=title]`)))
	waitText(t, branch, "main", "137****7000")
	checkAxe(t, branch, "console community")
	step(t, branch, "announce",
		chromedp.SetValue(chromedp.CSS(`form[action$="/announcements"] [name=title]`), title),
		chromedp.SetValue(chromedp.CSS(`form[action$="/announcements"] [name=body]`), "本周六上午九点起在二楼书画室报名，请带好身份证。"),
		chromedp.Click(chromedp.CSS(`form[action$="/announcements"] button[type=submit]`)))
	waitText(t, branch, ".flash", "已通知社群成员")

	step(t, resident, "home after the announcement", chromedp.Navigate(srv.url+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#unread-count[aria-label="1 条未读"]`)))
	step(t, resident, "inbox", chromedp.Click(chromedp.CSS("#nav-inbox")),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	waitText(t, resident, "main", title)
	checkAxe(t, resident, "inbox")
	screenshot(t, resident, "inbox")
}
