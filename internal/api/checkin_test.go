package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestCheckin(t *testing.T) {
	t.Parallel()
	h, store, f := newTestAPI(t)
	bobOpen := mustBook(t, store, f.Open, f.Bob)
	cancelled := mustBook(t, store, f.Single, f.Alice)
	if _, err := store.CancelBooking(context.Background(), f.Alice, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	check := func(name, token, code string, status int, want string, text ...string) scenario {
		return scenario{name: name, method: "POST", path: "/api/v1/checkins", token: token, body: `{"code":"` + code + `"}`,
			wantStatus: status, wantCode: want, wantText: text}
	}
	typed := strings.ToLower(f.AliceBooking.DisplayCode())
	run(t, h, []scenario{
		check("OK", f.XiCheckerToken, f.AliceBooking.Code, http.StatusOK, "",
			`"already":false`, `"status":"checked_in"`, `"title":"音乐沙龙"`, `"checked_in_at":"2026-03-02T02:00:00Z"`),
		check("OKAlreadyTyped", f.XiCheckerToken, typed, http.StatusOK, "", `"already":true`),
		check("OKBranchAdmin", f.XiAdminToken, bobOpen.Code, http.StatusOK, "", `"already":false`),
		// A 焦西 checker learns nothing of a 焦南 ticket.
		check("ErrOtherBranch", f.XiCheckerToken, f.BobNanBooking.Code, http.StatusNotFound, "bad_code"),
		check("ErrOtherBranchAdmin", f.XiAdminToken, f.BobNanBooking.Code, http.StatusNotFound, "bad_code"),
		check("ErrUnknownCode", f.XiCheckerToken, "ZZZZZZZZZZ", http.StatusNotFound, "bad_code"),
		check("ErrGarbageCode", f.XiCheckerToken, "<script>", http.StatusNotFound, "bad_code"),
		check("ErrLongCode", f.XiCheckerToken, strings.Repeat("A", 40), http.StatusNotFound, "bad_code"),
		check("ErrEmptyCode", f.XiCheckerToken, "", http.StatusBadRequest, "invalid"),
		check("ErrCancelledBooking", f.XiCheckerToken, cancelled.Code, http.StatusBadRequest, "not_bookable"),
		check("ErrResident", f.AliceToken, f.AliceBooking.Code, http.StatusForbidden, "forbidden"),
		check("ErrNoToken", "", f.AliceBooking.Code, http.StatusUnauthorized, "unauthorized"),
		{name: "ErrMalformedJSON", method: "POST", path: "/api/v1/checkins", token: f.XiCheckerToken, body: `{"code":}`,
			wantStatus: http.StatusBadRequest, wantCode: "invalid"},
		{name: "ErrContentType", method: "POST", path: "/api/v1/checkins", token: f.XiCheckerToken, body: `{"code":"x"}`,
			headers: map[string]string{"Content-Type": "multipart/form-data"}, wantStatus: http.StatusUnsupportedMediaType, wantCode: "unsupported_media_type"},
		check("OKNanAdmin", f.NanAdminToken, f.BobNanBooking.Code, http.StatusOK, "", `"already":false`),
	})
}

// TestCheckinRefusedChangesNothing checks that a refused cross-branch
// check-in leaves the ticket as it was.
func TestCheckinRefusedChangesNothing(t *testing.T) {
	t.Parallel()
	h, store, f := newTestAPI(t)
	call(t, h, "POST", "/api/v1/checkins", f.XiCheckerToken, `{"code":"`+f.BobNanBooking.Code+`"}`, http.StatusNotFound, nil)
	b, err := store.FindBookingByID(context.Background(), f.BobNanBooking.ID)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status != culture.BookingConfirmed || b.CheckedInAt != nil {
		t.Errorf("焦南 booking after a refused 焦西 check-in: status %s, checked in at %v", b.Status, b.CheckedInAt)
	}
}
