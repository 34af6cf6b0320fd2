package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// TestConsoleActivityCreateReserves creates activities with reserved seats
// and real-name booking from the console form, and checks the store.
func TestConsoleActivityCreateReserves(t *testing.T) {
	f := newConsoleTestServer(t)
	form := func(change ...string) url.Values {
		return consoleActivityForm(f.xi, f.xiRoom, "2031-03-01T09:30", change...)
	}
	f.run(t, []consoleScenario{
		{name: "Form", user: "xiadmin", path: "/console/activities/new", status: http.StatusOK,
			want: []string{"现场/电话预留名额", `name="reserved_walkin"`, "社群预留名额", `name="reserved_community"`,
				"预留名额释放时间", `name="reserve_release_at" type="datetime-local"`, `name="real_name" value="1"`,
				"需填写姓名和身份证号"}},
		{name: "ErrOverCapacity", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form:   form("reserved_walkin", "15", "reserved_community", "6", "real_name", "1"),
			status: http.StatusUnprocessableEntity,
			want:   []string{"预留名额合计不能超过总名额。", `value="15"`, `value="6"`, `name="real_name" value="1" checked`}},
		{name: "ErrNegative", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("reserved_community", "-2"), status: http.StatusUnprocessableEntity, want: []string{"预留名额应在 0 到 100000 之间。"}},
		// Near math.MaxInt64 each: the sum wrapped to -2 and an activity of 5
		// seats was stored with ~9.2e18 walk-in seats.
		{name: "ErrReservesOverflow", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", "溢出课", "capacity", "5", "reserved_walkin", "9223372036854775807",
				"reserved_community", "9223372036854775807"),
			status: http.StatusUnprocessableEntity, want: []string{"预留名额应在 0 到 100000 之间。"}},
		{name: "ErrReserveTooLarge", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form:   form("title", "溢出课", "capacity", "5", "reserved_walkin", "100001"),
			status: http.StatusUnprocessableEntity, want: []string{"预留名额应在 0 到 100000 之间。"}},
		{name: "ErrReserveHuge", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form:   form("title", "溢出课", "reserved_community", "99999999999999999999"),
			status: http.StatusUnprocessableEntity, want: []string{"请输入整数。"}},
		{name: "ErrNotNumber", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("reserved_walkin", "五"), status: http.StatusUnprocessableEntity, want: []string{"请输入整数。"}},
		{name: "ErrOpenMode", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form:   form("mode", "open", "reserved_walkin", "2"),
			status: http.StatusUnprocessableEntity, want: []string{"免预约活动无需预留名额。"}},
		{name: "ErrReleaseFormat", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form:   form("reserved_walkin", "2", "reserve_release_at", "开始前"),
			status: http.StatusUnprocessableEntity, want: []string{"时间格式无效", `value="开始前"`}},
		{name: "OKRelease", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", "预留释放课", "reserved_walkin", "4", "reserved_community", "3",
				"reserve_release_at", "2031-02-28T20:00", "real_name", "1"),
			status: http.StatusSeeOther},
		{name: "OKDefaultRelease", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", "默认释放课", "reserved_walkin", "5", "reserve_release_at", ""), status: http.StatusSeeOther},
		{name: "OKNone", user: "xiadmin", method: http.MethodPost, path: "/console/activities",
			form: form("title", "无预留课", "reserved_walkin", "", "reserved_community", ""), status: http.StatusSeeOther},
	})
	start := time.Date(2031, 3, 1, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
	for _, c := range []struct {
		title             string
		walkin, community int
		release           *time.Time
		realName          bool
	}{
		{"预留释放课", 4, 3, ptrTo(time.Date(2031, 2, 28, 12, 0, 0, 0, time.UTC)), true},
		{"默认释放课", 5, 0, ptrTo(start.Add(-time.Hour)), false},
		{"无预留课", 0, 0, nil, false},
	} {
		a := findActivityTitled(t, f, c.title)
		if a.ReservedWalkin != c.walkin || a.ReservedCommunity != c.community || a.WalkinLeft != c.walkin ||
			a.CommunityLeft != c.community || a.SeatsLeft != 20-c.walkin-c.community || a.RealName != c.realName {
			t.Errorf("%s: reserves %d+%d (left %d+%d), seats_left %d, real_name %v; want %d+%d, %d, %v", c.title,
				a.ReservedWalkin, a.ReservedCommunity, a.WalkinLeft, a.CommunityLeft, a.SeatsLeft, a.RealName,
				c.walkin, c.community, 20-c.walkin-c.community, c.realName)
		}
		if !sameTime(a.ReserveReleaseAt, c.release) {
			t.Errorf("%s: release %v, want %v", c.title, a.ReserveReleaseAt, c.release)
		}
	}
	all, _, err := f.store.FindActivities(context.Background(), culture.ActivityFilter{Within: &f.xi, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range all {
		if a.Title == "溢出课" {
			t.Errorf("a refused form was stored: capacity %d, reserves %d+%d", a.Capacity, a.ReservedWalkin, a.ReservedCommunity)
		}
	}
	// The console page shows them.
	a := findActivityTitled(t, f, "预留释放课")
	_, page := f.client("xiadmin").get(consoleActivityURL(a.ID))
	for _, want := range []string{"预留名额", "现场/电话 4（剩 4）", "社群 3（剩 3）", "2月28日", "20:00 释放", "实名预约"} {
		if !strings.Contains(page, want) {
			t.Errorf("console page lacks %q", want)
		}
	}
}

// TestConsoleActivityEditReserves edits the reserves and the real-name
// flag, and is refused once the reserves are released.
func TestConsoleActivityEditReserves(t *testing.T) {
	f := newConsoleTestServer(t)
	ctx := context.Background()
	u := consoleActivityURL(f.xiFirst) + "/edit"
	form := func(change ...string) url.Values {
		v := url.Values{"title": {"焦西剪纸体验"}, "category": {"非遗"}, "room_id": {""},
			"starts_at": {"2031-05-01T14:00"}, "ends_at": {"2031-05-01T16:00"}, "capacity": {"30"},
			"opens_at": {"2031-04-20T09:00"}, "closes_at": {"2031-05-01T12:00"}, "max_per_booking": {"2"},
			"reserved_walkin": {"5"}, "reserved_community": {"3"}, "reserve_release_at": {""}, "real_name": {"1"}}
		for i := 0; i+1 < len(change); i += 2 {
			v.Set(change[i], change[i+1])
		}
		return v
	}
	f.run(t, []consoleScenario{
		{name: "ErrOverCapacity", user: "xiadmin", method: http.MethodPost, path: u,
			form: form("reserved_walkin", "40"), status: http.StatusUnprocessableEntity, want: []string{"预留名额合计不能超过总名额。"}},
		{name: "ErrReservesOverflow", user: "xiadmin", method: http.MethodPost, path: u,
			form:   form("capacity", "5", "reserved_walkin", "9223372036854775807", "reserved_community", "9223372036854775807"),
			status: http.StatusUnprocessableEntity, want: []string{"预留名额应在 0 到 100000 之间。"}},
		{name: "OK", user: "xiadmin", method: http.MethodPost, path: u, form: form(),
			status: http.StatusSeeOther, location: consoleActivityURL(f.xiFirst)},
		{name: "FormShowsThem", user: "xiadmin", path: u, status: http.StatusOK,
			want: []string{`name="reserved_walkin" type="number" inputmode="numeric" min="0" value="5"`,
				`name="reserved_community" type="number" inputmode="numeric" min="0" value="3"`,
				`name="reserve_release_at" type="datetime-local" value=""`, `name="real_name" value="1" checked`}},
	})
	a, err := f.store.FindActivityByID(ctx, f.xiFirst)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2031, 5, 1, 6, 0, 0, 0, time.UTC)
	if a.ReservedWalkin != 5 || a.ReservedCommunity != 3 || a.SeatsLeft != 20 || !a.RealName ||
		!sameTime(a.ReserveReleaseAt, ptrTo(start.Add(-time.Hour))) {
		t.Errorf("after edit: reserves %d+%d, seats_left %d, real_name %v, release %v",
			a.ReservedWalkin, a.ReservedCommunity, a.SeatsLeft, a.RealName, a.ReserveReleaseAt)
	}

	// A release time in the past: the job releases the reserves, and the
	// store refuses to change them after that.
	f.run(t, []consoleScenario{
		{name: "SetPastRelease", user: "xiadmin", method: http.MethodPost, path: u,
			form: form("reserve_release_at", "2020-01-01T08:00"), status: http.StatusSeeOther},
	})
	if n, err := f.store.ReleaseReserves(ctx); err != nil || n != 1 {
		t.Fatalf("ReleaseReserves = %d, %v; want 1", n, err)
	}
	f.run(t, []consoleScenario{
		{name: "FormSaysReleased", user: "xiadmin", path: u, status: http.StatusOK,
			want: []string{"预留名额已于", "释放，不能再调整。", `value="2020-01-01T08:00"`}},
		{name: "ErrChangeAfterRelease", user: "xiadmin", method: http.MethodPost, path: u,
			form:   form("reserved_walkin", "2", "reserve_release_at", "2020-01-01T08:00"),
			status: http.StatusUnprocessableEntity, want: []string{"预留名额无法调整", `value="2"`}},
		{name: "OKOtherFieldsAfterRelease", user: "xiadmin", method: http.MethodPost, path: u,
			form:   form("title", "剪纸进阶", "reserve_release_at", "2020-01-01T08:00", "real_name", ""),
			status: http.StatusSeeOther},
	})
	a, err = f.store.FindActivityByID(ctx, f.xiFirst)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "剪纸进阶" || a.ReservedWalkin != 5 || a.WalkinLeft != 0 || a.SeatsLeft != 28 || a.RealName {
		t.Errorf("after release and edit: %q, reserves %d (left %d), seats_left %d, real_name %v",
			a.Title, a.ReservedWalkin, a.WalkinLeft, a.SeatsLeft, a.RealName)
	}
}

// TestActivityPageReservesAndRealName checks that residents are told about
// the reserved seats and their release, and that a real-name activity asks
// for each attendee's name and ID number.
func TestActivityPageReservesAndRealName(t *testing.T) {
	ts := newTestServer(t)
	now := time.Now().Truncate(time.Minute)
	start := now.Add(72 * time.Hour)
	release := start.Add(-5 * time.Hour)
	a := &culture.Activity{UnitID: ts.Jiaoxi.ID, Title: "实名制古琴雅集", Category: "音乐", Mode: culture.ModeFirstCome,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: 20, MaxPerBooking: 3,
		OpensAt: now.Add(-time.Hour), ClosesAt: start.Add(-time.Hour),
		ReservedWalkin: 4, ReservedCommunity: 2, ReserveReleaseAt: &release, RealName: true}
	if _, err := ts.Store.CreateActivity(t.Context(), a, 1); err != nil {
		t.Fatal(err)
	}
	path := idPath("/activities/%d", a.ID)
	reserve := "另有 4 个名额留给现场/电话预约、2 个名额留给本馆社群居民，" + fmtDateTime(release) + " 未用完将开放网上预约"
	ts.run(t, []scenario{
		{name: "Visitor", url: path, want: http.StatusOK,
			text: []string{"共 20 人", reserve, "本活动实行实名制"}, not: []string{`name="rn_id_self"`}},
		{name: "Resident", url: path, as: ts.Resident, want: http.StatusOK,
			text: []string{reserve, "本活动实行实名制", `name="rn_name_self"`, `name="rn_id_self"`,
				`name="rn_name_` + itoa64(ts.Child.ID) + `"`, `name="rn_id_` + itoa64(ts.Child.ID) + `"`}},
		{name: "PlainActivity", url: idPath("/activities/%d", ts.Bookable.ID), as: ts.Resident, want: http.StatusOK,
			not: []string{"个名额留给", "本活动实行实名制", `name="rn_id_self"`}},
	})
	// Only the walk-in reserve: the release is still stated.
	b := &culture.Activity{UnitID: ts.Jiaoxi.ID, Title: "现场预留讲座", Category: "文艺讲座", Mode: culture.ModeFirstCome,
		StartsAt: start, EndsAt: start.Add(2 * time.Hour), Capacity: 20, MaxPerBooking: 3,
		OpensAt: now.Add(-time.Hour), ClosesAt: start.Add(-time.Hour), ReservedWalkin: 3}
	if _, err := ts.Store.CreateActivity(t.Context(), b, 1); err != nil {
		t.Fatal(err)
	}
	ts.run(t, []scenario{
		{name: "WalkinOnly", url: idPath("/activities/%d", b.ID), want: http.StatusOK,
			text: []string{"另有 3 个名额留给现场/电话预约，" + fmtDateTime(start.Add(-time.Hour)) + " 未用完将开放网上预约"},
			not:  []string{"本活动实行实名制", "留给本馆社群居民"}},
	})
}

func findActivityTitled(t *testing.T, f *consoleFixture, title string) *culture.Activity {
	t.Helper()
	as, _, err := f.store.FindActivities(context.Background(), culture.ActivityFilter{Within: &f.xi, Query: title, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		if a.Title == title {
			return a
		}
	}
	t.Fatalf("no activity %q", title)
	return nil
}

func ptrTo[T any](v T) *T { return &v }

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
