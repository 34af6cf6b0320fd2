package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestCommunityRepliesMatchOpenAPI checks the replies of the inbox,
// communities, news and rating moderation against the document, as
// TestRepliesMatchOpenAPI does for the rest: every route in success, and
// refusals of each kind. The requests run in order.
func TestCommunityRepliesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	var doc map[string]any
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	rating := mustRating(t, s, f)
	mustJoin(t, s, f.Alice, f.Xi)
	xiAdmin := accountOf(t, s, f.XiAdminToken)
	mustAnnounce(t, s, f.Xi, xiAdmin, "周六闭馆")
	cover := mustImage(t, s, &xiAdmin)
	draft := path("/api/v1/news/%d", mustArticle(t, s, f.Xi, xiAdmin, "草稿", false, &cover))
	xi := path("/api/v1/communities/%d", f.Xi)
	var inbox inboxReply
	call(t, h, "GET", "/api/v1/me/notifications", f.AliceToken, "", http.StatusOK, &inbox)
	read := path("/api/v1/me/notifications/%d/read", inbox.Items[0].ID)
	tests := []struct {
		route, path, token, body string
		status                   int
	}{
		{"GET /me/notifications", "/api/v1/me/notifications?unread=true", f.AliceToken, "", 200},
		{"GET /me/notifications", "/api/v1/me/notifications?unread=x", f.AliceToken, "", 400},
		{"GET /me/notifications", "/api/v1/me/notifications", "", "", 401},
		{"POST /me/notifications/{id}/read", read, f.AliceToken, "", 204},
		{"POST /me/notifications/{id}/read", read, f.BobToken, "", 404},
		{"POST /me/notifications/read-all", "/api/v1/me/notifications/read-all", f.AliceToken, "", 204},
		{"GET /me/notification-prefs", "/api/v1/me/notification-prefs", f.AliceToken, "", 200},
		{"PUT /me/notification-prefs", "/api/v1/me/notification-prefs", f.AliceToken, `{"channels":["sms"]}`, 200},
		{"PUT /me/notification-prefs", "/api/v1/me/notification-prefs", f.AliceToken, `{"channels":["fax"]}`, 400},
		{"GET /communities", "/api/v1/communities?within=" + itoa(f.Hub), "", "", 200},
		{"GET /communities", "/api/v1/communities?within=0", "", "", 400},
		{"GET /communities/{unit_id}", xi, f.AliceToken, "", 200},
		{"GET /communities/{unit_id}", xi, "wy_forged", "", 401},
		{"GET /communities/{unit_id}", path("/api/v1/communities/%d", f.Hub), "", "", 404},
		{"PUT /communities/{unit_id}/membership", xi + "/membership", f.BobToken, "", 204},
		{"DELETE /communities/{unit_id}/membership", xi + "/membership", f.BobToken, "", 204},
		{"DELETE /communities/{unit_id}/membership", xi + "/membership", f.BobToken, "", 404},
		{"GET /communities/{unit_id}/members", xi + "/members", f.XiAdminToken, "", 200},
		{"GET /communities/{unit_id}/members", xi + "/members", f.NanAdminToken, "", 403},
		{"GET /communities/{unit_id}/announcements", xi + "/announcements", "", "", 200},
		{"POST /communities/{unit_id}/announcements", xi + "/announcements", f.XiAdminToken, `{"title":"通知","body":"内容"}`, 201},
		{"POST /communities/{unit_id}/announcements", xi + "/announcements", f.NanAdminToken, `{"title":"通知","body":"内容"}`, 403},
		{"POST /communities/{unit_id}/announcements", xi + "/announcements", f.XiAdminToken, `{"title":"","body":"内容"}`, 400},
		{"POST /communities/{unit_id}/announcements", xi + "/announcements", f.XiAdminToken, strings.Repeat(" ", 70<<10), 413},
		{"GET /news", "/api/v1/news?within=" + itoa(f.Xi), "", "", 200},
		{"POST /news", "/api/v1/news", f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(cover)), 201},
		{"POST /news", "/api/v1/news", f.NanAdminToken, articleBody(f.Xi, ""), 403},
		{"GET /news/{id}", draft, f.XiAdminToken, "", 200},
		{"GET /news/{id}", draft, "", "", 404},
		{"PUT /news/{id}", draft, f.XiAdminToken, articleBody(f.Xi, `,"cover_id":`+itoa(cover)), 200},
		{"PUT /news/{id}", draft, f.XiAdminToken, articleBody(f.Xi, `,"cover_id":999`), 400},
		{"DELETE /news/{id}", draft, f.NanAdminToken, "", 403},
		{"DELETE /news/{id}", draft, f.XiAdminToken, "", 204},
		{"GET /ratings", "/api/v1/ratings?within=" + itoa(f.Xi), f.XiAdminToken, "", 200},
		{"GET /ratings", "/api/v1/ratings?within=" + itoa(f.Xi), f.AliceToken, "", 403},
		{"POST /ratings/{id}/hide", path("/api/v1/ratings/%d/hide", rating), f.XiAdminToken, `{"reason":"广告"}`, 200},
		{"POST /ratings/{id}/hide", path("/api/v1/ratings/%d/hide", rating), f.NanAdminToken, `{"reason":"广告"}`, 403},
		{"POST /ratings/{id}/show", path("/api/v1/ratings/%d/show", rating), f.XiAdminToken, "", 200},
		{"POST /ratings/{id}/show", "/api/v1/ratings/999/show", f.XiAdminToken, "", 404},
	}
	for _, tt := range tests {
		method, route, _ := strings.Cut(tt.route, " ")
		rec := call(t, h, method, tt.path, tt.token, tt.body, tt.status, nil)
		if tt.status == http.StatusNoContent {
			if !documented(doc, route, strings.ToLower(method), tt.status) {
				t.Errorf("%s %s: 204 not documented", method, route)
			}
			continue
		}
		schema, err := replySchema(doc, route, strings.ToLower(method), tt.status)
		if err != nil {
			t.Errorf("%s %s: %v", method, tt.path, err)
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %v", method, tt.path, err)
		}
		for _, problem := range conform(doc, schema, v, "$") {
			t.Errorf("%s %s %d: %s", method, tt.path, tt.status, problem)
		}
	}
}

// documented reports whether the operation documents the status.
func documented(doc map[string]any, route, method string, status int) bool {
	return dig(doc, "paths", route, method, "responses", itoa(int64(status))) != nil
}
