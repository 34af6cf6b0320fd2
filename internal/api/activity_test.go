package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestUnitIndex(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	var reply struct {
		Items []struct {
			ID       int64  `json:"id"`
			ParentID *int64 `json:"parent_id"`
			Kind     string `json:"kind"`
			Name     string `json:"name"`
			Address  string `json:"address"`
		} `json:"items"`
	}
	call(t, h, "GET", "/api/v1/units", "", "", http.StatusOK, &reply)
	var got []string
	for _, u := range reply.Items {
		got = append(got, u.Kind+" "+u.Name)
	}
	if diff := cmp.Diff([]string{"hub 解放区文化馆", "branch 焦西分馆", "branch 焦南分馆"}, got); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
	if p := reply.Items[1].ParentID; p == nil || *p != f.Hub || reply.Items[1].Address != "焦西路 1 号" {
		t.Errorf("焦西 = %+v, want parent %d and its address", reply.Items[1], f.Hub)
	}
	run(t, h, []scenario{{name: "ErrMethod", method: "DELETE", path: "/api/v1/units",
		wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"}})
}

// listTitles lists activities with the query and returns their titles and
// the total.
func listTitles(t *testing.T, h http.Handler, query string) ([]string, int) {
	t.Helper()
	var reply struct {
		Items []activityReply `json:"items"`
		Total int             `json:"total"`
	}
	call(t, h, "GET", "/api/v1/activities?"+query, "", "", http.StatusOK, &reply)
	titles := []string{}
	for _, a := range reply.Items {
		titles = append(titles, a.Title)
	}
	return titles, reply.Total
}

func TestActivityIndexFilters(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	tests := []struct {
		name, query string
		want        []string
		wantTotal   int
	}{
		// Without from/to the list starts today: the closed activity began yesterday.
		{"Default", "", []string{"少儿书法体验课", "音乐沙龙", "焦南阅读会", "剪纸非遗课", "公益电影放映", "健康养生讲座", "书法进阶班", "戏曲欣赏"}, 8},
		{"Unit", "unit=" + itoa(f.Nan), []string{"焦南阅读会"}, 1},
		{"UnitSubtree", "unit=" + itoa(f.Hub) + "&per_page=2", []string{"少儿书法体验课", "音乐沙龙"}, 8},
		{"Page2", "per_page=3&page=2", []string{"剪纸非遗课", "公益电影放映", "健康养生讲座"}, 8},
		{"Search", "q=" + url.QueryEscape("书法"), []string{"少儿书法体验课", "书法进阶班"}, 2},
		{"FromDate", "from=2026-03-01", []string{"舞蹈基础", "少儿书法体验课"}, 9},
		{"ToRFC3339", "from=2026-03-01&to=" + url.QueryEscape("2026-03-02T10:30:00+08:00"), []string{"舞蹈基础"}, 1},
		{"ToDate", "from=2026-03-02&to=2026-03-03", []string{"少儿书法体验课", "音乐沙龙", "焦南阅读会", "剪纸非遗课", "公益电影放映", "健康养生讲座", "书法进阶班"}, 7},
		{"Bookable", "bookable=true&unit=" + itoa(f.Xi), []string{"少儿书法体验课", "音乐沙龙", "健康养生讲座", "书法进阶班", "戏曲欣赏"}, 5},
		{"Category", "category=" + url.QueryEscape("少儿益智") + "&per_page=1", []string{"少儿书法体验课"}, 8},
		{"NoMatch", "category=" + url.QueryEscape("戏曲"), []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total := listTitles(t, h, tt.query)
			if len(got) > len(tt.want) {
				got = got[:len(tt.want)]
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || total != tt.wantTotal {
				t.Errorf("titles (-want +got):\n%s\ntotal %d, want %d", diff, total, tt.wantTotal)
			}
		})
	}
}

func TestActivityIndexParams(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestAPI(t)
	refuse := func(name, query, param string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/activities?" + query,
			wantStatus: http.StatusBadRequest, wantCode: "invalid", wantText: []string{param}}
	}
	run(t, h, []scenario{
		{name: "OK", method: "GET", path: "/api/v1/activities?page=1&per_page=100&bookable=0", wantStatus: http.StatusOK,
			wantText: []string{`"page":1`, `"per_page":100`, `"total":`}},
		refuse("ErrUnitNotNumber", "unit=abc", "unit"),
		refuse("ErrUnitZero", "unit=0", "unit"),
		refuse("ErrUnitUnknown", "unit=999", "unit"),
		refuse("ErrUnitOverflow", "unit=99999999999999999999", "unit"),
		refuse("ErrFrom", "from=yesterday", "from"),
		refuse("ErrFromBadDate", "from=2026-02-30", "from"),
		refuse("ErrTo", "to=2026-3-1", "to"),
		refuse("ErrToBeforeFrom", "from=2026-03-02&to=2026-03-01", "to"),
		refuse("ErrCategory", "category=cooking", "category"),
		refuse("ErrBookable", "bookable=maybe", "bookable"),
		refuse("ErrPageZero", "page=0", "page"),
		refuse("ErrPageHuge", "page=10001", "page"),
		refuse("ErrPerPage", "per_page=101", "per_page"),
		refuse("ErrPerPageNotNumber", "per_page=ten", "per_page"),
		refuse("ErrQueryTooLong", "q="+strings.Repeat("书", 51), `"field":"q"`),
		refuse("ErrQueryNotUTF8", "q=%FF", `"field":"q"`),
		refuse("ErrQueryNUL", "q=%E4%B9%A6%00", `"field":"q"`),
		refuse("ErrQueryControl", "q=%1B", `"field":"q"`),
	})
}

func TestActivityView(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	var act activityReply
	call(t, h, "GET", path("/api/v1/activities/%d", f.SoldOut), "", "", http.StatusOK, &act)
	want := activityReply{ID: f.SoldOut, UnitID: f.Xi, UnitName: "焦西分馆", Title: "剪纸非遗课", Capacity: 1, SeatsLeft: 0,
		Mode: "first_come", Status: "published", StartsAt: "2026-03-02T04:00:00Z", OpensAt: ptr("2026-03-02T01:00:00Z")}
	if diff := cmp.Diff(want, act); diff != "" {
		t.Errorf("activity (-want +got):\n%s", diff)
	}
	call(t, h, "GET", path("/api/v1/activities/%d", f.WalkIn), "", "", http.StatusOK, &act)
	if act.OpensAt != nil {
		t.Errorf("walk-in opens_at = %q, want null", *act.OpensAt)
	}
	run(t, h, []scenario{
		{name: "OK", method: "GET", path: path("/api/v1/activities/%d", f.Open), wantStatus: http.StatusOK,
			wantText: []string{`"capacity":5`, `"seats_left":5`, `"mode":"first_come"`, `"closes_at":"2026-03-02T03:00:00Z"`, `"ends_at":"2026-03-02T05:00:00Z"`}},
		{name: "ErrUnknown", method: "GET", path: "/api/v1/activities/999", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrIDText", method: "GET", path: "/api/v1/activities/abc", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrIDNegative", method: "GET", path: "/api/v1/activities/-1", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrIDOverflow", method: "GET", path: "/api/v1/activities/99999999999999999999", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrNoRoute", method: "GET", path: "/api/v1/activities/1/nothing", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrMethod", method: "PUT", path: "/api/v1/activities/1", wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
	})
}

// activityBody returns a valid create request at the unit, with extra
// JSON members (",\"k\":v") appended.
func activityBody(unit int64, extra string) string {
	return `{"unit_id":` + itoa(unit) + `,"title":"周末亲子手工","category":"少儿益智","description":"带孩子一起做纸灯笼。",` +
		`"starts_at":"2026-03-07T09:00:00+08:00","ends_at":"2026-03-07T11:00:00+08:00","capacity":20,"mode":"first_come",` +
		`"opens_at":"2026-03-03T09:00:00+08:00","max_per_booking":2` + extra + `}`
}

func TestActivityCreate(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	post := func(name, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/activities", token: token, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		post("OK", f.XiAdminToken, activityBody(f.Xi, ""), http.StatusCreated, "",
			`"title":"周末亲子手工"`, `"unit_name":"焦西分馆"`, `"starts_at":"2026-03-07T01:00:00Z"`,
			`"opens_at":"2026-03-03T01:00:00Z"`, `"closes_at":"2026-03-07T01:00:00Z"`, `"seats_left":20`),
		post("OKRepeatWeeks", f.XiAdminToken, activityBody(f.Xi, `,"repeat_weeks":3`), http.StatusCreated, "",
			`"starts_at":"2026-03-14T01:00:00Z"`, `"starts_at":"2026-03-21T01:00:00Z"`),
		post("OKHubAdminAtBranch", f.HubAdminToken, activityBody(f.Nan, ""), http.StatusCreated, "", `"unit_name":"焦南分馆"`),
		post("ErrOtherBranch", f.XiAdminToken, activityBody(f.Nan, ""), http.StatusForbidden, "forbidden"),
		post("ErrHub", f.XiAdminToken, activityBody(f.Hub, ""), http.StatusForbidden, "forbidden"),
		post("ErrChecker", f.XiCheckerToken, activityBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrResident", f.AliceToken, activityBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		post("ErrNoToken", "", activityBody(f.Xi, ""), http.StatusUnauthorized, "unauthorized", "请先登录。"),
		post("ErrBadToken", "wy_nonsense", activityBody(f.Xi, ""), http.StatusUnauthorized, "unauthorized"),
		post("ErrUnitUnknown", f.XiAdminToken, strings.Replace(activityBody(f.Xi, ""), `"unit_id":`+itoa(f.Xi), `"unit_id":999`, 1),
			http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrTitle", f.XiAdminToken, strings.Replace(activityBody(f.Xi, ""), "周末亲子手工", "", 1),
			http.StatusBadRequest, "invalid", `"field":"title"`),
		post("ErrCategory", f.XiAdminToken, strings.Replace(activityBody(f.Xi, ""), `"category":"少儿益智"`, `"category":"烹饪"`, 1),
			http.StatusBadRequest, "invalid", `"field":"category"`),
		post("ErrMode", f.XiAdminToken, strings.Replace(activityBody(f.Xi, ""), "first_come", "raffle", 1),
			http.StatusBadRequest, "invalid", `"field":"mode"`),
		post("ErrEndsBeforeStart", f.XiAdminToken, strings.Replace(activityBody(f.Xi, ""), "2026-03-07T11:00", "2026-03-07T08:00", 1),
			http.StatusBadRequest, "invalid", `"field":"ends_at"`),
		post("ErrStartsAtFormat", f.XiAdminToken, strings.Replace(activityBody(f.Xi, ""), "2026-03-07T09:00:00+08:00", "2026-03-07 09:00", 1),
			http.StatusBadRequest, "invalid", `"field":"starts_at"`),
		post("ErrStartsAtMissing", f.XiAdminToken, `{"unit_id":`+itoa(f.Xi)+`,"title":"x","category":"阅读","mode":"open"}`,
			http.StatusBadRequest, "invalid", `"field":"starts_at"`),
		post("ErrCapacity", f.XiAdminToken, activityBody(f.Xi, `,"capacity":0`), http.StatusBadRequest, "invalid"),
		post("ErrRoomUnknown", f.XiAdminToken, activityBody(f.Xi, `,"room_id":42`), http.StatusBadRequest, "invalid", `"field":"room_id"`),
		post("ErrSeriesUnknown", f.XiAdminToken, activityBody(f.Xi, `,"series_id":42`), http.StatusBadRequest, "invalid", `"field":"series_id"`),
		post("ErrRepeatWeeks", f.XiAdminToken, activityBody(f.Xi, `,"repeat_weeks":27`), http.StatusBadRequest, "invalid", `"field":"repeat_weeks"`),
		post("ErrMaxPerBooking", f.XiAdminToken, activityBody(f.Xi, `,"max_per_booking":0`), http.StatusBadRequest, "invalid"),
		post("ErrUnknownField", f.XiAdminToken, activityBody(f.Xi, `,"price":10`), http.StatusBadRequest, "invalid", "price"),
		post("ErrWrongType", f.XiAdminToken, activityBody(f.Xi, `,"capacity":"many"`), http.StatusBadRequest, "invalid", `"field":"capacity"`),
		post("ErrNumberOverflow", f.XiAdminToken, `{"unit_id":1e400}`, http.StatusBadRequest, "invalid"),
		post("ErrMalformedJSON", f.XiAdminToken, `{"unit_id":`, http.StatusBadRequest, "invalid", "请求体不是有效的 JSON。"),
		post("ErrNotObject", f.XiAdminToken, `[1,2]`, http.StatusBadRequest, "invalid"),
		post("ErrTooLarge", f.XiAdminToken, activityBody(f.Xi, `,"description":"`+strings.Repeat("长", 30<<10)+`"`),
			http.StatusRequestEntityTooLarge, "request_too_large"),
		{name: "ErrContentType", method: "POST", path: "/api/v1/activities", token: f.XiAdminToken, body: activityBody(f.Xi, ""),
			headers:    map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
	})
	titles, total := listTitles(t, h, "from=2026-03-07&to=2026-03-08")
	if total != 3 {
		t.Errorf("activities on 7 March: %v (%d), want two at 焦西 and one at 焦南", titles, total)
	}
}

// TestActivityCreateReserves creates activities with reserved seats and
// real-name booking: the reply and the store show them.
func TestActivityCreateReserves(t *testing.T) {
	t.Parallel()
	h, store, f := newTestAPI(t)
	post := func(name, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/activities", token: f.XiAdminToken, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	reserves := `,"reserved_walkin":3,"reserved_community":2,"real_name":true`
	run(t, h, []scenario{
		post("OKDefaultRelease", activityBody(f.Xi, reserves), http.StatusCreated, "",
			`"real_name":true`, `"reserved_walkin":3`, `"reserved_community":2`, `"walkin_left":3`,
			`"community_left":2`, `"seats_left":15`, `"reserve_release_at":"2026-03-07T00:00:00Z"`),
		post("OKRelease", activityBody(f.Xi, reserves+`,"reserve_release_at":"2026-03-06T20:00:00+08:00"`),
			http.StatusCreated, "", `"reserve_release_at":"2026-03-06T12:00:00Z"`),
		post("OKNone", activityBody(f.Xi, ""), http.StatusCreated, "",
			`"real_name":false`, `"reserved_walkin":0`, `"reserved_community":0`, `"reserve_release_at":null`),
		post("ErrReleaseFormat", activityBody(f.Xi, reserves+`,"reserve_release_at":"2026-03-06 20:00"`),
			http.StatusBadRequest, "invalid", `"field":"reserve_release_at"`),
		post("ErrReleaseType", activityBody(f.Xi, reserves+`,"reserve_release_at":1`),
			http.StatusBadRequest, "invalid", `"field":"reserve_release_at"`),
		post("ErrRealNameType", activityBody(f.Xi, `,"real_name":"yes"`),
			http.StatusBadRequest, "invalid", `"field":"real_name"`),
		post("ErrOverCapacity", activityBody(f.Xi, `,"reserved_walkin":15,"reserved_community":6`),
			http.StatusBadRequest, "invalid", `"field":"reserved_walkin"`, "预留名额合计不能超过总名额。"),
		// Each near math.MaxInt64: their sum wrapped to -2 and passed.
		post("ErrReservesOverflow", activityBody(f.Xi, `,"reserved_walkin":9223372036854775807,"reserved_community":9223372036854775807`),
			http.StatusBadRequest, "invalid", `"field":"reserved_walkin"`, "预留名额应在 0 到 100000 之间。"),
		post("ErrReserveTooLarge", activityBody(f.Xi, `,"reserved_community":100001`),
			http.StatusBadRequest, "invalid", `"field":"reserved_community"`),
		post("ErrReserveNotInt", activityBody(f.Xi, `,"reserved_walkin":99999999999999999999`),
			http.StatusBadRequest, "invalid", `"field":"reserved_walkin"`),
		post("ErrNegative", activityBody(f.Xi, `,"reserved_community":-1`),
			http.StatusBadRequest, "invalid", `"field":"reserved_walkin"`),
		post("ErrOpenMode", strings.Replace(activityBody(f.Xi, `,"reserved_walkin":2`), "first_come", "open", 1),
			http.StatusBadRequest, "invalid", "免预约活动无需预留名额。"),
	})

	// The store holds what the API reported.
	var reply struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	call(t, h, "POST", "/api/v1/activities", f.XiAdminToken,
		activityBody(f.Xi, reserves+`,"reserve_release_at":"2026-03-06T20:00:00+08:00"`), http.StatusCreated, &reply)
	if len(reply.Items) != 1 {
		t.Fatalf("created %d activities, want 1", len(reply.Items))
	}
	a, err := store.FindActivityByID(context.Background(), reply.Items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	release := time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC)
	if !a.RealName || a.ReservedWalkin != 3 || a.ReservedCommunity != 2 || a.SeatsLeft != 15 ||
		a.ReserveReleaseAt == nil || !a.ReserveReleaseAt.Equal(release) {
		t.Errorf("stored real_name %v, reserves %d+%d, seats_left %d, release %v; want true, 3+2, 15, %v",
			a.RealName, a.ReservedWalkin, a.ReservedCommunity, a.SeatsLeft, a.ReserveReleaseAt, release)
	}
}

func ptr[T any](v T) *T { return &v }
