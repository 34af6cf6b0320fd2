package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// openFixture is the world of the open-data tests, around now (Monday
// 2 March 2026 in Shanghai): a hub, two branches, a community point of
// the first, and activities that the export must or must not list.
type openFixture struct {
	h                       http.Handler
	store                   *sqlstore.Store
	clock                   *time.Time
	hub, xi, nan, point     int64
	series                  int64
	ids                     map[string]int64 // activity id by title
	pointClass, hubConcert  int64
	recentCancel, oldCancel int64
}

// openReply is the export as a client reads it.
type openReply struct {
	GeneratedAt string `json:"generated_at"`
	License     string `json:"license"`
	Publisher   string `json:"publisher"`
	Filters     struct {
		UnitID   *int64  `json:"unit_id"`
		From     string  `json:"from"`
		To       string  `json:"to"`
		Category *string `json:"category"`
	} `json:"filters"`
	Total  int           `json:"total"`
	Limit  int           `json:"limit"`
	Offset int           `json:"offset"`
	Items  []openItemRep `json:"items"`
}

type openItemRep struct {
	ID             int64   `json:"id"`
	Title          string  `json:"title"`
	Category       string  `json:"category"`
	Audience       string  `json:"audience"`
	Status         string  `json:"status"`
	Cancelled      bool    `json:"cancelled"`
	UnitID         int64   `json:"unit_id"`
	UnitName       string  `json:"unit_name"`
	BranchID       *int64  `json:"branch_id"`
	BranchName     *string `json:"branch_name"`
	RoomName       *string `json:"room_name"`
	Address        string  `json:"address"`
	StartsAt       string  `json:"starts_at"`
	EndsAt         string  `json:"ends_at"`
	Mode           string  `json:"mode"`
	ModeLabel      string  `json:"mode_label"`
	BookableOnline bool    `json:"bookable_online"`
	Capacity       int     `json:"capacity"`
	SeatsLeft      int     `json:"seats_left"`
	SeriesID       *int64  `json:"series_id"`
	SeriesName     *string `json:"series_name"`
	URL            string  `json:"url"`
	UpdatedAt      string  `json:"updated_at"`
}

func newOpenFixture(t *testing.T, wrap func(culture.ActivityService) culture.ActivityService) *openFixture {
	t.Helper()
	return newOpenFixtureAt(t, wrap, "")
}

// newOpenFixtureAt is newOpenFixture with the API's PublicURL.
func newOpenFixtureAt(t *testing.T, wrap func(culture.ActivityService) culture.ActivityService, publicURL string) *openFixture {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "open.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	clock := now
	s.Now = func() time.Time { return clock }
	f := &openFixture{store: s, clock: &clock, ids: map[string]int64{}}
	f.seed(t)
	var acts culture.ActivityService = s
	if wrap != nil {
		acts = wrap(s)
	}
	f.h = api.New(api.Config{
		Units: s, Accounts: s, Activities: acts, Bookings: s, SMS: &smsBox{codes: map[string]string{}},
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return clock }, PublicURL: publicURL,
	}).Handler()
	return f
}

func (f *openFixture) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	s := f.store
	f.hub = mustUnit(t, s, &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆", Address: "民主南路 1 号"})
	f.xi = mustUnit(t, s, &culture.Unit{Kind: culture.UnitBranch, Name: "焦西街道分馆", ParentID: &f.hub, Address: "焦西路 88 号"})
	f.nan = mustUnit(t, s, &culture.Unit{Kind: culture.UnitBranch, Name: "焦南街道分馆", ParentID: &f.hub})
	f.point = mustUnit(t, s, &culture.Unit{Kind: culture.UnitPoint, Name: "西于村文化服务中心", ParentID: &f.xi})
	room := &culture.Room{UnitID: f.point, Name: "活动室", Address: "西于村村委会院内", Capacity: 30}
	if err := s.CreateRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	se := &culture.Series{Slug: "yike", Name: "解放益课"}
	if err := s.CreateSeries(ctx, se); err != nil {
		t.Fatal(err)
	}
	f.series = se.ID
	day := 24 * time.Hour
	f.pointClass = f.activity(t, &culture.Activity{UnitID: f.point, RoomID: &room.ID, SeriesID: &se.ID,
		Title: "剪纸入门", Category: "非遗", Audience: "亲子家庭", Mode: culture.ModeFirstCome, Capacity: 20, MaxPerBooking: 2}, 3*day)
	f.hubConcert = f.activity(t, &culture.Activity{UnitID: f.hub, Title: "新春音乐会", Category: "音乐", Capacity: 300}, 5*day)
	f.activity(t, &culture.Activity{UnitID: f.nan, Title: "焦南读书会", Category: "阅读", Capacity: 0}, 2*day)
	f.activity(t, &culture.Activity{UnitID: f.xi, Title: "上月书法展", Category: "展览"}, -20*day)
	f.activity(t, &culture.Activity{UnitID: f.xi, Title: "元旦戏曲专场", Category: "戏曲"}, -60*day)
	f.recentCancel = f.activity(t, &culture.Activity{UnitID: f.xi, Title: "取消的舞蹈课", Category: "舞蹈"}, 4*day)
	f.oldCancel = f.activity(t, &culture.Activity{UnitID: f.xi, Title: "早已取消的讲座", Category: "文艺讲座"}, -40*day)
	for _, id := range []int64{f.recentCancel, f.oldCancel} {
		if err := s.CancelActivity(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
}

// activity creates a at now+offset (two hours long); bookable ones open a
// week before.
func (f *openFixture) activity(t *testing.T, a *culture.Activity, offset time.Duration) int64 {
	t.Helper()
	a.StartsAt = now.Add(offset)
	a.EndsAt = a.StartsAt.Add(2 * time.Hour)
	if a.Mode == "" {
		a.Mode = culture.ModeOpen
	}
	if a.MaxPerBooking == 0 {
		a.MaxPerBooking = 1
	}
	if a.Mode != culture.ModeOpen {
		a.OpensAt, a.ClosesAt = now.Add(-time.Hour), a.StartsAt
	}
	created, err := f.store.CreateActivity(context.Background(), a, 1)
	if err != nil {
		t.Fatalf("CreateActivity(%s): %v", a.Title, err)
	}
	f.ids[a.Title] = created[0].ID
	return created[0].ID
}

// get serves GET path and decodes the export, failing unless 200.
func (f *openFixture) get(t *testing.T, path string) (openReply, *http.Response) {
	t.Helper()
	rec := serve(f.h, scenario{method: "GET", path: path, remoteAddr: "203.0.113.5:1"})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	var out openReply
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("GET %s: decode: %v", path, err)
	}
	return out, rec.Result()
}

func titles(items []openItemRep) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Title)
	}
	return out
}

// TestOpenActivities reads the default export without an account: the
// envelope, the window, the order, and every field of an activity.
func TestOpenActivities(t *testing.T) {
	f := newOpenFixture(t, nil)
	got, res := f.get(t, "/api/v1/open/activities")
	if got.License != "开放数据，可自由使用，请注明来源" || got.Publisher != "解放区文化馆" {
		t.Errorf("license %q, publisher %q", got.License, got.Publisher)
	}
	if got.GeneratedAt != "2026-03-02T10:00:00+08:00" {
		t.Errorf("generated_at = %q", got.GeneratedAt)
	}
	if got.Filters.From != "2026-01-31" || got.Filters.To != "2026-05-31" || got.Filters.UnitID != nil || got.Filters.Category != nil {
		t.Errorf("filters = %+v; want the default window 2026-01-31 to 2026-05-31", got.Filters)
	}
	want := []string{"上月书法展", "焦南读书会", "剪纸入门", "取消的舞蹈课", "新春音乐会"}
	if diff := cmp.Diff(want, titles(got.Items)); diff != "" || got.Total != len(want) || got.Limit != 20 || got.Offset != 0 {
		t.Errorf("total %d limit %d offset %d, titles (-want +got):\n%s", got.Total, got.Limit, got.Offset, diff)
	}
	for k, v := range map[string]string{"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*",
		"Access-Control-Expose-Headers": "ETag", "Vary": "Host, X-Forwarded-Proto"} {
		if res.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, res.Header.Get(k), v)
		}
	}
	for _, it := range got.Items {
		if (it.Status == "cancelled") != it.Cancelled || (it.Title == "取消的舞蹈课") != it.Cancelled {
			t.Errorf("%s: status %q, cancelled %t", it.Title, it.Status, it.Cancelled)
		}
	}
	checkPointClass(t, f, got.Items[2])
	hub := got.Items[4]
	if hub.BranchID != nil || hub.BranchName != nil || hub.RoomName != nil || hub.SeriesID != nil || hub.BookableOnline || hub.ModeLabel != "免预约" {
		t.Errorf("hub concert = %+v; want no branch, room or series, walk-in", hub)
	}
}

// checkPointClass checks each field of the community point's class.
func checkPointClass(t *testing.T, f *openFixture, it openItemRep) {
	t.Helper()
	str := func(s string) *string { return &s }
	want := openItemRep{
		ID: f.pointClass, Title: "剪纸入门", Category: "非遗", Audience: "亲子家庭", Status: "published",
		UnitID: f.point, UnitName: "西于村文化服务中心", BranchID: &f.xi, BranchName: str("焦西街道分馆"),
		RoomName: str("活动室"), Address: "西于村村委会院内",
		StartsAt: "2026-03-05T10:00:00+08:00", EndsAt: "2026-03-05T12:00:00+08:00",
		Mode: "first_come", ModeLabel: "先到先得", BookableOnline: true, Capacity: 20, SeatsLeft: 20,
		SeriesID: &f.series, SeriesName: str("解放益课"),
		URL: "http://example.com/activities/" + itoa(f.pointClass), UpdatedAt: "2026-03-02T10:00:00+08:00",
	}
	if diff := cmp.Diff(want, it); diff != "" {
		t.Errorf("point class (-want +got):\n%s", diff)
	}
}

// TestOpenActivitiesFilters: unit_id takes a subtree, category one
// category, from/to a window in which old cancelled activities still do
// not appear.
func TestOpenActivitiesFilters(t *testing.T) {
	f := newOpenFixture(t, nil)
	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"Branch", "?unit_id=" + itoa(f.xi), []string{"上月书法展", "剪纸入门", "取消的舞蹈课"}},
		{"Point", "?unit_id=" + itoa(f.point), []string{"剪纸入门"}},
		{"Hub", "?unit_id=" + itoa(f.hub), []string{"上月书法展", "焦南读书会", "剪纸入门", "取消的舞蹈课", "新春音乐会"}},
		{"Category", "?category=" + "%E9%98%85%E8%AF%BB", []string{"焦南读书会"}},
		{"OneDay", "?from=2026-03-06&to=2026-03-06", []string{"取消的舞蹈课"}},
		{"FromOnly", "?from=2026-03-05", []string{"剪纸入门", "取消的舞蹈课", "新春音乐会"}},
		{"ToOnly", "?to=2026-03-04", []string{"元旦戏曲专场", "上月书法展", "焦南读书会"}},
		{"LongAgo", "?from=2025-12-01&to=2026-02-10", []string{"元旦戏曲专场", "上月书法展"}},
		{"OldCancelledNever", "?from=2026-01-20&to=2026-01-25", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := f.get(t, "/api/v1/open/activities"+tc.query)
			if diff := cmp.Diff(tc.want, titles(got.Items)); diff != "" || got.Total != len(tc.want) {
				t.Errorf("total %d; titles (-want +got):\n%s", got.Total, diff)
			}
		})
	}
}

// TestOpenActivitiesFiltersEchoed: the envelope names the filters applied.
func TestOpenActivitiesFiltersEchoed(t *testing.T) {
	f := newOpenFixture(t, nil)
	got, _ := f.get(t, "/api/v1/open/activities?unit_id="+itoa(f.xi)+"&category=%E8%88%9E%E8%B9%88&to=2026-03-31&limit=5&offset=0")
	if got.Filters.UnitID == nil || *got.Filters.UnitID != f.xi || got.Filters.Category == nil || *got.Filters.Category != "舞蹈" ||
		got.Filters.From != "2025-12-01" || got.Filters.To != "2026-03-31" || got.Limit != 5 {
		t.Errorf("filters %+v limit %d", got.Filters, got.Limit)
	}
}

// TestOpenActivitiesPaging: pages of every size, put together, are the
// whole list in the same order, across the cancellation horizon.
func TestOpenActivitiesPaging(t *testing.T) {
	f := newOpenFixture(t, nil)
	const q = "/api/v1/open/activities?from=2025-12-01&to=2026-04-30"
	all, _ := f.get(t, q+"&limit=100")
	if all.Total != 7-1 || len(all.Items) != all.Total {
		t.Fatalf("total %d, items %d; want 6", all.Total, len(all.Items))
	}
	for size := 1; size <= 4; size++ {
		var got []string
		for off := 0; off < all.Total+size; off += size {
			page, _ := f.get(t, q+"&limit="+itoa(int64(size))+"&offset="+itoa(int64(off)))
			if page.Total != all.Total || len(page.Items) > size {
				t.Fatalf("limit %d offset %d: total %d, %d items", size, off, page.Total, len(page.Items))
			}
			got = append(got, titles(page.Items)...)
		}
		if diff := cmp.Diff(titles(all.Items), got); diff != "" {
			t.Errorf("limit %d (-all +pages):\n%s", size, diff)
		}
	}
}

// TestOpenActivitiesBadInput: every bad parameter is a 400 (an unknown
// unit a 404) with a Chinese message naming it.
func TestOpenActivitiesBadInput(t *testing.T) {
	f := newOpenFixture(t, nil)
	han := regexp.MustCompile(`\p{Han}`)
	for _, tc := range []struct {
		name, query, field string
		status             int
		text               string
	}{
		{"ErrFromFormat", "from=2026-3-1", "from", 400, "参数 from 应为日期"},
		{"ErrFromNoDay", "from=2026-02-30", "from", 400, "参数 from 应为日期"},
		{"ErrToFormat", "to=tomorrow", "to", 400, "参数 to 应为日期"},
		{"ErrReversed", "from=2026-03-10&to=2026-03-01", "to", 400, "不能早于"},
		{"ErrTooLong", "from=2020-01-01&to=2026-01-01", "to", 400, "最长 1099 天"},
		{"ErrUnitID", "unit_id=abc", "unit_id", 400, "参数 unit_id 应为正整数"},
		{"ErrUnitZero", "unit_id=0", "unit_id", 400, "参数 unit_id 应为正整数"},
		{"ErrUnknownUnit", "unit_id=9999", "", 404, "单位不存在"},
		{"ErrCategory", "category=rock", "category", 400, "category"},
		{"ErrLimit", "limit=101", "limit", 400, "limit"},
		{"ErrOffset", "offset=-1", "offset", 400, "offset"},
		{"ErrFromFarFuture", "from=9999-12-31", "from", 400, "参数 from 应在 2000-01-01 至 2099-12-31 之间"},
		{"ErrToYearOne", "to=0001-01-01", "to", 400, "参数 to 应在 2000-01-01 至 2099-12-31 之间"},
		{"ErrFrom1999", "from=1999-12-31&to=2000-01-10", "from", 400, "2000-01-01"},
		{"ErrTo2100", "from=2099-12-01&to=2100-01-01", "to", 400, "2099-12-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(f.h, scenario{method: "GET", path: "/api/v1/open/activities?" + tc.query, remoteAddr: "203.0.113.5:1"})
			var reply struct {
				Error struct{ Code, Message, Field string } `json:"error"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil || rec.Code != tc.status {
				t.Fatalf("status %d (want %d), body %s", rec.Code, tc.status, rec.Body.String())
			}
			if h := rec.Header(); h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Expose-Headers") != "ETag" {
				t.Errorf("a refusal without CORS headers: %v", h)
			}
			m := reply.Error.Message
			if reply.Error.Field != tc.field || !strings.Contains(m, tc.text) || !han.MatchString(m) {
				t.Errorf("field %q message %q; want field %q and Chinese containing %q", reply.Error.Field, m, tc.field, tc.text)
			}
		})
	}
}

// TestOpenActivitiesETag: a repeated request with the tag is 304 even
// though generated_at moved; a booking changes seats_left and the tag.
func TestOpenActivitiesETag(t *testing.T) {
	f := newOpenFixture(t, nil)
	const path = "/api/v1/open/activities"
	first, res := f.get(t, path)
	etag := res.Header.Get("ETag")
	if !regexp.MustCompile(`^W/"[0-9a-f]{32}"$`).MatchString(etag) {
		t.Fatalf("ETag %q, want a weak tag (replies differ in generated_at)", etag)
	}
	*f.clock = now.Add(time.Minute)
	for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"other", ` + etag, "*"} {
		rec := serve(f.h, scenario{method: "GET", path: path, headers: map[string]string{"If-None-Match": inm}})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag ||
			rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("If-None-Match %s: %d, ETag %q, body %q; want 304", inm, rec.Code, rec.Header().Get("ETag"), rec.Body.String())
		}
	}
	if rec := serve(f.h, scenario{method: "GET", path: path, headers: map[string]string{"If-None-Match": `W/"other"`}}); rec.Code != http.StatusOK {
		t.Errorf("If-None-Match of another tag: %d, want 200", rec.Code)
	}
	again, res2 := f.get(t, path)
	if res2.Header.Get("ETag") != etag || again.GeneratedAt == first.GeneratedAt {
		t.Errorf("a minute later: ETag %q (was %q), generated_at %q (was %q)", res2.Header.Get("ETag"), etag, again.GeneratedAt, first.GeneratedAt)
	}
	resident, _ := mustResident(t, f.store, "13800000009")
	mustBook(t, f.store, f.pointClass, resident)
	rec := serve(f.h, scenario{method: "GET", path: path, headers: map[string]string{"If-None-Match": etag}})
	if rec.Code != http.StatusOK || rec.Header().Get("ETag") == etag || !strings.Contains(rec.Body.String(), `"seats_left":19`) {
		t.Errorf("after a booking: %d, ETag %q (was %q); want 200, a new tag and 19 seats left", rec.Code, rec.Header().Get("ETag"), etag)
	}
}

// hiddenStatus wraps a store and adds an activity of a status that is not
// public to every list, as a future draft state might.
type hiddenStatus struct{ culture.ActivityService }

func (h hiddenStatus) FindActivities(ctx context.Context, f culture.ActivityFilter) ([]*culture.Activity, int, error) {
	acts, n, err := h.ActivityService.FindActivities(ctx, f)
	draft := &culture.Activity{ID: 999, UnitID: 1, Title: "未发布的草稿", Category: "阅读", Status: "draft",
		Mode: culture.ModeOpen, StartsAt: now, EndsAt: now.Add(time.Hour)}
	return append(acts, draft), n, err
}

// TestOpenActivitiesNeverPrivate: an activity that is not published (or
// recently cancelled) never appears, whatever the store returns.
func TestOpenActivitiesNeverPrivate(t *testing.T) {
	f := newOpenFixture(t, func(s culture.ActivityService) culture.ActivityService { return hiddenStatus{s} })
	for _, q := range []string{"", "?from=2025-12-01&to=2026-04-30", "?unit_id=1", "?limit=1&offset=3"} {
		got, _ := f.get(t, "/api/v1/open/activities"+q)
		if len(got.Items) == 0 || slices.Contains(titles(got.Items), "未发布的草稿") || slices.Contains(titles(got.Items), "早已取消的讲座") {
			t.Errorf("%s lists %v", q, titles(got.Items))
		}
	}
}

// TestOpenActivitiesMatchOpenAPI checks the replies against the schemas of
// openapi_opendata.json: every member documented, types and enums kept.
func TestOpenActivitiesMatchOpenAPI(t *testing.T) {
	f := newOpenFixture(t, nil)
	var doc map[string]any
	call(t, f.h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"?from=2025-12-01&to=2026-04-30", 200},
		{"?unit_id=" + itoa(f.point), 200},
		{"?from=2026-03-10&to=2026-03-01", 400},
		{"?unit_id=9999", 404},
	} {
		rec := call(t, f.h, "GET", "/api/v1/open/activities"+tc.query, "", "", tc.status, nil)
		schema, err := replySchema(doc, "/open/activities", "get", tc.status)
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatal(err)
		}
		for _, problem := range conform(doc, schema, v, "$") {
			t.Errorf("%s %d: %s", tc.query, tc.status, problem)
		}
	}
}

// TestOpenActivitiesWindowEnds: one day given near the ends of the
// covered years opens a window cut to them, never a day past 2099 or
// before 2000.
func TestOpenActivitiesWindowEnds(t *testing.T) {
	f := newOpenFixture(t, nil)
	for _, tc := range []struct{ query, from, to string }{
		{"?from=2099-12-31", "2099-12-31", "2099-12-31"},
		{"?from=2099-10-01", "2099-10-01", "2099-12-31"},
		{"?to=2000-01-01", "2000-01-01", "2000-01-01"},
		{"?to=2000-02-01", "2000-01-01", "2000-02-01"},
	} {
		got, _ := f.get(t, "/api/v1/open/activities"+tc.query)
		if got.Filters.From != tc.from || got.Filters.To != tc.to {
			t.Errorf("%s: window %s to %s, want %s to %s", tc.query, got.Filters.From, got.Filters.To, tc.from, tc.to)
		}
	}
}

// TestOpenActivitiesPublicURL: with PublicURL set, every page URL is on it
// and the reply (its tag included) is the same whatever Host and
// X-Forwarded-Proto the request sends; without it, URLs follow them, in
// any case of https, and the reply varies with them.
func TestOpenActivitiesPublicURL(t *testing.T) {
	f := newOpenFixtureAt(t, nil, "https://wenyun.example.cn")
	fetch := func(h http.Handler, host, proto string) (openReply, http.Header) {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/api/v1/open/activities", nil)
		req.Host = host
		req.RemoteAddr = "203.0.113.5:1"
		req.Header.Set("X-Forwarded-Proto", proto)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var out openReply
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || rec.Code != http.StatusOK || len(out.Items) == 0 {
			t.Fatalf("Host %s: %d %s (%v)", host, rec.Code, rec.Body.String(), err)
		}
		return out, rec.Header()
	}
	got, h1 := fetch(f.h, "evil.example", "http")
	for _, it := range got.Items {
		if want := "https://wenyun.example.cn/activities/" + itoa(it.ID); it.URL != want {
			t.Errorf("url %q, want %q", it.URL, want)
		}
	}
	_, h2 := fetch(f.h, "other.example:8080", "https")
	if h1.Get("ETag") != h2.Get("ETag") || h1.Get("Vary") != "" {
		t.Errorf("ETag %q for one Host, %q for another; Vary %q", h1.Get("ETag"), h2.Get("ETag"), h1.Get("Vary"))
	}

	fallback := newOpenFixture(t, nil)
	got, h3 := fetch(fallback.h, "wenyun.example:8443", "HTTPS")
	if !strings.HasPrefix(got.Items[0].URL, "https://wenyun.example:8443/activities/") ||
		!slices.Contains(h3.Values("Vary"), "Host, X-Forwarded-Proto") {
		t.Errorf("without PublicURL: url %q, Vary %q", got.Items[0].URL, h3.Values("Vary"))
	}
	got, _ = fetch(fallback.h, "evil.example/x y", "")
	if !strings.HasPrefix(got.Items[0].URL, "http://localhost/activities/") {
		t.Errorf("a malformed Host: url %q", got.Items[0].URL)
	}
}
