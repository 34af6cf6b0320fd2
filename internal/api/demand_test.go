package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

// requestBody files a request of item at unit.
func requestBody(item, unit int64, extra string) string {
	return `{"item_id":` + itoa(item) + `,"unit_id":` + itoa(unit) + `,"preferred_dates":"四月的周六下午",` +
		`"expected_audience":120,"mode":"lottery","note":"社区老人多"` + extra + `}`
}

func TestRequestCreate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/requests", token: token, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	nan := requestBody(m.Published, m.Nan, "")
	refuse := func(name, old, new, field string) scenario {
		return post(name, m.NanAdminToken, strings.Replace(nan, old, new, 1), http.StatusBadRequest, "invalid", `"field":"`+field+`"`)
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", nan, http.StatusUnauthorized, "unauthorized"),
		post("ErrOtherBranch", m.XiAdminToken, nan, http.StatusForbidden, "forbidden"),
		post("ErrChecker", m.XiCheckerToken, requestBody(m.Published, m.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrResident", m.AliceToken, nan, http.StatusForbidden, "forbidden"),
		post("ErrStaff", m.StaffToken, nan, http.StatusForbidden, "forbidden"),
		post("ErrDuplicate", m.XiAdminToken, requestBody(m.Published, m.Xi, ""), http.StatusConflict, "conflict"),
		post("ErrPending", m.NanAdminToken, requestBody(m.Pending, m.Nan, ""), http.StatusBadRequest, culture.ReasonNotPublished),
		refuse("ErrItemUnknown", `"item_id":`+itoa(m.Published), `"item_id":999`, "item_id"),
		refuse("ErrItemZero", `"item_id":`+itoa(m.Published), `"item_id":0`, "item_id"),
		refuse("ErrUnitUnknown", `"unit_id":`+itoa(m.Nan), `"unit_id":999`, "unit_id"),
		refuse("ErrAudience", `"expected_audience":120`, `"expected_audience":-3`, "expected_audience"),
		refuse("ErrAudienceAbsurd", `"expected_audience":120`, `"expected_audience":1000000`, "expected_audience"),
		refuse("ErrMode", `"lottery"`, `"raffle"`, "mode"),
		refuse("ErrDates", `"四月的周六下午"`, `""`, "preferred_dates"),
		refuse("ErrItemText", `"item_id":`+itoa(m.Published), `"item_id":"一"`, "item_id"),
		post("ErrUnknownField", m.NanAdminToken, requestBody(m.Published, m.Nan, `,"budget":1`), http.StatusBadRequest, "invalid", "budget"),
	})
	run(t, h, []scenario{
		post("OK", m.NanAdminToken, nan, http.StatusCreated, "", `"status":"open"`, `"unit_name":"焦南分馆"`,
			`"item_title":"越剧经典折子戏"`, `"expected_audience":120`, `"mode":"lottery"`),
		post("ErrHubIsNotBranch", m.HubAdminToken, requestBody(m.Published, m.Hub, ""), http.StatusBadRequest, "invalid", `"field":"unit_id"`),
	})
}

func TestRequestIndex(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/requests" + query, token: token,
			wantStatus: status, wantCode: code, wantText: text}
	}
	xi := "?within=" + itoa(m.Xi)
	run(t, h, []scenario{
		get("OKBranch", xi, m.XiAdminToken, http.StatusOK, "", `"id":`+itoa(m.Request), `"status_label":"待安排"`),
		get("OKHub", "?within="+itoa(m.Hub)+"&status=open", m.HubAdminToken, http.StatusOK, "", `"id":`+itoa(m.Request)),
		get("OKNone", xi+"&status=declined", m.XiAdminToken, http.StatusOK, "", `"items":[]`),
		get("ErrOtherBranch", xi, m.NanAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrChecker", xi, m.XiCheckerToken, http.StatusForbidden, "forbidden"),
		get("ErrStaff", xi, m.StaffToken, http.StatusForbidden, "forbidden"),
		get("ErrNoWithin", "", m.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrWithinText", "?within=xi", m.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrStatus", xi+"&status=lost", m.XiAdminToken, http.StatusBadRequest, "invalid", `"field":"status"`),
		get("ErrNoToken", xi, "", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestRequestWithdraw(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/requests/%d/withdraw", m.Request)
	post := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		post("ErrOtherBranch", p, m.NanAdminToken, http.StatusForbidden, "forbidden"),
		post("ErrResident", p, m.AliceToken, http.StatusForbidden, "forbidden"),
		post("ErrStaff", p, m.StaffToken, http.StatusForbidden, "forbidden"),
		post("ErrUnknown", "/api/v1/requests/999/withdraw", m.XiAdminToken, http.StatusNotFound, "not_found"),
	})
	run(t, h, []scenario{
		post("OK", p, m.XiAdminToken, http.StatusOK, "", `"status":"withdrawn"`),
		post("ErrAgain", p, m.XiAdminToken, http.StatusConflict, "conflict"),
	})
}

func TestRequestDecline(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/requests/%d/decline", m.Request)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	reason := `{"reason":"本季度预算已用完。"}`
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", reason, http.StatusUnauthorized, "unauthorized"),
		post("ErrBranch", m.XiAdminToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrOtherHub", m.OtherHubToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrNoReason", m.HubAdminToken, `{}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		post("ErrMalformed", m.HubAdminToken, `{"reason":`, http.StatusBadRequest, "invalid"),
	})
	run(t, h, []scenario{
		post("OK", m.HubAdminToken, reason, http.StatusOK, "", `"status":"declined"`, `"reason":"本季度预算已用完。"`),
		post("ErrAgain", m.HubAdminToken, reason, http.StatusConflict, "conflict"),
	})
}

// staffViews are the scenarios every staff view of a unit and season
// shares: demand and figures.
func staffViews(m *menuFixture, route string) []scenario {
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: route + query, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	hub, xi := "?unit_id="+itoa(m.Hub), "?unit_id="+itoa(m.Xi)
	return []scenario{
		get("OKHub", hub, m.HubAdminToken, http.StatusOK, "", `"season":"2026Q1"`),
		get("OKBranch", xi+"&season=2026Q1", m.XiAdminToken, http.StatusOK, "", `"season_label":"2026 年第 1 季度"`),
		// Staff covering the unit without filing requests there may not
		// see its demand and budgets.
		get("ErrChecker", xi, m.XiCheckerToken, http.StatusForbidden, "forbidden"),
		get("ErrProviderStaffAtHub", hub, m.StaffToken, http.StatusForbidden, "forbidden"),
		get("ErrProviderStaffAtBranch", xi, m.StaffToken, http.StatusForbidden, "forbidden"),
		get("ErrOtherBranch", xi, m.NanAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrBranchAtHub", hub, m.XiAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrOtherHub", hub, m.OtherHubToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", xi, m.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrSeason", hub+"&season=2026Q9", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"season"`),
		get("ErrSeasonFormat", hub+"&season=2026-Q1", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"season"`),
		get("ErrNoUnit", "", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		get("ErrUnitUnknown", "?unit_id=999", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		get("ErrNoToken", hub, "", http.StatusUnauthorized, "unauthorized"),
	}
}

func TestDemand(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	call(t, h, "POST", path("/api/v1/menu/%d/support", m.Published), m.AliceToken, `{"unit_id":`+itoa(m.Xi)+`}`, http.StatusCreated, nil)
	run(t, h, staffViews(m, "/api/v1/demand"))
	run(t, h, []scenario{{name: "OKCounts", method: "GET", path: "/api/v1/demand?unit_id=" + itoa(m.Xi), token: m.XiAdminToken,
		wantStatus: http.StatusOK, wantText: []string{`"supports":1`, `"item_title":"越剧经典折子戏"`, `"requests":[{`, `"trend":[{`}}})
}

func TestFigures(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	run(t, h, staffViews(m, "/api/v1/figures"))
	run(t, h, []scenario{{name: "OKCounts", method: "GET", path: "/api/v1/figures?unit_id=" + itoa(m.Hub), token: m.HubAdminToken,
		wantStatus: http.StatusOK, wantText: []string{`"unit_name":"焦西分馆"`, `"requests":1`, `"fulfilment_rate":`, `"budget_used":0`}}})
}
