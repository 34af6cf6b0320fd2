package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/webhook"
)

// webhookFixture is the console fixture with the webhook service behind
// a guard that allows no private address and knows the server's own
// public URL and listen address; plus a hub admin, and another hub with
// its admin, and a webhook at the hub.
type webhookFixture struct {
	*consoleFixture
	otherHub int64
	hook     *culture.Webhook
}

const webhookPublicURL = "https://wenyun.example.cn"

func newWebhookServer(t testing.TB) *webhookFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "wenyun.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	g := webhook.NewGuard(false)
	s, err := New(Config{Units: store, Accounts: store, Activities: store, Bookings: store,
		Webhooks: webhook.Guarded(store, g), Sessions: store.SessionStore()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	cf := &consoleFixture{t: t, store: store, srv: httptest.NewServer(s.Handler())}
	t.Cleanup(cf.srv.Close)
	cf.must(g.AddSelfURL(webhookPublicURL))
	cf.must(g.AddListener(cf.srv.Listener.Addr().String()))
	cf.units(ctx)
	cf.staff(ctx)
	cf.activities(ctx)
	f := &webhookFixture{consoleFixture: cf}
	f.otherHub = cf.unit(ctx, culture.UnitHub, "邻区文化馆", 0)
	for _, st := range []struct {
		user string
		unit int64
	}{{"hubadmin", cf.hub}, {"otheradmin", f.otherHub}} {
		a := &culture.Account{Username: st.user, Name: st.user}
		cf.must(store.CreateStaff(ctx, a, consolePassword))
		cf.must(store.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: culture.RoleHubAdmin, UnitID: st.unit}))
	}
	f.hook = &culture.Webhook{UnitID: cf.hub, URL: "https://gateway.example.com/hooks/wenyun", CreatedBy: 1}
	cf.must(store.CreateWebhook(ctx, f.hook))
	return f
}

func webhookForm(unit int64, u string, events ...string) url.Values {
	return url.Values{"unit_id": {strconv.FormatInt(unit, 10)}, "url": {u}, "events": events}
}

func TestConsoleWebhookPages(t *testing.T) {
	f := newWebhookServer(t)
	page := fmt.Sprintf("/console/webhooks/%d", f.hook.ID)
	f.run(t, []consoleScenario{
		{name: "ListVisitor", path: "/console/webhooks", status: http.StatusSeeOther, location: "/console/login"},
		{name: "ListOperator", user: "operator", path: "/console/webhooks", status: http.StatusOK,
			want: []string{"https://gateway.example.com/hooks/wenyun", "全部事件", `name="url"`, `name="events"`,
				`value="booking.checked_in"`, "焦西分馆"}, deny: []string{"焦西社区活动室", f.hook.Secret}},
		{name: "ListHubAdmin", user: "hubadmin", path: "/console/webhooks", status: http.StatusOK, want: []string{page}},
		{name: "ListOtherHub", user: "otheradmin", path: "/console/webhooks", status: http.StatusOK,
			want: []string{"还没有 Webhook。", "邻区文化馆"}, deny: []string{page, "焦西分馆"}},
		{name: "ListBranchAdmin", user: "xiadmin", path: "/console/webhooks", status: http.StatusForbidden, want: []string{"您没有管理 Webhook 的权限。"}},
		{name: "ListChecker", user: "xichecker", path: "/console/webhooks", status: http.StatusForbidden},
		{name: "ListNoGrant", user: "nogrant", path: "/console/webhooks", status: http.StatusForbidden},
		{name: "View", user: "operator", path: page, status: http.StatusOK,
			want: []string{"Webhook 详情", "whsec_••••••••" + f.hook.Secret[len(f.hook.Secret)-4:], "显示密钥", "还没有投递记录。", "停用 Webhook"},
			deny: []string{f.hook.Secret}},
		{name: "ViewOtherHub", user: "otheradmin", path: page, status: http.StatusForbidden, deny: []string{"gateway.example.com"}},
		{name: "ViewBranchAdmin", user: "xiadmin", path: page, status: http.StatusForbidden},
		{name: "ViewMissing", user: "operator", path: "/console/webhooks/99999", status: http.StatusNotFound},
		{name: "ViewWord", user: "operator", path: "/console/webhooks/abc", status: http.StatusNotFound},
		{name: "ViewBadPage", user: "operator", path: page + "?page=0", status: http.StatusNotFound},
		{name: "ViewBadStatus", user: "operator", path: page + "?status=lost", status: http.StatusNotFound},
		{name: "ViewFiltered", user: "operator", path: page + "?status=failed", status: http.StatusOK, want: []string{`value="failed" selected`}},
		{name: "DeleteOtherHub", user: "otheradmin", method: http.MethodPost, path: page + "/delete", status: http.StatusForbidden},
		{name: "RotateBranchAdmin", user: "xiadmin", method: http.MethodPost, path: page + "/rotate", status: http.StatusForbidden},
		{name: "RevealOtherHub", user: "otheradmin", method: http.MethodPost, path: page + "/secret", status: http.StatusForbidden},
		{name: "DeleteGet", user: "operator", path: page + "/delete", status: http.StatusMethodNotAllowed},
	})
	if got, err := f.store.FindWebhookByID(context.Background(), f.hook.ID); err != nil || got.Secret != f.hook.Secret {
		t.Errorf("refused requests changed the webhook: %+v, %v", got, err)
	}
}

func TestConsoleWebhookCreate(t *testing.T) {
	f := newWebhookServer(t)
	c := f.client("hubadmin")
	self := "http://" + f.srv.Listener.Addr().String() + "/hook"
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"ErrFTP", webhookForm(f.xi, "ftp://gateway.example.com/x"), 422, "接收地址必须以 http:// 或 https:// 开头。"},
		{"ErrUserinfo", webhookForm(f.xi, "http://user:pw@gateway.example.com/x"), 422, "接收地址不能包含用户名或密码。"},
		{"ErrNoHost", webhookForm(f.xi, "http:///x"), 422, "接收地址缺少主机名。"},
		{"ErrBlank", webhookForm(f.xi, ""), 422, "请填写接收地址（URL）。"},
		{"ErrPublicURL", webhookForm(f.xi, webhookPublicURL+"/api/v1/x"), 422, "接收地址指向本系统自身"},
		{"ErrListenAddress", webhookForm(f.xi, self), 422, "接收地址指向本系统自身"},
		{"ErrLoopback", webhookForm(f.xi, "http://127.0.0.1:9/hook"), 422, "内网或保留地址"},
		{"ErrPrivate", webhookForm(f.xi, "http://192.168.1.20/hook"), 422, "内网或保留地址"},
		{"ErrEvent", webhookForm(f.xi, "https://gateway.example.com/x", "booking.deleted"), 422, "事件类型无效"},
		{"ErrPoint", webhookForm(f.xiPoint, "https://gateway.example.com/x"), 422, "不能设在基层文化点"},
		{"ErrNoUnit", webhookForm(0, "https://gateway.example.com/x"), 422, "选项无效"},
		{"ErrUnknownUnit", webhookForm(99999, "https://gateway.example.com/x"), 422, "所选单位不存在。"},
		{"ErrControl", webhookForm(f.xi, "https://gateway.example.com/\x00"), 422, "包含无效字符"},
		{"ErrOtherHub", webhookForm(f.otherHub, "https://gateway.example.com/x"), 403, "权限"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := f.count(t)
			res, body := c.post("/console/webhooks", tc.form, nil)
			if res.StatusCode != tc.status || !strings.Contains(html.UnescapeString(body), tc.want) {
				t.Errorf("status %d, want %d; body lacks %q?\n%s", res.StatusCode, tc.status, tc.want, consoleSnippet(body))
			}
			if n := f.count(t); n != before {
				t.Errorf("%d webhooks after a refusal, want %d", n, before)
			}
		})
	}
	t.Run("OK", func(t *testing.T) {
		res, _ := c.post("/console/webhooks", webhookForm(f.xi, "https://gateway.example.com/xi",
			culture.EventBookingCheckedIn, culture.EventBookingConfirmed), nil)
		hooks, _, err := f.store.FindWebhooks(context.Background(), culture.WebhookFilter{Within: []int64{f.xi}})
		f.must(err)
		if len(hooks) != 1 {
			t.Fatalf("status %d, webhooks %+v", res.StatusCode, hooks)
		}
		h := hooks[0]
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/console/webhooks/%d", h.ID) {
			t.Fatalf("status %d, Location %q", res.StatusCode, loc)
		}
		if h.URL != "https://gateway.example.com/xi" || strings.Join(h.Events, ",") != "booking.confirmed,booking.checked_in" || !h.Active || h.CreatedByName != "hubadmin" {
			t.Errorf("stored %+v", h)
		}
		_, body := c.get(res.Header.Get("Location"))
		if !strings.Contains(body, h.Secret) || !strings.Contains(body, "已添加 Webhook") {
			t.Errorf("the first view lacks the secret or the flash:\n%s", consoleSnippet(body))
		}
		if _, body = c.get(res.Header.Get("Location")); strings.Contains(body, h.Secret) {
			t.Error("the secret shows again on the second view")
		}
		if _, body = c.get("/console/webhooks"); !strings.Contains(body, "预约成功、签到入场") {
			t.Errorf("the list lacks the new webhook's events:\n%s", consoleSnippet(body))
		}
	})
}

// count counts the webhooks.
func (f *webhookFixture) count(t *testing.T) int {
	t.Helper()
	hooks, total, err := f.store.FindWebhooks(context.Background(), culture.WebhookFilter{})
	f.must(err)
	return max(total, len(hooks))
}

func TestConsoleWebhookManage(t *testing.T) {
	f := newWebhookServer(t)
	ctx := context.Background()
	c := f.client("operator")
	page := fmt.Sprintf("/console/webhooks/%d", f.hook.ID)
	find := func() *culture.Webhook {
		t.Helper()
		h, err := f.store.FindWebhookByID(ctx, f.hook.ID)
		f.must(err)
		return h
	}

	res, body := c.post(page+"/edit", url.Values{"url": {"http://10.0.0.8/x"}, "events": {culture.EventDeliveryUpdated}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "内网或保留地址") || !strings.Contains(body, `value="http://10.0.0.8/x"`) {
		t.Errorf("bad edit: status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	if h := find(); h.URL != f.hook.URL || len(h.Events) != 0 {
		t.Errorf("a refused edit changed %+v", h)
	}
	res, _ = c.post(page+"/edit", url.Values{"url": {"https://new.example.com/h"}, "events": {culture.EventDeliveryUpdated}}, nil)
	if h := find(); res.StatusCode != http.StatusSeeOther || h.URL != "https://new.example.com/h" || strings.Join(h.Events, ",") != culture.EventDeliveryUpdated {
		t.Errorf("edit: status %d, %+v", res.StatusCode, h)
	}

	res, _ = c.post(page+"/active", url.Values{"active": {"maybe"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity || !find().Active {
		t.Errorf("bad toggle: status %d", res.StatusCode)
	}
	c.post(page+"/active", url.Values{"active": {"0"}}, nil)
	if _, body := c.get(page); find().Active || !strings.Contains(body, "已停用 Webhook") || !strings.Contains(body, "启用 Webhook") {
		t.Errorf("disable failed:\n%s", consoleSnippet(body))
	}
	c.post(page+"/active", url.Values{"active": {"1"}}, nil)
	if !find().Active {
		t.Error("enable failed")
	}

	res, _ = c.post(page+"/secret", nil, nil)
	shown, body := c.get(page)
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(body, f.hook.Secret) {
		t.Errorf("reveal: status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	if cc := shown.Header.Values("Cache-Control"); !slices.Contains(cc, "no-store") {
		t.Errorf("the page showing the secret has Cache-Control %q, want no-store", cc)
	}
	c.post(page+"/rotate", nil, nil)
	rotated := find().Secret
	if _, body := c.get(page); rotated == f.hook.Secret || !strings.Contains(body, rotated) || !strings.Contains(body, "已更换签名密钥") {
		t.Errorf("rotate: secret %q\n%s", rotated, consoleSnippet(body))
	}

	res, _ = c.post(page+"/delete", nil, nil)
	if _, err := f.store.FindWebhookByID(ctx, f.hook.ID); res.StatusCode != http.StatusSeeOther || culture.ErrorCode(err) != culture.ENOTFOUND {
		t.Errorf("delete: status %d, %v", res.StatusCode, err)
	}
	want := []string{"operator webhook.create", "operator webhook.update", "operator webhook.update", "operator webhook.update",
		"operator webhook.reveal_secret", "operator webhook.rotate_secret", "operator webhook.delete"}
	if got := f.webhookAudit(t, f.hook.ID); !slices.Equal(got, want) {
		t.Errorf("audit log %q, want %q", got, want)
	}
}

// webhookAudit lists the audit_log rows of webhook id as "username action".
func (f *webhookFixture) webhookAudit(t *testing.T, id int64) []string {
	t.Helper()
	rows, err := f.store.DB().Query(`SELECT a.username, l.action FROM audit_log l
		JOIN accounts a ON a.id = l.account_id WHERE l.target = ? ORDER BY l.id`, fmt.Sprintf("webhook:%d", id))
	f.must(err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var who, action string
		f.must(rows.Scan(&who, &action))
		out = append(out, who+" "+action)
	}
	f.must(rows.Err())
	return out
}

// TestConsoleWebhookLog: a booking's delivery shows in the log with its
// attempts; a pending one cannot be resent, a failed one can, and a
// delivery of another webhook is not found under this one.
func TestConsoleWebhookLog(t *testing.T) {
	f := newWebhookServer(t)
	ctx := context.Background()
	c := f.client("hubadmin")
	other := &culture.Webhook{UnitID: f.xi, URL: "https://other.example.com/h"}
	f.must(f.store.CreateWebhook(ctx, other))
	b := f.book(ctx, f.xiFirst, f.resident(ctx, "13812345678", "张小明"))
	ds, _, err := f.store.FindWebhookDeliveries(ctx, culture.WebhookDeliveryFilter{WebhookID: f.hook.ID})
	f.must(err)
	if len(ds) != 1 {
		t.Fatalf("deliveries %+v", ds)
	}
	d := ds[0]
	page := fmt.Sprintf("/console/webhooks/%d", f.hook.ID)
	resend := fmt.Sprintf("%s/deliveries/%d/resend", page, d.ID)

	_, body := c.get(page)
	for _, want := range []string{fmt.Sprintf("booking:%d:confirmed", b.ID), "预约成功", "投递中", "还没有尝试", "请求体"} {
		if !strings.Contains(body, want) {
			t.Errorf("log lacks %q:\n%s", want, consoleSnippet(body))
		}
	}
	if strings.Contains(body, resend) || strings.Contains(body, "13812345678") {
		t.Errorf("a pending delivery offers a resend, or a phone shows:\n%s", consoleSnippet(body))
	}
	res, _ := c.post(resend, nil, nil)
	if _, body := c.get(page); res.StatusCode != http.StatusSeeOther || !strings.Contains(body, "未能重发：该投递正在进行中") {
		t.Errorf("resend of a pending delivery: status %d\n%s", res.StatusCode, consoleSnippet(body))
	}

	for _, a := range []*culture.WebhookAttempt{
		{DeliveryID: d.ID, StatusCode: 500, Error: "接收方返回 HTTP 500", Duration: 120 * time.Millisecond},
		{DeliveryID: d.ID, Error: "请求超时（10 秒内没有响应）", Duration: 10 * time.Second},
	} {
		f.must(f.store.RecordWebhookAttempt(ctx, a, culture.WebhookFailed))
	}
	_, body = c.get(page + "?status=failed")
	for _, want := range []string{"失败", "接收方返回 HTTP 500", "请求超时（10 秒内没有响应）", "120 毫秒", "10000 毫秒", resend + "?status=failed"} {
		if !strings.Contains(body, want) {
			t.Errorf("failed log lacks %q:\n%s", want, consoleSnippet(body))
		}
	}
	res, _ = c.post(resend+"?status=failed", nil, nil)
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("%s?status=failed#d%d", page, d.ID) {
		t.Errorf("resend: status %d, Location %q", res.StatusCode, loc)
	}
	got, err := f.store.FindWebhookDeliveryByID(ctx, d.ID)
	if f.must(err); got.Status != culture.WebhookPending || got.Resends != 1 {
		t.Errorf("after the resend: %+v", got)
	}

	odds, _, err := f.store.FindWebhookDeliveries(ctx, culture.WebhookDeliveryFilter{WebhookID: other.ID})
	f.must(err)
	for _, p := range []string{fmt.Sprintf("%s/deliveries/%d/resend", page, odds[0].ID), page + "/deliveries/99999/resend", page + "/deliveries/x/resend"} {
		if res, _ := c.post(p, nil, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", p, res.StatusCode)
		}
	}
}

// consoleWebhookTemplateCases returns typed data for the webhook pages:
// lists full and empty with a refused form, and a webhook with its secret
// shown, with a log of every status, and disabled without a log.
func consoleWebhookTemplateCases(page func(string) Page) []pageCase {
	now := time.Now()
	hub := &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/"}
	xi := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/", ParentID: &hub.ID}
	units := consoleTree(&culture.Account{}, []*culture.Unit{hub, xi})
	hook := &culture.Webhook{ID: 3, UnitID: 1, URL: "https://gateway.example.com/<hook>", Secret: "whsec_abcdefghijklmnopqrstuvwxyz0123456789",
		Events: []string{culture.EventBookingConfirmed}, Active: true, CreatedAt: now, UnitName: "解放区文化馆", CreatedByName: "小王", Failed: 1}
	off := *hook
	off.Active, off.Events = false, nil
	bad := newConsoleForm("")
	for _, n := range append(consoleWebhookFields, "") {
		bad.fail(n, "有误。")
	}
	delivery := func(id int64, status string, log ...*culture.WebhookAttempt) *culture.WebhookDelivery {
		return &culture.WebhookDelivery{ID: id, WebhookID: 3, EventID: fmt.Sprintf("booking:%d:confirmed", id),
			EventType: culture.EventBookingConfirmed, Payload: `{"id":"booking:1:confirmed","data":{"x":"<b>"}}`,
			Status: status, Attempts: len(log), Resends: 1, LastError: "接收方返回 HTTP 500", CreatedAt: now, DeliveredAt: &now, Log: log}
	}
	attempts := []*culture.WebhookAttempt{{ID: 1, At: now, StatusCode: 500, Error: "接收方返回 HTTP 500", Duration: time.Second},
		{ID: 2, Resend: 1, At: now, Error: "请求超时（10 秒内没有响应）"}, {ID: 3, Resend: 1, At: now, StatusCode: 204}}
	return []pageCase{
		{"ConsoleWebhooks", "console_webhooks", "", consoleWebhooksPage{Page: page("/console/webhooks"),
			Webhooks: []*culture.Webhook{hook, &off}, Units: units, Form: bad}},
		{"ConsoleWebhooksEmpty", "console_webhooks", "", consoleWebhooksPage{Page: page("/console/webhooks"), Form: newConsoleForm("")}},
		{"ConsoleWebhook", "console_webhook", "", consoleWebhookPage{Page: page("/console/webhooks/3"), Webhook: hook,
			Secret: hook.Secret, Form: consoleWebhookFormOf(hook), Total: 45, PageNum: 2, Status: culture.WebhookFailed,
			Deliveries: []*culture.WebhookDelivery{delivery(7, culture.WebhookFailed, attempts...), delivery(8, culture.WebhookPending),
				delivery(9, culture.WebhookDelivered, attempts[2])},
			PrevURL: "/console/webhooks/3?status=failed", NextURL: "/console/webhooks/3?page=3&status=failed"}},
		{"ConsoleWebhookOff", "console_webhook", "", consoleWebhookPage{Page: page("/console/webhooks/3"), Webhook: &off,
			Form: bad, PageNum: 1}},
	}
}

// TestConsoleWebhookTemplates renders the webhook pages' cases with the
// accessibility checks of TestTemplates, and checks what they show.
func TestConsoleWebhookTemplates(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	grant := &culture.Grant{ID: 1, Role: culture.RoleOperator, UnitID: 1, UnitPath: "/1/"}
	op := &culture.Account{ID: 1, Username: "operator", Grants: []*culture.Grant{grant}}
	page := func(path string) Page {
		return Page{Title: "工作台", Account: op, Path: path, Console: true, Now: time.Now()}
	}
	want := map[string][]string{
		"ConsoleWebhooks":   {"https://gateway.example.com/&lt;hook&gt;", "已停用", "有误。", "全部事件"},
		"ConsoleWebhook":    {"whsec_abcdefghijklmnopqrstuvwxyz0123456789", "第 1 次重发", "1000 毫秒", "—", "成功", "/deliveries/7/resend?page=2&amp;status=failed", "&lt;b&gt;"},
		"ConsoleWebhookOff": {"whsec_••••••••6789", "显示密钥", "启用 Webhook", "还没有投递记录。"},
	}
	for _, c := range consoleWebhookTemplateCases(page) {
		t.Run(c.name, func(t *testing.T) {
			out := executePage(t, s, c)
			checkAccessible(t, out)
			for _, w := range want[c.name] {
				if !strings.Contains(out, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if c.name == "ConsoleWebhook" && (strings.Contains(out, "/deliveries/8/resend") || !strings.Contains(out, "/deliveries/9/resend")) {
				t.Error("the pending delivery offers a resend, or the delivered one does not")
			}
		})
	}
}
