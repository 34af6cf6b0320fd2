package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestProviderIndex(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/providers" + query, token: token,
			wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", "", "", http.StatusOK, "", "星光越剧团", "青禾书院", "邻区影院", `"level_label":"区级"`, `"kind_label":"文艺团体"`),
		get("OKHub", "?hub_id="+itoa(m.OtherHub), "", http.StatusOK, "", `"name":"邻区影院"`),
		get("ErrHubID", "?hub_id=abc", "", http.StatusBadRequest, "invalid", `"field":"hub_id"`),
		get("ErrBadToken", "", "wy_forged", http.StatusOK, ""), // the list is public: no token is read
	})
	rec := call(t, h, "GET", "/api/v1/providers?hub_id="+itoa(m.Hub), "", "", http.StatusOK, nil)
	if body := rec.Body.String(); strings.Contains(body, "邻区影院") || strings.Contains(body, "13912345678") {
		t.Errorf("hub list shows another hub's provider or a contact: %s", body)
	}
}

func TestProviderView(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/providers/%d", m.Provider)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", p, "", http.StatusOK, "", `"name":"星光越剧团"`, `"hub_id":`+itoa(m.Hub), `"item_count":`),
		get("OKStaffSeesContact", p, m.StaffToken, http.StatusOK, "", `"contact_phone":"13912345678"`),
		get("OKReviewerSeesContact", p, m.HubAdminToken, http.StatusOK, "", `"contact_name":"李老师"`),
		get("ErrUnknown", "/api/v1/providers/999", "", http.StatusNotFound, "not_found"),
		get("ErrBadID", "/api/v1/providers/x", "", http.StatusNotFound, "not_found"),
		get("ErrBadToken", p, "wy_forged", http.StatusUnauthorized, "unauthorized"),
	})
	for _, token := range []string{"", m.AliceToken, m.RivalToken, m.OtherHubToken, m.XiAdminToken} {
		if body := call(t, h, "GET", p, token, "", http.StatusOK, nil).Body.String(); strings.Contains(body, "contact") {
			t.Errorf("token %.8q sees the contact: %s", token, body)
		}
	}
}

func providerBody(hub int64, extra string) string {
	return `{"hub_id":` + itoa(hub) + `,"name":"红枫合唱团","level":"city","kind":"troupe",` +
		`"contact_name":"王老师","contact_phone":"13700000000","intro":"老年合唱。"` + extra + `}`
}

func TestProviderCreate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/providers", token: token, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", "", providerBody(m.Hub, ""), http.StatusUnauthorized, "unauthorized"),
		post("ErrResident", m.AliceToken, providerBody(m.Hub, ""), http.StatusForbidden, "forbidden"),
		post("ErrBranchAdmin", m.XiAdminToken, providerBody(m.Hub, ""), http.StatusForbidden, "forbidden"),
		post("ErrProviderStaff", m.StaffToken, providerBody(m.Hub, ""), http.StatusForbidden, "forbidden"),
		post("ErrOtherHub", m.OtherHubToken, providerBody(m.Hub, ""), http.StatusForbidden, "forbidden"),
		post("ErrHubIsBranch", m.HubAdminToken, providerBody(m.Xi, ""), http.StatusBadRequest, "invalid", `"field":"hub_id"`),
		post("ErrHubUnknown", m.HubAdminToken, providerBody(999, ""), http.StatusBadRequest, "invalid", `"field":"hub_id"`),
		post("ErrLevel", m.HubAdminToken, strings.Replace(providerBody(m.Hub, ""), "city", "galaxy", 1),
			http.StatusBadRequest, "invalid", `"field":"level"`),
		post("ErrPhone", m.HubAdminToken, strings.Replace(providerBody(m.Hub, ""), "13700000000", "123", 1),
			http.StatusBadRequest, "invalid", `"field":"contact_phone"`),
		post("ErrLogoID", m.HubAdminToken, providerBody(m.Hub, `,"logo_id":-3`), http.StatusBadRequest, "invalid", `"field":"logo_id"`),
		post("ErrUnknownField", m.HubAdminToken, providerBody(m.Hub, `,"rank":1`), http.StatusBadRequest, "invalid", "rank"),
		post("ErrMalformed", m.HubAdminToken, `{"hub_id":`, http.StatusBadRequest, "invalid"),
		{name: "ErrContentType", method: "POST", path: "/api/v1/providers", token: m.HubAdminToken, body: providerBody(m.Hub, ""),
			headers: map[string]string{"Content-Type": "text/plain"}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
	})
	run(t, h, []scenario{
		post("OK", m.HubAdminToken, providerBody(m.Hub, ""), http.StatusCreated, "",
			`"name":"红枫合唱团"`, `"level":"city"`, `"contact_phone":"13700000000"`),
	})
	rec := call(t, h, "GET", "/api/v1/providers?hub_id="+itoa(m.Hub), "", "", http.StatusOK, nil)
	if !strings.Contains(rec.Body.String(), "红枫合唱团") {
		t.Errorf("the new provider is not listed: %s", rec.Body)
	}
}

func TestProviderUpdate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/providers/%d", m.Provider)
	body := `{"name":"星光越剧院","level":"city","kind":"troupe","contact_phone":"13600000000"}`
	put := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "PUT", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		put("ErrNoToken", p, "", body, http.StatusUnauthorized, "unauthorized"),
		put("ErrStaff", p, m.StaffToken, body, http.StatusForbidden, "forbidden"),
		put("ErrBranchAdmin", p, m.XiAdminToken, body, http.StatusForbidden, "forbidden"),
		put("ErrOtherHub", p, m.OtherHubToken, body, http.StatusForbidden, "forbidden"),
		put("ErrUnknown", "/api/v1/providers/999", m.HubAdminToken, body, http.StatusNotFound, "not_found"),
		put("ErrName", p, m.HubAdminToken, strings.Replace(body, "星光越剧院", "", 1), http.StatusBadRequest, "invalid", `"field":"name"`),
		put("ErrHubIDNotEditable", p, m.HubAdminToken, `{"hub_id":1,"name":"x","level":"city","kind":"troupe"}`,
			http.StatusBadRequest, "invalid", "hub_id"),
	})
	run(t, h, []scenario{
		put("OK", p, m.HubAdminToken, body, http.StatusOK, "", `"name":"星光越剧院"`, `"level":"city"`, `"contact_phone":"13600000000"`),
	})
	call(t, h, "GET", p, "", "", http.StatusOK, nil)
	if rec := call(t, h, "GET", p, "", "", http.StatusOK, nil); !strings.Contains(rec.Body.String(), "星光越剧院") {
		t.Errorf("the edit is not stored: %s", rec.Body)
	}
}

// TestProviderLogo checks that a provider's logo is its current one or an
// image the caller uploaded, not any stored image.
func TestProviderLogo(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	staff := accountOf(t, s, m.StaffToken)
	own, theirs := mustImage(t, s, &m.HubAdmin), mustImage(t, s, &staff)
	current := mustImage(t, s, &staff)
	p, err := s.FindProviderByID(context.Background(), m.Provider)
	if err != nil {
		t.Fatal(err)
	}
	p.LogoID = &current
	if err := s.UpdateProvider(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	logo := func(id int64) string { return `,"logo_id":` + itoa(id) }
	send := func(name, method, p, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: method, path: p, token: m.HubAdminToken, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	edit := path("/api/v1/providers/%d", m.Provider)
	editBody := func(extra string) string {
		return `{"name":"星光越剧团","level":"district","kind":"troupe"` + extra + `}`
	}
	run(t, h, []scenario{
		send("ErrCreateTheirs", "POST", "/api/v1/providers", providerBody(m.Hub, logo(theirs)), http.StatusBadRequest, "invalid", `"field":"logo_id"`),
		send("ErrCreateCurrentOfAnother", "POST", "/api/v1/providers", providerBody(m.Hub, logo(current)), http.StatusBadRequest, "invalid", `"field":"logo_id"`),
		send("ErrUpdateTheirs", "PUT", edit, editBody(logo(theirs)), http.StatusBadRequest, "invalid", `"field":"logo_id"`),
		send("OKUpdateKeepsCurrent", "PUT", edit, editBody(logo(current)), http.StatusOK, "", `"logo_id":`+itoa(current)),
		send("OKUpdateOwn", "PUT", edit, editBody(logo(own)), http.StatusOK, "", `"logo_id":`+itoa(own)),
		send("OKCreateOwn", "POST", "/api/v1/providers", providerBody(m.Hub, logo(own)), http.StatusCreated, "", `"logo_id":`+itoa(own)),
	})
	if got, err := s.FindProviderByID(context.Background(), m.Provider); err != nil || got.LogoID == nil || *got.LogoID != own {
		t.Errorf("logo %v (%v), want %d", got.LogoID, err, own)
	}
}

func TestProviderItems(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/providers/%d/items", m.Provider)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OKStaff", p, m.StaffToken, http.StatusOK, "", `"total":2`, `"status":"pending"`, `"status":"published"`, `"cost":3000`),
		get("OKReviewer", p, m.HubAdminToken, http.StatusOK, "", `"total":2`),
		get("OKPage", p+"?limit=1&offset=1", m.StaffToken, http.StatusOK, "", `"total":2`),
		get("ErrRival", p, m.RivalToken, http.StatusForbidden, "forbidden"),
		get("ErrOtherHub", p, m.OtherHubToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", p, m.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrBranchAdmin", p, m.XiAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		get("ErrUnknown", "/api/v1/providers/999/items", m.StaffToken, http.StatusNotFound, "not_found"),
		get("ErrLimit", p+"?limit=0", m.StaffToken, http.StatusBadRequest, "invalid", `"field":"limit"`),
		get("ErrOffset", p+"?offset=-1", m.StaffToken, http.StatusBadRequest, "invalid", `"field":"offset"`),
	})
}

// itemBody is a valid submission, with extra members appended.
func itemBody(extra string) string {
	return `{"title":"越剧身段工作坊","category":"戏曲","format":"workshop","groups":["youth","adults"],` +
		`"minutes":120,"capacity_min":10,"capacity_max":30,"needs":"排练厅","cost":800,"available":"周六上午",` +
		`"description":"学几个基本身段。"` + extra + `}`
}

func TestProviderItemCreate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/providers/%d/items", m.Provider)
	post := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	refuse := func(name, extra, field string) scenario {
		return post(name, p, m.StaffToken, itemBody(extra), http.StatusBadRequest, "invalid", `"field":"`+field+`"`)
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", p, "", itemBody(""), http.StatusUnauthorized, "unauthorized"),
		post("ErrRival", p, m.RivalToken, itemBody(""), http.StatusForbidden, "forbidden"),
		post("ErrResident", p, m.AliceToken, itemBody(""), http.StatusForbidden, "forbidden"),
		post("ErrOtherHub", p, m.OtherHubToken, itemBody(""), http.StatusForbidden, "forbidden"),
		post("ErrUnknownProvider", "/api/v1/providers/999/items", m.StaffToken, itemBody(""), http.StatusNotFound, "not_found"),
		refuse("ErrCostNegative", `,"cost":-1`, "cost"),
		refuse("ErrCostAbsurd", `,"cost":1000000000`, "cost"),
		refuse("ErrCostOverflow", `,"cost":99999999999999999999`, "cost"),
		refuse("ErrCapacity", `,"capacity_max":100000`, "capacity_min"),
		refuse("ErrCapacityOrder", `,"capacity_min":50`, "capacity_min"),
		refuse("ErrSessions", `,"sessions":3`, "sessions"),
		refuse("ErrGroups", `,"groups":["aliens"]`, "groups"),
		refuse("ErrSeries", `,"series_id":999`, "series_id"),
		refuse("ErrPhotos", `,"photo_ids":[999]`, "photo_ids"),
		refuse("ErrTitleControl", `,"title":"越剧\u0000"`, "title"),
		post("ErrUnknownField", p, m.StaffToken, itemBody(`,"price":3`), http.StatusBadRequest, "invalid", "price"),
		post("ErrMalformed", p, m.StaffToken, `{"title":`, http.StatusBadRequest, "invalid", "请求体不是有效的 JSON。"),
	})
	run(t, h, []scenario{
		post("OK", p, m.StaffToken, itemBody(""), http.StatusCreated, "",
			`"status":"pending"`, `"title":"越剧身段工作坊"`, `"cost":800`, `"sessions":1`),
		post("OKClass", p, m.StaffToken, strings.Replace(itemBody(`,"sessions":8`), "workshop", "class", 1),
			http.StatusCreated, "", `"format":"class"`, `"sessions":8`),
		post("OKReviewer", p, m.HubAdminToken, itemBody(""), http.StatusCreated, "", `"status":"pending"`),
	})
}
