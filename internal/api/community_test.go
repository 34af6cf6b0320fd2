package api_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
)

func TestCommunityIndex(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	mustJoin(t, s, f.Alice, f.Xi)
	get := func(name, query string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/communities" + query, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", "", http.StatusOK, "", `{"items":[{"unit_id":`+itoa(f.Xi)+`,"unit_name":"焦西分馆","members":1},{"unit_id":`+
			itoa(f.Nan)+`,"unit_name":"焦南分馆","members":0}]}`),
		get("OKWithin", "?within="+itoa(f.Nan), http.StatusOK, "", `{"items":[{"unit_id":`+itoa(f.Nan)+`,"unit_name":"焦南分馆","members":0}]}`),
		get("ErrWithinUnknown", "?within=999", http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrWithin", "?within=abc", http.StatusBadRequest, "invalid", `"field":"within"`),
	})
}

func TestCommunityView(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	xi := path("/api/v1/communities/%d", f.Xi)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		{name: "OKJoin", method: "PUT", path: xi + "/membership", token: f.AliceToken, wantStatus: http.StatusNoContent},
		get("OKMember", xi, f.AliceToken, http.StatusOK, "", `"members":1`, `"member":true`, `"joined_at":"2026-03-02T02:00:00Z"`,
			`{"week":"2026-03-02","joined":1,"members":1}]`, `"unit_name":"焦西分馆"`),
		get("OKPublic", xi, "", http.StatusOK, "", `"members":1`, `"member":false`, `"joined_at":null`),
		get("OKNotMember", xi, f.BobToken, http.StatusOK, "", `"member":false`),
		get("ErrHub", path("/api/v1/communities/%d", f.Hub), "", http.StatusNotFound, "not_found"),
		get("ErrUnknown", "/api/v1/communities/999", "", http.StatusNotFound, "not_found"),
		get("ErrBadID", "/api/v1/communities/x", "", http.StatusNotFound, "not_found"),
		get("ErrBadToken", xi, "wy_forged", http.StatusUnauthorized, "unauthorized"),
	})
	var c struct {
		Growth []struct {
			Week string `json:"week"`
		} `json:"growth"`
	}
	call(t, h, "GET", xi, "", "", http.StatusOK, &c)
	if len(c.Growth) != 12 || c.Growth[0].Week != "2025-12-15" {
		t.Errorf("growth = %+v, want 12 weeks from Monday 2025-12-15", c.Growth)
	}
}

func TestCommunityMembership(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	m := path("/api/v1/communities/%d/membership", f.Nan)
	sc := func(name, method, p, token string, status int, code string) scenario {
		return scenario{name: name, method: method, path: p, token: token, wantStatus: status, wantCode: code}
	}
	run(t, h, []scenario{
		sc("ErrNoToken", "PUT", m, "", http.StatusUnauthorized, "unauthorized"),
		sc("ErrHub", "PUT", path("/api/v1/communities/%d/membership", f.Hub), f.AliceToken, http.StatusNotFound, "not_found"),
		sc("ErrUnknown", "PUT", "/api/v1/communities/999/membership", f.AliceToken, http.StatusNotFound, "not_found"),
		sc("ErrLeaveNotMember", "DELETE", m, f.AliceToken, http.StatusNotFound, "not_found"),
		sc("OKJoin", "PUT", m, f.AliceToken, http.StatusNoContent, ""),
		sc("OKJoinAgain", "PUT", m, f.AliceToken, http.StatusNoContent, ""),
		{name: "OKCounted", method: "GET", path: path("/api/v1/communities/%d", f.Nan), wantStatus: http.StatusOK,
			wantText: []string{`"members":1`}},
		sc("ErrLeaveNoToken", "DELETE", m, "", http.StatusUnauthorized, "unauthorized"),
		sc("OKLeave", "DELETE", m, f.AliceToken, http.StatusNoContent, ""),
		sc("ErrLeaveAgain", "DELETE", m, f.AliceToken, http.StatusNotFound, "not_found"),
		{name: "OKGone", method: "GET", path: path("/api/v1/communities/%d", f.Nan), wantStatus: http.StatusOK,
			wantText: []string{`"members":0`}},
	})
}

func TestCommunityMembers(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	mustJoin(t, s, f.Alice, f.Xi)
	mustJoin(t, s, f.Bob, f.Xi)
	p := path("/api/v1/communities/%d/members", f.Xi)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", p, f.XiAdminToken, http.StatusOK, "", `"total":2`, `"phone":"138****0001"`, `"phone":"138****0002"`),
		get("OKHub", p+"?limit=1&offset=1", f.HubAdminToken, http.StatusOK, "", `"total":2`),
		get("ErrOtherBranch", p, f.NanAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrChecker", p, f.XiCheckerToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", p, f.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		get("ErrHub", path("/api/v1/communities/%d/members", f.Hub), f.HubAdminToken, http.StatusNotFound, "not_found"),
		get("ErrLimit", p+"?limit=500", f.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"limit"`),
	})
	if body := call(t, h, "GET", p, f.XiAdminToken, "", http.StatusOK, nil).Body.String(); strings.Contains(body, "13800000001") {
		t.Errorf("members show a full phone number: %s", body)
	}
}

func TestAnnouncementCreate(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	mustJoin(t, s, f.Alice, f.Xi)
	p := path("/api/v1/communities/%d/announcements", f.Xi)
	post := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	ok := `{"title":"周六闭馆","body":"设备检修，<script>alert(1)</script>暂停开放。"}`
	run(t, h, []scenario{
		post("ErrOtherBranch", p, f.NanAdminToken, ok, http.StatusForbidden, "forbidden"),
		post("ErrResident", p, f.AliceToken, ok, http.StatusForbidden, "forbidden"),
		post("ErrChecker", p, f.XiCheckerToken, ok, http.StatusForbidden, "forbidden"),
		post("ErrNoToken", p, "", ok, http.StatusUnauthorized, "unauthorized"),
		post("ErrHub", path("/api/v1/communities/%d/announcements", f.Hub), f.HubAdminToken, ok, http.StatusNotFound, "not_found"),
		post("ErrTitle", p, f.XiAdminToken, `{"title":"","body":"内容"}`, http.StatusBadRequest, "invalid", `"field":"title"`),
		post("ErrBody", p, f.XiAdminToken, `{"title":"标题","body":"`+strings.Repeat("长", 2001)+`"}`, http.StatusBadRequest, "invalid", `"field":"body"`),
		post("ErrControl", p, f.XiAdminToken, `{"title":"标\u0007题","body":"内容"}`, http.StatusBadRequest, "invalid", `"field":"title"`),
		post("ErrUnknownField", p, f.XiAdminToken, `{"title":"标题","body":"内容","pinned":true}`, http.StatusBadRequest, "invalid"),
		{name: "ErrMediaType", method: "POST", path: p, token: f.XiAdminToken, body: ok, headers: map[string]string{"Content-Type": "text/plain"},
			wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
	})
	var inbox inboxReply
	call(t, h, "GET", "/api/v1/me/notifications", f.AliceToken, "", http.StatusOK, &inbox)
	before := inbox.Unread
	if n := announcements(inbox); n != 0 {
		t.Fatalf("refused announcements reached the inbox: %+v", inbox)
	}
	run(t, h, []scenario{
		{name: "OKNoneStored", method: "GET", path: p, wantStatus: http.StatusOK, wantText: []string{`{"items":[]}`}},
		// The body comes back as text: JSON escapes the tag, and clients
		// show it escaped.
		post("OK", p, f.XiAdminToken, ok, http.StatusCreated, "", `"title":"周六闭馆"`, `"unit_name":"焦西分馆"`,
			`\u003cscript\u003e`, `"author_name":"xiadmin"`),
		post("OKHub", p, f.HubAdminToken, `{"title":"总馆通知","body":"内容"}`, http.StatusCreated, ""),
	})
	// The end-to-end path: a member finds it in the inbox, unread (newest
	// first: the hub's, then 焦西's).
	call(t, h, "GET", "/api/v1/me/notifications", f.AliceToken, "", http.StatusOK, &inbox)
	if inbox.Unread != before+2 || announcements(inbox) != 2 || inbox.Items[1].Title != "焦西分馆：周六闭馆" {
		t.Errorf("Alice's inbox = %+v, want the two announcements unread", inbox)
	}
	call(t, h, "GET", "/api/v1/me/notifications", f.BobToken, "", http.StatusOK, &inbox)
	if n := announcements(inbox); n != 0 {
		t.Errorf("Bob, not a member, got %d announcements: %+v", n, inbox)
	}
}

// announcements counts the announcements of an inbox page.
func announcements(inbox inboxReply) int {
	n := 0
	for _, x := range inbox.Items {
		if x.Kind == culture.KindAnnouncement {
			n++
		}
	}
	return n
}

func TestAnnouncementIndex(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	xiAdmin := accountOf(t, s, f.XiAdminToken)
	mustAnnounce(t, s, f.Xi, xiAdmin, "周六闭馆")
	mustAnnounce(t, s, f.Xi, xiAdmin, "周日开放")
	p := path("/api/v1/communities/%d/announcements", f.Xi)
	get := func(name, p string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", p, http.StatusOK, "", `"title":"周日开放"`, `"title":"周六闭馆"`, `"body":"请准时参加。"`),
		get("OKLimit", p+"?limit=1", http.StatusOK, "", `"title":"周日开放"`),
		get("OKOtherCommunity", path("/api/v1/communities/%d/announcements", f.Nan), http.StatusOK, "", `{"items":[]}`),
		get("ErrLimit", p+"?limit=x", http.StatusBadRequest, "invalid", `"field":"limit"`),
		get("ErrHub", path("/api/v1/communities/%d/announcements", f.Hub), http.StatusNotFound, "not_found"),
		get("ErrUnknown", "/api/v1/communities/999/announcements", http.StatusNotFound, "not_found"),
	})
	if body := call(t, h, "GET", p+"?limit=1", "", "", http.StatusOK, nil).Body.String(); strings.Contains(body, "周六闭馆") {
		t.Errorf("limit=1 returned more than the newest: %s", body)
	}
}

// TestIssue5ServicesOptional checks that without their services the
// inbox, community, news and moderation routes answer 404, naming what is
// off, instead of failing.
func TestIssue5ServicesOptional(t *testing.T) {
	t.Parallel()
	_, s, f := newTestAPI(t)
	h := api.New(api.Config{Units: s, Accounts: s, Activities: s, Bookings: s, SMS: f.SMS,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}).Handler()
	off := func(name, method, p, token, message string) scenario {
		return scenario{name: name, method: method, path: p, token: token, body: "{}", wantStatus: http.StatusNotFound,
			wantCode: "not_found", wantText: []string{message}}
	}
	run(t, h, []scenario{
		off("Inbox", "GET", "/api/v1/me/notifications", f.AliceToken, "站内通知功能未启用"),
		off("Prefs", "PUT", "/api/v1/me/notification-prefs", f.AliceToken, "站内通知功能未启用"),
		off("Communities", "GET", "/api/v1/communities", "", "社群功能未启用"),
		off("Join", "PUT", path("/api/v1/communities/%d/membership", f.Xi), f.AliceToken, "社群功能未启用"),
		off("News", "GET", "/api/v1/news", "", "资讯功能未启用"),
		off("NewsCreate", "POST", "/api/v1/news", f.XiAdminToken, "资讯功能未启用"),
		off("Ratings", "GET", "/api/v1/ratings", f.XiAdminToken, "评价管理功能未启用"),
		off("Hide", "POST", "/api/v1/ratings/1/hide", f.XiAdminToken, "评价管理功能未启用"),
	})
}

// A retry with the same Idempotency-Key returns the first announcement
// with 200 and notifies no one again; another key, or another author with
// the same key, posts anew. Bad keys are refused before anything is stored.
func TestAnnouncementCreateIdempotent(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	mustJoin(t, s, f.Alice, f.Xi)
	p := path("/api/v1/communities/%d/announcements", f.Xi)
	post := func(token, key string, want int) int64 {
		t.Helper()
		rec := serve(h, scenario{method: "POST", path: p, token: token, body: `{"title":"周六闭馆","body":"设备检修。"}`,
			headers: map[string]string{"Idempotency-Key": key}, remoteAddr: "203.0.113.9:1"})
		var x struct {
			ID int64 `json:"id"`
		}
		if rec.Code != want || json.Unmarshal(rec.Body.Bytes(), &x) != nil || x.ID == 0 {
			t.Fatalf("key %q: %d %s, want %d", key, rec.Code, rec.Body.String(), want)
		}
		return x.ID
	}
	run(t, h, []scenario{
		{name: "ErrKeyTooLong", method: "POST", path: p, token: f.XiAdminToken, body: `{"title":"通知","body":"内容"}`,
			headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 101)}, wantStatus: http.StatusBadRequest,
			wantCode: "invalid", wantText: []string{`"field":"idempotency_key"`, "Idempotency-Key 过长（最多 100 个字符）。"}},
		{name: "ErrKeySpace", method: "POST", path: p, token: f.XiAdminToken, body: `{"title":"通知","body":"内容"}`,
			headers: map[string]string{"Idempotency-Key": "a b"}, wantStatus: http.StatusBadRequest,
			wantCode: "invalid", wantText: []string{`"field":"idempotency_key"`, "Idempotency-Key 只能包含可见的 ASCII 字符。"}},
	})
	first := post(f.XiAdminToken, "retry-1", http.StatusCreated)
	if again := post(f.XiAdminToken, "retry-1", http.StatusOK); again != first {
		t.Errorf("retry id = %d, want %d", again, first)
	}
	var inbox inboxReply
	call(t, h, "GET", "/api/v1/me/notifications", f.AliceToken, "", http.StatusOK, &inbox)
	if n := announcements(inbox); n != 1 {
		t.Errorf("Alice got %d announcements, want 1", n)
	}
	for _, other := range []int64{post(f.XiAdminToken, "retry-2", http.StatusCreated), post(f.HubAdminToken, "retry-1", http.StatusCreated)} {
		if other == first {
			t.Errorf("a new key or author got the first announcement %d", first)
		}
	}
}
