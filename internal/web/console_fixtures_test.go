package web

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// consolePassword is every fixture staff account's password.
const consolePassword = "wenyun-test-pass"

// consoleFixture is a running server on a fresh SQLite store with a hub,
// two branches (焦西, 焦南), staff of each and booked activities.
type consoleFixture struct {
	t     testing.TB
	srv   *httptest.Server
	store *sqlstore.Store

	hub, xi, nan, xiPoint int64 // units
	xiRoom, nanRoom       int64
	series                int64
	// Activities: 焦西 approval, 焦西 first-come, 焦南 first-come; all
	// start within the check-in window.
	xiApproval, xiFirst, nanFirst int64
	// Bookings: pending in xiApproval (A and B), confirmed in xiFirst (A
	// and B, B named with a formula) and in nanFirst (A).
	pendingA, pendingB               *culture.Booking
	xiTicketA, xiTicketB, nanTicketA *culture.Booking
}

// newConsoleTestServer builds the console fixture. Staff usernames:
// operator (operator at the hub), xiadmin / nanadmin (branch admins), xichecker
// (checker at 焦西), nogrant (staff without grants).
func newConsoleTestServer(t testing.TB) *consoleFixture {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "wenyun.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	s, err := New(Config{Units: store, Accounts: store, Activities: store, Bookings: store,
		Sessions: store.SessionStore()})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	f := &consoleFixture{t: t, store: store, srv: httptest.NewServer(s.Handler())}
	t.Cleanup(f.srv.Close)
	f.units(ctx)
	f.staff(ctx)
	f.activities(ctx)
	f.bookings(ctx)
	return f
}

func (f *consoleFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *consoleFixture) unit(ctx context.Context, kind, name string, parent int64) int64 {
	f.t.Helper()
	u := &culture.Unit{Kind: kind, Name: name, Address: "焦作市解放区"}
	if parent != 0 {
		u.ParentID = &parent
	}
	f.must(f.store.CreateUnit(ctx, u))
	return u.ID
}

func (f *consoleFixture) room(ctx context.Context, unit int64, name string) int64 {
	f.t.Helper()
	r := &culture.Room{UnitID: unit, Name: name, Capacity: 100}
	f.must(f.store.CreateRoom(ctx, r))
	return r.ID
}

func (f *consoleFixture) units(ctx context.Context) {
	f.hub = f.unit(ctx, culture.UnitHub, "解放区文化馆", 0)
	f.xi = f.unit(ctx, culture.UnitBranch, "焦西分馆", f.hub)
	f.nan = f.unit(ctx, culture.UnitBranch, "焦南分馆", f.hub)
	f.xiPoint = f.unit(ctx, culture.UnitPoint, "焦西社区活动室", f.xi)
	f.xiRoom = f.room(ctx, f.xi, "焦西多功能厅")
	f.nanRoom = f.room(ctx, f.nan, "焦南小剧场")
	se := &culture.Series{Slug: "yike", Name: "解放益课"}
	f.must(f.store.CreateSeries(ctx, se))
	f.series = se.ID
}

func (f *consoleFixture) staff(ctx context.Context) {
	for _, s := range []struct {
		user, name, role string
		unit             int64
	}{
		{"operator", "运营小王", culture.RoleOperator, f.hub},
		{"xiadmin", "焦西管理员", culture.RoleBranchAdmin, f.xi},
		{"nanadmin", "焦南管理员", culture.RoleBranchAdmin, f.nan},
		{"xichecker", "焦西检票员", culture.RoleChecker, f.xi},
		{"nogrant", "无授权", "", 0},
	} {
		a := &culture.Account{Username: s.user, Name: s.name}
		f.must(f.store.CreateStaff(ctx, a, consolePassword))
		if s.role != "" {
			f.must(f.store.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: s.role, UnitID: s.unit}))
		}
	}
}

// activity creates a one-off activity starting in an hour, bookable now.
func (f *consoleFixture) activity(ctx context.Context, unit, room int64, title, mode string) int64 {
	f.t.Helper()
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	a := &culture.Activity{UnitID: unit, RoomID: &room, Title: title, Category: "书法美术",
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: 30, Mode: mode,
		OpensAt: time.Now().Add(-time.Hour), ClosesAt: start, MaxPerBooking: 3}
	out, err := f.store.CreateActivity(ctx, a, 1)
	f.must(err)
	return out[0].ID
}

func (f *consoleFixture) activities(ctx context.Context) {
	f.xiApproval = f.activity(ctx, f.xi, f.xiRoom, "焦西书法审核班", culture.ModeApproval)
	f.xiFirst = f.activity(ctx, f.xi, f.xiRoom, "焦西剪纸体验", culture.ModeFirstCome)
	f.nanFirst = f.activity(ctx, f.nan, f.nanRoom, "焦南戏曲欣赏", culture.ModeFirstCome)
}

func (f *consoleFixture) resident(ctx context.Context, phone, name string) int64 {
	f.t.Helper()
	a, err := f.store.FindOrCreateResident(ctx, phone)
	f.must(err)
	_, err = f.store.UpdateAccount(ctx, a.ID, culture.AccountUpdate{Name: &name})
	f.must(err)
	return a.ID
}

func (f *consoleFixture) book(ctx context.Context, activity, account int64) *culture.Booking {
	f.t.Helper()
	b, err := f.store.CreateBooking(ctx, &culture.BookingRequest{ActivityID: activity, AccountID: account, Self: true})
	f.must(err)
	return b
}

func (f *consoleFixture) bookings(ctx context.Context) {
	a := f.resident(ctx, "13812345678", "张小明")
	b := f.resident(ctx, "13987654321", "=SUM(A1:A2)")
	f.pendingA, f.pendingB = f.book(ctx, f.xiApproval, a), f.book(ctx, f.xiApproval, b)
	f.xiTicketA, f.xiTicketB = f.book(ctx, f.xiFirst, a), f.book(ctx, f.xiFirst, b)
	f.nanTicketA = f.book(ctx, f.nanFirst, a)
}

// consoleClient is a browser: it keeps cookies, does not follow
// redirects, and marks its posts same-origin as a browser would.
type consoleClient struct {
	f *consoleFixture
	c *http.Client
}

// client returns a client signed in as user ("" for a visitor).
func (f *consoleFixture) client(user string) *consoleClient {
	f.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &consoleClient{f: f, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if user != "" {
		res, _ := c.post("/console/login", url.Values{"username": {user}, "password": {consolePassword}}, nil)
		if res.StatusCode != http.StatusSeeOther {
			f.t.Fatalf("login %s: status %d", user, res.StatusCode)
		}
	}
	return c
}

func (c *consoleClient) do(req *http.Request) (*http.Response, string) {
	c.f.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.f.t.Fatal(err)
	}
	return res, string(body)
}

func (c *consoleClient) get(path string) (*http.Response, string) {
	c.f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.f.srv.URL+path, nil)
	if err != nil {
		c.f.t.Fatal(err)
	}
	return c.do(req)
}

func (c *consoleClient) post(path string, form url.Values, header map[string]string) (*http.Response, string) {
	c.f.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.f.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return c.do(req)
}

// consoleScenario is one request and what it must answer.
type consoleScenario struct {
	name   string
	user   string // "" for a visitor
	method string // GET unless POST
	path   string
	form   url.Values
	header map[string]string
	status int
	want   []string // substrings of the body
	// location, when set, is the redirect target expected.
	location string
	// deny lists substrings the body must not contain.
	deny []string
}

// run runs scenarios, each with a client of its user (signed in once per
// user and reused; visitors get a fresh client each time).
func (f *consoleFixture) run(t *testing.T, scenarios []consoleScenario) {
	t.Helper()
	clients := map[string]*consoleClient{}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			c, ok := clients[sc.user]
			if !ok || sc.user == "" {
				c = f.client(sc.user)
				clients[sc.user] = c
			}
			var res *http.Response
			var body string
			if sc.method == http.MethodPost {
				res, body = c.post(sc.path, sc.form, sc.header)
			} else {
				res, body = c.get(sc.path)
			}
			checkConsoleResponse(t, sc, res, body)
		})
	}
}

func checkConsoleResponse(t *testing.T, sc consoleScenario, res *http.Response, body string) {
	t.Helper()
	if res.StatusCode != sc.status {
		t.Errorf("%s %s: status %d, want %d\n%s", sc.method, sc.path, res.StatusCode, sc.status, consoleSnippet(body))
	}
	for _, w := range sc.want {
		if !strings.Contains(body, w) {
			t.Errorf("%s %s: body lacks %q\n%s", sc.method, sc.path, w, consoleSnippet(body))
		}
	}
	for _, d := range sc.deny {
		if strings.Contains(body, d) {
			t.Errorf("%s %s: body contains %q", sc.method, sc.path, d)
		}
	}
	if sc.location != "" {
		if got := res.Header.Get("Location"); got != sc.location {
			t.Errorf("%s %s: Location %q, want %q", sc.method, sc.path, got, sc.location)
		}
	}
}

// consoleSnippet shortens a body for a failure message: the main element.
func consoleSnippet(body string) string {
	if i := strings.Index(body, `<main id="main">`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 1500 {
		body = body[:1500]
	}
	return body
}

// consoleT0 is 2031-03-01 09:30 in Asia/Shanghai.
func consoleT0() time.Time { return time.Date(2031, 3, 1, 1, 30, 0, 0, time.UTC) }
