package api_test

import (
	"net/http"
	"testing"
)

func TestMe(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	run(t, h, []scenario{
		{name: "OKResident", method: "GET", path: "/api/v1/me", token: f.AliceToken, wantStatus: http.StatusOK,
			wantText: []string{`"phone":"13800000001"`, `"display_name":"138****0001"`, `"grants":[]`}},
		{name: "OKStaff", method: "GET", path: "/api/v1/me", token: f.XiAdminToken, wantStatus: http.StatusOK,
			wantText: []string{`"username":"xiadmin"`, `"role":"branch_admin"`, `"role_label":"分馆管理员"`, `"unit_name":"焦西分馆"`}},
		{name: "ErrNoToken", method: "GET", path: "/api/v1/me", wantStatus: http.StatusUnauthorized, wantCode: "unauthorized",
			wantText: []string{`{"error":{"code":"unauthorized","message":"请先登录。"}}`}},
		{name: "ErrBadToken", method: "GET", path: "/api/v1/me", token: "wy_AAAA", wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrEmptyBearer", method: "GET", path: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer  "},
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrMethod", method: "POST", path: "/api/v1/me", token: f.AliceToken, wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
	})
	rec := serve(h, scenario{method: "GET", path: "/api/v1/me"})
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

func TestFamily(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	fam := "/api/v1/me/family"
	run(t, h, []scenario{
		{name: "OKList", method: "GET", path: fam, token: f.AliceToken, wantStatus: http.StatusOK,
			wantText: []string{`"name":"小明"`, `"relation":"子女"`, `"birth_year":2018`}},
		{name: "OKCreate", method: "POST", path: fam, token: f.AliceToken, body: `{"name":"王奶奶","relation":"祖父母"}`,
			wantStatus: http.StatusCreated, wantText: []string{`"name":"王奶奶"`, `"birth_year":null`}},
		{name: "ErrRelation", method: "POST", path: fam, token: f.AliceToken, body: `{"name":"小李","relation":"朋友"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{`"field":"relation"`}},
		{name: "ErrName", method: "POST", path: fam, token: f.AliceToken, body: `{"name":"","relation":"子女"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{`"field":"name"`}},
		{name: "ErrBirthYear", method: "POST", path: fam, token: f.AliceToken, body: `{"name":"小李","relation":"子女","birth_year":1800}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid"},
		{name: "ErrUnknownField", method: "POST", path: fam, token: f.AliceToken, body: `{"name":"小李","relation":"子女","id_card":"1"}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid"},
		{name: "ErrNoToken", method: "POST", path: fam, body: `{"name":"小李","relation":"子女"}`,
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrDeleteOthers", method: "DELETE", path: path("%s/%d", fam, f.BobChild), token: f.AliceToken,
			wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrDeleteBadID", method: "DELETE", path: fam + "/abc", token: f.AliceToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "OKDelete", method: "DELETE", path: path("%s/%d", fam, f.AliceChild), token: f.AliceToken, wantStatus: http.StatusNoContent},
		{name: "ErrDeleteAgain", method: "DELETE", path: path("%s/%d", fam, f.AliceChild), token: f.AliceToken,
			wantStatus: http.StatusNotFound, wantCode: "not_found"},
	})
	var reply struct {
		Items []struct {
			Name string `json:"name"`
		} `json:"items"`
	}
	call(t, h, "GET", fam, f.AliceToken, "", http.StatusOK, &reply)
	if len(reply.Items) != 1 || reply.Items[0].Name != "王奶奶" {
		t.Errorf("family after adding one and deleting one = %+v, want only 王奶奶", reply.Items)
	}
	call(t, h, "GET", fam, f.BobToken, "", http.StatusOK, &reply)
	if len(reply.Items) != 1 || reply.Items[0].Name != "小红" {
		t.Errorf("Bob's family = %+v, want 小红 untouched", reply.Items)
	}
}
