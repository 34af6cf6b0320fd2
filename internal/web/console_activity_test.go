package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleActivityForm is a valid create form for unit and room, starting
// at the given Asia/Shanghai wall time ("2031-03-01T09:30").
func consoleActivityForm(unit, room int64, start string, change ...string) url.Values {
	v := url.Values{
		"unit_id": {fmt.Sprint(unit)}, "room_id": {fmt.Sprint(room)}, "title": {"周末书法课"},
		"description": {"毛笔入门"}, "category": {"书法美术"}, "audience": {"成人"},
		"age_min": {""}, "age_max": {""}, "starts_at": {start}, "ends_at": {"2031-03-01T11:30"},
		"capacity": {"20"}, "mode": {"first_come"}, "opens_at": {"2031-02-20T09:00"},
		"closes_at": {""}, "max_per_booking": {"2"}, "weeks": {"1"},
	}
	if room == 0 {
		v.Del("room_id")
	}
	for i := 0; i+1 < len(change); i += 2 {
		v.Set(change[i], change[i+1])
	}
	return v
}

func TestConsoleActivityCreate(t *testing.T) {
	f := newConsoleTestServer(t)
	form := func(change ...string) url.Values {
		return consoleActivityForm(f.xi, f.xiRoom, "2031-03-01T09:30", change...)
	}
	f.run(t, []consoleScenario{
		{name: "Form", user: "xiadmin", path: "/console/activities/new", status: http.StatusOK,
			want: []string{"新建活动", "焦西分馆", "焦西社区活动室", "焦西多功能厅", "解放益课", "每周重复"},
			deny: []string{"焦南分馆", "焦南小剧场"}},
		{name: "ErrNoTitle", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", ""), status: http.StatusUnprocessableEntity,
			want: []string{"请填写标题。", `value="2031-03-01T09:30"`, "毛笔入门"}},
		{name: "ErrEndBeforeStart", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("ends_at", "2031-03-01T08:00"), status: http.StatusUnprocessableEntity,
			want: []string{"结束时间应晚于开始时间。"}},
		{name: "ErrWeeks", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("weeks", "30"), status: http.StatusUnprocessableEntity,
			want: []string{"每周重复的周数应在 1 到 26 之间。"}},
		{name: "ErrBadTime", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("starts_at", "明天上午"), status: http.StatusUnprocessableEntity,
			want: []string{"时间格式无效", `value="明天上午"`}},
		{name: "ErrCapacityNotNumber", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("capacity", "二十"), status: http.StatusUnprocessableEntity, want: []string{"请输入整数。"}},
		{name: "ErrNoCapacity", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("capacity", "0"), status: http.StatusUnprocessableEntity,
			want: []string{"需要预约的活动至少要有 1 个名额。"}},
		{name: "ErrMode", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("mode", "raffle"), status: http.StatusUnprocessableEntity, want: []string{"请选择预约方式。"}},
		{name: "ErrCategory", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("category", "赌博"), status: http.StatusUnprocessableEntity, want: []string{"请选择活动类别。"}},
		{name: "ErrAges", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("age_min", "12", "age_max", "6"), status: http.StatusUnprocessableEntity,
			want: []string{"最大年龄不能小于最小年龄。"}},
		{name: "ErrRoomOfOtherUnit", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("room_id", fmt.Sprint(f.nanRoom)), status: http.StatusUnprocessableEntity,
			want: []string{"场地不属于该单位。"}},
		{name: "ErrNoUnit", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("unit_id", ""), status: http.StatusUnprocessableEntity, want: []string{"请选择单位。"}},
		{name: "ErrUnitNotNumber", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("unit_id", "焦西"), status: http.StatusUnprocessableEntity, want: []string{"选项无效"}},
		{name: "ErrUnknownUnit", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("unit_id", "999999"), status: http.StatusUnprocessableEntity, want: []string{"所选单位不存在。"}},
		{name: "ErrSeries", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("series_id", "999999"), status: http.StatusUnprocessableEntity, want: []string{"系列不存在。"}},
		{name: "ErrForbiddenOtherBranch", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form:   consoleActivityForm(f.nan, f.nanRoom, "2031-03-01T09:30"),
			status: http.StatusForbidden, want: []string{"您没有权限进行此操作。"}},
		{name: "ErrForbiddenHub", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: consoleActivityForm(f.hub, 0, "2031-03-01T09:30"), status: http.StatusForbidden},
		{name: "ErrCheckerForm", user: "xichecker", path: "/console/activities/new", status: http.StatusForbidden,
			want: []string{"您没有管理活动的权限。"}},
		{name: "ErrCheckerCreate", user: "xichecker", method: http.MethodPost, path: "/console/activities",
			form: form(), status: http.StatusForbidden},
		{name: "ErrCheckerList", user: "xichecker", path: "/console/activities", status: http.StatusForbidden},
		{name: "OKSubtreePoint", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: consoleActivityForm(f.xiPoint, 0, "2031-03-01T09:30", "title", "社区合唱"), status: http.StatusSeeOther},
		{name: "OKOpenMode", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("mode", "open", "capacity", "0", "opens_at", "", "title", "广场舞"), status: http.StatusSeeOther},
	})
}

func TestConsoleActivityCreateWeekly(t *testing.T) {
	f := newConsoleTestServer(t)
	c := f.client("xiadmin")
	res, body := c.post("/console/activities",
		consoleActivityForm(f.xi, f.xiRoom, "2031-03-01T09:30", "weeks", "3", "title", "每周书法"), nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d\n%s", res.StatusCode, consoleSnippet(body))
	}
	as, _, err := f.store.FindActivities(context.Background(), culture.ActivityFilter{Within: &f.xi, Query: "每周书法", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 3 {
		t.Fatalf("created %d activities, want 3", len(as))
	}
	first := time.Date(2031, 3, 1, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
	for i, a := range as {
		want := first.AddDate(0, 0, 7*i)
		if !a.StartsAt.Equal(want) || !a.EndsAt.Equal(want.Add(2*time.Hour)) {
			t.Errorf("activity %d: %v – %v, want start %v", i, a.StartsAt, a.EndsAt, want)
		}
		if a.Capacity != 20 || a.MaxPerBooking != 2 || a.Mode != culture.ModeFirstCome || a.RoomID == nil || *a.RoomID != f.xiRoom {
			t.Errorf("activity %d: %+v", i, a)
		}
	}
	if got, want := res.Header.Get("Location"), consoleActivityURL(as[0].ID); got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	_, page := c.get(res.Header.Get("Location"))
	if want := "已创建 3 场活动。"; !strings.Contains(page, want) {
		t.Errorf("detail page lacks flash %q", want)
	}
}

func TestConsoleActivityPermissions(t *testing.T) {
	f := newConsoleTestServer(t)
	nan := consoleActivityURL(f.nanFirst)
	decide := fmt.Sprintf("/console/bookings/%d/decide", f.nanTicketA.ID)
	edit := url.Values{"title": {"改名"}, "category": {"戏曲"}, "starts_at": {"2031-03-01T09:30"}, "ends_at": {"2031-03-01T11:30"}}
	f.run(t, []consoleScenario{
		{name: "ErrView", user: "xiadmin", path: nan, status: http.StatusForbidden, deny: []string{"张小明"}},
		{name: "ErrEditForm", user: "xiadmin", path: nan + "/edit", status: http.StatusForbidden},
		{name: "ErrEdit", user: "xiadmin", method: http.MethodPost, path: nan + "/edit", form: edit, status: http.StatusForbidden},
		{name: "ErrCancelForm", user: "xiadmin", path: nan + "/cancel", status: http.StatusForbidden},
		{name: "ErrCancel", user: "xiadmin", method: http.MethodPost, path: nan + "/cancel",
			form: url.Values{"confirm": {"yes"}}, status: http.StatusForbidden},
		{name: "ErrCSV", user: "xiadmin", path: nan + "/attendees.csv", status: http.StatusForbidden, deny: []string{"138****5678"}},
		// Another branch's booking answers as an unknown one (ErrDecideUnknownXi),
		// so that ids cannot be probed.
		{name: "ErrDecide", user: "xiadmin", method: http.MethodPost, path: decide,
			form: url.Values{"decision": {"approve"}}, status: http.StatusNotFound, want: []string{"预约不存在。"}},
		{name: "ErrDecideUnknownXi", user: "xiadmin", method: http.MethodPost, path: "/console/bookings/999999/decide",
			form: url.Values{"decision": {"approve"}}, status: http.StatusNotFound, want: []string{"预约不存在。"}},
		{name: "ErrDecideChecker", user: "xichecker", method: http.MethodPost, path: decide,
			form: url.Values{"decision": {"approve"}}, status: http.StatusForbidden},
		{name: "ErrChecker", user: "xichecker", path: consoleActivityURL(f.xiFirst), status: http.StatusForbidden},
		{name: "ErrListOtherUnit", user: "xiadmin", path: fmt.Sprintf("/console/activities?unit=%d", f.nan), status: http.StatusForbidden},
		{name: "ErrListUnitNotNumber", user: "xiadmin", path: "/console/activities?unit=abc", status: http.StatusNotFound},
		{name: "ErrListUnknownUnit", user: "xiadmin", path: "/console/activities?unit=999999", status: http.StatusNotFound},
		{name: "List", user: "xiadmin", path: "/console/activities", status: http.StatusOK,
			want: []string{"焦西剪纸体验", "焦西书法审核班", "2 / 30"}, deny: []string{"焦南戏曲欣赏"}},
		{name: "ListOperatorUnit", user: "operator", path: fmt.Sprintf("/console/activities?unit=%d", f.nan), status: http.StatusOK,
			want: []string{"焦南戏曲欣赏"}, deny: []string{"焦西剪纸体验"}},
		{name: "ViewOwn", user: "nanadmin", path: nan, status: http.StatusOK,
			want: []string{"焦南戏曲欣赏", "张小明", "138****5678", f.nanTicketA.DisplayCode()}, deny: []string{"13812345678"}},
		{name: "ViewOperator", user: "operator", path: nan, status: http.StatusOK, want: []string{"焦南戏曲欣赏"}},
		{name: "ErrIDNotNumber", user: "operator", path: "/console/activities/abc", status: http.StatusNotFound},
		{name: "ErrIDNegative", user: "operator", path: "/console/activities/-1/edit", status: http.StatusNotFound},
		{name: "ErrIDUnknown", user: "operator", path: "/console/activities/999999", status: http.StatusNotFound},
		{name: "ErrCSVUnknown", user: "operator", path: "/console/activities/999999/attendees.csv", status: http.StatusNotFound},
		{name: "ErrDecideNotNumber", user: "operator", method: http.MethodPost, path: "/console/bookings/x/decide",
			form: url.Values{"decision": {"approve"}}, status: http.StatusNotFound},
		{name: "ErrDecideUnknown", user: "operator", method: http.MethodPost, path: "/console/bookings/999999/decide",
			form: url.Values{"decision": {"approve"}}, status: http.StatusNotFound},
		{name: "ErrIDHuge", user: "operator", path: "/console/activities/99999999999999999999999", status: http.StatusNotFound},
	})
}

func TestConsoleActivityEdit(t *testing.T) {
	f := newConsoleTestServer(t)
	u := consoleActivityURL(f.xiFirst) + "/edit"
	form := func(change ...string) url.Values {
		v := url.Values{"title": {"剪纸进阶"}, "category": {"非遗"}, "description": {""}, "audience": {""},
			"room_id": {fmt.Sprint(f.xiRoom)}, "starts_at": {"2031-05-01T14:00"}, "ends_at": {"2031-05-01T16:00"},
			"capacity": {"40"}, "opens_at": {"2031-04-20T09:00"}, "closes_at": {"2031-05-01T12:00"}, "max_per_booking": {"2"}}
		for i := 0; i+1 < len(change); i += 2 {
			v.Set(change[i], change[i+1])
		}
		return v
	}
	f.run(t, []consoleScenario{
		{name: "Form", user: "xiadmin", path: u, status: http.StatusOK, want: []string{`value="焦西剪纸体验"`, "编辑活动"}},
		{name: "ErrEndBeforeStart", user: "xiadmin", method: http.MethodPost, path: u,
			form: form("ends_at", "2031-05-01T13:00"), status: http.StatusUnprocessableEntity, want: []string{"结束时间应晚于开始时间。"}},
		{name: "ErrCapacityBelowBooked", user: "xiadmin", method: http.MethodPost, path: u,
			form: form("capacity", "1"), status: http.StatusUnprocessableEntity, want: []string{"名额不能少于已预约人数（2）。"}},
		{name: "ErrRoomOfOtherUnit", user: "xiadmin", method: http.MethodPost, path: u,
			form: form("room_id", fmt.Sprint(f.nanRoom)), status: http.StatusUnprocessableEntity, want: []string{"场地不属于该单位。"}},
		{name: "OK", user: "xiadmin", method: http.MethodPost, path: u, form: form(),
			status: http.StatusSeeOther, location: consoleActivityURL(f.xiFirst)},
	})
	a, err := f.store.FindActivityByID(context.Background(), f.xiFirst)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2031, 5, 1, 6, 0, 0, 0, time.UTC)
	if a.Title != "剪纸进阶" || a.Category != "非遗" || !a.StartsAt.Equal(start) || a.Capacity != 40 || a.SeatsLeft != 38 {
		t.Errorf("after edit: %+v", a)
	}
}

func TestConsoleActivityCancel(t *testing.T) {
	f := newConsoleTestServer(t)
	u := consoleActivityURL(f.xiFirst) + "/cancel"
	f.run(t, []consoleScenario{
		{name: "Confirm", user: "xiadmin", path: u, status: http.StatusOK, want: []string{"确认取消活动？", `name="confirm" value="yes"`}},
		{name: "ConfirmOnPost", user: "xiadmin", method: http.MethodPost, path: u, status: http.StatusOK, want: []string{"确认取消活动？"}},
		{name: "OK", user: "xiadmin", method: http.MethodPost, path: u, form: url.Values{"confirm": {"yes"}},
			status: http.StatusSeeOther, location: consoleActivityURL(f.xiFirst)},
		{name: "ErrEditCancelled", user: "xiadmin", method: http.MethodPost, path: consoleActivityURL(f.xiFirst) + "/edit",
			form:   url.Values{"title": {"x"}, "category": {"非遗"}, "starts_at": {"2031-05-01T14:00"}, "ends_at": {"2031-05-01T16:00"}},
			status: http.StatusConflict, want: []string{"该活动已取消。"}},
	})
	ctx := context.Background()
	a, err := f.store.FindActivityByID(ctx, f.xiFirst)
	if err != nil || a.Status != culture.ActivityCancelled {
		t.Fatalf("activity: %v, %v", a, err)
	}
	b, err := f.store.FindBookingByID(ctx, f.xiTicketA.ID)
	if err != nil || b.Status != culture.BookingCancelled {
		t.Errorf("booking: %v, %v", b, err)
	}
}

func TestConsoleBookingDecide(t *testing.T) {
	f := newConsoleTestServer(t)
	path := func(b *culture.Booking) string { return fmt.Sprintf("/console/bookings/%d/decide", b.ID) }
	back := consoleActivityURL(f.xiApproval)
	f.run(t, []consoleScenario{
		{name: "View", user: "xiadmin", path: back, status: http.StatusOK,
			want: []string{"待审核", `value="approve"`, `value="decline"`, "=SUM(A1:A2)", "139****4321"}},
		{name: "ErrDecision", user: "xiadmin", method: http.MethodPost, path: path(f.pendingA),
			form: url.Values{"decision": {"maybe"}}, status: http.StatusUnprocessableEntity, want: []string{"请选择“通过”或“不通过”。"}},
		{name: "Approve", user: "xiadmin", method: http.MethodPost, path: path(f.pendingA),
			form: url.Values{"decision": {"approve"}}, status: http.StatusSeeOther, location: back},
		{name: "Decline", user: "xiadmin", method: http.MethodPost, path: path(f.pendingB),
			form: url.Values{"decision": {"decline"}}, status: http.StatusSeeOther, location: back},
		{name: "FlashAfterDecline", user: "xiadmin", path: back, status: http.StatusOK, want: []string{"已拒绝该报名。", "未通过"}},
		{name: "AgainIsRefused", user: "xiadmin", method: http.MethodPost, path: path(f.pendingA),
			form: url.Values{"decision": {"decline"}}, status: http.StatusSeeOther, location: back},
		{name: "FlashAlreadyDecided", user: "xiadmin", path: back, status: http.StatusOK, want: []string{"该报名已处理。"}},
	})
	ctx := context.Background()
	for _, c := range []struct {
		b    *culture.Booking
		want string
	}{{f.pendingA, culture.BookingConfirmed}, {f.pendingB, culture.BookingDeclined}} {
		b, err := f.store.FindBookingByID(ctx, c.b.ID)
		if err != nil || b.Status != c.want {
			t.Errorf("booking %d: %v (%v), want %s", c.b.ID, b.Status, err, c.want)
		}
	}
	a, _ := f.store.FindActivityByID(ctx, f.xiApproval)
	if a.SeatsLeft != 29 {
		t.Errorf("seats left %d, want 29 after one approval", a.SeatsLeft)
	}
}
