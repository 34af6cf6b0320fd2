package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// dfxNow is the fake "now" of delivery, rating and follow tests: Monday
// 4 May 2026, 09:00 in Shanghai (season 2026Q2).
var dfxNow = time.Date(2026, 5, 4, 9, 0, 0, 0, culture.Shanghai)

// deliveryFix holds what delivery, rating and follow tests build on, made
// through the exported store API.
type deliveryFix struct {
	s *sqlstore.Store
	// hub 区文化馆 holds branch (解放分馆, with room, 40 seats) and point
	// (东街文化点); otherHub holds otherBranch (with otherRoom).
	hub, branch, point, otherHub, otherBranch *culture.Unit
	room, otherRoom                           *culture.Room
	series                                    int64
	// planner is a hub admin: reviews items and plans deliveries.
	planner int64
	// provider offers item (in series); rival offers rivalItem. Both serve hub.
	provider, rival *culture.Provider
	item, rivalItem *culture.MenuItem
	// residents[0] is 王小明 with family member family; the others have no name.
	residents []*culture.Account
	family    int64
}

// dfxFixtures builds the fixtures and sets the store's clock to dfxNow.
func dfxFixtures(t *testing.T, s *sqlstore.Store) *deliveryFix {
	t.Helper()
	fx := &deliveryFix{s: s}
	fx.setNow(dfxNow)
	fx.hub = dfxUnit(t, s, nil, culture.UnitHub, "区文化馆")
	fx.branch = dfxUnit(t, s, fx.hub, culture.UnitBranch, "解放分馆")
	fx.point = dfxUnit(t, s, fx.branch, culture.UnitPoint, "东街文化点")
	fx.otherHub = dfxUnit(t, s, nil, culture.UnitHub, "邻区文化馆")
	fx.otherBranch = dfxUnit(t, s, fx.otherHub, culture.UnitBranch, "邻区分馆")
	fx.room = dfxRoom(t, s, fx.branch.ID, "多功能厅", 40)
	fx.otherRoom = dfxRoom(t, s, fx.otherBranch.ID, "小剧场", 200)
	se := &culture.Series{Slug: "jiefang-juchang", Name: "解放剧场"}
	if err := s.CreateSeries(t.Context(), se); err != nil {
		t.Fatal(err)
	}
	fx.series = se.ID
	fx.planner = dfxStaff(t, s, "dfx-planner", culture.RoleHubAdmin, fx.hub.ID)
	fx.provider = dfxProvider(t, s, fx.hub.ID, "星光越剧团")
	fx.rival = dfxProvider(t, s, fx.hub.ID, "青禾书院")
	fx.item = fx.publish(t, fx.provider.ID, func(f *culture.MenuItemFields) { f.SeriesID = &fx.series })
	fx.rivalItem = fx.publish(t, fx.rival.ID, func(f *culture.MenuItemFields) { f.Title = "少儿国画" })
	fx.residents = dfxResidents(t, s, 4)
	if _, err := s.UpdateAccount(t.Context(), fx.residents[0].ID, culture.AccountUpdate{Name: dfxPtr("王小明")}); err != nil {
		t.Fatal(err)
	}
	m := &culture.FamilyMember{AccountID: fx.residents[0].ID, Name: "王小花", Relation: "子女"}
	if err := s.CreateFamilyMember(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	fx.family = m.ID
	return fx
}

func dfxPtr[T any](v T) *T { return &v }

// setNow fixes the store's clock. Call it only while no request runs.
func (fx *deliveryFix) setNow(now time.Time) {
	fx.s.Now = func() time.Time { return now }
}

func dfxUnit(t *testing.T, s *sqlstore.Store, parent *culture.Unit, kind, name string) *culture.Unit {
	t.Helper()
	u := &culture.Unit{Kind: kind, Name: name}
	if parent != nil {
		u.ParentID = &parent.ID
	}
	if err := s.CreateUnit(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func dfxRoom(t *testing.T, s *sqlstore.Store, unitID int64, name string, capacity int) *culture.Room {
	t.Helper()
	r := &culture.Room{UnitID: unitID, Name: name, Capacity: capacity}
	if err := s.CreateRoom(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// dfxStaff creates a staff account with one grant and returns its id.
func dfxStaff(t *testing.T, s *sqlstore.Store, username, role string, unitID int64) int64 {
	t.Helper()
	a := &culture.Account{Username: username, Name: "工作人员"}
	if err := s.CreateStaff(t.Context(), a, accountTestPassword); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateGrant(t.Context(), &culture.Grant{AccountID: a.ID, Role: role, UnitID: unitID}); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func dfxProvider(t *testing.T, s *sqlstore.Store, hubID int64, name string) *culture.Provider {
	t.Helper()
	p := &culture.Provider{HubID: hubID, Name: name, Level: culture.LevelDistrict, Kind: "troupe"}
	if err := s.CreateProvider(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

var dfxPhones int

func dfxResidents(t *testing.T, s *sqlstore.Store, n int) []*culture.Account {
	t.Helper()
	out := make([]*culture.Account, n)
	for i := range out {
		dfxPhones++
		out[i] = accountFixtureResident(t, s, fmt.Sprintf("137%08d", dfxPhones))
	}
	return out
}

// dfxFields returns valid menu item fields, changed by mods.
func dfxFields(mods ...func(*culture.MenuItemFields)) culture.MenuItemFields {
	f := culture.MenuItemFields{
		Title: "越剧经典折子戏", Category: "戏曲", Format: culture.FormatPerformance, Sessions: 1,
		Groups: []string{"elderly", "adults"}, AgeMin: 12, Minutes: 90,
		CapacityMin: 20, CapacityMax: 300, Cost: 3000, Description: "《梁祝》《红楼梦》选段。",
	}
	for _, m := range mods {
		m(&f)
	}
	return f
}

// publish submits an item for the provider and approves it as planner.
func (fx *deliveryFix) publish(t *testing.T, providerID int64, mods ...func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	m, err := fx.s.SubmitMenuItem(t.Context(), providerID, 0, dfxFields(mods...), fx.planner)
	if err != nil {
		t.Fatal(err)
	}
	revs, err := fx.s.FindPendingRevisions(t.Context(), fx.hub.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range revs {
		if r.ItemID == m.ID {
			if err := fx.s.ReviewMenuItem(t.Context(), r.ID, true, "", fx.planner); err != nil {
				t.Fatal(err)
			}
		}
	}
	m, err = fx.s.FindMenuItemByID(t.Context(), m.ID)
	if err != nil || m.Status != culture.ItemPublished {
		t.Fatalf("item %+v not published (%v)", m, err)
	}
	return m
}

// delivery returns a valid delivery of item to branch's room a week after
// dfxNow, 14:00–16:00, changed by mods.
func (fx *deliveryFix) delivery(mods ...func(*culture.Delivery)) *culture.Delivery {
	starts := time.Date(2026, 5, 11, 14, 0, 0, 0, culture.Shanghai)
	d := &culture.Delivery{
		ItemID: fx.item.ID, UnitID: fx.branch.ID, RoomID: &fx.room.ID,
		StartsAt: starts, EndsAt: starts.Add(2 * time.Hour), Capacity: 30,
		Mode: culture.ModeFirstCome, Note: "请提前一小时到场布置", CreatedBy: fx.planner,
	}
	for _, m := range mods {
		m(d)
	}
	return d
}

// plan stores fx.delivery(mods...), which must succeed.
func (fx *deliveryFix) plan(t *testing.T, mods ...func(*culture.Delivery)) *culture.Delivery {
	t.Helper()
	d := fx.delivery(mods...)
	if err := fx.s.PlanDelivery(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

// confirm confirms the delivery as its provider; it must succeed.
func (fx *deliveryFix) confirm(t *testing.T, d *culture.Delivery) *culture.Delivery {
	t.Helper()
	got, err := fx.s.ConfirmDelivery(t.Context(), d.ID, d.ProviderID, true, "")
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// request files the branch's open request for the item.
func (fx *deliveryFix) request(t *testing.T, itemID, unitID int64) *culture.MenuRequest {
	t.Helper()
	r := &culture.MenuRequest{ItemID: itemID, UnitID: unitID, PreferredDates: "五月周末下午",
		Audience: 30, Mode: culture.ModeFirstCome, CreatedBy: fx.planner}
	if err := fx.s.CreateRequest(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// requestState reads a request's status and delivery.
func (fx *deliveryFix) requestState(t *testing.T, id int64) (string, *int64) {
	t.Helper()
	var status string
	var delivery *int64
	err := fx.s.DB().QueryRow(fixSQL(fx.s, `SELECT status, delivery_id FROM menu_requests WHERE id = ?`), id).
		Scan(&status, &delivery)
	if err != nil {
		t.Fatal(err)
	}
	return status, delivery
}

// attend books the activity for the account (and family) at the current
// clock and checks the booking in; the clock is left at the start.
func (fx *deliveryFix) attend(t *testing.T, a *culture.Activity, accountID int64, family ...int64) *culture.Booking {
	t.Helper()
	b := fx.book(t, a.ID, accountID, family...)
	fx.checkIn(t, a, b)
	return b
}

// checkIn checks the bookings in at the activity's start, where it leaves
// the clock.
func (fx *deliveryFix) checkIn(t *testing.T, a *culture.Activity, bs ...*culture.Booking) {
	t.Helper()
	fx.setNow(a.StartsAt)
	for _, b := range bs {
		if _, err := fx.s.CheckInCode(t.Context(), b.Code, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
}

// book makes a booking that must succeed, at the current clock.
func (fx *deliveryFix) book(t *testing.T, activityID, accountID int64, family ...int64) *culture.Booking {
	t.Helper()
	b, err := fx.s.CreateBooking(t.Context(), &culture.BookingRequest{
		ActivityID: activityID, AccountID: accountID, Self: true, FamilyIDs: family,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// live plans and confirms fx.delivery(mods...) at dfxNow and returns it
// with its activity.
func (fx *deliveryFix) live(t *testing.T, mods ...func(*culture.Delivery)) (*culture.Delivery, *culture.Activity) {
	t.Helper()
	fx.setNow(dfxNow)
	d := fx.confirm(t, fx.plan(t, mods...))
	a, err := fx.s.FindActivityByID(t.Context(), *d.ActivityID)
	if err != nil {
		t.Fatal(err)
	}
	return d, a
}

// finish moves the clock just past the activity's end, runs
// MarkDeliveriesHeld and returns the delivery as it then is.
func (fx *deliveryFix) finish(t *testing.T, d *culture.Delivery, a *culture.Activity) *culture.Delivery {
	t.Helper()
	fx.setNow(a.EndsAt.Add(time.Minute))
	if _, err := fx.s.MarkDeliveriesHeld(t.Context()); err != nil {
		t.Fatal(err)
	}
	d, err := fx.s.FindDeliveryByID(t.Context(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// held makes a delivery of fx.delivery(mods...) that was held: a booking
// of residents[1] was not checked in, one of residents[0] with family was
// (2 attendees). The clock is left just past the activity's end.
func (fx *deliveryFix) held(t *testing.T, mods ...func(*culture.Delivery)) (*culture.Delivery, *culture.Activity) {
	t.Helper()
	d, a := fx.live(t, mods...)
	fx.book(t, a.ID, fx.residents[1].ID)
	fx.attend(t, a, fx.residents[0].ID, fx.family)
	return fx.finish(t, d, a), a
}
