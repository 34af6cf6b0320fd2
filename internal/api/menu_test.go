package api_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestMenuIndex(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	get := func(name, query string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/menu" + query, wantStatus: status, wantCode: code, wantText: text}
	}
	refuse := func(name, query, field string) scenario {
		return get(name, query, http.StatusBadRequest, "invalid", `"field":"`+field+`"`)
	}
	run(t, h, []scenario{
		// Only the published item shows, and without its cost.
		get("OK", "", http.StatusOK, "", `"total":1`, `"title":"越剧经典折子戏"`, `"cost":null`, `"series_name":"解放剧场"`),
		get("OKFilters", "?category="+url.QueryEscape("戏曲")+"&format=performance&group=elderly&sort=supports&series_id="+
			itoa(m.Series)+"&provider_id="+itoa(m.Provider)+"&hub_id="+itoa(m.Hub)+"&limit=5&offset=0", http.StatusOK, "", `"total":1`),
		get("OKSearch", "?q="+url.QueryEscape("越剧"), http.StatusOK, "", `"total":1`),
		get("OKNoMatch", "?format=film", http.StatusOK, "", `"items":[]`, `"total":0`),
		get("OKOtherProvider", "?provider_id="+itoa(m.Rival), http.StatusOK, "", `"total":0`),
		refuse("ErrSort", "?sort=price", "sort"),
		refuse("ErrFormat", "?format=opera", "format"),
		refuse("ErrGroup", "?group=cats", "group"),
		refuse("ErrCategory", "?category=cooking", "category"),
		refuse("ErrLimit", "?limit=101", "limit"),
		refuse("ErrOffset", "?offset=abc", "offset"),
		refuse("ErrSeriesID", "?series_id=0", "series_id"),
		refuse("ErrProviderID", "?provider_id=99999999999999999999", "provider_id"),
		refuse("ErrQuery", "?q="+strings.Repeat("戏", 51), "q"),
	})
}

func TestMenuView(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	pub, pending := path("/api/v1/menu/%d", m.Published), path("/api/v1/menu/%d", m.Pending)
	get := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", pub, "", http.StatusOK, "", `"title":"越剧经典折子戏"`, `"cost":null`, `"requests":1`),
		get("OKResidentNoCost", pub, m.AliceToken, http.StatusOK, "", `"cost":null`),
		get("OKRivalNoCost", pub, m.RivalToken, http.StatusOK, "", `"cost":null`),
		get("OKOtherHubNoCost", pub, m.OtherHubToken, http.StatusOK, "", `"cost":null`),
		get("OKStaffCost", pub, m.StaffToken, http.StatusOK, "", `"cost":3000`),
		get("OKReviewerCost", pub, m.HubAdminToken, http.StatusOK, "", `"cost":3000`),
		get("OKStaffPending", pending, m.StaffToken, http.StatusOK, "", `"status":"pending"`),
		get("ErrPendingPublic", pending, "", http.StatusNotFound, "not_found"),
		get("ErrPendingRival", pending, m.RivalToken, http.StatusNotFound, "not_found"),
		get("ErrUnknown", "/api/v1/menu/999", "", http.StatusNotFound, "not_found"),
		get("ErrBadID", "/api/v1/menu/-1", "", http.StatusNotFound, "not_found"),
		get("ErrBadToken", pub, "wy_forged", http.StatusUnauthorized, "unauthorized"),
	})
	if body := call(t, h, "GET", pub, m.StaffToken, "", http.StatusOK, nil).Body.String(); strings.Contains(body, `"pending"`) {
		t.Errorf("the item view shows a pending edit: %s", body)
	}
}

// TestMenuViewWithdrawn checks that a withdrawn item shows to the public
// with its status, as the web page shows it, and keeps its cost hidden.
func TestMenuViewWithdrawn(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	id := mustPublish(t, s, m, "已下架的越剧")
	if err := s.WithdrawMenuItem(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	p := path("/api/v1/menu/%d", id)
	get := func(name, p, token string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: http.StatusOK, wantText: text}
	}
	run(t, h, []scenario{
		get("OKPublic", p, "", `"status":"withdrawn"`, `"status_label":"已下架"`, `"cost":null`),
		get("OKResident", p, m.AliceToken, `"status":"withdrawn"`, `"cost":null`),
		get("OKStaffCost", p, m.StaffToken, `"status":"withdrawn"`, `"cost":3000`),
		get("OKRatings", p+"/ratings", "", `"items":[]`),
	})
}

// mustPublish submits an item of m.Provider as its staff and approves it
// as the hub admin; it returns the item's id.
func mustPublish(t *testing.T, s *sqlstore.Store, m *menuFixture, title string) int64 {
	t.Helper()
	id := mustSubmit(t, s, m.Provider, accountOf(t, s, m.StaffToken), itemFields(title, nil))
	if err := s.ReviewMenuItem(context.Background(), pendingRevision(t, s, m.Hub, id), true, "", m.HubAdmin); err != nil {
		t.Fatal(err)
	}
	return id
}

// mustImage stores a 2×2 PNG uploaded by by (nil: unknown) and returns
// its id.
func mustImage(t *testing.T, s *sqlstore.Store, by *int64) int64 {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	img, err := s.CreateImage(context.Background(), buf.Bytes(), by)
	if err != nil {
		t.Fatal(err)
	}
	return img.ID
}

// photoIDs is a photo_ids member for itemBody.
func photoIDs(ids ...int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = itoa(id)
	}
	return `,"photo_ids":[` + strings.Join(s, ",") + `]`
}

// TestMenuItemPhotos checks that a submission may attach only the photos
// already on the item or images the caller uploaded, not another
// provider's photos found by guessing ids.
func TestMenuItemPhotos(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	staff, rival := accountOf(t, s, m.StaffToken), accountOf(t, s, m.RivalToken)
	own, theirs, anonymous := mustImage(t, s, &staff), mustImage(t, s, &rival), mustImage(t, s, nil)
	// The hub admin put a photo of its own on the published item.
	onItem := mustImage(t, s, &m.HubAdmin)
	f := itemFields("越剧经典折子戏", &m.Series)
	f.PhotoIDs = []int64{onItem}
	if _, err := s.SubmitMenuItem(context.Background(), m.Provider, m.Published, f, m.HubAdmin); err != nil {
		t.Fatal(err)
	}
	create, update := path("/api/v1/providers/%d/items", m.Provider), path("/api/v1/menu/%d", m.Published)
	send := func(name, method, p, extra string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: method, path: p, token: m.StaffToken, body: itemBody(extra),
			wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		send("ErrCreateTheirs", "POST", create, photoIDs(theirs), http.StatusBadRequest, "invalid", `"field":"photo_ids"`),
		send("ErrCreateAnonymous", "POST", create, photoIDs(anonymous), http.StatusBadRequest, "invalid", `"field":"photo_ids"`),
		send("ErrCreateOnOtherItem", "POST", create, photoIDs(onItem), http.StatusBadRequest, "invalid", `"field":"photo_ids"`),
		send("ErrCreateUnknown", "POST", create, photoIDs(99999), http.StatusBadRequest, "invalid", `"field":"photo_ids"`),
		send("ErrUpdateTheirs", "PUT", update, photoIDs(onItem, theirs), http.StatusBadRequest, "invalid", `"field":"photo_ids"`),
	})
	run(t, h, []scenario{
		send("OKCreateOwn", "POST", create, photoIDs(own), http.StatusCreated, "", `"photo_ids":[`+itoa(own)+`]`),
		send("OKUpdateKeepsAndAdds", "PUT", update, photoIDs(onItem, own), http.StatusOK, "",
			`"photo_ids":[`+itoa(onItem)+`,`+itoa(own)+`]`),
	})
}

func TestMenuUpdate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/menu/%d", m.Published)
	put := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "PUT", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		put("ErrNoToken", p, "", itemBody(""), http.StatusUnauthorized, "unauthorized"),
		put("ErrRival", p, m.RivalToken, itemBody(""), http.StatusForbidden, "forbidden"),
		put("ErrResident", p, m.AliceToken, itemBody(""), http.StatusForbidden, "forbidden"),
		put("ErrOtherHub", p, m.OtherHubToken, itemBody(""), http.StatusForbidden, "forbidden"),
		put("ErrUnknown", "/api/v1/menu/999", m.StaffToken, itemBody(""), http.StatusNotFound, "not_found"),
		put("ErrMinutes", p, m.StaffToken, itemBody(`,"minutes":5000`), http.StatusBadRequest, "invalid", `"field":"minutes"`),
		put("ErrAge", p, m.StaffToken, itemBody(`,"age_min":-4`), http.StatusBadRequest, "invalid", `"field":"age_min"`),
		put("ErrType", p, m.StaffToken, itemBody(`,"minutes":"long"`), http.StatusBadRequest, "invalid", `"field":"minutes"`),
	})
	// The edit waits for review; the live version stays.
	run(t, h, []scenario{
		put("OK", p, m.StaffToken, itemBody(""), http.StatusOK, "",
			`"title":"越剧经典折子戏"`, `"pending":{`, `"title":"越剧身段工作坊"`),
	})
	if body := call(t, h, "GET", p, "", "", http.StatusOK, nil).Body.String(); !strings.Contains(body, "越剧经典折子戏") {
		t.Errorf("the live version changed before review: %s", body)
	}
}

func TestMenuRatings(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	p := path("/api/v1/menu/%d/ratings", m.Published)
	get := func(name, p string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: p, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", p, http.StatusOK, "", `"items":[]`),
		get("OKLimit", p+"?limit=100", http.StatusOK, "", `"items":[]`),
		get("ErrPending", path("/api/v1/menu/%d/ratings", m.Pending), http.StatusNotFound, "not_found"),
		get("ErrUnknown", "/api/v1/menu/999/ratings", http.StatusNotFound, "not_found"),
		get("ErrLimit", p+"?limit=1000", http.StatusBadRequest, "invalid", `"field":"limit"`),
	})
}

func TestSupportCreate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/menu/%d/support", m.Published)
	post := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	xi := `{"unit_id":` + itoa(m.Xi) + `}`
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", p, "", xi, http.StatusUnauthorized, "unauthorized"),
		post("ErrNoHome", p, m.AliceToken, "", http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrUnitOtherHub", p, m.AliceToken, `{"unit_id":`+itoa(m.OtherBranch)+`}`, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrUnitUnknown", p, m.AliceToken, `{"unit_id":999}`, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrUnitZero", p, m.AliceToken, `{"unit_id":0}`, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrUnitText", p, m.AliceToken, `{"unit_id":"焦西"}`, http.StatusBadRequest, "invalid", `"field":"unit_id"`),
		post("ErrPending", path("/api/v1/menu/%d/support", m.Pending), m.AliceToken, xi, http.StatusBadRequest, culture.ReasonNotPublished),
		post("ErrUnknownItem", "/api/v1/menu/999/support", m.AliceToken, xi, http.StatusNotFound, "not_found"),
		post("ErrUnknownField", p, m.AliceToken, `{"unit":1}`, http.StatusBadRequest, "invalid"),
	})
	run(t, h, []scenario{
		post("OK", p, m.AliceToken, xi, http.StatusCreated, "", `"unit_name":"焦西分馆"`, `"season":"2026Q1"`, `"item_title":"越剧经典折子戏"`),
		post("ErrAgain", p, m.AliceToken, xi, http.StatusConflict, "conflict"),
	})
	if err := s.SetSupportQuota(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	second := mustSubmit(t, s, m.Provider, accountOf(t, s, m.StaffToken), itemFields("越剧名家讲座", nil))
	if err := s.ReviewMenuItem(context.Background(), pendingRevision(t, s, m.Hub, second), true, "", m.HubAdmin); err != nil {
		t.Fatal(err)
	}
	run(t, h, []scenario{
		post("ErrQuota", path("/api/v1/menu/%d/support", second), m.AliceToken, xi, http.StatusTooManyRequests, culture.ReasonSupportQuota),
		post("OKHome", path("/api/v1/menu/%d/support", second), homeToken(t, s, m.Nan), "", http.StatusCreated, "", `"unit_name":"焦南分馆"`),
	})
}

// homeToken creates a resident whose home branch is unit and returns the
// token.
func homeToken(t *testing.T, s interface {
	FindOrCreateResident(context.Context, string) (*culture.Account, error)
	UpdateAccount(context.Context, int64, culture.AccountUpdate) (*culture.Account, error)
	CreateToken(context.Context, int64, string) (string, error)
}, unit int64) string {
	t.Helper()
	ctx := context.Background()
	a, err := s.FindOrCreateResident(ctx, "13800000099")
	if err == nil {
		_, err = s.UpdateAccount(ctx, a.ID, culture.AccountUpdate{HomeUnitID: &unit})
	}
	var token string
	if err == nil {
		token, err = s.CreateToken(ctx, a.ID, "test")
	}
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestSupportDelete(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/menu/%d/support", m.Published)
	call(t, h, "POST", p, m.AliceToken, `{"unit_id":`+itoa(m.Xi)+`}`, http.StatusCreated, nil)
	del := func(name, p, token string, status int, code string) scenario {
		return scenario{name: name, method: "DELETE", path: p, token: token, wantStatus: status, wantCode: code}
	}
	unchanged(t, h, s, m, []scenario{
		del("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		del("ErrNotSupported", p, m.BobToken, http.StatusNotFound, "not_found"),
		del("ErrBadID", "/api/v1/menu/abc/support", m.AliceToken, http.StatusNotFound, "not_found"),
	})
	run(t, h, []scenario{
		del("OK", p, m.AliceToken, http.StatusNoContent, ""),
		del("ErrAgain", p, m.AliceToken, http.StatusNotFound, "not_found"),
	})
}

func TestMySupports(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	call(t, h, "POST", path("/api/v1/menu/%d/support", m.Published), m.AliceToken, `{"unit_id":`+itoa(m.Xi)+`}`, http.StatusCreated, nil)
	get := func(name, query, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/me/supports" + query, token: token,
			wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", "", m.AliceToken, http.StatusOK, "", `"season":"2026Q1"`, `"season_label":"2026 年第 1 季度"`,
			`"quota":10`, `"remaining":9`, `"item_title":"越剧经典折子戏"`),
		get("OKOtherSeason", "?season=2025Q4", m.AliceToken, http.StatusOK, "", `"items":[]`, `"remaining":10`),
		get("OKNone", "", m.BobToken, http.StatusOK, "", `"items":[]`),
		get("ErrSeason", "?season=2026Q9", m.AliceToken, http.StatusBadRequest, "invalid", `"field":"season"`),
		get("ErrSeasonTrailing", "?season=2026Q1x", m.AliceToken, http.StatusBadRequest, "invalid", `"field":"season"`),
		get("ErrSeasonWords", "?season=spring", m.AliceToken, http.StatusBadRequest, "invalid", `"field":"season"`),
		get("ErrNoToken", "", "", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestReviewIndex(t *testing.T) {
	t.Parallel()
	h, _, m := newMenuAPI(t)
	get := func(name, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/review", token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		get("OK", m.HubAdminToken, http.StatusOK, "", `"id":`+itoa(m.PendingRev), `"title":"少儿越剧启蒙课"`, `"provider_name":"星光越剧团"`),
		get("OKOtherHub", m.OtherHubToken, http.StatusOK, "", `"title":"露天电影"`),
		get("ErrBranchAdmin", m.XiAdminToken, http.StatusForbidden, "forbidden"),
		get("ErrStaff", m.StaffToken, http.StatusForbidden, "forbidden"),
		get("ErrResident", m.AliceToken, http.StatusForbidden, "forbidden"),
		get("ErrNoToken", "", http.StatusUnauthorized, "unauthorized"),
	})
	if body := call(t, h, "GET", "/api/v1/review", m.HubAdminToken, "", http.StatusOK, nil).Body.String(); strings.Contains(body, "露天电影") {
		t.Errorf("the hub's queue shows another hub's submission: %s", body)
	}
}

func TestReviewApprove(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/review/%d/approve", m.PendingRev)
	post := func(name, p, token string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, wantStatus: status, wantCode: code, wantText: text}
	}
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", p, "", http.StatusUnauthorized, "unauthorized"),
		post("ErrStaff", p, m.StaffToken, http.StatusForbidden, "forbidden"),
		post("ErrBranchAdmin", p, m.XiAdminToken, http.StatusForbidden, "forbidden"),
		post("ErrOtherHub", p, m.OtherHubToken, http.StatusForbidden, "forbidden"),
		post("ErrUnknown", "/api/v1/review/999/approve", m.HubAdminToken, http.StatusNotFound, "not_found"),
	})
	run(t, h, []scenario{
		post("OK", p, m.HubAdminToken, http.StatusOK, "", `"status":"published"`, `"title":"少儿越剧启蒙课"`),
		post("ErrAgain", p, m.HubAdminToken, http.StatusConflict, "conflict", "该提交已审核"),
		post("ErrReturnApproved", path("/api/v1/review/%d/return", m.PendingRev), m.HubAdminToken, http.StatusConflict, "conflict"),
	})
	call(t, h, "GET", path("/api/v1/menu/%d", m.Pending), "", "", http.StatusOK, nil)
}

func TestReviewReturn(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/review/%d/return", m.PendingRev)
	post := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	reason := `{"reason":"请补充场地要求。"}`
	unchanged(t, h, s, m, []scenario{
		post("ErrNoToken", p, "", reason, http.StatusUnauthorized, "unauthorized"),
		post("ErrStaff", p, m.StaffToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrOtherHub", p, m.OtherHubToken, reason, http.StatusForbidden, "forbidden"),
		post("ErrNoReason", p, m.HubAdminToken, `{"reason":"  "}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		post("ErrLongReason", p, m.HubAdminToken, `{"reason":"`+strings.Repeat("长", 201)+`"}`, http.StatusBadRequest, "invalid", `"field":"reason"`),
		post("ErrNoBody", p, m.HubAdminToken, "", http.StatusUnsupportedMediaType, "unsupported_media_type"),
		post("ErrUnknown", "/api/v1/review/999/return", m.HubAdminToken, reason, http.StatusNotFound, "not_found"),
	})
	run(t, h, []scenario{
		post("OK", p, m.HubAdminToken, reason, http.StatusOK, "", `"status":"returned"`, `"return_reason":"请补充场地要求。"`),
		post("ErrAgain", p, m.HubAdminToken, reason, http.StatusConflict, "conflict", "该提交已审核"),
		post("ErrAgainNoReason", p, m.HubAdminToken, `{"reason":""}`, http.StatusConflict, "conflict"),
		post("ErrApproveReturned", path("/api/v1/review/%d/approve", m.PendingRev), m.HubAdminToken, "", http.StatusConflict, "conflict"),
	})
	call(t, h, "GET", path("/api/v1/menu/%d", m.Pending), "", "", http.StatusNotFound, nil)
}

func TestRatingCreate(t *testing.T) {
	t.Parallel()
	h, s, m := newMenuAPI(t)
	p := path("/api/v1/activities/%d/ratings", m.XiBooked)
	call(t, h, "POST", "/api/v1/checkins", m.XiCheckerToken, `{"code":"`+m.AliceBooking.Code+`"}`, http.StatusOK, nil)
	post := func(name, p, token, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code, wantText: text}
	}
	good := `{"score":5,"comment":"唱得真好！"}`
	run(t, h, []scenario{
		post("ErrNotEnded", p, m.AliceToken, good, http.StatusBadRequest, "invalid"),
	})
	s.Now = func() time.Time { return now.Add(5 * time.Hour) }
	run(t, h, []scenario{
		post("ErrNoToken", p, "", good, http.StatusUnauthorized, "unauthorized"),
		post("ErrNotAttended", p, m.BobToken, good, http.StatusForbidden, culture.ReasonNotAttended),
		post("ErrScore", p, m.AliceToken, `{"score":6}`, http.StatusBadRequest, "invalid", `"field":"score"`),
		post("ErrScoreZero", p, m.AliceToken, `{"comment":"好"}`, http.StatusBadRequest, "invalid", `"field":"score"`),
		post("ErrComment", p, m.AliceToken, `{"score":4,"comment":"`+strings.Repeat("好", 501)+`"}`, http.StatusBadRequest, "invalid", `"field":"comment"`),
		post("ErrUnknownActivity", "/api/v1/activities/999/ratings", m.AliceToken, good, http.StatusNotFound, "not_found"),
		post("OK", p, m.AliceToken, good, http.StatusCreated, "", `"score":5`, `"comment":"唱得真好！"`),
		post("ErrAgain", p, m.AliceToken, good, http.StatusConflict, culture.ReasonAlreadyRated),
	})
}

// TestMenuDisabled checks that without a MenuService the menu's routes
// answer 404, and the rest of the API works.
func TestMenuDisabled(t *testing.T) {
	t.Parallel()
	_, store, f := newTestAPI(t)
	h := api.New(api.Config{Units: store, Accounts: store, Activities: store, Bookings: store, SMS: f.SMS,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now }}).Handler()
	get := func(name, p, token string, status int, code string) scenario {
		return scenario{name: name, method: "GET", path: p, token: token, wantStatus: status, wantCode: code}
	}
	run(t, h, []scenario{
		get("ErrMenu", "/api/v1/menu", "", http.StatusNotFound, "not_found"),
		get("ErrProviders", "/api/v1/providers", "", http.StatusNotFound, "not_found"),
		get("ErrDeliveries", "/api/v1/deliveries?within=1", f.HubAdminToken, http.StatusNotFound, "not_found"),
		get("ErrDeliveriesNoToken", "/api/v1/deliveries", "", http.StatusUnauthorized, "unauthorized"),
		get("OKSeries", "/api/v1/series", "", http.StatusOK, ""),
		get("OKActivities", "/api/v1/activities", "", http.StatusOK, ""),
	})
}
