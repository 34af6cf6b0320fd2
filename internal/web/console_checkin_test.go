package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestConsoleCheckin(t *testing.T) {
	f := newConsoleTestServer(t)
	hx := map[string]string{"HX-Request": "true"}
	code := func(b *culture.Booking) url.Values { return url.Values{"code": {b.Code}} }
	typed := strings.ToLower(f.xiTicketA.DisplayCode()) // as a person might type it
	f.run(t, []consoleScenario{
		{name: "Page", user: "xichecker", path: "/console/checkin", status: http.StatusOK,
			want: []string{"输入票码", `autocapitalize="characters"`, "vendor/qr-scanner.umd.min.js", "js/console.js", `hx-post="/console/checkin"`}},
		{name: "OK", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: url.Values{"code": {" " + typed + " "}}, status: http.StatusOK,
			want: []string{"签到成功", "焦西剪纸体验", "张小明", "共 1 人", `data-result="ok"`}, deny: []string{"<html"}},
		{name: "Already", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: code(f.xiTicketA), status: http.StatusOK, want: []string{"已签到过", "签到时间：", `data-result="warn"`}},
		{name: "ErrUnknownCode", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: url.Values{"code": {"ZZZZ-ZZZZ-ZZ"}}, status: http.StatusOK, want: []string{"票码无效", `data-result="bad"`}},
		{name: "ErrGarbage", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: url.Values{"code": {"<script>alert(1)</script>"}}, status: http.StatusOK,
			want: []string{"票码无效"}, deny: []string{"<script>alert"}},
		{name: "ErrEmpty", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: url.Values{"code": {"  "}}, status: http.StatusOK, want: []string{"请输入票码"}},
		{name: "ErrOtherBranch", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: code(f.nanTicketA), status: http.StatusOK, want: []string{"票码无效"}, deny: []string{"焦南戏曲欣赏", "张小明"}},
		{name: "ErrOtherBranchAdmin", user: "xiadmin", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: code(f.nanTicketA), status: http.StatusOK, want: []string{"票码无效"}, deny: []string{"焦南戏曲欣赏"}},
		{name: "ErrPending", user: "xichecker", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: code(f.pendingB), status: http.StatusOK, want: []string{"不能签到", `data-result="bad"`}},
		{name: "OKFullPageWithoutJS", user: "xichecker", method: http.MethodPost, path: "/console/checkin",
			form: code(f.xiTicketB), status: http.StatusOK, want: []string{"<html", "签到成功", "输入票码", "=SUM(A1:A2)"}},
		{name: "OKOperatorAnyBranch", user: "operator", method: http.MethodPost, path: "/console/checkin", header: hx,
			form: code(f.nanTicketA), status: http.StatusOK, want: []string{"签到成功", "焦南戏曲欣赏"}},
	})
	b, err := f.store.FindBookingByID(context.Background(), f.xiTicketA.ID)
	if err != nil || b.Status != culture.BookingCheckedIn || b.CheckedInAt == nil {
		t.Errorf("after check-in: %+v, %v", b, err)
	}
}

func TestConsoleCheckinOutsideWindow(t *testing.T) {
	f := newConsoleTestServer(t)
	ctx := context.Background()
	start := time.Now().Add(5 * time.Hour).Truncate(time.Minute)
	out, err := f.store.CreateActivity(ctx, &culture.Activity{UnitID: f.xi, Title: "晚间音乐会", Category: "音乐",
		StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 10, Mode: culture.ModeFirstCome,
		OpensAt: time.Now().Add(-time.Minute), ClosesAt: start, MaxPerBooking: 1}, 1)
	f.must(err)
	acc, err := f.store.FindOrCreateResident(ctx, "13700001111")
	f.must(err)
	b := f.book(ctx, out[0].ID, acc.ID)
	res, body := f.client("xichecker").post("/console/checkin", url.Values{"code": {b.Code}}, map[string]string{"HX-Request": "true"})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "不在签到时间内") {
		t.Errorf("status %d, body:\n%s", res.StatusCode, body)
	}
}
