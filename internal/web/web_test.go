package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// testPassword is the password of every fixture staff account.
const testPassword = "wenyun-test-pass-1"

// Fixture mobile numbers.
const (
	residentPhone    = "13800000001"
	otherPhone       = "13900000002"
	branchAdminPhone = "13700000003"
)

// testSMS is an sms.Sender that records codes instead of sending them.
type testSMS struct {
	mu    sync.Mutex
	codes map[string]string
	// Fail makes SendCode fail, as a gateway outage would.
	Fail bool
}

// SendCode records the code for phone.
func (t *testSMS) SendCode(ctx context.Context, phone, code string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.Fail {
		return fmt.Errorf("sms gateway down")
	}
	t.codes[phone] = code
	return nil
}

// Code returns the last code sent to phone.
func (t *testSMS) Code(phone string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.codes[phone]
}

// testServer is the web application on a fresh SQLite store, with named
// fixtures: the hub and ten branches (焦西 and 焦南 first), a staff account
// per role, two residents (one with a child) and activities in every
// booking state. The console tests reuse it.
type testServer struct {
	Server  *Server
	Handler http.Handler
	Store   *sqlstore.Store
	SMS     *testSMS
	// HTTP serves Handler, plus POST /test/signin/{id} which starts a
	// session for any account (see client).
	HTTP *httptest.Server

	Hub      *culture.Unit
	Jiaoxi   *culture.Unit   // 焦西分馆
	Jiaonan  *culture.Unit   // 焦南分馆
	Branches []*culture.Unit // all ten branches
	Point    *culture.Unit   // 焦西 · 建南社区文化点, under 焦西
	Room     *culture.Room   // 焦西 多功能厅
	Yike     *culture.Series // 解放益课
	Theatre  *culture.Series // 解放剧场

	// Staff, one per role: operator and hub_admin at the hub, branch_admin
	// (with a phone) and checker at 焦西, provider_staff at 焦南.
	Operator, HubAdmin, BranchAdmin, ProviderStaff, Checker *culture.Account
	// Resident (李秀英) has a child; Other is a second resident.
	Resident, Other *culture.Account
	Child           *culture.FamilyMember

	// Activities by state now.
	Bookable  *culture.Activity // 少儿书法启蒙班: 焦西, first come, open, 20 seats, 3 per booking, 解放益课
	SoldOut   *culture.Activity // 豫剧经典唱段赏析: 焦南, 1 seat taken by Other, 解放剧场
	NotOpen   *culture.Activity // 亲子剪纸非遗体验: hub, opens tomorrow
	Closed    *culture.Activity // 广场舞进阶课: 焦南, booking closed an hour ago
	WalkIn    *culture.Activity // 公益电影放映: point under 焦西, open mode
	Approval  *culture.Activity // 合唱团新团员招募: hub, approval, 1 per booking
	Cancelled *culture.Activity // 书画作品展开幕式: 焦西, cancelled
}

// newTestServer opens a store in a temporary directory, loads the
// fixtures and starts the server.
func newTestServer(t testing.TB) *testServer {
	t.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "web.db"), sqlstore.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	ts := &testServer{Store: store, SMS: &testSMS{codes: map[string]string{}}}
	ts.Server, err = New(Config{
		Units: store, Accounts: store, Activities: store, Bookings: store, Grab: store,
		Sessions: store.SessionStore(), SMS: ts.SMS, FairWindow: 2 * time.Second,
	})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	ts.Handler = ts.Server.Handler()
	f := fixtures{t: t, ctx: ctx, ts: ts}
	f.units()
	f.accounts()
	f.activities()
	ts.HTTP = httptest.NewServer(ts.testMux())
	t.Cleanup(ts.HTTP.Close)
	return ts
}

// testMux adds the test-only sign-in route in front of the application.
func (ts *testServer) testMux() http.Handler {
	sm := ts.Server.sessions
	mux := http.NewServeMux()
	mux.Handle("/", ts.Handler)
	mux.Handle("POST /test/signin/{id}", sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err := sm.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		sm.Put(r.Context(), "account_id", id)
	})))
	return mux
}

// fixtures builds the named fixtures through the store's services.
type fixtures struct {
	t   testing.TB
	ctx context.Context
	ts  *testServer
}

func (f *fixtures) check(err error, what string) {
	f.t.Helper()
	if err != nil {
		f.t.Fatalf("fixture %s: %v", what, err)
	}
}

var branchNames = []string{"焦西", "焦南", "焦北", "焦东", "七百间", "新华", "民主", "王褚", "上白作", "解放"}

func (f *fixtures) unit(kind, name, address string, parent *culture.Unit) *culture.Unit {
	u := &culture.Unit{Kind: kind, Name: name, Address: address}
	if parent != nil {
		u.ParentID = &parent.ID
	}
	f.check(f.ts.Store.CreateUnit(f.ctx, u), "unit "+name)
	return u
}

func (f *fixtures) units() {
	ts := f.ts
	ts.Hub = f.unit(culture.UnitHub, "解放区文化馆", "焦作市解放区民主南路 1 号", nil)
	for i, n := range branchNames {
		ts.Branches = append(ts.Branches, f.unit(culture.UnitBranch, n+"分馆",
			fmt.Sprintf("焦作市解放区%s街道 %d 号", n, i+1), ts.Hub))
	}
	ts.Jiaoxi, ts.Jiaonan = ts.Branches[0], ts.Branches[1]
	ts.Point = f.unit(culture.UnitPoint, "建南社区文化点", "建南社区服务中心二楼", ts.Jiaoxi)
	ts.Room = &culture.Room{UnitID: ts.Jiaoxi.ID, Name: "多功能厅", Capacity: 80}
	f.check(ts.Store.CreateRoom(f.ctx, ts.Room), "room")
	ts.Yike = &culture.Series{Slug: "yike", Name: "解放益课", Description: "免费公益课堂"}
	f.check(ts.Store.CreateSeries(f.ctx, ts.Yike), "series 解放益课")
	ts.Theatre = &culture.Series{Slug: "theatre", Name: "解放剧场", Description: "周末公益演出"}
	f.check(ts.Store.CreateSeries(f.ctx, ts.Theatre), "series 解放剧场")
}

func (f *fixtures) staff(username, name, phone, role string, unit *culture.Unit) *culture.Account {
	a := &culture.Account{Username: username, Name: name, Phone: phone}
	f.check(f.ts.Store.CreateStaff(f.ctx, a, testPassword), "staff "+username)
	f.check(f.ts.Store.CreateGrant(f.ctx, &culture.Grant{AccountID: a.ID, Role: role, UnitID: unit.ID}), "grant "+username)
	a, err := f.ts.Store.FindAccountByID(f.ctx, a.ID)
	f.check(err, "reload "+username)
	return a
}

// providerStaff creates a provider serving the hub and one staff account
// of it (a provider_staff grant names its provider; its unit is the hub).
func (f *fixtures) providerStaff(username, name string) *culture.Account {
	p := &culture.Provider{HubID: f.ts.Hub.ID, Name: "焦作市豫剧团", Level: culture.LevelCity, Kind: "troupe"}
	f.check(f.ts.Store.CreateProvider(f.ctx, p), "provider")
	a := &culture.Account{Username: username, Name: name}
	f.check(f.ts.Store.CreateStaff(f.ctx, a, testPassword), "staff "+username)
	g := &culture.Grant{AccountID: a.ID, Role: culture.RoleProviderStaff, UnitID: f.ts.Hub.ID, ProviderID: &p.ID}
	f.check(f.ts.Store.CreateGrant(f.ctx, g), "grant "+username)
	a, err := f.ts.Store.FindAccountByID(f.ctx, a.ID)
	f.check(err, "reload "+username)
	return a
}

func (f *fixtures) resident(phone, name string) *culture.Account {
	a, err := f.ts.Store.FindOrCreateResident(f.ctx, phone)
	f.check(err, "resident "+phone)
	a, err = f.ts.Store.UpdateAccount(f.ctx, a.ID, culture.AccountUpdate{Name: &name})
	f.check(err, "name "+phone)
	return a
}

func (f *fixtures) accounts() {
	ts := f.ts
	ts.Operator = f.staff("operator", "平台运营", "", culture.RoleOperator, ts.Hub)
	ts.HubAdmin = f.staff("hubadmin", "总馆管理员", "", culture.RoleHubAdmin, ts.Hub)
	ts.BranchAdmin = f.staff("jiaoxi", "焦西管理员", branchAdminPhone, culture.RoleBranchAdmin, ts.Jiaoxi)
	ts.ProviderStaff = f.providerStaff("provider", "文化主体")
	ts.Checker = f.staff("checker", "检票员", "", culture.RoleChecker, ts.Jiaoxi)
	ts.Resident = f.resident(residentPhone, "李秀英")
	ts.Other = f.resident(otherPhone, "王建国")
	ts.Child = &culture.FamilyMember{AccountID: ts.Resident.ID, Name: "李小明", Relation: "子女", BirthYear: 2017}
	f.check(ts.Store.CreateFamilyMember(f.ctx, ts.Child), "child")
}

// activity creates a published activity starting in `in`, lasting two
// hours, with booking open from opens (relative to now) until an hour
// before the start.
func (f *fixtures) activity(title string, unit *culture.Unit, mode, category string, in, opens time.Duration, edit func(*culture.Activity)) *culture.Activity {
	now := time.Now().Truncate(time.Second)
	a := &culture.Activity{
		UnitID: unit.ID, Title: title, Category: category, Mode: mode,
		Description: title + "。欢迎居民参加。", StartsAt: now.Add(in), EndsAt: now.Add(in + 2*time.Hour),
		Capacity: 20, MaxPerBooking: 3, OpensAt: now.Add(opens), ClosesAt: now.Add(in - time.Hour),
	}
	if edit != nil {
		edit(a)
	}
	_, err := f.ts.Store.CreateActivity(f.ctx, a, 1)
	f.check(err, "activity "+title)
	return a
}

func (f *fixtures) activities() {
	ts, day := f.ts, 24*time.Hour
	ts.Bookable = f.activity("少儿书法启蒙班", ts.Jiaoxi, culture.ModeFirstCome, "书法美术", 3*day, -time.Hour, func(a *culture.Activity) {
		a.RoomID, a.SeriesID, a.Audience, a.AgeMin, a.AgeMax = &ts.Room.ID, &ts.Yike.ID, "少年儿童", 6, 12
	})
	ts.SoldOut = f.activity("豫剧经典唱段赏析", ts.Jiaonan, culture.ModeFirstCome, "戏曲", 2*day, -time.Hour, func(a *culture.Activity) {
		a.Capacity, a.SeriesID = 1, &ts.Theatre.ID
	})
	ts.NotOpen = f.activity("亲子剪纸非遗体验", ts.Hub, culture.ModeFirstCome, "非遗", 5*day, day, nil)
	ts.Closed = f.activity("广场舞进阶课", ts.Jiaonan, culture.ModeFirstCome, "舞蹈", 2*time.Hour, -3*day, func(a *culture.Activity) {
		a.ClosesAt = a.StartsAt.Add(-3 * time.Hour)
	})
	ts.WalkIn = f.activity("公益电影放映", ts.Point, culture.ModeOpen, "公益电影", 4*day, 0, nil)
	ts.Approval = f.activity("合唱团新团员招募", ts.Hub, culture.ModeApproval, "音乐", 6*day, -time.Hour, func(a *culture.Activity) {
		a.MaxPerBooking = 1
	})
	ts.Cancelled = f.activity("书画作品展开幕式", ts.Jiaoxi, culture.ModeFirstCome, "展览", 3*day, -time.Hour, nil)
	f.check(ts.Store.CancelActivity(f.ctx, ts.Cancelled.ID), "cancel activity")
	_, err := ts.Store.CreateBooking(f.ctx, &culture.BookingRequest{
		ActivityID: ts.SoldOut.ID, AccountID: ts.Other.ID, Self: true, IdempotencyKey: "fixture-sold-out",
	})
	f.check(err, "sold-out booking")
}

// client returns an HTTP client with its own cookie jar that does not
// follow redirects, signed in as acct (a visitor when nil).
func (ts *testServer) client(t testing.TB, acct *culture.Account) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	if acct != nil {
		res := ts.do(t, c, http.MethodPost, "/test/signin/"+strconv.FormatInt(acct.ID, 10), nil, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("test sign-in as %d: status %d", acct.ID, res.Status)
		}
	}
	return c
}

// testResponse is what a test needs of a response.
type testResponse struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

// do sends a request as a same-origin browser would (Sec-Fetch-Site on
// posts) and reads the whole response.
func (ts *testServer) do(t testing.TB, c *http.Client, method, path string, form url.Values, header map[string]string) testResponse {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, ts.HTTP.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return testResponse{Status: res.StatusCode, Body: string(b), Location: res.Header.Get("Location"), Header: res.Header}
}

// get is do for a GET without headers.
func (ts *testServer) get(t testing.TB, c *http.Client, path string) testResponse {
	t.Helper()
	return ts.do(t, c, http.MethodGet, path, nil, nil)
}

// post is do for a form POST.
func (ts *testServer) post(t testing.TB, c *http.Client, path string, form url.Values) testResponse {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return ts.do(t, c, http.MethodPost, path, form, nil)
}

// scenario is one request and what its response must show.
type scenario struct {
	name   string
	method string // GET when empty
	url    string
	form   url.Values
	header map[string]string
	// as signs the request in; nil is a visitor.
	as *culture.Account
	// want is the status; text must all appear in the body, not must not;
	// location, when set, must prefix the Location header.
	want     int
	text     []string
	not      []string
	location string
}

// run runs the scenarios in order, each as its own subtest and client.
func (ts *testServer) run(t *testing.T, scenarios []scenario) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			method := sc.method
			if method == "" {
				method = http.MethodGet
			}
			form := sc.form
			if method == http.MethodPost && form == nil {
				form = url.Values{}
			}
			res := ts.do(t, ts.client(t, sc.as), method, sc.url, form, sc.header)
			sc.check(t, res)
		})
	}
}

func (sc scenario) check(t testing.TB, res testResponse) {
	t.Helper()
	if res.Status != sc.want {
		t.Errorf("%s %s: status %d, want %d\n%s", sc.method, sc.url, res.Status, sc.want, excerpt(res.Body))
	}
	for _, s := range sc.text {
		if !strings.Contains(res.Body, s) {
			t.Errorf("%s %s: body lacks %q\n%s", sc.method, sc.url, s, excerpt(res.Body))
		}
	}
	for _, s := range sc.not {
		if strings.Contains(res.Body, s) {
			t.Errorf("%s %s: body contains %q", sc.method, sc.url, s)
		}
	}
	if sc.location != "" && !strings.HasPrefix(res.Location, sc.location) {
		t.Errorf("%s %s: Location %q, want prefix %q", sc.method, sc.url, res.Location, sc.location)
	}
}

// excerpt returns the main part of a page for failure messages.
func excerpt(body string) string {
	if i := strings.Index(body, `<main id="main">`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000] + "…"
	}
	return body
}

// idPath formats a path with an id: idPath("/activities/%d", 7).
func idPath(format string, id int64) string { return fmt.Sprintf(format, id) }

// bookingsOf returns the bookings of an account for an activity.
func (ts *testServer) bookingsOf(t testing.TB, accountID, activityID int64) []*culture.Booking {
	t.Helper()
	bs, _, err := ts.Store.FindBookings(context.Background(), culture.BookingFilter{AccountID: &accountID, ActivityID: &activityID})
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

// activity reloads an activity from the store.
func (ts *testServer) activity(t testing.TB, id int64) *culture.Activity {
	t.Helper()
	a, err := ts.Store.FindActivityByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestNewTestServer(t *testing.T) {
	ts := newTestServer(t)
	if len(ts.Branches) != 10 || ts.Jiaoxi.Name != "焦西分馆" || ts.Jiaonan.Name != "焦南分馆" {
		t.Fatalf("branches: %d, %q, %q", len(ts.Branches), ts.Jiaoxi.Name, ts.Jiaonan.Name)
	}
	for _, a := range []*culture.Account{ts.Operator, ts.HubAdmin, ts.BranchAdmin, ts.ProviderStaff, ts.Checker} {
		if !a.IsStaff() {
			t.Errorf("%s has no grants", a.Username)
		}
	}
	if a := ts.activity(t, ts.SoldOut.ID); a.SeatsLeft != 0 {
		t.Errorf("sold-out fixture has %d seats left", a.SeatsLeft)
	}
}
