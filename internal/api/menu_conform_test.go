package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMenuRepliesMatchOpenAPI checks the culture menu's replies against
// the document, as TestRepliesMatchOpenAPI does for the rest: every route
// once in success, and refusals of each kind. The requests run in order
// (the delivery is confirmed near the end).
func TestMenuRepliesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	var doc map[string]any
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	call(t, h, "POST", "/api/v1/checkins", m.XiCheckerToken, `{"code":"`+m.AliceBooking.Code+`"}`, http.StatusOK, nil)
	dlv, req := path("/api/v1/deliveries/%d", m.Planned), path("/api/v1/requests/%d", m.Request)
	tests := []struct {
		route, path, token, body string
		status                   int
	}{
		{"GET /providers", "/api/v1/providers", "", "", 200},
		{"POST /providers", "/api/v1/providers", m.HubAdminToken, providerBody(m.Hub, ""), 201},
		{"POST /providers", "/api/v1/providers", m.XiAdminToken, providerBody(m.Hub, ""), 403},
		{"GET /providers/{id}", path("/api/v1/providers/%d", m.Provider), m.StaffToken, "", 200},
		{"GET /providers/{id}", path("/api/v1/providers/%d", m.Provider), "", "", 200},
		{"GET /providers/{id}", "/api/v1/providers/999", "", "", 404},
		{"PUT /providers/{id}", path("/api/v1/providers/%d", m.Rival), m.HubAdminToken, `{"name":"青禾","level":"city","kind":"school"}`, 200},
		{"GET /providers/{id}/items", path("/api/v1/providers/%d/items", m.Provider), m.StaffToken, "", 200},
		{"POST /providers/{id}/items", path("/api/v1/providers/%d/items", m.Provider), m.StaffToken, itemBody(""), 201},
		{"POST /providers/{id}/items", path("/api/v1/providers/%d/items", m.Provider), m.StaffToken, itemBody(`,"cost":-1`), 400},
		{"GET /providers/{id}/deliveries", path("/api/v1/providers/%d/deliveries", m.Provider), m.StaffToken, "", 200},
		{"GET /menu", "/api/v1/menu", "", "", 200},
		{"GET /menu", "/api/v1/menu?sort=x", "", "", 400},
		{"GET /menu/{id}", path("/api/v1/menu/%d", m.Published), "", "", 200},
		{"PUT /menu/{id}", path("/api/v1/menu/%d", m.Published), m.StaffToken, itemBody(""), 200},
		{"PUT /menu/{id}", path("/api/v1/menu/%d", m.Published), m.RivalToken, itemBody(""), 403},
		{"GET /menu/{id}/ratings", path("/api/v1/menu/%d/ratings", m.Published), "", "", 200},
		{"POST /menu/{id}/support", path("/api/v1/menu/%d/support", m.Published), m.AliceToken, `{"unit_id":` + itoa(m.Xi) + `}`, 201},
		{"POST /menu/{id}/support", path("/api/v1/menu/%d/support", m.Published), m.AliceToken, `{"unit_id":` + itoa(m.Xi) + `}`, 409},
		{"GET /me/supports", "/api/v1/me/supports", m.AliceToken, "", 200},
		{"GET /review", "/api/v1/review", m.HubAdminToken, "", 200},
		{"POST /review/{id}/approve", path("/api/v1/review/%d/approve", m.PendingRev), m.HubAdminToken, "", 200},
		{"POST /review/{id}/return", path("/api/v1/review/%d/return", m.OtherPendingRev), m.OtherHubToken, `{"reason":"缺少图片。"}`, 200},
		{"POST /requests", "/api/v1/requests", m.NanAdminToken, requestBody(m.Published, m.Nan, ""), 201},
		{"GET /requests", "/api/v1/requests?within=" + itoa(m.Hub), m.HubAdminToken, "", 200},
		{"GET /demand", "/api/v1/demand?unit_id=" + itoa(m.Hub), m.HubAdminToken, "", 200},
		{"GET /figures", "/api/v1/figures?unit_id=" + itoa(m.Hub), m.HubAdminToken, "", 200},
		{"POST /deliveries", "/api/v1/deliveries", m.HubAdminToken, deliveryBody(m, m.Xi, `,"request_id":`+itoa(m.Request)), 201},
		{"GET /deliveries", "/api/v1/deliveries?within=" + itoa(m.Hub), m.HubAdminToken, "", 200},
		{"GET /deliveries/{id}", dlv, m.XiAdminToken, "", 200},
		{"PATCH /deliveries/{id}", dlv, m.XiAdminToken, `{"mode":"lottery"}`, 200},
		{"POST /deliveries/{id}/confirm", dlv + "/confirm", m.StaffToken, "", 200},
		{"POST /deliveries/{id}/confirm", dlv + "/confirm", m.StaffToken, "", 409},
		{"POST /deliveries/{id}/decline", "/api/v1/deliveries/2/decline", m.StaffToken, `{"reason":"没空。"}`, 200},
		{"POST /deliveries/{id}/cancel", dlv + "/cancel", m.HubAdminToken, `{"reason":"下雨。"}`, 200},
		{"POST /deliveries/{id}/settle", dlv + "/settle", m.HubAdminToken, `{"cost":100}`, 409},
		{"POST /requests/{id}/withdraw", "/api/v1/requests/2/withdraw", m.NanAdminToken, "", 200},
		// Declining delivery 2 reopened the request it answered.
		{"POST /requests/{id}/decline", req + "/decline", m.HubAdminToken, `{"reason":"预算不足。"}`, 200},
		{"POST /requests/{id}/decline", req + "/decline", m.HubAdminToken, `{"reason":"预算不足。"}`, 409},
		{"GET /series", "/api/v1/series", "", "", 200},
		{"GET /series/{id}", path("/api/v1/series/%d", m.Series), m.AliceToken, "", 200},
		{"GET /series/{id}/activities", path("/api/v1/series/%d/activities", m.Series), "", "", 200},
		{"POST /activities/{id}/ratings", path("/api/v1/activities/%d/ratings", m.XiBooked), m.BobToken, `{"score":5}`, 403},
		{"POST /activities/{id}/ratings", path("/api/v1/activities/%d/ratings", m.XiBooked), m.AliceToken, `{"score":5}`, 201},
	}
	for i, tt := range tests {
		if i == len(tests)-1 { // rating needs the activity to have ended
			s.Now = func() time.Time { return now.Add(5 * time.Hour) }
		}
		method, route, _ := strings.Cut(tt.route, " ")
		rec := call(t, h, method, tt.path, tt.token, tt.body, tt.status, nil)
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
