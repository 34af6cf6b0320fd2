package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/api"
	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// now is the fixed time of every test: Monday 2 March 2026, 10:00 in
// Shanghai.
var now = time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)

// fixture names what newTestAPI seeds.
type fixture struct {
	Hub, Xi, Nan int64 // units: 总馆 and its branches 焦西, 焦南

	// Activities, all at 焦西 unless named otherwise.
	Open     int64 // first come, open now, 5 seats, 3 per booking
	SoldOut  int64 // first come, 1 seat, taken by Bob
	NotOpen  int64 // opens tomorrow
	Closed   int64 // closed yesterday
	WalkIn   int64 // mode open: no booking
	Single   int64 // first come, 1 per booking
	XiBooked int64 // Alice holds a booking of it
	NanAct   int64 // at 焦南; Bob holds a booking of it
	Approval int64 // approval mode

	Alice, Bob           int64 // residents
	AliceChild, BobChild int64 // family members
	AliceBooking         *culture.Booking
	BobNanBooking        *culture.Booking

	// Bearer tokens.
	AliceToken, BobToken, HubAdminToken, XiAdminToken, NanAdminToken, XiCheckerToken string

	SMS *smsBox
}

// smsBox is an sms.Sender that keeps the last code sent to each phone.
type smsBox struct {
	mu    sync.Mutex
	codes map[string]string
}

func (b *smsBox) SendCode(_ context.Context, phone, code string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.codes[phone] = code
	return nil
}

func (b *smsBox) code(phone string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.codes[phone]
}

// newTestAPI opens a fresh SQLite store in a temporary directory, seeds the
// fixture through the store's methods and returns the API's handler.
func newTestAPI(tb testing.TB) (http.Handler, *sqlstore.Store, *fixture) {
	tb.Helper()
	ctx := context.Background()
	store, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "api.db"), sqlstore.Options{})
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() { store.Close() })
	store.Now = func() time.Time { return now }
	f := &fixture{SMS: &smsBox{codes: map[string]string{}}}
	seed(tb, ctx, store, f)
	a := api.New(api.Config{
		Units: store, Accounts: store, Activities: store, Bookings: store, Lotteries: store, Grab: store, Menu: store, SMS: f.SMS,
		Notifications: store, Communities: store, News: store, Moderation: store,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return now },
	})
	return a.Handler(), store, f
}

func seed(tb testing.TB, ctx context.Context, s *sqlstore.Store, f *fixture) {
	tb.Helper()
	f.Hub = mustUnit(tb, s, &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"})
	f.Xi = mustUnit(tb, s, &culture.Unit{Kind: culture.UnitBranch, Name: "焦西分馆", ParentID: &f.Hub, Address: "焦西路 1 号"})
	f.Nan = mustUnit(tb, s, &culture.Unit{Kind: culture.UnitBranch, Name: "焦南分馆", ParentID: &f.Hub})
	f.HubAdminToken = mustStaff(tb, s, "hubadmin", culture.RoleHubAdmin, f.Hub)
	f.XiAdminToken = mustStaff(tb, s, "xiadmin", culture.RoleBranchAdmin, f.Xi)
	f.NanAdminToken = mustStaff(tb, s, "nanadmin", culture.RoleBranchAdmin, f.Nan)
	f.XiCheckerToken = mustStaff(tb, s, "xichecker", culture.RoleChecker, f.Xi)
	f.Alice, f.AliceToken = mustResident(tb, s, "13800000001")
	f.Bob, f.BobToken = mustResident(tb, s, "13800000002")
	f.AliceChild = mustChild(tb, s, f.Alice, "小明")
	f.BobChild = mustChild(tb, s, f.Bob, "小红")
	seedActivities(tb, s, f)
	f.AliceBooking = mustBook(tb, s, f.XiBooked, f.Alice)
	f.BobNanBooking = mustBook(tb, s, f.NanAct, f.Bob)
	mustBook(tb, s, f.SoldOut, f.Bob)
}

func seedActivities(tb testing.TB, s *sqlstore.Store, f *fixture) {
	tb.Helper()
	h := time.Hour
	f.Open = mustActivity(tb, s, f.Xi, "少儿书法体验课", culture.ModeFirstCome, 5, 3, now.Add(-h), now.Add(h))
	f.SoldOut = mustActivity(tb, s, f.Xi, "剪纸非遗课", culture.ModeFirstCome, 1, 1, now.Add(-h), now.Add(2*h))
	f.NotOpen = mustActivity(tb, s, f.Xi, "戏曲欣赏", culture.ModeFirstCome, 5, 1, now.Add(24*h), now.Add(48*h))
	f.Closed = mustActivity(tb, s, f.Xi, "舞蹈基础", culture.ModeFirstCome, 5, 1, now.Add(-48*h), now.Add(-24*h))
	f.WalkIn = mustActivity(tb, s, f.Xi, "公益电影放映", culture.ModeOpen, 50, 1, time.Time{}, now.Add(3*h))
	f.Single = mustActivity(tb, s, f.Xi, "健康养生讲座", culture.ModeFirstCome, 5, 1, now.Add(-h), now.Add(4*h))
	f.XiBooked = mustActivity(tb, s, f.Xi, "音乐沙龙", culture.ModeFirstCome, 10, 2, now.Add(-h), now.Add(h))
	f.NanAct = mustActivity(tb, s, f.Nan, "焦南阅读会", culture.ModeFirstCome, 10, 2, now.Add(-h), now.Add(h))
	f.Approval = mustActivity(tb, s, f.Xi, "书法进阶班", culture.ModeApproval, 5, 1, now.Add(-h), now.Add(5*h))
}

func mustUnit(tb testing.TB, s *sqlstore.Store, u *culture.Unit) int64 {
	tb.Helper()
	if err := s.CreateUnit(context.Background(), u); err != nil {
		tb.Fatalf("CreateUnit(%s): %v", u.Name, err)
	}
	return u.ID
}

// mustStaff creates a staff account with one grant and returns its token.
func mustStaff(tb testing.TB, s *sqlstore.Store, username, role string, unit int64) string {
	tb.Helper()
	ctx := context.Background()
	a := &culture.Account{Username: username, Name: username}
	if err := s.CreateStaff(ctx, a, "correct horse battery"); err != nil {
		tb.Fatalf("CreateStaff(%s): %v", username, err)
	}
	if err := s.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: role, UnitID: unit}); err != nil {
		tb.Fatalf("CreateGrant(%s): %v", username, err)
	}
	return mustToken(tb, s, a.ID)
}

func mustResident(tb testing.TB, s *sqlstore.Store, phone string) (int64, string) {
	tb.Helper()
	a, err := s.FindOrCreateResident(context.Background(), phone)
	if err != nil {
		tb.Fatalf("FindOrCreateResident: %v", err)
	}
	return a.ID, mustToken(tb, s, a.ID)
}

func mustToken(tb testing.TB, s *sqlstore.Store, accountID int64) string {
	tb.Helper()
	token, err := s.CreateToken(context.Background(), accountID, "test")
	if err != nil {
		tb.Fatalf("CreateToken: %v", err)
	}
	return token
}

func mustChild(tb testing.TB, s *sqlstore.Store, accountID int64, name string) int64 {
	tb.Helper()
	m := &culture.FamilyMember{AccountID: accountID, Name: name, Relation: "子女", BirthYear: 2018}
	if err := s.CreateFamilyMember(context.Background(), m); err != nil {
		tb.Fatalf("CreateFamilyMember: %v", err)
	}
	return m.ID
}

// mustActivity creates an activity of two hours starting at start, open
// for booking from opens until its start.
func mustActivity(tb testing.TB, s *sqlstore.Store, unit int64, title, mode string, capacity, perBooking int, opens, start time.Time) int64 {
	tb.Helper()
	a := &culture.Activity{
		UnitID: unit, Title: title, Category: "少儿益智", StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Capacity: capacity, Mode: mode, OpensAt: opens, ClosesAt: start, MaxPerBooking: perBooking,
	}
	if mode == culture.ModeOpen {
		a.ClosesAt = time.Time{}
	}
	created, err := s.CreateActivity(context.Background(), a, 1)
	if err != nil {
		tb.Fatalf("CreateActivity(%s): %v", title, err)
	}
	return created[0].ID
}

func mustBook(tb testing.TB, s *sqlstore.Store, activity, account int64) *culture.Booking {
	tb.Helper()
	b, err := s.CreateBooking(context.Background(), &culture.BookingRequest{ActivityID: activity, AccountID: account, Self: true})
	if err != nil {
		tb.Fatalf("CreateBooking(activity %d, account %d): %v", activity, account, err)
	}
	return b
}

// scenario is one request and what it must answer.
type scenario struct {
	name   string
	method string
	path   string
	token  string // bearer token; "" sends none
	// headers are sent as given; a Content-Type set to "" sends none. A
	// body is sent as application/json unless headers say otherwise.
	headers    map[string]string
	body       string
	remoteAddr string // default: a different address for each scenario
	wantStatus int
	wantCode   string   // the error code, for refusals
	wantText   []string // substrings of the reply body
}

// run serves every scenario in order, as subtests.
func run(t *testing.T, h http.Handler, scenarios []scenario) {
	t.Helper()
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.remoteAddr == "" {
				sc.remoteAddr = fmt.Sprintf("198.51.100.%d:4321", i%250+1)
			}
			rec := serve(h, sc)
			check(t, sc, rec)
		})
	}
}

// serve sends one scenario's request to h.
func serve(h http.Handler, sc scenario) *httptest.ResponseRecorder {
	var body io.Reader
	if sc.body != "" {
		body = strings.NewReader(sc.body)
	}
	req := httptest.NewRequest(sc.method, sc.path, body)
	if sc.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range sc.headers {
		req.Header.Del(k)
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	if sc.token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.token)
	}
	if sc.remoteAddr != "" {
		req.RemoteAddr = sc.remoteAddr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// check compares a reply with what the scenario wants.
func check(t *testing.T, sc scenario, rec *httptest.ResponseRecorder) {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != sc.wantStatus {
		t.Fatalf("%s %s: status %d, want %d; body %s", sc.method, sc.path, rec.Code, sc.wantStatus, body)
	}
	if rec.Code != http.StatusNoContent && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Errorf("Content-Type %q, want application/json", rec.Header().Get("Content-Type"))
	}
	if sc.wantCode != "" {
		if got := errorCode(t, rec); got != sc.wantCode {
			t.Errorf("error code %q, want %q; body %s", got, sc.wantCode, body)
		}
	}
	for _, s := range sc.wantText {
		if !strings.Contains(body, s) {
			t.Errorf("body lacks %q: %s", s, body)
		}
	}
}

// errorCode decodes an error reply and returns its code; it fails the test
// unless the reply has exactly the error shape.
func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var reply struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"error"`
	}
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reply); err != nil {
		t.Fatalf("error reply: %v", err)
	}
	if reply.Error.Message == "" {
		t.Errorf("error reply without message")
	}
	return reply.Error.Code
}

// call serves one request and decodes a JSON reply into out (if not nil),
// failing the test unless the status is want.
func call(t *testing.T, h http.Handler, method, path, token, body string, want int, out any) *httptest.ResponseRecorder {
	t.Helper()
	rec := serve(h, scenario{method: method, path: path, token: token, body: body, remoteAddr: "203.0.113.9:1"})
	if rec.Code != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, rec.Code, want, rec.Body.String())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return rec
}

// activityReply is the part of an activity reply the tests read.
type activityReply struct {
	ID        int64   `json:"id"`
	UnitID    int64   `json:"unit_id"`
	UnitName  string  `json:"unit_name"`
	Title     string  `json:"title"`
	Capacity  int     `json:"capacity"`
	SeatsLeft int     `json:"seats_left"`
	Mode      string  `json:"mode"`
	Status    string  `json:"status"`
	StartsAt  string  `json:"starts_at"`
	OpensAt   *string `json:"opens_at"`
}

// bookingReply is the part of a booking reply the tests read.
type bookingReply struct {
	ID          int64  `json:"id"`
	ActivityID  int64  `json:"activity_id"`
	Status      string `json:"status"`
	Seats       int    `json:"seats"`
	Code        string `json:"code"`
	DisplayCode string `json:"display_code"`
	Attendees   []struct {
		Name           string `json:"name"`
		Self           bool   `json:"self"`
		FamilyMemberID *int64 `json:"family_member_id"`
	} `json:"attendees"`
	Activity *activityReply `json:"activity"`
}

// seatsLeft reads an activity's seats_left through the API.
func seatsLeft(t *testing.T, h http.Handler, id int64) int {
	t.Helper()
	var act activityReply
	call(t, h, "GET", fmt.Sprintf("/api/v1/activities/%d", id), "", "", http.StatusOK, &act)
	return act.SeatsLeft
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// path formats a path with ids.
func path(format string, args ...any) string { return fmt.Sprintf(format, args...) }
