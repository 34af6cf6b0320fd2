package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestRatingIndexForStaff(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	mustRating(t, s, f)
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/ratings" + query, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	xi := "?within=" + itoa(f.Xi)
	run(t, h, []scenario{
		get("OK", xi, f.XiAdminToken, http.StatusOK, "", `"total":1`, `"score":2`, `"activity_title":"音乐沙龙"`,
			`"unit_id":`+itoa(f.Xi), `"hidden":false`, `"hidden_reason":""`, `"author_name":"138****0001"`, `\u003cscript\u003e`),
		get("OKHub", "?within="+itoa(f.Hub)+"&limit=1", f.HubAdminToken, http.StatusOK, "", `"total":1`),
		get("OKNone", "?within="+itoa(f.Nan), f.NanAdminToken, http.StatusOK, "", `"total":0`, `"items":[]`),
		get("ErrOtherBranch", xi, f.NanAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrChecker", xi, f.XiCheckerToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", xi, f.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrNoToken", xi, "", http.StatusUnauthorized, "unauthorized"),
		get("ErrNoWithin", "", f.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrWithinUnknown", "?within=999", f.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrOffset", xi+"&offset=x", f.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"offset"`),
	})
}

func TestRatingHide(t *testing.T) {
	t.Parallel()
	h, s, f := newTestAPI(t)
	id := mustRating(t, s, f)
	hide, show := path("/api/v1/ratings/%d/hide", id), path("/api/v1/ratings/%d/show", id)
	post := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	reason := `{"reason":"含不当内容"}`
	list := func(name, token string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/ratings?within=" + itoa(f.Xi), token: token,
			wantStatus: http.StatusOK, wantText: text}
	}
	run(t, h, []scenario{
		post("ErrOtherBranch", hide, f.NanAdminToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrChecker", hide, f.XiCheckerToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrResident", hide, f.AliceToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrNoToken", hide, "", reason, http.StatusUnauthorized, "unauthorized"),
		post("ErrUnknown", "/api/v1/ratings/999/hide", f.XiAdminToken, reason, http.StatusNotFound, "not_found"),
		post("ErrBadID", "/api/v1/ratings/x/hide", f.XiAdminToken, reason, http.StatusNotFound, "not_found"),
		post("ErrNoBody", hide, f.XiAdminToken, "", http.StatusUnsupportedMediaType, "unsupported_media_type"),
		post("ErrNoReason", hide, f.XiAdminToken, `{"reason":"  "}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		post("ErrLongReason", hide, f.XiAdminToken, `{"reason":"`+strings.Repeat("因", 201)+`"}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		post("ErrShowOtherBranch", show, f.NanAdminToken, "", http.StatusForbidden, "forbidden"),
		list("OKStillShown", f.XiAdminToken, `"hidden":false`),
		post("OK", hide, f.XiAdminToken, reason, http.StatusOK, "", `"id":`+itoa(id), `"hidden":true`,
			`"hidden_reason":"含不当内容"`, `"activity_title":"音乐沙龙"`, `"unit_id":`+itoa(f.Xi), `"author_name":"138****0001"`),
		list("OKListed", f.HubAdminToken, `"hidden":true`, `"hidden_reason":"含不当内容"`),
		post("ErrShowLongReason", show, f.HubAdminToken, `{"reason":"`+strings.Repeat("因", 201)+`"}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		list("OKStillHidden", f.XiAdminToken, `"hidden":true`),
		post("OKShow", show, f.HubAdminToken, "", http.StatusOK, "", `"id":`+itoa(id), `"hidden":false`, `"hidden_reason":""`),
		list("OKShown", f.XiAdminToken, `"hidden":false`, `"hidden_reason":""`),
		post("OKShowWithReason", show, f.XiAdminToken, `{"reason":"误操作"}`, http.StatusOK, "", `"hidden":false`, `"hidden_reason":""`),
	})
}
