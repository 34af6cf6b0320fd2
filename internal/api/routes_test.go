package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// documentedOp is one operation of the served OpenAPI document.
type documentedOp struct {
	method, path string // path with the /api/v1 prefix
	public       bool   // "security": [] overrides the document's bearerAuth
}

func documentedOps(t *testing.T, h http.Handler) []documentedOp {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Security *[]any `json:"security"`
		} `json:"paths"`
	}
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	var ops []documentedOp
	for p, item := range doc.Paths {
		for method, op := range item {
			public := op.Security != nil && len(*op.Security) == 0
			ops = append(ops, documentedOp{strings.ToUpper(method), "/api/v1" + p, public})
		}
	}
	if len(ops) == 0 {
		t.Fatal("the OpenAPI document lists no operations")
	}
	return ops
}

var wildcard = regexp.MustCompile(`\{\w+\}`)

// TestOpenAPISecurity checks the document against the handlers: every
// operation marked bearerAuth refuses a request without a token, and no
// public one does.
func TestOpenAPISecurity(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestAPI(t)
	for _, op := range documentedOps(t, h) {
		t.Run(op.method+" "+op.path, func(t *testing.T) {
			sc := scenario{method: op.method, path: wildcard.ReplaceAllString(op.path, "1"), remoteAddr: "192.0.2.77:1"}
			if op.method == "POST" {
				sc.body = "{}"
			}
			got := serve(h, sc).Code
			if op.public && got == http.StatusUnauthorized {
				t.Errorf("public operation answered 401")
			} else if !op.public && got != http.StatusUnauthorized {
				t.Errorf("bearerAuth operation without a token answered %d, want 401", got)
			}
		})
	}
}

// TestNoServerErrors sends junk ids, bodies and headers to every route:
// nothing a client sends may produce a 5xx.
func TestNoServerErrors(t *testing.T) {
	t.Parallel()
	// The menu's rows exist, so that id 1 reaches them.
	h, _, f := newMenuAPI(t)
	ids := []string{"1", "0", "-1", "abc", "99999999999999999999", "%00"}
	bodies := []string{"", "{}", "{} {}", "null", "[]", "{", `{"x":1}`, "\xff\xfe", `"text"`, `{"unit_id":1e400,"code":null}`,
		`{"phone":"13800000001","code":"123456","self":true,"family_member_ids":[-5],"name":"` + strings.Repeat("名", 100) + `"}`,
		strings.Repeat("[", 20000), `{"starts_at":"9999-12-31T23:59:59Z","ends_at":"0000-01-01T00:00:00Z","unit_id":1}`,
		// The menu's bodies, with values out of every range.
		`{"reason":"` + strings.Repeat("因", 300) + `","cost":-9223372036854775808,"mode":"\u0000"}`,
		`{"score":99,"comment":null,"unit_id":-1,"hub_id":0,"level":"city","kind":"troupe","name":"x"}`,
		`{"item_id":1,"unit_id":2,"starts_at":"2026-03-01T00:00:00Z","ends_at":"2026-03-01T01:00:00Z","capacity":2147483648,"mode":"open","expected_audience":-1,"preferred_dates":"x"}`,
		`{"title":"x","category":"戏曲","format":"class","sessions":-1,"groups":[null],"minutes":1e9,"photo_ids":[0,-1],"series_id":-1}`}
	tokens := []string{"", f.AliceToken, f.HubAdminToken, f.StaffToken}
	n := 0
	for _, op := range documentedOps(t, h) {
		for _, id := range ids {
			p := wildcard.ReplaceAllString(op.path, id)
			for _, token := range tokens {
				for _, body := range bodies {
					n += junk(t, h, scenario{method: op.method, path: p, token: token, body: body})
				}
				n += junk(t, h, scenario{method: op.method, path: p, token: token, body: "{}",
					headers: map[string]string{"Content-Type": "text/plain"}})
			}
			if !strings.Contains(op.path, "{") {
				break
			}
		}
	}
	t.Logf("%d requests", n)
}

// junk serves one junk request and fails the test on a 5xx.
func junk(t *testing.T, h http.Handler, sc scenario) int {
	t.Helper()
	sc.remoteAddr = "192.0.2.99:1"
	if rec := serve(h, sc); rec.Code >= 500 {
		t.Errorf("%s %s body %.40q token %.10q: %d %s", sc.method, sc.path, sc.body, sc.token, rec.Code, rec.Body.String())
	}
	return 1
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	run(t, h, []scenario{
		{name: "ErrNoRoute", method: "GET", path: "/api/v1/nothing", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrNoRouteWithToken", method: "GET", path: "/api/v1/me/secrets", token: f.AliceToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrRoot", method: "GET", path: "/api/v1/", wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrMethod", method: "PATCH", path: "/api/v1/me/family", token: f.AliceToken, wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
		{name: "OKHead", method: "HEAD", path: "/api/v1/units", wantStatus: http.StatusOK},
	})
	rec := serve(h, scenario{method: "DELETE", path: "/api/v1/me/family"})
	if allow := rec.Header().Get("Allow"); allow != "GET, POST" {
		t.Errorf("Allow = %q, want GET, POST", allow)
	}
}

// TestChunkedBodyTooLarge sends an oversized body without a length, so
// that only the reader's limit can stop it.
func TestChunkedBodyTooLarge(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	body := `{"name":"` + strings.Repeat("长", 30<<10) + `","relation":"子女"}`
	req := httptest.NewRequest("POST", "/api/v1/me/family", io.MultiReader(strings.NewReader(body)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+f.AliceToken)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	check(t, scenario{wantStatus: http.StatusRequestEntityTooLarge, wantCode: "request_too_large"}, rec)
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	h, _, _ := newTestAPI(t)
	rec := call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, nil)
	var doc map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc["openapi"] != "3.1.0" {
		t.Errorf("served document: %v, openapi %v", err, doc["openapi"])
	}
}

// state is what refused requests must leave alone: every activity's
// seats, every booking and every family.
func state(t *testing.T, s *sqlstore.Store, f *fixture) []string {
	t.Helper()
	ctx := context.Background()
	acts, _, err := s.FindActivities(ctx, culture.ActivityFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range acts {
		out = append(out, fmt.Sprintf("activity %d %s: %d/%d %s", a.ID, a.Title, a.SeatsLeft, a.Capacity, a.Status))
	}
	bookings, _, err := s.FindBookings(ctx, culture.BookingFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bookings {
		out = append(out, fmt.Sprintf("booking %d: activity %d account %d %s %d seats, in at %v", b.ID, b.ActivityID, b.AccountID, b.Status, b.Seats, b.CheckedInAt))
	}
	for _, id := range []int64{f.Alice, f.Bob} {
		fam, err := s.FindFamily(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fam {
			out = append(out, fmt.Sprintf("family %d of %d: %s", m.ID, id, m.Name))
		}
	}
	return out
}

// TestRefusalsChangeNothing runs refused requests of every kind and checks
// that seats, bookings, activities and families are as before.
func TestRefusalsChangeNothing(t *testing.T) {
	t.Parallel()
	h, store, f := newTestAPI(t)
	before := state(t, store, f)
	post := func(name, p, token, body string, status int, code string) scenario {
		return scenario{name: name, method: "POST", path: p, token: token, body: body, wantStatus: status, wantCode: code}
	}
	run(t, h, []scenario{
		post("SoldOut", bookingsPath(f.SoldOut), f.AliceToken, `{}`, http.StatusConflict, "sold_out"),
		post("AlreadyBooked", bookingsPath(f.XiBooked), f.AliceToken, `{"family_member_ids":[`+itoa(f.AliceChild)+`]}`, http.StatusConflict, "already_booked"),
		post("NotOpen", bookingsPath(f.NotOpen), f.AliceToken, `{}`, http.StatusForbidden, "not_open"),
		post("Closed", bookingsPath(f.Closed), f.AliceToken, `{}`, http.StatusForbidden, "closed"),
		post("NoBookingNeeded", bookingsPath(f.WalkIn), f.AliceToken, `{}`, http.StatusBadRequest, "no_booking_needed"),
		post("TooManyAttendees", bookingsPath(f.Single), f.AliceToken, `{"self":true,"family_member_ids":[`+itoa(f.AliceChild)+`]}`, http.StatusBadRequest, "too_many_attendees"),
		post("OthersChild", bookingsPath(f.Open), f.AliceToken, `{"self":true,"family_member_ids":[`+itoa(f.BobChild)+`]}`, http.StatusBadRequest, "invalid"),
		post("MalformedBooking", bookingsPath(f.Open), f.AliceToken, `{"self":`, http.StatusBadRequest, "invalid"),
		post("BadTokenBooking", bookingsPath(f.Open), "wy_forged", `{}`, http.StatusUnauthorized, "unauthorized"),
		post("CreateOtherBranch", "/api/v1/activities", f.XiAdminToken, activityBody(f.Nan, ""), http.StatusForbidden, "forbidden"),
		post("CreateResident", "/api/v1/activities", f.AliceToken, activityBody(f.Xi, ""), http.StatusForbidden, "forbidden"),
		post("CreateInvalid", "/api/v1/activities", f.XiAdminToken, activityBody(f.Xi, `,"capacity":-1`), http.StatusBadRequest, "invalid"),
		post("CheckinOtherBranch", "/api/v1/checkins", f.XiCheckerToken, `{"code":"`+f.BobNanBooking.Code+`"}`, http.StatusNotFound, "bad_code"),
		post("CancelOthers", path("/api/v1/bookings/%d/cancel", f.AliceBooking.ID), f.BobToken, "", http.StatusNotFound, "not_found"),
		post("FamilyInvalid", "/api/v1/me/family", f.AliceToken, `{"name":"","relation":"子女"}`, http.StatusBadRequest, "invalid"),
		{name: "DeleteOthersChild", method: "DELETE", path: path("/api/v1/me/family/%d", f.BobChild), token: f.AliceToken,
			wantStatus: http.StatusNotFound, wantCode: "not_found"},
	})
	if diff := cmp.Diff(before, state(t, store, f)); diff != "" {
		t.Errorf("state changed by refused requests (-before +after):\n%s", diff)
	}
}
