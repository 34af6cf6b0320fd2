package web

import (
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleMenuTemplateCases returns typed data for every culture menu page
// of the console, in the states the templates branch on: empty lists,
// forms with an error on every field, edits with pending revisions,
// deliveries at each end of their lifecycle.
func consoleMenuTemplateCases(page func(string) Page) []pageCase {
	now := time.Now()
	hub := &culture.Unit{ID: 1, Kind: culture.UnitHub, Name: "解放区文化馆", Path: "/1/"}
	logo, series := int64(5), int64(1)
	prov := &culture.Provider{ID: 3, HubID: 1, Name: "焦作<豫剧>团", Level: culture.LevelCity, Kind: "troupe",
		LogoID: &logo, ItemCount: 2, Deliveries: 4, RatingAvg: 4.5, RatingCount: 8}
	fields := culture.MenuItemFields{Title: "豫剧<经典>", Category: "戏曲", Format: culture.FormatPerformance, Sessions: 1,
		Groups: []string{"elderly", "adults"}, Minutes: 90, CapacityMin: 50, CapacityMax: 300, Cost: 8000,
		PhotoIDs: []int64{7, 8}, SeriesID: &series, Description: "第一行\n第二行"}
	edited := fields
	edited.Title, edited.Cost = "豫剧名段", 9000
	item := &culture.MenuItem{ID: 9, ProviderID: 3, Status: culture.ItemPublished, MenuItemFields: fields,
		ReturnReason: "请补充图片", Pending: &culture.MenuRevision{ID: 2, ItemID: 9, Fields: edited, SubmittedAt: now},
		ProviderName: prov.Name, Supports: 12, RatingAvg: 4.2, RatingCount: 3}
	bad := newConsoleForm("")
	for _, n := range append(append(consoleItemFields, consoleProviderFields...), "", "groups", "photos", "logo",
		"item_id", "unit_id", "room_id", "date", "start", "end", "capacity", "mode", "note", "reason", "cost",
		"preferred_dates", "expected_audience") {
		bad.fail(n, "有误。")
	}
	units := consoleTree(&culture.Account{}, []*culture.Unit{hub})
	rooms := []*culture.Room{{ID: 1, UnitID: 1, Name: "剧场", Capacity: 300, UnitName: hub.Name}}
	allSeries := []*culture.Series{{ID: 1, Name: "解放剧场"}}
	req := &culture.MenuRequest{ID: 4, ItemID: 9, UnitID: 2, Status: culture.RequestOpen, PreferredDates: "12 月周末",
		Audience: 80, Mode: culture.ModeFirstCome, Note: "老年人多", ItemTitle: "豫剧经典", UnitName: "焦西分馆", CreatedAt: now}
	declined := *req
	declined.Status, declined.Reason = culture.RequestDeclined, "预算不足"
	d := consoleDeliveryFixture(now)
	cases := []pageCase{
		{"ConsoleProviders", "console_providers", "", consoleProvidersPage{Page: page("/console/providers"),
			Providers: []*culture.Provider{prov}, Hubs: []*culture.Unit{hub}}},
		{"ConsoleProvidersEmpty", "console_providers", "", consoleProvidersPage{Page: page("/console/providers")}},
		{"ConsoleProviderPick", "console_provider_pick", "", consoleProviderPickPage{Page: page("/console/provider"),
			Providers: []*culture.Provider{prov}}},
		{"ConsoleProviderNew", "console_provider_form", "", consoleProviderFormPage{Page: page("/console/providers/new"),
			Form: bad, Hubs: []*culture.Unit{hub}}},
		{"ConsoleProviderEdit", "console_provider_form", "", consoleProviderFormPage{Page: page("/console/providers/3/edit"),
			Provider: prov, Form: consoleProviderFormOf(prov), StaffForm: bad,
			Staff: []*culture.Account{{ID: 4, Username: "yuju", Name: "豫剧团小李"}}}},
		{"ConsoleProviderItems", "console_provider_items", "", consoleItemsPage{Page: page("/console/providers/3/items"),
			Provider: prov, Items: []*culture.MenuItem{item}, Staff: true}},
		{"ConsoleProviderItemsEmpty", "console_provider_items", "", consoleItemsPage{Page: page("/console/providers/3/items"), Provider: prov}},
		{"ConsoleItemNew", "console_menu_item_form", "", consoleItemFormPage{Page: page("/console/providers/3/items/new"),
			Provider: prov, Form: bad, Series: allSeries}},
		{"ConsoleItemEdit", "console_menu_item_form", "", consoleItemFormPage{Page: page("/console/items/9/edit"),
			Provider: prov, Item: item, Form: consoleItemFormOf(edited), Series: allSeries, Photos: edited.PhotoIDs}},
		{"ConsoleProviderDeliveries", "console_provider_deliveries", "", consoleProviderDeliveriesPage{
			Page: page("/console/providers/3/deliveries"), Provider: prov, Deliveries: []*culture.Delivery{d}, Staff: true,
			FailedID: d.ID, Failed: bad}},
		{"ConsoleProviderDeliveriesEmpty", "console_provider_deliveries", "", consoleProviderDeliveriesPage{
			Page: page("/console/providers/3/deliveries"), Provider: prov}},
		{"ConsoleReview", "console_review", "", consoleReviewPage{Page: page("/console/review"), Revisions: []consoleRevision{
			{MenuRevision: item.Pending, Rows: consoleDiff(edited, &fields, map[int64]string{1: "解放剧场"}), Edit: true, Form: bad},
			{MenuRevision: &culture.MenuRevision{ID: 3, Fields: fields}, Rows: consoleDiff(fields, nil, nil), Form: newConsoleForm("r3")},
		}}},
		{"ConsoleReviewEmpty", "console_review", "", consoleReviewPage{Page: page("/console/review")}},
		{"ConsoleDemand", "console_demand", "", consoleDemandPage{Page: page("/console/demand"), UnitID: 1, Season: "2031Q1", Units: units,
			Board: &culture.DemandBoard{Season: "2031Q1", Supports: 30,
				Items:    []*culture.DemandRow{{ItemID: 9, ItemTitle: "豫剧经典", ProviderName: prov.Name, Supports: 20, Requests: 2}},
				Requests: []*culture.MenuRequest{req}, Trend: []*culture.DemandWeek{{Week: now, Supports: 5, Requests: 1}}},
			Figures: []*culture.BranchFigures{{UnitID: 2, UnitName: "焦西分馆", Requests: 4, Delivered: 3, Rate: 0.75, Budget: 24000}}}},
		{"ConsoleDemandEmpty", "console_demand", "", consoleDemandPage{Page: page("/console/demand"), Season: "2031Q1",
			Board: &culture.DemandBoard{}}},
		{"ConsoleRequests", "console_menu_requests", "", consoleRequestsPage{Page: page("/console/requests"), Status: "open",
			Rows: []consoleRequestRow{{MenuRequest: req, CanWithdraw: true, CanDecline: true, CanPlan: true, Decline: bad},
				{MenuRequest: &declined, Decline: newConsoleForm("q5")}}}},
		{"ConsoleRequestsEmpty", "console_menu_requests", "", consoleRequestsPage{Page: page("/console/requests")}},
		{"ConsoleRequestNew", "console_menu_request_form", "", consoleRequestFormPage{Page: page("/console/requests/new"),
			Form: bad, Items: []*culture.MenuItem{item}, Units: units}},
		{"ConsoleDeliveries", "console_delivery_list", "", consoleDeliveriesPage{Page: page("/console/deliveries"),
			Deliveries: []*culture.Delivery{d}, Status: "planned", CanPlan: true}},
		{"ConsoleDeliveriesEmpty", "console_delivery_list", "", consoleDeliveriesPage{Page: page("/console/deliveries")}},
		{"ConsoleDeliveryNew", "console_delivery_form", "", consoleDeliveryFormPage{Page: page("/console/deliveries/new"),
			Form: bad, Items: []*culture.MenuItem{item}, Units: units, Rooms: rooms, Request: req}},
	}
	return append(cases, consoleDeliveryCases(page, d, req, bad)...)
}

// consoleDeliveryFixture is a planned delivery from a request.
func consoleDeliveryFixture(now time.Time) *culture.Delivery {
	reqID := int64(4)
	return &culture.Delivery{ID: 6, ItemID: 9, ProviderID: 3, UnitID: 2, RequestID: &reqID,
		StartsAt: now.Add(48 * time.Hour), EndsAt: now.Add(50 * time.Hour), Capacity: 80, Mode: culture.ModeFirstCome,
		Status: culture.DeliveryPlanned, Note: "请提前一小时到场", CreatedAt: now, ItemTitle: "豫剧经典",
		ProviderName: "焦作豫剧团", UnitName: "焦西分馆", RoomName: "多功能厅"}
}

// consoleDeliveryCases show a delivery with every action open, settled,
// and declined.
func consoleDeliveryCases(page func(string) Page, d *culture.Delivery, req *culture.MenuRequest, bad *consoleForm) []pageCase {
	settled := *d
	activity, cost, at := int64(11), 8000, d.CreatedAt
	settled.Status, settled.ActivityID, settled.Cost = culture.DeliverySettled, &activity, &cost
	settled.ConfirmedAt, settled.HeldAt, settled.SettledAt, settled.Attendance = &at, &at, &at, 70
	settled.RatingAvg, settled.RatingCount = 4.6, 20
	declined := *d
	declined.Status, declined.Reason, declined.RequestID = culture.DeliveryDeclined, "档期冲突", nil
	view := func(d *culture.Delivery, req *culture.MenuRequest) consoleDeliveryPage {
		return consoleDeliveryPage{Page: page("/console/deliveries/6"), Delivery: d, Request: req, Steps: consoleSteps(d, req)}
	}
	open := view(d, req)
	open.CanConfirm, open.CanMode, open.CanCancel, open.CanSettle = true, true, true, true
	open.Forms = map[string]*consoleForm{"decline": bad, "cancel": bad, "settle": bad, "mode": bad}
	done := view(&settled, req)
	done.ActivityURL = "/console/activities/11"
	return []pageCase{
		{"ConsoleDeliveryOpen", "console_delivery", "", open},
		{"ConsoleDeliverySettled", "console_delivery", "", done},
		{"ConsoleDeliveryDeclined", "console_delivery", "", view(&declined, nil)},
	}
}
