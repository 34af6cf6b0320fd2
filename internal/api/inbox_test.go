package api_test

import (
	"net/http"
	"testing"
)

// inboxReply is the part of the inbox reply the tests read.
type inboxReply struct {
	Items []struct {
		ID     int64   `json:"id"`
		Kind   string  `json:"kind"`
		Title  string  `json:"title"`
		ReadAt *string `json:"read_at"`
	} `json:"items"`
	Total  int `json:"total"`
	Unread int `json:"unread"`
}

func TestNotificationIndex(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	// A resident without bookings, so that only the announcements reach
	// the inbox; Bob's inbox must stay apart.
	carol, carolToken := mustResident(t, s, "13800000009")
	mustJoin(t, s, carol, f.Xi)
	xiAdmin := accountOf(t, s, f.XiAdminToken)
	mustAnnounce(t, s, f.Xi, xiAdmin, "周六闭馆")
	mustAnnounce(t, s, f.Xi, xiAdmin, "周日开放")
	p := "/api/v1/me/notifications"
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p + query, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", "", carolToken, http.StatusOK, "", `"total":2`, `"unread":2`, `"kind":"announcement"`,
			`"kind_label":"社群公告"`, `"title":"焦西分馆：周日开放"`, `"read_at":null`),
		get("OKPage", "?unread=true&limit=1&offset=1", carolToken, http.StatusOK, "", `"total":2`, `"title":"焦西分馆：周六闭馆"`),
		get("OKOthersApart", "", f.AliceToken, http.StatusOK, ""),
		get("ErrUnread", "?unread=maybe", carolToken, http.StatusBadRequest, "invalid", `"field":"unread"`),
		get("ErrLimit", "?limit=0", carolToken, http.StatusBadRequest, "invalid", `"field":"limit"`),
		get("ErrOffset", "?offset=-1", carolToken, http.StatusBadRequest, "invalid", `"field":"offset"`),
		get("ErrNoToken", "", "", http.StatusUnauthorized, "unauthorized"),
	})
	var alice inboxReply
	call(t, h, "GET", p, f.AliceToken, "", http.StatusOK, &alice)
	if n := announcements(alice); n != 0 {
		t.Errorf("Alice, not a member, got %d announcements: %+v", n, alice)
	}
}

func TestNotificationRead(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	carol, carolToken := mustResident(t, s, "13800000009")
	mustJoin(t, s, carol, f.Xi)
	mustJoin(t, s, f.Bob, f.Xi)
	xiAdmin := accountOf(t, s, f.XiAdminToken)
	mustAnnounce(t, s, f.Xi, xiAdmin, "周六闭馆")
	mustAnnounce(t, s, f.Xi, xiAdmin, "周日开放")
	var inbox inboxReply
	call(t, h, "GET", "/api/v1/me/notifications", carolToken, "", http.StatusOK, &inbox)
	first := inbox.Items[0].ID
	post := func(name, p, token string, status int, code string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, wantStatus: status, wantCode: code}
	}
	read := path("/api/v1/me/notifications/%d/read", first)
	run(t, h, []scenario{
		post("ErrOthers", read, f.BobToken, http.StatusNotFound, "not_found"),
		post("ErrUnknown", "/api/v1/me/notifications/999/read", carolToken, http.StatusNotFound, "not_found"),
		post("ErrBadID", "/api/v1/me/notifications/abc/read", carolToken, http.StatusNotFound, "not_found"),
		post("ErrNoToken", read, "", http.StatusUnauthorized, "unauthorized"),
		post("OK", read, carolToken, http.StatusNoContent, ""),
		post("OKAgain", read, carolToken, http.StatusNoContent, ""),
	})
	call(t, h, "GET", "/api/v1/me/notifications?unread=true", carolToken, "", http.StatusOK, &inbox)
	if inbox.Total != 1 || inbox.Unread != 1 || inbox.Items[0].ID == first {
		t.Errorf("after reading one: %+v, want the other one unread", inbox)
	}
	call(t, h, "GET", "/api/v1/me/notifications?unread=true", f.BobToken, "", http.StatusOK, &inbox)
	if n := announcements(inbox); n != 2 {
		t.Errorf("Bob has %d unread announcements, want 2: Carol's reading changed his", n)
	}
	run(t, h, []scenario{
		post("OKAll", "/api/v1/me/notifications/read-all", carolToken, http.StatusNoContent, ""),
		post("ErrAllNoToken", "/api/v1/me/notifications/read-all", "", http.StatusUnauthorized, "unauthorized"),
	})
	call(t, h, "GET", "/api/v1/me/notifications", carolToken, "", http.StatusOK, &inbox)
	if inbox.Total != 2 || inbox.Unread != 0 || inbox.Items[1].ReadAt == nil {
		t.Errorf("after reading all: %+v, want 2 read", inbox)
	}
}

func TestNotificationPrefs(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	p := "/api/v1/me/notification-prefs"
	put := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "PUT", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	get := func(name, token string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: http.StatusOK, wantText: text}
	}
	run(t, h, []scenario{
		get("OKDefault", f.AliceToken, `{"channels":[],"email":"","wechat_openid":""}`),
		put("OK", f.AliceToken, `{"channels":["email","sms"],"email":"alice@example.com"}`, http.StatusOK, "",
			`"channels":["sms","email"]`, `"email":"alice@example.com"`),
		get("OKStored", f.AliceToken, `{"channels":["sms","email"],"email":"alice@example.com","wechat_openid":""}`),
	})
	stored := `{"channels":["sms","email"],"email":"alice@example.com","wechat_openid":""}`
	refusals := []scenario{
		put("ErrChannel", f.AliceToken, `{"channels":["sms","fax"],"email":"bob@example.com"}`, http.StatusBadRequest, "invalid",
			`"field":"channels"`, `通知方式无效`),
		put("ErrInbox", f.AliceToken, `{"channels":["inbox"]}`, http.StatusBadRequest, "invalid", `"field":"channels"`),
		put("ErrEmailMissing", f.AliceToken, `{"channels":["email"]}`, http.StatusBadRequest, "invalid", `"field":"email"`),
		put("ErrEmail", f.AliceToken, `{"channels":[],"email":"not an address"}`, http.StatusBadRequest, "invalid", `"field":"email"`),
		put("ErrWeChat", f.AliceToken, `{"channels":["wechat"],"wechat_openid":"<b>"}`, http.StatusBadRequest, "invalid", `"field":"wechat_openid"`),
		put("ErrType", f.AliceToken, `{"channels":"sms"}`, http.StatusBadRequest, "invalid", `"field":"channels"`),
		put("ErrUnknownField", f.AliceToken, `{"channels":[],"phone":"13900000000"}`, http.StatusBadRequest, "invalid"),
		put("ErrNoToken", "", `{"channels":[]}`, http.StatusUnauthorized, "unauthorized"),
		get("OKUnchanged", f.AliceToken, stored),
		get("OKBobApart", f.BobToken, `"channels":[]`),
	}
	run(t, h, refusals)
}
