package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/webhook"
)

// webhookFixture is the API fixture with the webhook service behind a
// guard for a server at https://wenyun.example.cn listening on :8080 that
// allows no private address; plus a second hub with its admin.
type webhookFixture struct {
	*fixture
	OtherHub        int64
	OtherAdminToken string
}

func newWebhookAPI(t *testing.T) (http.Handler, *sqlstore.Store, *webhookFixture) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "api.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	store.Now = func() time.Time { return now }
	f := &webhookFixture{fixture: &fixture{SMS: &smsBox{codes: map[string]string{}}}}
	seed(t, ctx, store, f.fixture)
	f.OtherHub = mustUnit(t, store, &culture.Unit{Kind: culture.UnitHub, Name: "邻区文化馆"})
	f.OtherAdminToken = mustStaff(t, store, "otheradmin", culture.RoleHubAdmin, f.OtherHub)
	g := webhook.NewGuard(false)
	for _, err := range []error{g.AddSelfURL("https://wenyun.example.cn"), g.AddListener(":8080")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	a := api.New(api.Config{
		Units: store, Accounts: store, Activities: store, Bookings: store, SMS: f.SMS,
		Webhooks: webhook.Guarded(store, g), Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
	})
	return a.Handler(), store, f
}

// webhookState is what refused webhook requests must leave alone.
func webhookState(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	hooks, _, err := s.FindWebhooks(context.Background(), culture.WebhookFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, w := range hooks {
		out = append(out, fmt.Sprintf("%d at %d: %s %v active=%t secret=%s", w.ID, w.UnitID, w.URL, w.Events, w.Active, w.Secret))
	}
	return out
}

func webhooksUnchanged(t *testing.T, h http.Handler, s *sqlstore.Store, scenarios []scenario) {
	t.Helper()
	before := webhookState(t, s)
	run(t, h, scenarios)
	if diff := cmp.Diff(before, webhookState(t, s)); diff != "" {
		t.Errorf("refused requests changed the webhooks (-before +after):\n%s", diff)
	}
}

func webhookBody(unit int64, url string, extra string) string {
	return fmt.Sprintf(`{"unit_id":%d,"url":%q%s}`, unit, url, extra)
}

// webhookReply is the part of a webhook reply the tests read.
type webhookReply struct {
	ID     int64    `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	Active bool     `json:"active"`
	Secret string   `json:"secret"`
}

func TestWebhookCreate(t *testing.T) {
	t.Parallel()
	h, s, f := newWebhookAPI(t)
	const good = "https://gateway.example.com/hooks/wenyun"
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/webhooks", token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	webhooksUnchanged(t, h, s, []scenario{
		post("ErrFTP", f.HubAdminToken, webhookBody(f.Xi, "ftp://gateway.example.com/x", ""), 400, "invalid", `"field":"url"`, "http:// 或 https://"),
		post("ErrUserinfo", f.HubAdminToken, webhookBody(f.Xi, "http://user:pw@gateway.example.com/x", ""), 400, "invalid", "用户名或密码"),
		post("ErrNoHost", f.HubAdminToken, webhookBody(f.Xi, "http:///x", ""), 400, "invalid", "缺少主机名"),
		post("ErrFragment", f.HubAdminToken, webhookBody(f.Xi, good+"#x", ""), 400, "invalid", "片段"),
		post("ErrPublicURL", f.HubAdminToken, webhookBody(f.Xi, "https://wenyun.example.cn/api/v1/hook", ""), 400, "invalid", "本系统自身"),
		post("ErrListenPort", f.HubAdminToken, webhookBody(f.Xi, "http://localhost:8080/hook", ""), 400, "invalid", "本系统自身"),
		post("ErrLoopback", f.HubAdminToken, webhookBody(f.Xi, "http://127.0.0.1:9000/hook", ""), 400, "invalid", "内网或保留地址"),
		post("ErrMetadata", f.HubAdminToken, webhookBody(f.Xi, "http://169.254.169.254/latest", ""), 400, "invalid", "内网或保留地址"),
		post("ErrEvent", f.HubAdminToken, webhookBody(f.Xi, good, `,"events":["booking.deleted"]`), 400, "invalid", `"field":"events"`),
		post("ErrUnit", f.HubAdminToken, webhookBody(999, good, ""), 400, "invalid", `"field":"unit_id"`),
		post("ErrUnknownField", f.HubAdminToken, webhookBody(f.Xi, good, `,"secret":"mine"`), 400, "invalid"),
		post("ErrBranchAdmin", f.XiAdminToken, webhookBody(f.Xi, good, ""), 403, "forbidden"),
		post("ErrOtherHub", f.OtherAdminToken, webhookBody(f.Xi, good, ""), 403, "forbidden"),
		post("ErrResident", f.AliceToken, webhookBody(f.Xi, good, ""), 403, "forbidden"),
		post("ErrNoToken", "", webhookBody(f.Xi, good, ""), 401, "unauthorized"),
	})
	var got webhookReply
	call(t, h, "POST", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Xi, good, `,"events":["delivery.updated","booking.confirmed"]`), 201, &got)
	stored, err := s.FindWebhookByID(context.Background(), got.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.URL != good || !cmp.Equal(got.Events, []string{"booking.confirmed", "delivery.updated"}) || !got.Active ||
		!strings.HasPrefix(got.Secret, "whsec_") || got.Secret != stored.Secret {
		t.Errorf("created %+v, stored secret %q", got, stored.Secret)
	}
}

func TestWebhookManage(t *testing.T) {
	t.Parallel()
	h, s, f := newWebhookAPI(t)
	ctx := context.Background()
	var hook webhookReply
	call(t, h, "POST", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Hub, "https://gateway.example.com/h", ""), 201, &hook)
	p := path("/api/v1/webhooks/%d", hook.ID)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	webhooksUnchanged(t, h, s, []scenario{
		get("View", p, f.HubAdminToken, 200, "", `"secret":"`+hook.Secret+`"`, `"events":[]`, `"unit_name":"解放区文化馆"`),
		// Another hub's webhook is not found, like a missing one: no
		// oracle of its existence. An account that manages webhooks
		// nowhere is forbidden whatever the id.
		get("ViewOtherHub", p, f.OtherAdminToken, 404, "not_found", "Webhook 不存在。"),
		get("ViewOtherHubMissing", "/api/v1/webhooks/999", f.OtherAdminToken, 404, "not_found", "Webhook 不存在。"),
		get("ViewBranchAdmin", p, f.XiAdminToken, 403, "forbidden"),
		get("ViewBranchAdminMissing", "/api/v1/webhooks/999", f.XiAdminToken, 403, "forbidden"),
		get("ViewResident", p, f.AliceToken, 403, "forbidden"),
		get("ViewMissing", "/api/v1/webhooks/999", f.HubAdminToken, 404, "not_found"),
		get("ViewBadID", "/api/v1/webhooks/x", f.HubAdminToken, 404, "not_found"),
		get("List", "/api/v1/webhooks", f.HubAdminToken, 200, "", `"total":1`, `"url":"https://gateway.example.com/h"`),
		get("ListWithin", "/api/v1/webhooks?within="+itoa(f.Xi), f.HubAdminToken, 200, "", `"total":0`),
		get("ListOtherHub", "/api/v1/webhooks", f.OtherAdminToken, 200, "", `"total":0`),
		get("ListWithinOtherHub", "/api/v1/webhooks?within="+itoa(f.Hub), f.OtherAdminToken, 403, "forbidden"),
		get("ListWithinMissing", "/api/v1/webhooks?within=999", f.HubAdminToken, 400, "invalid", `"field":"within"`),
		get("ListBranchAdmin", "/api/v1/webhooks", f.XiAdminToken, 403, "forbidden"),
		get("ListBadPage", "/api/v1/webhooks?page=0", f.HubAdminToken, 400, "invalid"),
		{name: "PatchBadURL", method: "PATCH", path: p, token: f.HubAdminToken, body: `{"url":"http://10.0.0.1/","active":false}`, wantStatus: 400, wantCode: "invalid", wantText: []string{`"field":"url"`}},
		{name: "PatchOtherHub", method: "PATCH", path: p, token: f.OtherAdminToken, body: `{"active":false}`, wantStatus: 404, wantCode: "not_found"},
		{name: "DeleteOtherHub", method: "DELETE", path: p, token: f.OtherAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "RotateOtherHub", method: "POST", path: p + "/secret", token: f.OtherAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "RotateBranchAdmin", method: "POST", path: p + "/secret", token: f.XiAdminToken, wantStatus: 403, wantCode: "forbidden"},
	})
	body := call(t, h, "GET", "/api/v1/webhooks", f.HubAdminToken, "", 200, nil).Body.String()
	if strings.Contains(body, hook.Secret) || strings.Contains(body, `"secret"`) {
		t.Errorf("the list shows the secret: %s", body)
	}

	var patched webhookReply
	call(t, h, "PATCH", p, f.HubAdminToken, `{"url":"https://new.example.com/h","events":["booking.checked_in"],"active":false}`, 200, &patched)
	if patched.URL != "https://new.example.com/h" || !cmp.Equal(patched.Events, []string{"booking.checked_in"}) || patched.Active || patched.Secret != "" {
		t.Errorf("patched %+v", patched)
	}
	call(t, h, "PATCH", p, f.HubAdminToken, `{"events":[],"active":true}`, 200, &patched)
	if len(patched.Events) != 0 || !patched.Active || patched.URL != "https://new.example.com/h" {
		t.Errorf("patched %+v", patched)
	}
	var rotated webhookReply
	call(t, h, "POST", p+"/secret", f.HubAdminToken, "", 200, &rotated)
	if stored, _ := s.FindWebhookByID(ctx, hook.ID); rotated.Secret == hook.Secret || rotated.Secret != stored.Secret {
		t.Errorf("rotated secret %q, stored %q, old %q", rotated.Secret, stored.Secret, hook.Secret)
	}
	call(t, h, "DELETE", p, f.HubAdminToken, "", 204, nil)
	call(t, h, "GET", p, f.HubAdminToken, "", 404, nil)

	// Each change, and each answer that showed the secret, was audited
	// under the hub admin's name; the refused requests were not.
	rows, err := s.DB().QueryContext(ctx, `SELECT a.username, l.action FROM audit_log l
		JOIN accounts a ON a.id = l.account_id WHERE l.target = ? ORDER BY l.id`, fmt.Sprintf("webhook:%d", hook.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var who, action string
		if err := rows.Scan(&who, &action); err != nil {
			t.Fatal(err)
		}
		got = append(got, who+" "+action)
	}
	want := []string{"hubadmin webhook.create", "hubadmin webhook.reveal_secret", "hubadmin webhook.update",
		"hubadmin webhook.update", "hubadmin webhook.rotate_secret", "hubadmin webhook.delete"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
}

// deliveryReply is the part of a delivery reply the tests read.
type deliveryReply struct {
	ID       int64  `json:"id"`
	EventID  string `json:"event_id"`
	Status   string `json:"status"`
	Resends  int    `json:"resends"`
	Payload  struct{ ID, Type string }
	Attempts []struct {
		StatusCode int    `json:"status_code"`
		Error      string `json:"error"`
		DurationMS int64  `json:"duration_ms"`
	} `json:"attempt_log"`
}

// TestWebhookDeliveriesAPI: a booking's delivery is listed, shown with
// its payload and attempts, refused a resend while pending and resent
// once failed; another webhook's delivery is not found under this one.
func TestWebhookDeliveriesAPI(t *testing.T) {
	t.Parallel()
	h, s, f := newWebhookAPI(t)
	ctx := context.Background()
	var hook, other webhookReply
	call(t, h, "POST", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Hub, "https://gateway.example.com/h", ""), 201, &hook)
	call(t, h, "POST", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Xi, "https://other.example.com/h", ""), 201, &other)
	b := mustBook(t, s, f.Single, f.Bob)
	list := path("/api/v1/webhooks/%d/deliveries", hook.ID)
	var page struct {
		Items []deliveryReply `json:"items"`
		Total int             `json:"total"`
	}
	call(t, h, "GET", list, f.HubAdminToken, "", 200, &page)
	if page.Total != 1 || page.Items[0].EventID != fmt.Sprintf("booking:%d:confirmed", b.ID) || page.Items[0].Status != "pending" {
		t.Fatalf("deliveries = %+v", page)
	}
	d := page.Items[0]
	one := path("%s/%d", list, d.ID)
	var shown deliveryReply
	call(t, h, "GET", one, f.HubAdminToken, "", 200, &shown)
	if shown.Payload.ID != d.EventID || shown.Payload.Type != culture.EventBookingConfirmed || shown.Attempts == nil || len(shown.Attempts) != 0 {
		t.Errorf("delivery = %+v", shown)
	}
	var others struct {
		Items []deliveryReply `json:"items"`
	}
	call(t, h, "GET", path("/api/v1/webhooks/%d/deliveries", other.ID), f.HubAdminToken, "", 200, &others)
	run(t, h, []scenario{
		{name: "ResendPending", method: "POST", path: one + "/resend", token: f.HubAdminToken, wantStatus: 409, wantCode: "conflict", wantText: []string{"正在进行中"}},
		{name: "OtherWebhooksDelivery", method: "GET", path: path("%s/%d", list, others.Items[0].ID), token: f.HubAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "MissingDelivery", method: "GET", path: list + "/999", token: f.HubAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "OtherHub", method: "GET", path: one, token: f.OtherAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "ResendOtherHub", method: "POST", path: one + "/resend", token: f.OtherAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "ListOtherHub", method: "GET", path: list, token: f.OtherAdminToken, wantStatus: 404, wantCode: "not_found"},
		{name: "ResendBranchAdmin", method: "POST", path: one + "/resend", token: f.XiAdminToken, wantStatus: 403, wantCode: "forbidden"},
		{name: "BadStatus", method: "GET", path: list + "?status=lost", token: f.HubAdminToken, wantStatus: 400, wantCode: "invalid", wantText: []string{`"field":"status"`}},
		{name: "Filtered", method: "GET", path: list + "?status=failed", token: f.HubAdminToken, wantStatus: 200, wantText: []string{`"total":0`}},
	})
	err := s.RecordWebhookAttempt(ctx, &culture.WebhookAttempt{DeliveryID: d.ID, StatusCode: 500, Error: "接收方返回 HTTP 500",
		Duration: 42 * time.Millisecond}, culture.WebhookFailed)
	if err != nil {
		t.Fatal(err)
	}
	var resent deliveryReply
	call(t, h, "POST", one+"/resend", f.HubAdminToken, "", 202, &resent)
	if resent.Status != "pending" || resent.Resends != 1 || len(resent.Attempts) != 1 || resent.Attempts[0].StatusCode != 500 ||
		resent.Attempts[0].DurationMS != 42 || resent.Attempts[0].Error != "接收方返回 HTTP 500" {
		t.Errorf("resent = %+v", resent)
	}
}

// TestWebhookRepliesMatchOpenAPI checks the webhook replies against the
// document's schemas.
func TestWebhookRepliesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	h, s, f := newWebhookAPI(t)
	var doc map[string]any
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	var hook webhookReply
	call(t, h, "POST", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Hub, "https://gateway.example.com/h", ""), 201, &hook)
	mustBook(t, s, f.Single, f.Bob)
	ds, _, err := s.FindWebhookDeliveries(context.Background(), culture.WebhookDeliveryFilter{WebhookID: hook.ID})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries %v, %v", ds, err)
	}
	if err := s.RecordWebhookAttempt(context.Background(), &culture.WebhookAttempt{DeliveryID: ds[0].ID, StatusCode: 204}, culture.WebhookDelivered); err != nil {
		t.Fatal(err)
	}
	p := path("/api/v1/webhooks/%d", hook.ID)
	d := path("%s/deliveries/%d", p, ds[0].ID)
	for _, tt := range []struct {
		method, route, path, token, body string
		status                           int
	}{
		{"POST", "/webhooks", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Xi, "https://gateway.example.com/x", `,"events":["booking.confirmed"]`), 201},
		{"POST", "/webhooks", "/api/v1/webhooks", f.HubAdminToken, webhookBody(f.Xi, "ftp://x", ""), 400},
		{"GET", "/webhooks", "/api/v1/webhooks", f.HubAdminToken, "", 200},
		{"GET", "/webhooks", "/api/v1/webhooks", f.XiAdminToken, "", 403},
		{"GET", "/webhooks/{id}", p, f.HubAdminToken, "", 200},
		{"PATCH", "/webhooks/{id}", p, f.HubAdminToken, `{"active":true}`, 200},
		{"POST", "/webhooks/{id}/secret", p + "/secret", f.HubAdminToken, "", 200},
		{"GET", "/webhooks/{id}/deliveries", p + "/deliveries", f.HubAdminToken, "", 200},
		{"GET", "/webhooks/{id}/deliveries/{delivery_id}", d, f.HubAdminToken, "", 200},
		{"POST", "/webhooks/{id}/deliveries/{delivery_id}/resend", d + "/resend", f.HubAdminToken, "", 202},
		{"POST", "/webhooks/{id}/deliveries/{delivery_id}/resend", d + "/resend", f.HubAdminToken, "", 409},
	} {
		rec := call(t, h, tt.method, tt.path, tt.token, tt.body, tt.status, nil)
		schema, err := replySchema(doc, tt.route, strings.ToLower(tt.method), tt.status)
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, problem := range conform(doc, schema, v, "$") {
			t.Errorf("%s %s %d: %s", tt.method, tt.path, tt.status, problem)
		}
	}
}
