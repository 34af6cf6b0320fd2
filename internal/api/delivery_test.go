package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// deliveryBody plans the published item to unit on 10 March, 14:00.
func deliveryBody(m *menuFixture, unit int64, extra string) string {
	return `{"item_id":` + itoa(m.Published) + `,"unit_id":` + itoa(unit) + `,"starts_at":"2026-03-10T14:00:00+08:00",` +
		`"ends_at":"2026-03-10T16:00:00+08:00","capacity":80,"mode":"first_come"` + extra + `}`
}

func TestDeliveryCreate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/deliveries", token: token, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	refuse := func(name, body, field string) scenario {
		return post(name, m.HubAdminToken, body, http.StatusBadRequest, "invalid", `"field":"`+field+`"`)
	}
	at := func(old, new string) string { return strings.Replace(deliveryBody(m, m.Xi, ""), old, new, 1) }
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", deliveryBody(m, m.Xi, ""), http.StatusUnauthorized, "unauthorized"),
		post("ErrBranchAdmin", m.XiAdminToken, deliveryBody(m, m.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrStaff", m.StaffToken, deliveryBody(m, m.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrOtherHubUnit", m.HubAdminToken, deliveryBody(m, m.OtherBranch, ""), http.StatusForbidden, "forbidden"),
		post("ErrOtherHubPlanner", m.OtherHubToken, deliveryBody(m, m.OtherBranch, ""), http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		refuse("ErrPast", at("2026-03-10T14:00", "2026-03-01T14:00"), "starts_at"),
		refuse("ErrTooFar", strings.ReplaceAll(deliveryBody(m, m.Xi, ""), "2026-03-10", "2027-06-10"), "starts_at"),
		refuse("ErrEndsFirst", at("16:00:00", "13:00:00"), "ends_at"),
		refuse("ErrTimeFormat", at("2026-03-10T14:00:00+08:00", "2026-03-10 14:00"), "starts_at"),
		refuse("ErrCapacity", at(`"capacity":80`, `"capacity":1000000`), "capacity"),
		refuse("ErrCapacityNegative", at(`"capacity":80`, `"capacity":-5`), "capacity"),
		refuse("ErrMode", at("first_come", "raffle"), "mode"),
		refuse("ErrUnitUnknown", deliveryBody(m, 999, ""), "unit_id"),
		refuse("ErrItemUnknown", at(`"item_id":`+itoa(m.Published), `"item_id":999`), "item_id"),
		refuse("ErrRoom", deliveryBody(m, m.Xi, `,"room_id":999`), "room_id"),
		refuse("ErrRequestOtherUnit", deliveryBody(m, m.Nan, `,"request_id":`+itoa(m.Request)), "request_id"),
		post("ErrPending", m.HubAdminToken, at(`"item_id":`+itoa(m.Published), `"item_id":`+itoa(m.Pending)),
			http.StatusBadRequest, culture.ReasonNotPublished),
		post("ErrUnknownField", m.HubAdminToken, deliveryBody(m, m.Xi, `,"price":1`), http.StatusBadRequest, "invalid", "price"),
	})
	run(t, h, []scenario{
		post("OK", m.HubAdminToken, deliveryBody(m, m.Xi, `,"request_id":`+itoa(m.Request)+`,"note":"请提前一小时到"`),
			http.StatusCreated, "", `"status":"planned"`, `"provider_name":"星光越剧团"`, `"unit_name":"焦西分馆"`,
			`"starts_at":"2026-03-10T06:00:00Z"`, `"request_id":`+itoa(m.Request)),
		post("ErrRequestPlanned", m.HubAdminToken, deliveryBody(m, m.Xi, `,"request_id":`+itoa(m.Request)), http.StatusConflict, "conflict"),
	})
	call(t, h, "GET", "/api/v1/requests?within="+itoa(m.Xi)+"&status=planned", m.XiAdminToken, "", http.StatusOK, nil)
}

func TestDeliveryIndex(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/deliveries" + query, token: token,
			wantStatus: status, wantCode: code, wantText: text}
	}
	hub, xi := "?within="+itoa(m.Hub), "?within="+itoa(m.Xi)
	run(t, h, []scenario{
		get("OKHub", hub, m.HubAdminToken, http.StatusOK, "", `"total":1`, `"id":`+itoa(m.Planned)),
		get("OKBranch", xi, m.XiAdminToken, http.StatusOK, "", `"total":1`),
		get("OKFilters", hub+"&provider_id="+itoa(m.Provider)+"&status=planned&season=2026Q1&limit=10", m.HubAdminToken, http.StatusOK, "", `"total":1`),
		get("OKOtherSeason", hub+"&season=2026Q2", m.HubAdminToken, http.StatusOK, "", `"total":0`),
		get("OKOtherBranch", "?within="+itoa(m.Nan), m.NanAdminToken, http.StatusOK, "", `"total":0`),
		get("ErrOtherBranch", xi, m.NanAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrBranchAdminHub", hub, m.XiAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrChecker", xi, m.XiCheckerToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", xi, m.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrStaff", hub, m.StaffToken, http.StatusForbidden, "forbidden"),
		get("ErrNoWithin", "", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrWithinUnknown", "?within=999", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"within"`),
		get("ErrStatus", hub+"&status=lost", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"status"`),
		get("ErrSeason", hub+"&season=2026Q9", m.HubAdminToken, http.StatusBadRequest, "invalid", `"field":"season"`),
		get("ErrNoToken", hub, "", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestProviderDeliveries(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/providers/%d/deliveries", m.Provider)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OKStaff", p, m.StaffToken, http.StatusOK, "", `"total":1`, `"status":"planned"`),
		get("OKReviewer", p+"?status=planned&season=2026Q1", m.HubAdminToken, http.StatusOK, "", `"total":1`),
		get("OKRivalOwn", path("/api/v1/providers/%d/deliveries", m.Rival), m.RivalToken, http.StatusOK, "", `"total":0`),
		get("ErrRival", p, m.RivalToken, http.StatusForbidden, "forbidden"),
		get("ErrBranchAdmin", p, m.XiAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrUnknown", "/api/v1/providers/999/deliveries", m.StaffToken, http.StatusNotFound, "not_found"),
		get("ErrStatus", p+"?status=x", m.StaffToken, http.StatusBadRequest, "invalid", `"field":"status"`),
		get("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestDeliveryView(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/deliveries/%d", m.Planned)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OKHub", p, m.HubAdminToken, http.StatusOK, "", `"status_label":"已计划"`, `"item_title":"越剧经典折子戏"`),
		get("OKBranch", p, m.XiAdminToken, http.StatusOK, ""),
		get("OKStaff", p, m.StaffToken, http.StatusOK, ""),
		get("ErrRival", p, m.RivalToken, http.StatusForbidden, "forbidden"),
		get("ErrOtherBranch", p, m.NanAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrChecker", p, m.XiCheckerToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", p, m.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrUnknown", "/api/v1/deliveries/999", m.HubAdminToken, http.StatusNotFound, "not_found"),
		get("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestDeliveryConfirm(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/deliveries/%d/confirm", m.Planned)
	post := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		post("ErrRival", p, m.RivalToken, http.StatusForbidden, "forbidden"),
		post("ErrHub", p, m.HubAdminToken, http.StatusForbidden, "forbidden"),
		post("ErrBranch", p, m.XiAdminToken, http.StatusForbidden, "forbidden"),
		post("ErrUnknown", "/api/v1/deliveries/999/confirm", m.StaffToken, http.StatusNotFound, "not_found"),
	})
	run(t, h, []scenario{
		post("OK", p, m.StaffToken, http.StatusOK, "", `"status":"published"`, `"activity_id":`),
		post("ErrAgain", p, m.StaffToken, http.StatusConflict, "conflict"),
	})
	// The activity is on 焦西's list.
	titles, _ := listTitles(t, h, "unit="+itoa(m.Xi)+"&from=2026-03-09&to=2026-03-10")
	if len(titles) != 1 || titles[0] != "越剧经典折子戏" {
		t.Errorf("焦西's activities on 9 March = %v, want the delivered item", titles)
	}
}

func TestDeliveryDecline(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/deliveries/%d/decline", m.Planned)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	reason := `{"reason":"演员档期冲突。"}`
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", reason, http.StatusUnauthorized, "unauthorized"),
		post("ErrRival", m.RivalToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrHub", m.HubAdminToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrNoReason", m.StaffToken, `{}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		post("ErrReasonControl", m.StaffToken, `{"reason":"\u0007"}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
	})
	run(t, h, []scenario{
		post("OK", m.StaffToken, reason, http.StatusOK, "", `"status":"declined"`, `"reason":"演员档期冲突。"`),
		post("ErrAgain", m.StaffToken, reason, http.StatusConflict, "conflict"),
	})
}

func TestDeliveryCancel(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/deliveries/%d/cancel", m.Planned)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	reason := `{"reason":"场地维修。"}`
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", reason, http.StatusUnauthorized, "unauthorized"),
		post("ErrBranch", m.XiAdminToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrStaff", m.StaffToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrOtherHub", m.OtherHubToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrNoReason", m.HubAdminToken, `{"reason":""}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
	})
	run(t, h, []scenario{
		post("OK", m.HubAdminToken, reason, http.StatusOK, "", `"status":"cancelled"`, `"reason":"场地维修。"`),
		post("ErrAgain", m.HubAdminToken, reason, http.StatusConflict, "conflict"),
	})
}

// holdDelivery confirms the planned delivery and moves the store's clock
// past it, so that it is held.
func holdDelivery(t *testing.T, h http.Handler, s *sqlstore.Store, m *menuFixture) {
	t.Helper()
	call(t, h, "POST", path("/api/v1/deliveries/%d/confirm", m.Planned), m.StaffToken, "", http.StatusOK, nil)
	s.Now = func() time.Time { return now.Add(8 * 24 * time.Hour) }
	if n, err := s.MarkDeliveriesHeld(context.Background()); err != nil || n != 1 {
		t.Fatalf("MarkDeliveriesHeld = %d, %v; want 1", n, err)
	}
}

func TestDeliverySettle(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/deliveries/%d/settle", m.Planned)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNotHeld", m.HubAdminToken, `{"cost":2800}`, http.StatusConflict, "conflict"),
	})
	holdDelivery(t, h, s, m)
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", `{"cost":2800}`, http.StatusUnauthorized, "unauthorized"),
		post("ErrBranch", m.XiAdminToken, `{"cost":2800}`, http.StatusForbidden, "forbidden"),
		post("ErrStaff", m.StaffToken, `{"cost":2800}`, http.StatusForbidden, "forbidden"),
		post("ErrNegative", m.HubAdminToken, `{"cost":-1}`, http.StatusBadRequest, "invalid", `"field":"cost"`),
		post("ErrAbsurd", m.HubAdminToken, `{"cost":1000001}`, http.StatusBadRequest, "invalid", `"field":"cost"`),
		post("ErrMissing", m.HubAdminToken, `{}`, http.StatusBadRequest, "invalid", `"field":"cost"`),
		post("ErrFraction", m.HubAdminToken, `{"cost":12.5}`, http.StatusBadRequest, "invalid", `"field":"cost"`),
	})
	run(t, h, []scenario{
		post("OK", m.HubAdminToken, `{"cost":2800}`, http.StatusOK, "", `"status":"settled"`, `"cost":2800`),
		post("ErrAgain", m.HubAdminToken, `{"cost":2900}`, http.StatusConflict, "conflict"),
	})
}

func TestDeliveryPatch(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/deliveries/%d", m.Planned)
	patch := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "PATCH", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		patch("ErrNoToken", "", `{"mode":"lottery"}`, http.StatusUnauthorized, "unauthorized"),
		patch("ErrOtherBranch", m.NanAdminToken, `{"mode":"lottery"}`, http.StatusForbidden, "forbidden"),
		patch("ErrChecker", m.XiCheckerToken, `{"mode":"lottery"}`, http.StatusForbidden, "forbidden"),
		patch("ErrStaff", m.StaffToken, `{"mode":"lottery"}`, http.StatusForbidden, "forbidden"),
		patch("ErrMode", m.XiAdminToken, `{"mode":"raffle"}`, http.StatusBadRequest, "invalid", `"field":"mode"`),
		patch("ErrUnknownField", m.XiAdminToken, `{"capacity":5}`, http.StatusBadRequest, "invalid"),
	})
	run(t, h, []scenario{
		patch("OK", m.XiAdminToken, `{"mode":"lottery"}`, http.StatusOK, "", `"mode":"lottery"`, `"mode_label":"抽签"`),
		patch("OKHub", m.HubAdminToken, `{"mode":"approval"}`, http.StatusOK, "", `"mode":"approval"`),
	})
	call(t, h, "POST", path("/api/v1/deliveries/%d/confirm", m.Planned), m.StaffToken, "", http.StatusOK, nil)
	run(t, h, []scenario{patch("ErrConfirmed", m.XiAdminToken, `{"mode":"open"}`, http.StatusConflict, "conflict")})
}
