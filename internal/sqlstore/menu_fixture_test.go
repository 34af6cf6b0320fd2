package sqlstore_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// mfxNow is the fake "now" of menu, support and request tests: Wednesday
// 13 May 2026, 10:00 in Shanghai (season 2026Q2).
var mfxNow = time.Date(2026, 5, 13, 10, 0, 0, 0, culture.Shanghai)

// menuFix holds what menu, support and request tests build on, made
// through the exported store API.
type menuFix struct {
	s *sqlstore.Store
	// hub 区文化馆 holds branch (解放分馆, with point 东街文化点 under it)
	// and branch2 (城南分馆); otherHub 邻区文化馆 holds otherBranch.
	hub, branch, point, branch2, otherHub, otherBranch *culture.Unit
	series                                             int64
	// reviewer is a hub admin of hub; otherReviewer of otherHub.
	reviewer, otherReviewer *culture.Account
	// provider (星光越剧团, district) and rival (青禾书院, city) serve hub,
	// with staff and rivalStaff; otherProvider serves otherHub.
	provider, rival, otherProvider *culture.Provider
	staff, rivalStaff              *culture.Account
	// photo is a stored 4×3 PNG.
	photo *culture.Image
}

// mfxFixtures builds the fixtures and sets the store's clock to mfxNow.
func mfxFixtures(t *testing.T, s *sqlstore.Store) *menuFix {
	t.Helper()
	fx := &menuFix{s: s}
	fx.setNow(mfxNow)
	fx.hub = unitFixtureCreate(t, s, culture.UnitHub, "区文化馆", nil)
	fx.branch = unitFixtureCreate(t, s, culture.UnitBranch, "解放分馆", fx.hub)
	fx.point = unitFixtureCreate(t, s, culture.UnitPoint, "东街文化点", fx.branch)
	fx.branch2 = unitFixtureCreate(t, s, culture.UnitBranch, "城南分馆", fx.hub)
	fx.otherHub = unitFixtureCreate(t, s, culture.UnitHub, "邻区文化馆", nil)
	fx.otherBranch = unitFixtureCreate(t, s, culture.UnitBranch, "邻区分馆", fx.otherHub)
	se := &culture.Series{Slug: "mfx-juchang", Name: "周末剧场"}
	if err := s.CreateSeries(t.Context(), se); err != nil {
		t.Fatal(err)
	}
	fx.series = se.ID
	fx.reviewer = accountFixtureStaff(t, s, "mfx-reviewer", fx.hub, culture.RoleHubAdmin)
	fx.otherReviewer = accountFixtureStaff(t, s, "mfx-other", fx.otherHub, culture.RoleHubAdmin)
	fx.provider = mfxProvider(t, s, fx.hub.ID, "星光越剧团", culture.LevelDistrict)
	fx.rival = mfxProvider(t, s, fx.hub.ID, "青禾书院", culture.LevelCity)
	fx.otherProvider = mfxProvider(t, s, fx.otherHub.ID, "邻区影院", culture.LevelDistrict)
	fx.staff = mfxProviderStaff(t, s, "mfx-staff", fx.provider)
	fx.rivalStaff = mfxProviderStaff(t, s, "mfx-rival", fx.rival)
	fx.photo = mfxImage(t, s, 4, 3)
	return fx
}

// setNow fixes the store's clock. Call it only while no request runs.
func (fx *menuFix) setNow(now time.Time) {
	fx.s.Now = func() time.Time { return now }
}

// mfxProvider creates a provider of kind troupe serving the hub.
func mfxProvider(t *testing.T, s *sqlstore.Store, hubID int64, name, level string) *culture.Provider {
	t.Helper()
	p := &culture.Provider{HubID: hubID, Name: name, Level: level, Kind: "troupe",
		ContactName: "李老师", ContactPhone: "13912345678", Intro: name + "简介"}
	if err := s.CreateProvider(t.Context(), p); err != nil {
		t.Fatalf("CreateProvider(%s): %v", name, err)
	}
	return p
}

// mfxProviderStaff creates a staff account of the provider (a
// provider_staff grant at its hub), with its grants loaded.
func mfxProviderStaff(t *testing.T, s *sqlstore.Store, username string, p *culture.Provider) *culture.Account {
	t.Helper()
	a := &culture.Account{Username: username, Name: "主体联系人"}
	if err := s.CreateStaff(t.Context(), a, accountTestPassword); err != nil {
		t.Fatal(err)
	}
	g := &culture.Grant{AccountID: a.ID, Role: culture.RoleProviderStaff, UnitID: p.HubID, ProviderID: &p.ID}
	if err := s.CreateGrant(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	a, err := s.FindAccountByID(t.Context(), a.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// mfxPNG encodes a w×h PNG.
func mfxPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mfxImage stores a w×h PNG.
func mfxImage(t *testing.T, s *sqlstore.Store, w, h int) *culture.Image {
	t.Helper()
	img, err := s.CreateImage(t.Context(), mfxPNG(t, w, h), nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// mfxFields returns valid menu item fields, changed by mods.
func mfxFields(mods ...func(*culture.MenuItemFields)) culture.MenuItemFields {
	f := culture.MenuItemFields{
		Title: "越剧经典折子戏", Category: "戏曲", Format: culture.FormatPerformance, Sessions: 1,
		Groups: []string{"adults", "elderly"}, AgeMin: 12, Minutes: 90,
		CapacityMin: 20, CapacityMax: 300, Needs: "舞台与音响", Cost: 3000,
		Available: "周末下午", Description: "《梁祝》《红楼梦》选段。",
	}
	for _, m := range mods {
		m(&f)
	}
	return f
}

// submit files a new item of the provider as its staff; it must succeed.
func (fx *menuFix) submit(t *testing.T, mods ...func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	return fx.submitAs(t, fx.provider.ID, fx.staff.ID, mods...)
}

// submitAs files a new item of providerID as account by; it must succeed.
func (fx *menuFix) submitAs(t *testing.T, providerID, by int64, mods ...func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	m, err := fx.s.SubmitMenuItem(t.Context(), providerID, 0, mfxFields(mods...), by)
	if err != nil {
		t.Fatalf("SubmitMenuItem: %v", err)
	}
	return m
}

// publish submits a new item of the provider and approves it.
func (fx *menuFix) publish(t *testing.T, mods ...func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	m := fx.submit(t, mods...)
	return fx.approve(t, m.ID)
}

// publishFor submits a new item of p (as the hub's reviewer, who may act
// for any provider of the hub) and approves it.
func (fx *menuFix) publishFor(t *testing.T, p *culture.Provider, mods ...func(*culture.MenuItemFields)) *culture.MenuItem {
	t.Helper()
	reviewer := fx.reviewer.ID
	if p.HubID == fx.otherHub.ID {
		reviewer = fx.otherReviewer.ID
	}
	m := fx.submitAs(t, p.ID, reviewer, mods...)
	if err := fx.s.ReviewMenuItem(t.Context(), m.Pending.ID, true, "", reviewer); err != nil {
		t.Fatal(err)
	}
	return fx.item(t, m.ID)
}

// approve approves the item's pending revision as the reviewer and
// returns the item.
func (fx *menuFix) approve(t *testing.T, itemID int64) *culture.MenuItem {
	t.Helper()
	m := fx.item(t, itemID)
	if m.Pending == nil {
		t.Fatalf("item %d has no pending revision", itemID)
	}
	if err := fx.s.ReviewMenuItem(t.Context(), m.Pending.ID, true, "", fx.reviewer.ID); err != nil {
		t.Fatalf("ReviewMenuItem: %v", err)
	}
	return fx.item(t, itemID)
}

// item reads the item with FindMenuItemByID.
func (fx *menuFix) item(t *testing.T, id int64) *culture.MenuItem {
	t.Helper()
	m, err := fx.s.FindMenuItemByID(t.Context(), id)
	if err != nil {
		t.Fatalf("FindMenuItemByID(%d): %v", id, err)
	}
	return m
}

var mfxPhones int

// residents creates n residents whose home unit is home (none when nil).
func (fx *menuFix) residents(t *testing.T, n int, home *culture.Unit) []*culture.Account {
	t.Helper()
	out := make([]*culture.Account, n)
	for i := range out {
		mfxPhones++
		a := accountFixtureResident(t, fx.s, fmt.Sprintf("136%08d", mfxPhones))
		if home != nil {
			var err error
			a, err = fx.s.UpdateAccount(t.Context(), a.ID, culture.AccountUpdate{HomeUnitID: &home.ID})
			if err != nil {
				t.Fatal(err)
			}
		}
		out[i] = a
	}
	return out
}

// request files an open request for the item at the unit, as the
// reviewer; it must succeed.
func (fx *menuFix) request(t *testing.T, itemID int64, unit *culture.Unit) *culture.MenuRequest {
	t.Helper()
	r := &culture.MenuRequest{ItemID: itemID, UnitID: unit.ID, PreferredDates: "六月的周末",
		Audience: 80, Mode: culture.ModeFirstCome, CreatedBy: fx.reviewer.ID}
	if err := fx.s.CreateRequest(t.Context(), r); err != nil {
		t.Fatalf("CreateRequest: %v", err)
	}
	return r
}

// heldDelivery inserts, with raw SQL, an activity at the unit and a
// delivery of the item in status with the attendance, and one rating per
// score (the last hidden when hideLast). It returns the activity id. Raw
// SQL keeps the menu figures' tests apart from the delivery code.
func (fx *menuFix) heldDelivery(t *testing.T, item *culture.MenuItem, unit *culture.Unit, status string,
	attendance int, hideLast bool, scores ...int) int64 {
	t.Helper()
	s := fx.s
	starts := mfxNow.Add(-72 * time.Hour).Unix()
	act := fixInsert(t, s, `INSERT INTO activities (unit_id, title, category, starts_at, ends_at, capacity,
		seats_left, mode, opens_at, closes_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 50, 50, 'first_come', ?, ?, 0, 0) RETURNING id`,
		unit.ID, item.Title, item.Category, starts, starts+7200, starts-86400, starts)
	fixInsert(t, s, `INSERT INTO deliveries (item_id, provider_id, unit_id, starts_at, ends_at, capacity, mode,
		status, activity_id, attendance, created_by, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 50, 'first_come', ?, ?, ?, ?, 0, 0) RETURNING id`,
		item.ID, item.ProviderID, unit.ID, starts, starts+7200, status, act, attendance, fx.reviewer.ID)
	raters := fx.residents(t, len(scores), nil)
	for i, score := range scores {
		hidden := 0
		if hideLast && i == len(scores)-1 {
			hidden = 1
		}
		fixInsert(t, s, `INSERT INTO ratings (activity_id, account_id, score, hidden, created_at)
			VALUES (?, ?, ?, ?, 0) RETURNING id`, act, raters[i].ID, score, hidden)
	}
	return act
}

// mfxCount counts the rows of a table (a constant name in the test).
func mfxCount(t *testing.T, s *sqlstore.Store, table string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func mfxPtr[T any](v T) *T { return &v }
