package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
)

func bookingsPath(activity int64) string { return path("/api/v1/activities/%d/bookings", activity) }

func TestBookingCreate(t *testing.T) {
	t.Parallel()
	h, store, f := newTestAPI(t)
	cancelled := mustActivity(t, store, f.Xi, "取消的讲座", culture.ModeFirstCome, 5, 1, now.Add(-time.Hour), now.Add(time.Hour))
	if err := store.CancelActivity(context.Background(), cancelled); err != nil {
		t.Fatal(err)
	}
	book := func(name, token string, activity int64, body string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: bookingsPath(activity), token: token, body: body,
			wantStatus: status, wantCode: code, wantText: text}
	}
	child := itoa(f.AliceChild)
	run(t, h, []scenario{
		book("OK", f.BobToken, f.Open, `{}`, http.StatusCreated, "", `"status":"confirmed"`, `"seats":1`, `"self":true`, `"display_code":"`),
		book("OKNoBody", f.AliceToken, f.Single, "", http.StatusCreated, "", `"seats":1`),
		book("OKWithChild", f.AliceToken, f.Open, `{"self":true,"family_member_ids":[`+child+`]}`, http.StatusCreated, "",
			`"seats":2`, `"name":"小明"`, `"family_member_id":`+child),
		book("OKChildOnly", f.BobToken, f.XiBooked, `{"family_member_ids":[`+itoa(f.BobChild)+`]}`, http.StatusCreated, "",
			`"seats":1`, `"self":false`),
		book("OKApprovalPending", f.AliceToken, f.Approval, `{"self":true}`, http.StatusCreated, "", `"status":"pending"`),
		book("ErrSoldOut", f.AliceToken, f.SoldOut, `{}`, http.StatusConflict, "sold_out"),
		book("ErrAlreadyBooked", f.AliceToken, f.XiBooked, `{}`, http.StatusConflict, "already_booked"),
		book("ErrNotOpen", f.AliceToken, f.NotOpen, `{}`, http.StatusForbidden, "not_open"),
		book("ErrClosed", f.AliceToken, f.Closed, `{}`, http.StatusForbidden, "closed"),
		book("ErrNoBookingNeeded", f.AliceToken, f.WalkIn, `{}`, http.StatusBadRequest, "no_booking_needed"),
		book("ErrActivityCancelled", f.AliceToken, cancelled, `{}`, http.StatusConflict, "activity_cancelled"),
		book("ErrTooManyAttendees", f.BobToken, f.Single, `{"self":true,"family_member_ids":[`+itoa(f.BobChild)+`]}`,
			http.StatusBadRequest, "too_many_attendees"),
		book("ErrOthersChild", f.BobToken, f.Approval, `{"family_member_ids":[`+child+`]}`, http.StatusBadRequest, "invalid"),
		book("ErrNobody", f.BobToken, f.Approval, `{"self":false}`, http.StatusBadRequest, "invalid", `"field":"attendees"`),
		book("ErrDuplicateChild", f.BobToken, f.Approval, `{"family_member_ids":[1,1]}`, http.StatusBadRequest, "invalid"),
		book("ErrFamilyIDZero", f.BobToken, f.Approval, `{"family_member_ids":[0]}`, http.StatusBadRequest, "invalid"),
		book("ErrFamilyIDsType", f.BobToken, f.Approval, `{"family_member_ids":"1"}`, http.StatusBadRequest, "invalid"),
		book("ErrUnknownActivity", f.BobToken, 999, `{}`, http.StatusNotFound, "not_found"),
		{name: "ErrBadID", method: "POST", path: "/api/v1/activities/x1/bookings", token: f.BobToken, body: `{}`,
			wantStatus: http.StatusNotFound, wantCode: "not_found"},
		book("ErrNoToken", "", f.Approval, `{}`, http.StatusUnauthorized, "unauthorized", "请先登录。"),
		book("ErrMalformedJSON", f.BobToken, f.Approval, `{"self":tru}`, http.StatusBadRequest, "invalid", "请求体不是有效的 JSON。"),
		book("ErrUnknownField", f.BobToken, f.Approval, `{"seats":3}`, http.StatusBadRequest, "invalid", "seats"),
		book("ErrTooLarge", f.BobToken, f.Approval, `{"family_member_ids":[`+strings.Repeat("1,", 40<<10)+`1]}`,
			http.StatusRequestEntityTooLarge, "request_too_large"),
		{name: "ErrContentType", method: "POST", path: bookingsPath(f.Approval), token: f.BobToken, body: `{}`,
			headers: map[string]string{"Content-Type": "text/json"}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		{name: "ErrKeyTooLong", method: "POST", path: bookingsPath(f.Approval), token: f.BobToken, body: `{}`,
			headers: map[string]string{"Idempotency-Key": strings.Repeat("k", 101)}, wantStatus: http.StatusBadRequest, wantCode: "invalid",
			wantText: []string{"Idempotency-Key 过长"}},
		book("ErrRealNameNUL", f.BobToken, f.Open, `{"real_names":[{"name":"张\u0000三","id_number":"11010519491231002X"}]}`,
			http.StatusBadRequest, "invalid", "参加人姓名包含无效字符。"),
		book("ErrRealNameControl", f.BobToken, f.Open, `{"real_names":[{"name":"张\u001b三","id_number":"11010519491231002X"}]}`,
			http.StatusBadRequest, "invalid", "参加人姓名包含无效字符。"),
		{name: "ErrKeyNotASCII", method: "POST", path: bookingsPath(f.Approval), token: f.BobToken, body: `{}`,
			headers: map[string]string{"Idempotency-Key": "预约-1"}, wantStatus: http.StatusBadRequest, wantCode: "invalid"},
	})
}

func TestBookingIdempotentReplay(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	keyed := func(name string, activity int64, key string, status int, code string) scenario {
		return scenario{name: name, method: "POST", path: bookingsPath(activity), token: f.AliceToken, body: `{"self":true}`,
			headers: map[string]string{"Idempotency-Key": key}, wantStatus: status, wantCode: code}
	}
	first := serve(h, keyed("", f.Open, "key-1", 0, ""))
	if first.Code != http.StatusCreated {
		t.Fatalf("first booking: %d %s", first.Code, first.Body.String())
	}
	replay := serve(h, keyed("", f.Open, "key-1", 0, ""))
	if replay.Code != http.StatusCreated {
		t.Fatalf("replay: %d %s", replay.Code, replay.Body.String())
	}
	if diff := cmp.Diff(first.Body.String(), replay.Body.String()); diff != "" {
		t.Errorf("replay body differs (-first +replay):\n%s", diff)
	}
	if left := seatsLeft(t, h, f.Open); left != 4 {
		t.Errorf("seats_left = %d after a booking and its replay, want 4", left)
	}
	run(t, h, []scenario{
		keyed("ErrNewKeyAlreadyBooked", f.Open, "key-2", http.StatusConflict, "already_booked"),
		keyed("ErrKeyUsedForOtherActivity", f.Single, "key-1", http.StatusConflict, "idempotency_key_reused"),
		keyed("OKOtherKeyOtherActivity", f.Single, "key-3", http.StatusCreated, ""),
	})
	if left := seatsLeft(t, h, f.Open); left != 4 {
		t.Errorf("seats_left = %d after refusals, want 4", left)
	}
}

func TestBookingView(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	alice := path("/api/v1/bookings/%d", f.AliceBooking.ID)
	var b bookingReply
	call(t, h, "GET", alice, f.AliceToken, "", http.StatusOK, &b)
	if b.ID != f.AliceBooking.ID || b.Code != f.AliceBooking.Code || b.Activity == nil || b.Activity.Title != "音乐沙龙" {
		t.Errorf("GET %s = %+v, want Alice's booking with its activity", alice, b)
	}
	notFound := call(t, h, "GET", "/api/v1/bookings/999", f.AliceToken, "", http.StatusNotFound, nil).Body.String()
	run(t, h, []scenario{
		{name: "OKStaffOfUnit", method: "GET", path: alice, token: f.XiAdminToken, wantStatus: http.StatusOK, wantText: []string{f.AliceBooking.Code}},
		{name: "OKStaffOfHub", method: "GET", path: alice, token: f.HubAdminToken, wantStatus: http.StatusOK},
		// Someone else's booking answers exactly as a missing one.
		{name: "ErrOtherResident", method: "GET", path: alice, token: f.BobToken, wantStatus: http.StatusNotFound, wantCode: "not_found", wantText: []string{notFound}},
		{name: "ErrOtherBranchAdmin", method: "GET", path: alice, token: f.NanAdminToken, wantStatus: http.StatusNotFound, wantText: []string{notFound}},
		{name: "ErrChecker", method: "GET", path: alice, token: f.XiCheckerToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrXiAdminNanBooking", method: "GET", path: path("/api/v1/bookings/%d", f.BobNanBooking.ID), token: f.XiAdminToken,
			wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrBadID", method: "GET", path: "/api/v1/bookings/0", token: f.AliceToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrNoToken", method: "GET", path: alice, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrBasicAuth", method: "GET", path: alice, headers: map[string]string{"Authorization": "Basic YTpi"},
			wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
	})
}

func TestMyBookings(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	var reply struct {
		Items   []bookingReply `json:"items"`
		Total   int            `json:"total"`
		Page    int            `json:"page"`
		PerPage int            `json:"per_page"`
	}
	call(t, h, "GET", "/api/v1/me/bookings?per_page=1", f.BobToken, "", http.StatusOK, &reply)
	if reply.Total != 2 || len(reply.Items) != 1 || reply.PerPage != 1 || reply.Items[0].Activity == nil {
		t.Errorf("Bob's bookings, one a page = %+v, want 1 of 2 with its activity", reply)
	}
	list := func(name, token, query string, status int, code string, text ...string) scenario {
		return scenario{name: name, method: "GET", path: "/api/v1/me/bookings" + query, token: token,
			wantStatus: status, wantCode: code, wantText: text}
	}
	run(t, h, []scenario{
		list("OK", f.AliceToken, "", http.StatusOK, "", `"total":1`, f.AliceBooking.Code, `"title":"音乐沙龙"`),
		list("OKStatus", f.BobToken, "?status=confirmed", http.StatusOK, "", `"total":2`),
		list("OKStatusNone", f.BobToken, "?status=cancelled", http.StatusOK, "", `"items":[]`, `"total":0`),
		list("OKUpcoming", f.BobToken, "?upcoming=true&page=1", http.StatusOK, "", `"total":2`),
		list("OKStaffNone", f.XiAdminToken, "", http.StatusOK, "", `"total":0`),
		list("ErrStatus", f.BobToken, "?status=gone", http.StatusBadRequest, "invalid", "status"),
		list("ErrUpcoming", f.BobToken, "?upcoming=soon", http.StatusBadRequest, "invalid", "upcoming"),
		list("ErrPage", f.BobToken, "?page=-1", http.StatusBadRequest, "invalid", "page"),
		list("ErrPerPage", f.BobToken, "?per_page=1000", http.StatusBadRequest, "invalid", "per_page"),
		list("ErrNoToken", "", "", http.StatusUnauthorized, "unauthorized"),
	})
}

func TestBookingCancel(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	cancel := path("/api/v1/bookings/%d/cancel", f.AliceBooking.ID)
	if left := seatsLeft(t, h, f.XiBooked); left != 9 {
		t.Fatalf("seats_left = %d before cancelling, want 9", left)
	}
	run(t, h, []scenario{
		{name: "ErrOtherResident", method: "POST", path: cancel, token: f.BobToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrStaff", method: "POST", path: cancel, token: f.XiAdminToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrNoToken", method: "POST", path: cancel, wantStatus: http.StatusUnauthorized, wantCode: "unauthorized"},
		{name: "ErrUnknown", method: "POST", path: "/api/v1/bookings/999/cancel", token: f.AliceToken, wantStatus: http.StatusNotFound, wantCode: "not_found"},
		{name: "ErrMethod", method: "GET", path: cancel, token: f.AliceToken, wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed"},
		{name: "OK", method: "POST", path: cancel, token: f.AliceToken, wantStatus: http.StatusOK,
			wantText: []string{`"status":"cancelled"`, `"seats_left":10`}},
		{name: "ErrAlreadyCancelled", method: "POST", path: cancel, token: f.AliceToken, wantStatus: http.StatusBadRequest, wantCode: "invalid"},
	})
	if left := seatsLeft(t, h, f.XiBooked); left != 10 {
		t.Errorf("seats_left = %d after cancelling, want 10", left)
	}
	// The seat is free again: Alice can book anew.
	call(t, h, "POST", bookingsPath(f.XiBooked), f.AliceToken, `{}`, http.StatusCreated, nil)
}
