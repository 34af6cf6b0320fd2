package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// newInboxServer is the test server with the store's notification service.
func newInboxServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t)
	ts.Server.Notifications = ts.Store
	return ts
}

// inboxNote is a notification inserted with raw SQL, as the store's event
// code would have stored it.
type inboxNote struct {
	acct              *culture.Account
	kind, title, body string
	link              string
	at                time.Time
	read              bool
}

// notify stores n and returns its id.
func (ts *testServer) notify(t testing.TB, n inboxNote) int64 {
	t.Helper()
	if n.at.IsZero() {
		n.at = time.Now()
	}
	var readAt any
	if n.read {
		readAt = n.at.Unix()
	}
	var id int64
	err := ts.Store.DB().QueryRow(`INSERT INTO notifications (account_id, kind, title, body, link, key, created_at, read_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, n.acct.ID, n.kind, n.title, n.body, n.link,
		fmt.Sprintf("test:%s:%d", n.title, n.at.UnixNano()), n.at.Unix(), readAt).Scan(&id)
	if err != nil {
		t.Fatalf("insert notification %q: %v", n.title, err)
	}
	return id
}

var badgeRE = regexp.MustCompile(`<span class="badge" id="unread-count"[^>]*>(\d+)</span>`)

// badge returns the header's unread count as shown, "" without a badge.
func badge(body string) string {
	if m := badgeRE.FindStringSubmatch(body); m != nil {
		return m[1]
	}
	return ""
}

// unreadOf reads an account's unread count from the store.
func (ts *testServer) unreadOf(t testing.TB, acct *culture.Account) int {
	t.Helper()
	n, err := ts.Store.UnreadCount(context.Background(), acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInboxSignedOut(t *testing.T) {
	ts := newInboxServer(t)
	ts.run(t, []scenario{
		{name: "ErrInbox", url: "/me/inbox?page=2", want: http.StatusSeeOther, location: "/login?next=" + url.QueryEscape("/me/inbox?page=2")},
		{name: "ErrPrefs", url: "/me/notifications", want: http.StatusSeeOther, location: "/login?next=%2Fme%2Fnotifications"},
		{name: "ErrRead", method: http.MethodPost, url: "/me/inbox/1/read", want: http.StatusSeeOther, location: "/login?next=%2Fme%2Finbox"},
		{name: "ErrReadAll", method: http.MethodPost, url: "/me/inbox/read-all", want: http.StatusSeeOther, location: "/login?next=%2Fme%2Finbox"},
		{name: "ErrPrefsPost", method: http.MethodPost, url: "/me/notifications", form: url.Values{"channel": {"sms"}},
			want: http.StatusSeeOther, location: "/login?next=%2Fme%2Fnotifications"},
	})
}

// TestInboxNoService: without the notification service the pages are not
// there, and the header shows no badge.
func TestInboxNoService(t *testing.T) {
	ts := newTestServer(t)
	ts.run(t, []scenario{
		{name: "ErrInbox", url: "/me/inbox", as: ts.Resident, want: http.StatusNotFound, not: []string{`id="unread-count"`}},
		{name: "ErrPrefs", url: "/me/notifications", as: ts.Resident, want: http.StatusNotFound},
	})
}

func TestInboxList(t *testing.T) {
	ts := newInboxServer(t)
	at := time.Date(2025, 11, 5, 2, 30, 0, 0, time.UTC) // 10:30 in Jiaozuo
	ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindBookingConfirmed, title: "预约成功：少儿书法启蒙班",
		link: "/me/tickets/1", at: at.Add(-48 * time.Hour), read: true})
	ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "场地维修通知",
		body: "多功能厅本周六维修。\n<script>alert(1)</script>", at: at.Add(-time.Hour)})
	ts.notify(t, inboxNote{acct: ts.Resident, kind: "future_kind", title: "新功能上线", at: at})
	ts.notify(t, inboxNote{acct: ts.Other, kind: culture.KindLotteryResult, title: "别人的抽签结果", at: at})
	ts.run(t, []scenario{
		{name: "OK", url: "/me/inbox", as: ts.Resident, want: http.StatusOK, text: []string{
			"<h1>我的消息</h1>", "共 3 条消息", "场地维修通知", "社群公告", "预约成功", "11月5日 周三 10:30",
			`<span class="tag unread-tag">未读</span>`, "&lt;script&gt;alert(1)&lt;/script&gt;", ">通知<",
			`href="/me/notifications"`, `action="/me/inbox/read-all"`, `name="next" value="/me/tickets/1"`,
			`id="unread-count"`,
		}, not: []string{"别人的抽签结果", "<script>alert(1)", `class="pager"`}},
		{name: "OKOther", url: "/me/inbox", as: ts.Other, want: http.StatusOK,
			text: []string{"别人的抽签结果", "抽签结果"}, not: []string{"场地维修通知"}},
		{name: "OKEmpty", url: "/me/inbox", as: ts.BranchAdmin, want: http.StatusOK,
			text: []string{"还没有消息", "没有未读消息"}, not: []string{`action="/me/inbox/read-all"`, `id="unread-count"`}},
	})
	body := ts.get(t, ts.client(t, ts.Resident), "/me/inbox").Body
	if badge(body) != "2" {
		t.Errorf("header badge %q, want 2", badge(body))
	}
	newest, older, oldest := strings.Index(body, "新功能上线"), strings.Index(body, "场地维修通知"), strings.Index(body, "少儿书法启蒙班")
	if !(newest < older && older < oldest) {
		t.Errorf("order: 新功能上线 at %d, 场地维修通知 at %d, 少儿书法启蒙班 at %d; want newest first", newest, older, oldest)
	}
}

func TestInboxPages(t *testing.T) {
	ts := newInboxServer(t)
	start := time.Now().Add(-time.Hour)
	for i := range inboxPerPage + 5 {
		ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindReminder24h, title: fmt.Sprintf("活动提醒 %02d 号", i),
			at: start.Add(time.Duration(i) * time.Minute)})
	}
	ts.run(t, []scenario{
		{name: "OKFirst", url: "/me/inbox", as: ts.Resident, want: http.StatusOK,
			text: []string{"（第 1 / 2 页）", "活动提醒 24 号", "活动提醒 05 号", `href="/me/inbox?page=2"`, "下一页"},
			not:  []string{"活动提醒 04 号", "上一页"}},
		{name: "OKSecond", url: "/me/inbox?page=2", as: ts.Resident, want: http.StatusOK,
			text: []string{"（第 2 / 2 页）", "活动提醒 04 号", "活动提醒 00 号", `href="/me/inbox?page=1"`},
			not:  []string{"活动提醒 05 号", "下一页"}},
		{name: "OKPastEnd", url: "/me/inbox?page=9", as: ts.Resident, want: http.StatusOK,
			text: []string{"这一页没有消息", "共 25 条消息"}},
		{name: "ErrPage", url: "/me/inbox?page=0", as: ts.Resident, want: http.StatusUnprocessableEntity, text: []string{"页码不正确"}},
	})
}

func TestInboxRead(t *testing.T) {
	ts := newInboxServer(t)
	ticket := ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindBookingConfirmed, title: "预约成功", link: "/me/tickets/7"})
	plain := ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "新学期报名"})
	hostile := ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "外链", link: "//evil.example/x"})
	c := ts.client(t, ts.Resident)
	if got := badge(ts.get(t, c, "/me/inbox").Body); got != "3" {
		t.Fatalf("badge before %q, want 3", got)
	}

	res := ts.post(t, c, idPath("/me/inbox/%d/read", ticket), url.Values{"next": {"/me/tickets/7"}})
	if res.Status != http.StatusSeeOther || res.Location != "/me/tickets/7" {
		t.Fatalf("read with link: %d %q, want 303 /me/tickets/7", res.Status, res.Location)
	}
	page := ts.get(t, c, "/me/inbox").Body
	if got := badge(page); got != "2" {
		t.Errorf("badge after reading one %q, want 2", got)
	}
	if i := strings.Index(page, idPath(`id="notice-%d"`, ticket)); i < 0 || strings.Contains(page[i-60:i], "unread") {
		t.Errorf("read notification still marked unread:\n%s", excerpt(page))
	}

	for _, sc := range []struct {
		id   int64
		next string
	}{{plain, ""}, {hostile, "//evil.example/x"}, {hostile, "https://evil.example/"}, {plain, "javascript:alert(1)"}} {
		res := ts.post(t, c, idPath("/me/inbox/%d/read", sc.id), url.Values{"next": {sc.next}})
		if res.Status != http.StatusSeeOther || res.Location != "/me/inbox" {
			t.Errorf("read %d next=%q: %d %q, want 303 /me/inbox", sc.id, sc.next, res.Status, res.Location)
		}
	}
	if n := ts.unreadOf(t, ts.Resident); n != 0 {
		t.Errorf("unread after reading all three one by one: %d", n)
	}
	if got := badge(ts.get(t, c, "/me/inbox").Body); got != "" {
		t.Errorf("badge with nothing unread %q, want none", got)
	}
}

// TestInboxHostileLink: a stored link off the site is never rendered as
// the place to go.
func TestInboxHostileLink(t *testing.T) {
	ts := newInboxServer(t)
	ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "外链", link: "javascript:alert(1)"})
	ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "外链二", link: "//evil.example"})
	ts.run(t, []scenario{{name: "OK", url: "/me/inbox", as: ts.Resident, want: http.StatusOK,
		text: []string{"外链二", "标为已读"}, not: []string{"evil.example", "javascript:", "查看详情"}}})
}

func TestInboxReadAll(t *testing.T) {
	ts := newInboxServer(t)
	for _, title := range []string{"一", "二", "三"} {
		ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "公告" + title})
	}
	ts.notify(t, inboxNote{acct: ts.Other, kind: culture.KindAnnouncement, title: "别人的公告"})
	theirs := ts.unreadOf(t, ts.Other)
	c := ts.client(t, ts.Resident)
	res := ts.post(t, c, "/me/inbox/read-all", nil)
	if res.Status != http.StatusSeeOther || res.Location != "/me/inbox" {
		t.Fatalf("read-all: %d %q", res.Status, res.Location)
	}
	scenario{want: http.StatusOK, text: []string{"全部消息已标为已读", "没有未读消息", "共 3 条消息"},
		not: []string{`id="unread-count"`, `<span class="tag unread-tag">`, `action="/me/inbox/read-all"`}}.check(t, ts.get(t, c, "/me/inbox"))
	if n := ts.unreadOf(t, ts.Other); n != theirs || n == 0 {
		t.Errorf("the other resident's unread count is %d, want %d (untouched)", n, theirs)
	}
}

// TestInboxOthers: someone else's notification is not found, and stays
// unread.
func TestInboxOthers(t *testing.T) {
	ts := newInboxServer(t)
	theirs := ts.notify(t, inboxNote{acct: ts.Other, kind: culture.KindLotteryResult, title: "抽签结果", link: "/me/tickets/3"})
	before := ts.unreadOf(t, ts.Other)
	ts.run(t, []scenario{{name: "ErrOthers", method: http.MethodPost, url: idPath("/me/inbox/%d/read", theirs),
		form: url.Values{"next": {"/me/tickets/3"}}, as: ts.Resident, want: http.StatusNotFound}})
	if n := ts.unreadOf(t, ts.Other); n != before {
		t.Errorf("the owner's unread count is %d, want %d", n, before)
	}
}

// TestInboxHostileIDs: malformed and out-of-range ids are 404s (or 405
// for a GET), never a server error.
func TestInboxHostileIDs(t *testing.T) {
	ts := newInboxServer(t)
	ts.notify(t, inboxNote{acct: ts.Resident, kind: culture.KindAnnouncement, title: "公告"})
	c := ts.client(t, ts.Resident)
	for _, id := range []string{"0", "-1", "abc", "1.5", "9223372036854775807", "99999999999999999999", "%00", "1%20OR%201=1", "１"} {
		res := ts.post(t, c, "/me/inbox/"+id+"/read", nil)
		if res.Status != http.StatusNotFound {
			t.Errorf("POST read %q: %d, want 404", id, res.Status)
		}
	}
	for _, path := range []string{"/me/inbox/1/read", "/me/inbox?page=-1", "/me/inbox?page=abc", "/me/inbox?page=99999999999",
		"/me/inbox?page=10000", "/me/notifications?x=%ff"} {
		if res := ts.get(t, c, path); res.Status >= 500 {
			t.Errorf("GET %s: %d", path, res.Status)
		}
	}
	if n := ts.unreadOf(t, ts.Resident); n != 1 {
		t.Errorf("unread %d after hostile requests, want 1", n)
	}
}

func TestNotificationPrefs(t *testing.T) {
	ts := newInboxServer(t)
	ts.run(t, []scenario{
		{name: "OKView", url: "/me/notifications", as: ts.Resident, want: http.StatusOK, text: []string{
			"<h1>通知设置</h1>", "站内消息（一直开启）", `name="channel" value="sms"`, `name="channel" value="email"`,
			`name="channel" value="wechat"`, `name="email"`, `name="wechat_openid"`, "138****0001", "微信服务号", "绑定",
		}, not: []string{residentPhone, " checked> 短信"}},
	})
	c := ts.client(t, ts.Resident)
	form := url.Values{"channel": {"sms", "email", "wechat"}, "email": {" li@example.com "}, "wechat_openid": {"oAbCdEfGhIjKlMn_0123"}}
	res := ts.post(t, c, "/me/notifications", form)
	if res.Status != http.StatusSeeOther || res.Location != "/me/notifications" {
		t.Fatalf("save: %d %q\n%s", res.Status, res.Location, excerpt(res.Body))
	}
	want := culture.NotificationPrefs{AccountID: ts.Resident.ID, Email: "li@example.com", WeChatID: "oAbCdEfGhIjKlMn_0123",
		Channels: map[string]bool{culture.ChannelSMS: true, culture.ChannelEmail: true, culture.ChannelWeChat: true}}
	ts.checkPrefs(t, want)
	scenario{want: http.StatusOK, text: []string{"通知设置已保存", `value="sms" checked`, `value="li@example.com"`}}.check(t, ts.get(t, c, "/me/notifications"))

	bad := []struct {
		name, text string
		form       url.Values
	}{
		{"ErrUnknownChannel", "通知方式无效", url.Values{"channel": {"fax"}}},
		{"ErrInboxChannel", "通知方式无效", url.Values{"channel": {"inbox"}}},
		{"ErrBadEmail", "电子邮件地址格式不正确", url.Values{"channel": {"email"}, "email": {"not-an-email"}}},
		{"ErrEmailWithName", "电子邮件地址格式不正确", url.Values{"email": {"李 <li@example.com>"}}},
		{"ErrEmailMissing", "请填写邮箱", url.Values{"channel": {"email"}}},
		{"ErrWeChatMissing", "须先绑定微信", url.Values{"channel": {"wechat"}}},
		{"ErrWeChatBad", "微信 OpenID 格式不正确", url.Values{"channel": {"wechat"}, "wechat_openid": {"<script>x</script>"}}},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			res := ts.post(t, c, "/me/notifications", b.form)
			scenario{want: http.StatusUnprocessableEntity, text: []string{b.text, `role="alert"`, `action="/me/notifications"`},
				not: []string{"<script>x"}}.check(t, res)
			ts.checkPrefs(t, want)
		})
	}
	res = ts.post(t, c, "/me/notifications", url.Values{})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("inbox only: %d", res.Status)
	}
	ts.checkPrefs(t, culture.NotificationPrefs{AccountID: ts.Resident.ID, Channels: map[string]bool{}})
}

// TestNotificationPrefsNoPhone: a staff account without a phone cannot
// choose SMS.
func TestNotificationPrefsNoPhone(t *testing.T) {
	ts := newInboxServer(t)
	ts.run(t, []scenario{
		{name: "OKView", url: "/me/notifications", as: ts.HubAdmin, want: http.StatusOK, text: []string{"还没有手机号码"}},
		{name: "ErrSMS", method: http.MethodPost, url: "/me/notifications", form: url.Values{"channel": {"sms"}},
			as: ts.HubAdmin, want: http.StatusUnprocessableEntity, text: []string{"手机号码"}},
	})
}

// checkPrefs compares the resident's stored preferences with want.
func (ts *testServer) checkPrefs(t testing.TB, want culture.NotificationPrefs) {
	t.Helper()
	got, err := ts.Store.FindPrefs(context.Background(), want.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(*got) != fmt.Sprint(want) {
		t.Errorf("prefs = %+v, want %+v", *got, want)
	}
}

// inboxTemplateCases are the inbox and preference pages' cases for
// TestTemplates.
func inboxTemplateCases(p Page) []pageCase {
	now := time.Now()
	read := now.Add(-time.Hour)
	ns := []*culture.Notification{
		{ID: 1, Kind: culture.KindAnnouncement, Title: "场地<维修>通知", Body: "第一行\n第二行", CreatedAt: now},
		{ID: 2, Kind: culture.KindBookingConfirmed, Title: "预约成功", Link: "/me/tickets/9", CreatedAt: now, ReadAt: &read},
		{ID: 3, Kind: "unknown", Title: "外链", Link: "https://evil.example", CreatedAt: now},
	}
	unread := p
	unread.Unread = 2
	prefs := &culture.NotificationPrefs{Channels: map[string]bool{culture.ChannelEmail: true}, Email: "li@example.com"}
	return []pageCase{
		{"Inbox", "inbox", "", &inboxPage{Page: unread, Items: inboxItems(ns), Total: 45, PageNum: 2, Pages: 3,
			PrevURL: "/me/inbox?page=1", NextURL: "/me/inbox?page=3"}},
		{"InboxEmpty", "inbox", "", &inboxPage{Page: p, PageNum: 1}},
		{"InboxPastEnd", "inbox", "", &inboxPage{Page: p, Total: 3, PageNum: 5, Pages: 1, PrevURL: "/me/inbox?page=4"}},
		{"NotificationPrefs", "notification_prefs", "", &prefsPage{Page: p, Prefs: prefs, Channels: culture.ExternalChannels}},
		{"NotificationPrefsError", "notification_prefs", "", &prefsPage{Page: p, Prefs: prefs, Channels: culture.ExternalChannels,
			Error: "通知方式无效。", Field: "channels"}},
	}
}

// TestInboxTemplates runs the inbox pages' cases through the template
// checks of TestTemplates.
func TestInboxTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Title: "测试", Account: &culture.Account{ID: 7, Phone: "13812345678", Name: "李秀英"}, Path: "/me/inbox", Now: time.Now()}
	for _, c := range inboxTemplateCases(p) {
		t.Run(c.name, func(t *testing.T) {
			html := executePage(t, s, c)
			checkAccessible(t, html)
			if strings.Contains(html, "13812345678") || strings.Contains(html, "evil.example") {
				t.Error("full phone number or off-site link shown")
			}
		})
	}
}
