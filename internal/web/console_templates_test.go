package web

import (
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleTemplateFixtures returns typed data for every console page, in
// the states the templates branch on (forms with errors, each check-in
// result, cancelled activities, accounts without grants).
func consoleTemplateFixtures() []pageCase {
	now := time.Now()
	hub := &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/"}
	xi := &culture.Unit{ID: 2, Kind: culture.UnitBranch, Name: "焦西分馆", Path: "/1/2/", ParentID: &hub.ID, Address: "焦西街道"}
	grant := &culture.Grant{ID: 1, Role: culture.RoleOperator, UnitID: 1, UnitName: "解放区文化馆", UnitPath: "/1/"}
	op := &culture.Account{ID: 1, Username: "operator", Name: "运营<小王>", Grants: []*culture.Grant{grant}}
	nogrant := &culture.Account{ID: 2, Username: "nogrant"}
	units := consoleTree(op, []*culture.Unit{xi, hub})
	page := func(path string) Page {
		return Page{Title: "工作台", Account: op, Path: path, Console: true, Now: now}
	}
	room := &culture.Room{ID: 1, UnitID: 2, Name: "多功能厅", Capacity: 80, UnitName: "焦西分馆"}
	act := &culture.Activity{ID: 1, UnitID: 2, Title: "书法<班>", Category: "书法美术", Mode: culture.ModeApproval,
		StartsAt: now, EndsAt: now.Add(time.Hour), OpensAt: now.Add(-time.Hour), ClosesAt: now, Capacity: 20, SeatsLeft: 18,
		MaxPerBooking: 2, Status: culture.ActivityPublished, UnitName: "焦西分馆", RoomName: "多功能厅", SeriesName: "解放益课"}
	released := now.Add(-time.Hour)
	reserved := *act // first come with released reserves and real name
	reserved.Mode, reserved.RealName, reserved.ReservedWalkin, reserved.ReservedCommunity = culture.ModeFirstCome, true, 2, 1
	reserved.ReserveReleaseAt = &released
	cancelled := *act
	cancelled.Status, cancelled.Mode = culture.ActivityCancelled, culture.ModeOpen
	booking := func(status string, in *time.Time) *culture.Booking {
		return &culture.Booking{ID: 1, ActivityID: 1, Status: status, Seats: 2, Code: "ABCD2345XY", Phone: "13812345678",
			CreatedAt: now, CheckedInAt: in, Attendees: []*culture.Attendee{{Name: "李秀英", Self: true}, {Name: "李小明"}}}
	}
	bookings := []*culture.Booking{booking(culture.BookingPending, nil), booking(culture.BookingCheckedIn, &now)}
	bad := newConsoleForm("")
	for _, n := range append(consoleActivityFields, "", "parent_id", "kind", "name", "address", "phone", "username", "password") {
		bad.fail(n, "有误。")
	}
	checkin := func(kind string) consoleCheckinPage {
		return consoleCheckinPage{Page: page("/console/checkin"), Result: &consoleCheckin{Kind: kind, Heading: "签到成功",
			Code: "ABCD-2345-XY", Activity: act, Booking: bookings[1], At: &now, Message: "请核对"}}
	}
	staff := consoleStaffPage{Page: page("/console/staff"), Staff: []*culture.Account{op}, Total: 1, Units: units,
		Form: bad, Username: "nogrant", Found: nogrant, GrantFor: 2, GrantForm: bad}
	cases := append(append(consoleMenuTemplateCases(page), consoleNewsTemplateCases(page)...), consoleReportTemplateCases(page)...)
	cases = append(cases, statsTemplateCases()...)
	cases = append(cases, consoleWebhookTemplateCases(page)...)
	return append(cases, []pageCase{
		{"ConsoleLogin", "console_login", "", consoleLoginPage{Page: Page{Title: "工作台登录", Path: "/console/login", Console: true}, Username: "x", Error: errBadLogin}},
		{"ConsoleHome", "console_home", "", consoleHomePage{Page: page("/console"), Grants: op.Grants, Units: units,
			Today: []*culture.Activity{act, &cancelled}, CanActivities: true, CanCheckIn: true, CanRooms: true, CanUnits: true}},
		{"ConsoleHomeEmpty", "console_home", "", consoleHomePage{Page: page("/console")}},
		{"ConsoleActivities", "console_activities", "", consoleActivitiesPage{Page: page("/console/activities"), Units: units, UnitID: 2,
			Upcoming: []*culture.Activity{act, &cancelled}}},
		{"ConsoleActivityNew", "console_activity_form", "", consoleActivityFormPage{Page: page("/console/activities/new"),
			Form: newConsoleForm(""), Units: units, Rooms: []*culture.Room{room}, Series: []*culture.Series{{ID: 1, Name: "解放益课"}}}},
		{"ConsoleActivityNewErrors", "console_activity_form", "", consoleActivityFormPage{Page: page("/console/activities"),
			Form: bad, Units: units, Rooms: []*culture.Room{room}}},
		{"ConsoleActivityEdit", "console_activity_form", "", consoleActivityFormPage{Page: page("/console/activities/1/edit"),
			Form: consoleActivityFormOf(act), Activity: act, Rooms: []*culture.Room{room}}},
		{"ConsoleActivity", "console_activity", "", consoleActivityPage{Page: page("/console/activities/1"), Activity: act,
			Bookings: bookings, Booked: 4, CheckedIn: 2, Pending: 1}},
		{"ConsoleActivityEditReleased", "console_activity_form", "", consoleActivityFormPage{Page: page("/console/activities/1/edit"),
			Form: consoleActivityFormOf(&reserved), Activity: &reserved, Rooms: []*culture.Room{room}}},
		{"ConsoleActivityReserves", "console_activity", "", consoleActivityPage{Page: page("/console/activities/1"), Activity: &reserved}},
		{"ConsoleActivityCancelled", "console_activity", "", consoleActivityPage{Page: page("/console/activities/1"), Activity: &cancelled}},
		{"ConsoleActivityCancel", "console_activity_cancel", "", consoleActivityPage{Page: page("/console/activities/1/cancel"), Activity: act}},
		{"ConsoleCheckin", "console_checkin", "", consoleCheckinPage{Page: page("/console/checkin")}},
		{"ConsoleCheckinOK", "console_checkin", "", checkin("ok")},
		{"ConsoleCheckinWarn", "console_checkin", "console_checkin_result", checkin("warn")},
		{"ConsoleCheckinBad", "console_checkin", "console_checkin_result", consoleCheckinPage{Page: page("/console/checkin"),
			Result: &consoleCheckin{Kind: "bad", Heading: consoleBadCode}}},
		{"ConsoleUnits", "console_units", "", consoleUnitsPage{Page: page("/console/units"), Units: units, Parents: units, Form: bad}},
		{"ConsoleUnitsNoParents", "console_units", "", consoleUnitsPage{Page: page("/console/units"), Units: units, Form: newConsoleForm("")}},
		{"ConsoleUnit", "console_unit", "", consoleUnitPage{Page: page("/console/units/2"), Unit: xi,
			Rooms: []consoleRoomRow{{Room: room, Form: bad}}, Form: newConsoleForm("new")}},
		{"ConsoleUnitNoRooms", "console_unit", "", consoleUnitPage{Page: page("/console/units/2"), Unit: xi, Form: bad}},
		{"ConsoleStaff", "console_staff", "", staff},
		{"ConsoleStaffNotFound", "console_staff", "", consoleStaffPage{Page: page("/console/staff"), Form: newConsoleForm(""), Username: "ghost"}},
		{"ConsoleError", "error", "", errorPage{Page: page("/console"), Status: 403, Message: "您没有工作台权限。"}},
	}...)
}
