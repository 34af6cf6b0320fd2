package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestWaitlistAndClaim(t *testing.T) {
	h, s, f := newTestAPI(t)
	_, carolToken := mustResident(t, s, "13800000003")
	var w bookingReply
	run(t, h, []scenario{
		{name: "SoldOutWithoutWaitlist", method: "POST", path: path("/api/v1/activities/%d/bookings", f.SoldOut),
			token: f.AliceToken, wantStatus: http.StatusConflict, wantCode: culture.ReasonSoldOut},
	})
	call(t, h, "POST", path("/api/v1/activities/%d/bookings", f.SoldOut), f.AliceToken, `{"waitlist":true}`, http.StatusCreated, &w)
	if w.Status != culture.BookingWaitlisted {
		t.Fatalf("status %s, want waitlisted", w.Status)
	}
	bob, _, err := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &f.SoldOut, AccountID: &f.Bob})
	if err != nil || len(bob) != 1 {
		t.Fatal(err)
	}
	call(t, h, "POST", path("/api/v1/bookings/%d/cancel", bob[0].ID), f.BobToken, "", http.StatusOK, nil)
	run(t, h, []scenario{
		{name: "ClaimSomeoneElses", method: "POST", path: path("/api/v1/bookings/%d/claim", w.ID),
			token: carolToken, wantStatus: http.StatusNotFound},
		{name: "ClaimBadID", method: "POST", path: "/api/v1/bookings/abc/claim",
			token: f.AliceToken, wantStatus: http.StatusNotFound},
		{name: "ClaimOK", method: "POST", path: path("/api/v1/bookings/%d/claim", w.ID),
			token: f.AliceToken, wantStatus: http.StatusOK, wantText: []string{`"status":"confirmed"`}},
		{name: "ClaimNoOffer", method: "POST", path: path("/api/v1/bookings/%d/claim", f.AliceBooking.ID),
			token: f.AliceToken, wantStatus: http.StatusOK},
	})
}

func TestOfferExpired(t *testing.T) {
	h, s, f := newTestAPI(t)
	var w bookingReply
	call(t, h, "POST", path("/api/v1/activities/%d/bookings", f.SoldOut), f.AliceToken, `{"waitlist":true}`, http.StatusCreated, &w)
	bob, _, _ := s.FindBookings(t.Context(), culture.BookingFilter{ActivityID: &f.SoldOut, AccountID: &f.Bob})
	call(t, h, "POST", path("/api/v1/bookings/%d/cancel", bob[0].ID), f.BobToken, "", http.StatusOK, nil)
	s.Now = func() time.Time { return now.Add(time.Hour) }
	run(t, h, []scenario{
		{name: "Expired", method: "POST", path: path("/api/v1/bookings/%d/claim", w.ID),
			token: f.AliceToken, wantStatus: http.StatusConflict, wantCode: culture.ReasonOfferExpired},
	})
}

func TestNoShowRecordAndWaive(t *testing.T) {
	h, s, f := newTestAPI(t)
	// Bob's 焦南 booking becomes a no-show once the activity has ended.
	s.Now = func() time.Time { return now.Add(4 * time.Hour) }
	if _, err := s.SettleAttendance(t.Context()); err != nil {
		t.Fatal(err)
	}
	id := f.BobNanBooking.ID
	run(t, h, []scenario{
		{name: "Record", method: "GET", path: "/api/v1/me/record", token: f.BobToken,
			wantStatus: http.StatusOK, wantText: []string{`"count":`, `"rule":"120 天内爽约`, `"status":"no_show"`}},
		{name: "RecordNeedsToken", method: "GET", path: "/api/v1/me/record", wantStatus: http.StatusUnauthorized},
		{name: "ResidentForbidden", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.BobToken,
			body: `{"reason":"生病了"}`, wantStatus: http.StatusForbidden},
		// Staff of another branch get the answer of an unknown id (below),
		// so that they cannot probe which booking ids exist.
		{name: "OtherBranchNotFound", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.XiAdminToken,
			body: `{"reason":"生病了"}`, wantStatus: http.StatusNotFound, wantText: []string{"预约不存在。"}},
		{name: "MissingOtherBranch", method: "POST", path: "/api/v1/bookings/99999/waive", token: f.XiAdminToken,
			body: `{"reason":"生病了"}`, wantStatus: http.StatusNotFound, wantText: []string{"预约不存在。"}},
		{name: "ReasonTooShort", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.NanAdminToken,
			body: `{"reason":"x"}`, wantStatus: http.StatusBadRequest},
		{name: "ReasonNUL", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.NanAdminToken,
			body: `{"reason":"生病\u0000住院"}`, wantStatus: http.StatusBadRequest, wantText: []string{"免除原因包含无效字符。"}},
		{name: "ReasonControl", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.NanAdminToken,
			body: `{"reason":"生病\u0007住院"}`, wantStatus: http.StatusBadRequest, wantText: []string{"免除原因包含无效字符。"}},
		{name: "OK", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.NanAdminToken,
			body: `{"reason":"生病住院，有证明"}`, wantStatus: http.StatusOK, wantText: []string{`"waived":true`}},
		{name: "Again", method: "POST", path: path("/api/v1/bookings/%d/waive", id), token: f.HubAdminToken,
			body: `{"reason":"再次免除"}`, wantStatus: http.StatusConflict},
		{name: "Missing", method: "POST", path: "/api/v1/bookings/99999/waive", token: f.HubAdminToken,
			body: `{"reason":"再次免除"}`, wantStatus: http.StatusNotFound},
	})
}

func TestBookingRealNameAPI(t *testing.T) {
	h, s, f := newTestAPI(t)
	yes := true
	a, err := s.UpdateActivity(t.Context(), f.Open, culture.ActivityUpdate{RealName: &yes})
	if err != nil || !a.RealName {
		t.Fatal(a, err)
	}
	run(t, h, []scenario{
		{name: "BadID", method: "POST", path: path("/api/v1/activities/%d/bookings", f.Open), token: f.AliceToken,
			body:       `{"real_names":[{"name":"王芳","id_number":"110105194912310020"}]}`,
			wantStatus: http.StatusBadRequest, wantCode: culture.ReasonBadID},
		{name: "OK", method: "POST", path: path("/api/v1/activities/%d/bookings", f.Open), token: f.AliceToken,
			body:       `{"real_names":[{"name":"王芳","id_number":"11010519491231002X"}]}`,
			wantStatus: http.StatusCreated, wantText: []string{`"id_masked":"110***********002X"`}},
		{name: "Taken", method: "POST", path: path("/api/v1/activities/%d/bookings", f.Open), token: f.BobToken,
			body:       `{"real_names":[{"name":"王芳","id_number":"11010519491231002X"}]}`,
			wantStatus: http.StatusConflict, wantCode: culture.ReasonIDTaken},
	})
}
