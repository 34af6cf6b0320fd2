package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/ical"
)

// newFeedServer is the test server with the feed service wired.
func newFeedServer(t *testing.T) *testServer {
	t.Helper()
	ts := newTestServer(t)
	ts.Server.Feeds = ts.Store
	return ts
}

// feed fetches a feed, wants 200 with the calendar headers, and parses
// it with the strict parser.
func (ts *testServer) feed(t *testing.T, path, cache string) (*ical.Component, testResponse) {
	t.Helper()
	res := ts.get(t, ts.client(t, nil), path)
	if res.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d\n%s", path, res.Status, excerpt(res.Body))
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != cache {
		t.Errorf("GET %s: Cache-Control %q, want %q", path, cc, cache)
	}
	cal, err := ical.Parse([]byte(res.Body))
	if err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, res.Body)
	}
	return cal, res
}

// uids returns the UIDs of the calendar's events, in order.
func uids(cal *ical.Component) []string {
	var out []string
	for _, ev := range cal.Events() {
		out = append(out, ev.Text("UID"))
	}
	return out
}

// eventByUID returns the event with the UID, failing when there is none.
func eventByUID(t *testing.T, cal *ical.Component, uid string) *ical.Component {
	t.Helper()
	for _, ev := range cal.Events() {
		if ev.Text("UID") == uid {
			return ev
		}
	}
	t.Fatalf("no event %s among %v", uid, uids(cal))
	return nil
}

// host is the UID host of the test server (httptest listens on 127.0.0.1).
const feedHost = "127.0.0.1"

func activityUID(a *culture.Activity) string {
	return fmt.Sprintf("activity-%d@%s", a.ID, feedHost)
}

func bookingUID(b *culture.Booking) string {
	return fmt.Sprintf("booking-%d@%s", b.ID, feedHost)
}

func TestUnitFeed(t *testing.T) {
	ts := newFeedServer(t)
	path := unitFeedPath(ts.Jiaoxi.ID)
	cal, res := ts.feed(t, path, publicFeedCache)
	// 焦西's own activities and its point's, the cancelled one marked;
	// not 焦南's nor the hub's.
	want := []string{activityUID(ts.Bookable), activityUID(ts.Cancelled), activityUID(ts.WalkIn)}
	if got := uids(cal); !slices.Equal(got, want) {
		t.Fatalf("UIDs %v, want %v", got, want)
	}
	if name := cal.Text("X-WR-CALNAME"); !strings.Contains(name, "焦西分馆") {
		t.Errorf("calendar name %q", name)
	}
	ev := eventByUID(t, cal, activityUID(ts.Bookable))
	start := ev.Get("DTSTART")
	if start.Param("TZID") != ical.TZID || start.Value != ical.Local(ts.Bookable.StartsAt) {
		t.Errorf("DTSTART %+v, want %s in %s", start, ical.Local(ts.Bookable.StartsAt), ical.TZID)
	}
	checks := map[string]string{
		"SUMMARY": "少儿书法启蒙班", "STATUS": ical.StatusConfirmed, "LOCATION": "焦西分馆 多功能厅（焦作市解放区焦西街道 1 号）",
	}
	for name, w := range checks {
		if got := ev.Text(name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	if u := ev.Get("URL").Value; u != fmt.Sprintf("%s/activities/%d", ts.HTTP.URL, ts.Bookable.ID) {
		t.Errorf("URL %s", u)
	}
	if got := ev.Get("CATEGORIES").Texts(); !slices.Equal(got, []string{"书法美术", "解放益课"}) {
		t.Errorf("CATEGORIES %v", got)
	}
	cancelled := eventByUID(t, cal, activityUID(ts.Cancelled))
	if cancelled.Text("STATUS") != ical.StatusCancelled || !strings.HasPrefix(cancelled.Text("SUMMARY"), "【已取消】") {
		t.Errorf("cancelled activity: STATUS %s, SUMMARY %s", cancelled.Text("STATUS"), cancelled.Text("SUMMARY"))
	}

	t.Run("StableAcrossRequests", func(t *testing.T) {
		again, res2 := ts.feed(t, path, publicFeedCache)
		if !slices.Equal(uids(again), uids(cal)) {
			t.Errorf("UIDs changed: %v then %v", uids(cal), uids(again))
		}
		if !strings.HasPrefix(res.Header.Get("ETag"), `W/"`) || res2.Header.Get("ETag") != res.Header.Get("ETag") {
			t.Errorf("ETag %q then %q, want one weak tag", res.Header.Get("ETag"), res2.Header.Get("ETag"))
		}
		if res2.Body != res.Body {
			t.Error("the body changed between two requests of an unchanged feed")
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		etag := res.Header.Get("ETag")
		for _, inm := range []string{etag, strings.TrimPrefix(etag, "W/"), `"other", ` + etag, "*"} {
			got := ts.do(t, ts.client(t, nil), http.MethodGet, path, nil, map[string]string{"If-None-Match": inm})
			if got.Status != http.StatusNotModified || got.Body != "" {
				t.Errorf("If-None-Match %s: status %d, %d bytes", inm, got.Status, len(got.Body))
			}
		}
		got := ts.do(t, ts.client(t, nil), http.MethodGet, path, nil, map[string]string{"If-None-Match": `"other"`})
		if got.Status != http.StatusOK {
			t.Errorf("another ETag: status %d", got.Status)
		}
	})
	t.Run("ChangedActivity", func(t *testing.T) {
		title := "少儿书法启蒙班（改期）"
		edited := time.Now().Add(time.Hour).Truncate(time.Second)
		ts.Store.Now = func() time.Time { return edited }
		defer func() { ts.Store.Now = time.Now }()
		if _, err := ts.Store.UpdateActivity(context.Background(), ts.Bookable.ID, culture.ActivityUpdate{Title: &title}); err != nil {
			t.Fatal(err)
		}
		again, res2 := ts.feed(t, path, publicFeedCache)
		ev := eventByUID(t, again, activityUID(ts.Bookable))
		if got := ev.Text("SUMMARY"); got != title {
			t.Errorf("SUMMARY after the edit %q", got)
		}
		if ev.Get("DTSTAMP").Value != ical.UTC(edited) || ev.Get("LAST-MODIFIED").Value != ical.UTC(edited) {
			t.Errorf("DTSTAMP %s, LAST-MODIFIED %s, want both the edit's time %s", ev.Get("DTSTAMP").Value, ev.Get("LAST-MODIFIED").Value, ical.UTC(edited))
		}
		if res2.Header.Get("ETag") == res.Header.Get("ETag") {
			t.Error("ETag unchanged after an edit")
		}
	})
}

func TestSeriesAndEmptyFeeds(t *testing.T) {
	ts := newFeedServer(t)
	for _, tc := range []struct {
		name, path string
		want       []string
	}{
		{"Yike", seriesFeedPath("yike"), []string{activityUID(ts.Bookable)}},
		{"Theatre", seriesFeedPath("theatre"), []string{activityUID(ts.SoldOut)}},
		{"Hub", unitFeedPath(ts.Hub.ID), []string{activityUID(ts.Closed), activityUID(ts.SoldOut), activityUID(ts.Bookable),
			activityUID(ts.Cancelled), activityUID(ts.WalkIn), activityUID(ts.NotOpen), activityUID(ts.Approval)}},
		{"EmptyBranch", unitFeedPath(ts.Branches[5].ID), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cal, _ := ts.feed(t, tc.path, publicFeedCache)
			if got := uids(cal); !slices.Equal(got, tc.want) {
				t.Errorf("UIDs %v, want %v", got, tc.want)
			}
			if cal.Get("VERSION") == nil || len(cal.Children("VTIMEZONE")) != 1 {
				t.Error("calendar without VERSION or its VTIMEZONE")
			}
		})
	}
}

// TestFeedNotFound: unknown units, series and tokens, and odd file names,
// are 404, never 500.
func TestFeedNotFound(t *testing.T) {
	ts := newFeedServer(t)
	valid := strings.Repeat("A", culture.FeedTokenLen)
	var sc []scenario
	for _, path := range []string{
		"/ical/units/99999.ics", "/ical/units/abc.ics", "/ical/units/0.ics", "/ical/units/-1.ics",
		"/ical/units/99999999999999999999999.ics", "/ical/units/" + strconv.FormatInt(ts.Jiaoxi.ID, 10),
		"/ical/units/0" + strconv.FormatInt(ts.Jiaoxi.ID, 10) + ".ics", "/ical/units/+" + strconv.FormatInt(ts.Jiaoxi.ID, 10) + ".ics",
		"/ical/units/%2B" + strconv.FormatInt(ts.Jiaoxi.ID, 10) + ".ics",
		"/ical/units/" + strconv.FormatInt(ts.Jiaoxi.ID, 10) + ".ICS", "/ical/units/.ics",
		"/ical/series/nope.ics", "/ical/series/yike", "/ical/series/.ics", "/ical/series/%E4%B8%AD.ics",
		"/ical/me/" + valid + ".ics", "/ical/me/short.ics", "/ical/me/" + valid, "/ical/me/.ics",
		"/ical/me/" + strings.Repeat("%00", 32) + ".ics", "/ical/me/" + strings.Repeat("A", 33) + ".ics",
	} {
		sc = append(sc, scenario{name: path, url: path, want: http.StatusNotFound, not: []string{"BEGIN:VCALENDAR"}})
	}
	ts.run(t, sc)
	t.Run("WithoutService", func(t *testing.T) {
		ts.Server.Feeds = nil
		defer func() { ts.Server.Feeds = ts.Store }()
		ts.run(t, []scenario{
			{name: "Unit", url: unitFeedPath(ts.Jiaoxi.ID), want: http.StatusNotFound},
			{name: "Page", url: "/me/calendar", as: ts.Resident, want: http.StatusNotFound},
		})
	})
}

var feedURLRE = regexp.MustCompile(`value="(http://[^"]+/ical/me/([A-Za-z0-9_-]{32})\.ics)"`)

// myFeedPath opens /me/calendar as the client's resident and returns the
// path of the feed URL it shows.
func (ts *testServer) myFeedPath(t *testing.T, c *http.Client) string {
	t.Helper()
	res := ts.get(t, c, "/me/calendar")
	if res.Status != http.StatusOK {
		t.Fatalf("/me/calendar: status %d\n%s", res.Status, excerpt(res.Body))
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, no-store" {
		t.Errorf("/me/calendar shows the secret address with Cache-Control %q", cc)
	}
	m := feedURLRE.FindStringSubmatch(res.Body)
	if m == nil || !strings.HasPrefix(m[1], ts.HTTP.URL+"/") {
		t.Fatalf("/me/calendar shows no feed URL of this server:\n%s", excerpt(res.Body))
	}
	webcal := `href="webcal://` + strings.TrimPrefix(m[1], "http://") + `"`
	if !strings.Contains(res.Body, webcal) {
		t.Errorf("/me/calendar lacks the webcal link %s", webcal)
	}
	return strings.TrimPrefix(m[1], ts.HTTP.URL)
}

// TestMyFeed: the personal feed lists the resident's bookings (one with a
// child, one pending, one whose activity the venue cancelled) and none
// of another resident's; a reset kills the old URL at once.
func TestMyFeed(t *testing.T) {
	ts := newFeedServer(t)
	ctx := context.Background()
	book := func(a *culture.Activity, acct *culture.Account, family ...int64) *culture.Booking {
		t.Helper()
		b, err := ts.Store.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: acct.ID, Self: true,
			FamilyIDs: family, IdempotencyKey: fmt.Sprintf("feed-%d-%d", a.ID, acct.ID)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	withChild := book(ts.Bookable, ts.Resident, ts.Child.ID)
	pending := book(ts.Approval, ts.Resident)
	lecture := &culture.Activity{UnitID: ts.Jiaonan.ID, Title: "文艺讲座：宋词里的焦作", Category: "文艺讲座",
		Mode: culture.ModeFirstCome, StartsAt: time.Now().Add(8 * 24 * time.Hour).Truncate(time.Second), Capacity: 30, MaxPerBooking: 2,
		OpensAt: time.Now().Add(-time.Hour)}
	lecture.EndsAt, lecture.ClosesAt = lecture.StartsAt.Add(time.Hour), lecture.StartsAt
	if _, err := ts.Store.CreateActivity(ctx, lecture, 1); err != nil {
		t.Fatal(err)
	}
	called := book(lecture, ts.Resident)
	if err := ts.Store.CancelActivity(ctx, lecture.ID); err != nil {
		t.Fatal(err)
	}
	otherBooking := book(ts.Bookable, ts.Other)

	me := ts.client(t, ts.Resident)
	path := ts.myFeedPath(t, me)
	if again := ts.myFeedPath(t, me); again != path {
		t.Errorf("second visit shows %s, first %s", again, path)
	}
	cal, res := ts.feed(t, path, personalFeedCache)
	want := []string{bookingUID(withChild), bookingUID(pending), bookingUID(called)}
	if got := uids(cal); !slices.Equal(got, want) {
		t.Fatalf("UIDs %v, want %v", got, want)
	}
	if strings.Contains(res.Body, "王建国") || strings.Contains(res.Body, bookingUID(otherBooking)) {
		t.Error("another resident's booking in the feed")
	}
	if code := withChild.Code; strings.Contains(res.Body, code) || strings.Contains(res.Body, culture.FormatCode(code)) {
		t.Error("the ticket code is in the feed")
	}
	family := eventByUID(t, cal, bookingUID(withChild))
	desc := family.Text("DESCRIPTION")
	for _, s := range []string{"李秀英（本人）", "李小明", "共 2 人", "已预约"} {
		if !strings.Contains(desc, s) {
			t.Errorf("family booking's DESCRIPTION lacks %q:\n%s", s, desc)
		}
	}
	if family.Text("STATUS") != ical.StatusConfirmed || family.Get("URL").Value != fmt.Sprintf("%s/me/tickets/%d", ts.HTTP.URL, withChild.ID) {
		t.Errorf("family booking: STATUS %s, URL %s", family.Text("STATUS"), family.Get("URL").Value)
	}
	if ev := eventByUID(t, cal, bookingUID(pending)); ev.Text("STATUS") != ical.StatusTentative || !strings.HasPrefix(ev.Text("SUMMARY"), "【待审核】") {
		t.Errorf("pending booking: STATUS %s, SUMMARY %s", ev.Text("STATUS"), ev.Text("SUMMARY"))
	}
	if ev := eventByUID(t, cal, bookingUID(called)); ev.Text("STATUS") != ical.StatusCancelled || !strings.HasPrefix(ev.Text("SUMMARY"), "【活动已取消】") {
		t.Errorf("cancelled activity's booking: STATUS %s, SUMMARY %s", ev.Text("STATUS"), ev.Text("SUMMARY"))
	}

	t.Run("OtherResidentsToken", func(t *testing.T) {
		theirPath := ts.myFeedPath(t, ts.client(t, ts.Other))
		if theirPath == path {
			t.Fatal("two residents share a feed URL")
		}
		theirs, body := ts.feed(t, theirPath, personalFeedCache)
		wantTheirs := []string{fmt.Sprintf("booking-%d@%s", otherBooking.ID, feedHost)}
		if got := uids(theirs); len(got) != 2 || !slices.Contains(got, wantTheirs[0]) {
			t.Errorf("other's UIDs %v, want their two bookings incl. %v", got, wantTheirs)
		}
		if strings.Contains(body.Body, "李小明") || strings.Contains(body.Body, bookingUID(withChild)) {
			t.Error("the resident's booking in another resident's feed")
		}
	})
	t.Run("Reset", func(t *testing.T) {
		cross := ts.do(t, me, http.MethodPost, "/me/calendar/reset", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
		if cross.Status != http.StatusForbidden {
			t.Errorf("cross-site reset: status %d", cross.Status)
		}
		ts.feed(t, path, personalFeedCache) // still works
		res := ts.post(t, me, "/me/calendar/reset", nil)
		if res.Status != http.StatusSeeOther || res.Location != "/me/calendar" {
			t.Fatalf("reset: status %d to %q", res.Status, res.Location)
		}
		if old := ts.get(t, ts.client(t, nil), path); old.Status != http.StatusNotFound || strings.Contains(old.Body, "BEGIN:VCALENDAR") {
			t.Errorf("old URL after reset: status %d", old.Status)
		}
		page := ts.get(t, me, "/me/calendar")
		if !strings.Contains(page.Body, "订阅地址已重置") {
			t.Error("no flash after the reset")
		}
		fresh := ts.myFeedPath(t, me)
		if fresh == path {
			t.Fatal("reset kept the URL")
		}
		again, _ := ts.feed(t, fresh, personalFeedCache)
		if !slices.Equal(uids(again), want) {
			t.Errorf("new URL UIDs %v, want %v", uids(again), want)
		}
	})
	t.Run("SignedOut", func(t *testing.T) {
		ts.run(t, []scenario{
			{name: "Page", url: "/me/calendar", want: http.StatusSeeOther, location: "/login"},
			{name: "Reset", method: http.MethodPost, url: "/me/calendar/reset", want: http.StatusSeeOther, location: "/login"},
		})
	})
}

// TestCalendarPageFeeds: the page offers the feeds of the resident's home
// branch and followed series, with webcal links.
func TestCalendarPageFeeds(t *testing.T) {
	ts := newFeedServer(t)
	ctx := context.Background()
	if _, err := ts.Store.UpdateAccount(ctx, ts.Resident.ID, culture.AccountUpdate{HomeUnitID: &ts.Jiaoxi.ID}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.FollowSeries(ctx, ts.Resident.ID, ts.Theatre.ID, true); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(ts.HTTP.URL, "http://")
	ts.run(t, []scenario{
		{name: "WithFeeds", url: "/me/calendar", as: ts.Resident, want: http.StatusOK, text: []string{
			"焦西分馆", "解放剧场", `href="webcal://` + host + unitFeedPath(ts.Jiaoxi.ID) + `"`,
			`href="webcal://` + host + seriesFeedPath("theatre") + `"`, `href="` + ts.HTTP.URL + seriesFeedPath("theatre") + `"`,
			`action="/me/calendar/reset"`, "data-confirm="},
			not: []string{"ZgotmplZ", "解放益课"}},
		{name: "WithoutFeeds", url: "/me/calendar", as: ts.Other, want: http.StatusOK, text: []string{"加入常去分馆的社群或关注品牌系列后"}},
		{name: "UnitPageLink", url: "/units/" + strconv.FormatInt(ts.Jiaoxi.ID, 10), want: http.StatusOK, text: []string{`href="` + unitFeedPath(ts.Jiaoxi.ID) + `"`}},
		{name: "TicketsLink", url: "/me/tickets", as: ts.Resident, want: http.StatusOK, text: []string{`href="/me/calendar"`}},
	})
}

// seqOf returns the SEQUENCE of the event with the UID.
func seqOf(t *testing.T, cal *ical.Component, uid string) int {
	t.Helper()
	p := eventByUID(t, cal, uid).Get("SEQUENCE")
	if p == nil {
		t.Fatalf("%s has no SEQUENCE", uid)
	}
	n, err := strconv.Atoi(p.Value)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFeedSequence: moving an activity raises the SEQUENCE of its event in
// the unit feed and of the booking's event in the personal feed, each by
// the seconds that passed; no feed has a METHOD.
func TestFeedSequence(t *testing.T) {
	ts := newFeedServer(t)
	ctx := context.Background()
	b := ts.bookFixture(t, ts.Resident, ts.Bookable)
	token, err := ts.Store.FeedToken(ctx, ts.Resident.ID)
	if err != nil {
		t.Fatal(err)
	}
	unit, mine := unitFeedPath(ts.Jiaoxi.ID), culture.MyFeedPath(token)
	before, _ := ts.feed(t, unit, publicFeedCache)
	myBefore, _ := ts.feed(t, mine, personalFeedCache)
	a0, b0 := seqOf(t, before, activityUID(ts.Bookable)), seqOf(t, myBefore, bookingUID(b))
	if before.Get("METHOD") != nil || myBefore.Get("METHOD") != nil {
		t.Error("a feed has a METHOD")
	}

	act, err := ts.Store.FindActivityByID(ctx, ts.Bookable.ID)
	if err != nil {
		t.Fatal(err)
	}
	moved := act.UpdatedAt.Add(2 * time.Hour)
	ts.Store.Now = func() time.Time { return moved }
	defer func() { ts.Store.Now = time.Now }()
	starts, ends := act.StartsAt.Add(24*time.Hour), act.EndsAt.Add(24*time.Hour)
	if _, err := ts.Store.UpdateActivity(ctx, act.ID, culture.ActivityUpdate{StartsAt: &starts, EndsAt: &ends}); err != nil {
		t.Fatal(err)
	}
	after, _ := ts.feed(t, unit, publicFeedCache)
	myAfter, _ := ts.feed(t, mine, personalFeedCache)
	a1, b1 := seqOf(t, after, activityUID(ts.Bookable)), seqOf(t, myAfter, bookingUID(b))
	if want := int(moved.Unix() - act.CreatedAt.Unix()); a1 != want || a1 < a0+7200 {
		t.Errorf("activity SEQUENCE %d then %d, want %d", a0, a1, want)
	}
	if want := int(moved.Unix() - b.CreatedAt.Unix()); b1 != want || b1 <= b0 {
		t.Errorf("booking SEQUENCE %d then %d, want %d", b0, b1, want)
	}
	if got := eventByUID(t, myAfter, bookingUID(b)).Get("DTSTART").Value; got != ical.Local(starts) {
		t.Errorf("booking DTSTART %s, want %s", got, ical.Local(starts))
	}
}

// TestFeedSite reads the site's address from requests when no PublicURL
// is set, and from PublicURL, whatever the request says, when it is.
func TestFeedSite(t *testing.T) {
	s := &Server{Config: Config{Now: time.Now}}
	for _, tc := range []struct {
		public, host, proto string
		secure              bool
		wantBase, wantID    string
	}{
		{"", "wenyun.example:8080", "", false, "http://wenyun.example:8080", "wenyun.example"},
		{"", "Wenyun.Example", "https", false, "https://Wenyun.Example", "wenyun.example"},
		{"", "wenyun.example", "HTTPS", false, "https://wenyun.example", "wenyun.example"},
		{"", "wenyun.example", "", true, "https://wenyun.example", "wenyun.example"},
		{"", "[::1]:8080", "", false, "http://[::1]:8080", "::1"},
		{"", "evil.example/x?y", "", false, "http://localhost", "localhost"},
		{"https://Wenyun.Example.cn/", "evil.example", "http", false, "https://Wenyun.Example.cn", "wenyun.example.cn"},
		{"https://wenyun.example.cn:8443/wenyun/", "evil.example", "", false, "https://wenyun.example.cn:8443/wenyun", "wenyun.example.cn"},
		{"http://[::1]:8080", "evil.example", "https", true, "http://[::1]:8080", "::1"},
	} {
		s.Secure, s.PublicURL = tc.secure, tc.public
		r, _ := http.NewRequest(http.MethodGet, "/ical/units/1.ics", nil)
		r.Host = tc.host
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		w := httptest.NewRecorder()
		got := s.feedSite(w, r)
		if got.base != tc.wantBase || got.host != tc.wantID {
			t.Errorf("%s %s: base %q host %q, want %q %q", tc.public, tc.host, got.base, got.host, tc.wantBase, tc.wantID)
		}
		if vary := w.Header().Get("Vary"); (tc.public == "") != (vary == "Host, X-Forwarded-Proto") {
			t.Errorf("%s %s: Vary %q", tc.public, tc.host, vary)
		}
	}
}

// TestNewPublicURL: a public URL that is not a site's address stops the
// server at start.
func TestNewPublicURL(t *testing.T) {
	for _, bad := range []string{"wenyun.example.cn", "ftp://wenyun.example.cn", "https://", "https://u:p@wenyun.example.cn",
		"https://wenyun.example.cn/?a=1", "https://wenyun.example.cn/#x", "https://wenyun.example.cn/a b", "https://文化.cn"} {
		if _, err := New(Config{PublicURL: bad}); err == nil {
			t.Errorf("New accepted the public URL %q", bad)
		}
	}
	if _, err := New(Config{PublicURL: "https://wenyun.example.cn"}); err != nil {
		t.Errorf("New refused a good public URL: %v", err)
	}
}

// fetchAs GETs path with the client's cookies, the request saying Host
// host and X-Forwarded-Proto http (as a client, or a proxy passing it,
// may).
func (ts *testServer) fetchAs(t *testing.T, c *http.Client, path, host string) testResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, ts.HTTP.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range c.Jar.Cookies(req.URL) { // the jar would look them up by req.Host
		req.AddCookie(ck)
	}
	req.Host = host
	req.Header.Set("X-Forwarded-Proto", "http")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return testResponse{Status: res.StatusCode, Body: string(body), Header: res.Header}
}

// TestFeedPublicURL: with PublicURL set, a request naming another host
// changes no link and no UID of any feed, nor the addresses of
// /me/calendar; without it, the feed says it varies with the Host.
func TestFeedPublicURL(t *testing.T) {
	ts := newFeedServer(t)
	ctx := context.Background()
	ts.Server.PublicURL = "https://wenyun.example.cn/"
	const public, evil = "https://wenyun.example.cn/", "evil.example"
	if _, err := ts.Store.UpdateAccount(ctx, ts.Resident.ID, culture.AccountUpdate{HomeUnitID: &ts.Jiaoxi.ID}); err != nil {
		t.Fatal(err)
	}
	if err := ts.Store.FollowSeries(ctx, ts.Resident.ID, ts.Yike.ID, true); err != nil {
		t.Fatal(err)
	}
	ts.bookFixture(t, ts.Resident, ts.Bookable)
	token, err := ts.Store.FeedToken(ctx, ts.Resident.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{unitFeedPath(ts.Jiaoxi.ID), seriesFeedPath("yike"), culture.MyFeedPath(token)} {
		res := ts.fetchAs(t, ts.client(t, nil), path, evil)
		cal, err := ical.Parse([]byte(res.Body))
		if res.Status != http.StatusOK || err != nil {
			t.Fatalf("%s: status %d, %v", path, res.Status, err)
		}
		if len(cal.Events()) == 0 {
			t.Fatalf("%s: no events", path)
		}
		for _, ev := range cal.Events() {
			uid, link := ev.Text("UID"), ev.Get("URL").Value
			if !strings.HasSuffix(uid, "@wenyun.example.cn") || !strings.HasPrefix(link, public) ||
				!strings.Contains(ev.Text("DESCRIPTION"), link) {
				t.Errorf("%s: UID %s, URL %s, description %q", path, uid, link, ev.Text("DESCRIPTION"))
			}
		}
		if strings.Contains(res.Body, evil) || strings.Contains(res.Header.Get("Vary"), "Host") {
			t.Errorf("%s: the request's Host in the feed, or Vary %q", path, res.Header.Get("Vary"))
		}
	}
	page := ts.fetchAs(t, ts.client(t, ts.Resident), "/me/calendar", evil)
	for _, want := range []string{`value="` + public + "ical/me/" + token + `.ics"`, `href="webcal://wenyun.example.cn/ical/me/` + token + `.ics"`,
		`href="webcal://wenyun.example.cn` + unitFeedPath(ts.Jiaoxi.ID) + `"`, `href="` + public + "ical/series/yike.ics" + `"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("/me/calendar lacks %s", want)
		}
	}
	if page.Status != http.StatusOK || strings.Contains(page.Body, evil) {
		t.Errorf("/me/calendar: status %d, or the request's Host in it", page.Status)
	}

	t.Run("FallbackVaries", func(t *testing.T) {
		ts.Server.PublicURL = ""
		defer func() { ts.Server.PublicURL = public }()
		res := ts.fetchAs(t, ts.client(t, nil), unitFeedPath(ts.Jiaoxi.ID), evil)
		if vary := res.Header.Values("Vary"); !slices.Contains(vary, "Host, X-Forwarded-Proto") || !strings.Contains(res.Body, "@"+evil) {
			t.Errorf("without PublicURL: Vary %q; UIDs on the request's host: %t", vary, strings.Contains(res.Body, "@"+evil))
		}
	})
}

// failingFeeds is the store with a feed-token lookup that fails as a
// broken database would.
type failingFeeds struct{ culture.FeedService }

func (failingFeeds) FindAccountByFeedToken(context.Context, string) (*culture.Account, error) {
	return nil, errors.New("sqlstore.FindAccountByFeedToken: database is locked")
}

// TestFeedTokenNotLogged: the personal feed's token is cut from the
// request log (debug) and from the log of an internal error.
func TestFeedTokenNotLogged(t *testing.T) {
	ts := newFeedServer(t)
	var buf bytes.Buffer
	ts.Server.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	token, err := ts.Store.FeedToken(context.Background(), ts.Resident.ID)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(path string) int {
		rec := httptest.NewRecorder()
		ts.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code
	}
	check := func(t *testing.T, what string, wants ...string) {
		t.Helper()
		logged := buf.String()
		buf.Reset()
		if strings.Contains(logged, token) {
			t.Errorf("%s: the token is in the log:\n%s", what, logged)
		}
		for _, w := range wants {
			if !strings.Contains(logged, w) {
				t.Errorf("%s: the log lacks %q:\n%s", what, w, logged)
			}
		}
	}
	for _, path := range []string{culture.MyFeedPath(token), "/ical//me/" + token + ".ics", "/ICAL/ME/" + token + ".ics"} {
		serve(path)
		check(t, path, "msg=request", "path=/ical/me/…")
	}
	serve(unitFeedPath(ts.Jiaoxi.ID))
	check(t, "unit feed", "path="+unitFeedPath(ts.Jiaoxi.ID))

	ts.Server.Feeds = failingFeeds{ts.Store}
	if code := serve(culture.MyFeedPath(token)); code != http.StatusInternalServerError {
		t.Fatalf("with a failing store: status %d, want 500", code)
	}
	check(t, "internal error", `msg="internal error"`, "database is locked", "path=/ical/me/…", "status=500")
}

// feedTemplateCases are the calendar page's template cases (templates_test
// runs them with every other page).
func feedTemplateCases(p Page) []pageCase {
	feeds := []calendarFeed{
		{Name: "焦西分馆", Kind: "常去场馆", URL: "https://wenyun.example/ical/units/2.ics", Webcal: "webcal://wenyun.example/ical/units/2.ics"},
		{Name: "解放益课", Kind: "关注的系列", URL: "https://wenyun.example/ical/series/yike.ics", Webcal: "webcal://wenyun.example/ical/series/yike.ics"},
	}
	url := "https://wenyun.example/ical/me/" + strings.Repeat("a", culture.FeedTokenLen) + ".ics"
	return []pageCase{
		{"Calendar", "calendar", "", &calendarPage{Page: p, URL: url, Webcal: template.URL("webcal" + url[5:]), Feeds: feeds}},
		{"CalendarNoFeeds", "calendar", "", &calendarPage{Page: p, URL: url, Webcal: template.URL("webcal" + url[5:])}},
	}
}

// TestCalendarTemplate renders the calendar page cases and checks them as
// TestTemplates does.
func TestCalendarTemplate(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	p := Page{Title: "我的日历", Account: &culture.Account{ID: 7, Phone: "13800000001", Name: "李秀英"}, Path: "/me/calendar", Now: time.Now()}
	for _, c := range feedTemplateCases(p) {
		t.Run(c.name, func(t *testing.T) {
			html := executePage(t, s, c)
			checkAccessible(t, html)
			if strings.Contains(html, "ZgotmplZ") || !strings.Contains(html, `href="webcal://wenyun.example/ical/me/`) {
				t.Errorf("webcal link not rendered:\n%s", html)
			}
		})
	}
}
