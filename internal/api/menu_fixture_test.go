package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// menuFixture adds the culture menu to the fixture, seeded through the
// store's methods.
type menuFixture struct {
	*fixture
	Series int64 // 解放剧场

	// Provider 星光越剧团 and Rival 青禾书院 serve the hub; OtherProvider
	// serves OtherHub 邻区文化馆 (branch OtherBranch).
	Provider, Rival, OtherProvider int64
	OtherHub, OtherBranch          int64
	// Staff of Provider and of Rival; the hub admin of OtherHub.
	StaffToken, RivalToken, OtherHubToken string

	// Items of Provider: Published (approved, of Series) and Pending
	// (never approved, revision PendingRev). OtherPendingRev is a pending
	// revision at OtherHub.
	Published, Pending          int64
	PendingRev, OtherPendingRev int64

	Request int64 // open request of Published at 焦西, by its admin
	Planned int64 // planned delivery of Published to 焦西, a week ahead

	HubAdmin, XiAdmin, XiChecker int64 // account ids
}

// newMenuAPI returns the test API with the culture menu seeded.
func newMenuAPI(tb testing.TB) (http.Handler, *sqlstore.Store, *menuFixture) {
	tb.Helper()
	h, s, f := newTestAPI(tb)
	m := &menuFixture{fixture: f}
	m.HubAdmin, m.XiAdmin = accountOf(tb, s, f.HubAdminToken), accountOf(tb, s, f.XiAdminToken)
	m.XiChecker = accountOf(tb, s, f.XiCheckerToken)
	se := &culture.Series{Slug: "jiefang-juchang", Name: "解放剧场", Description: "周末的舞台。"}
	if err := s.CreateSeries(context.Background(), se); err != nil {
		tb.Fatal(err)
	}
	m.Series = se.ID
	seedProviders(tb, s, m)
	seedItems(tb, s, m)
	seedOrders(tb, s, m)
	return h, s, m
}

func seedProviders(tb testing.TB, s *sqlstore.Store, m *menuFixture) {
	tb.Helper()
	m.OtherHub = mustUnit(tb, s, &culture.Unit{Kind: culture.UnitHub, Name: "邻区文化馆"})
	m.OtherBranch = mustUnit(tb, s, &culture.Unit{Kind: culture.UnitBranch, Name: "邻区分馆", ParentID: &m.OtherHub})
	m.OtherHubToken = mustStaff(tb, s, "otherhub", culture.RoleHubAdmin, m.OtherHub)
	m.Provider = mustProvider(tb, s, m.Hub, "星光越剧团")
	m.Rival = mustProvider(tb, s, m.Hub, "青禾书院")
	m.OtherProvider = mustProvider(tb, s, m.OtherHub, "邻区影院")
	m.StaffToken = mustProviderStaff(tb, s, "xingguang", m.Hub, m.Provider)
	m.RivalToken = mustProviderStaff(tb, s, "qinghe", m.Hub, m.Rival)
}

func seedItems(tb testing.TB, s *sqlstore.Store, m *menuFixture) {
	tb.Helper()
	ctx := context.Background()
	staff := accountOf(tb, s, m.StaffToken)
	m.Published = mustSubmit(tb, s, m.Provider, staff, itemFields("越剧经典折子戏", &m.Series))
	m.PendingRev = pendingRevision(tb, s, m.Hub, m.Published)
	if err := s.ReviewMenuItem(ctx, m.PendingRev, true, "", m.HubAdmin); err != nil {
		tb.Fatalf("approve: %v", err)
	}
	m.Pending = mustSubmit(tb, s, m.Provider, staff, itemFields("少儿越剧启蒙课", nil))
	m.PendingRev = pendingRevision(tb, s, m.Hub, m.Pending)
	other := mustSubmit(tb, s, m.OtherProvider, accountOf(tb, s, m.OtherHubToken), itemFields("露天电影", nil))
	m.OtherPendingRev = pendingRevision(tb, s, m.OtherHub, other)
}

func seedOrders(tb testing.TB, s *sqlstore.Store, m *menuFixture) {
	tb.Helper()
	ctx := context.Background()
	r := &culture.MenuRequest{ItemID: m.Published, UnitID: m.Xi, PreferredDates: "三月的周末",
		Audience: 80, Mode: culture.ModeFirstCome, CreatedBy: m.XiAdmin}
	if err := s.CreateRequest(ctx, r); err != nil {
		tb.Fatalf("CreateRequest: %v", err)
	}
	m.Request = r.ID
	start := now.Add(7 * 24 * time.Hour)
	d := &culture.Delivery{ItemID: m.Published, UnitID: m.Xi, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Capacity: 60, Mode: culture.ModeFirstCome, CreatedBy: m.HubAdmin}
	if err := s.PlanDelivery(ctx, d); err != nil {
		tb.Fatalf("PlanDelivery: %v", err)
	}
	m.Planned = d.ID
}

// itemFields returns valid fields of a performance.
func itemFields(title string, series *int64) culture.MenuItemFields {
	return culture.MenuItemFields{
		Title: title, Category: "戏曲", Format: culture.FormatPerformance, Sessions: 1,
		Groups: []string{"adults", "elderly"}, Minutes: 90, CapacityMin: 20, CapacityMax: 300,
		Needs: "舞台与音响", Cost: 3000, Available: "周末下午", Description: "《梁祝》选段。", SeriesID: series,
	}
}

func mustProvider(tb testing.TB, s *sqlstore.Store, hub int64, name string) int64 {
	tb.Helper()
	p := &culture.Provider{HubID: hub, Name: name, Level: culture.LevelDistrict, Kind: "troupe",
		ContactName: "李老师", ContactPhone: "13912345678", Intro: name + "简介"}
	if err := s.CreateProvider(context.Background(), p); err != nil {
		tb.Fatalf("CreateProvider(%s): %v", name, err)
	}
	return p.ID
}

// mustProviderStaff creates a staff account of the provider and returns
// its token.
func mustProviderStaff(tb testing.TB, s *sqlstore.Store, username string, hub, provider int64) string {
	tb.Helper()
	ctx := context.Background()
	a := &culture.Account{Username: username, Name: username}
	if err := s.CreateStaff(ctx, a, "correct horse battery"); err != nil {
		tb.Fatalf("CreateStaff(%s): %v", username, err)
	}
	g := &culture.Grant{AccountID: a.ID, Role: culture.RoleProviderStaff, UnitID: hub, ProviderID: &provider}
	if err := s.CreateGrant(ctx, g); err != nil {
		tb.Fatalf("CreateGrant(%s): %v", username, err)
	}
	return mustToken(tb, s, a.ID)
}

func mustSubmit(tb testing.TB, s *sqlstore.Store, provider, by int64, f culture.MenuItemFields) int64 {
	tb.Helper()
	m, err := s.SubmitMenuItem(context.Background(), provider, 0, f, by)
	if err != nil {
		tb.Fatalf("SubmitMenuItem(%s): %v", f.Title, err)
	}
	return m.ID
}

// pendingRevision returns the id of the item's pending revision.
func pendingRevision(tb testing.TB, s *sqlstore.Store, hub, item int64) int64 {
	tb.Helper()
	revs, err := s.FindPendingRevisions(context.Background(), hub)
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range revs {
		if r.ItemID == item {
			return r.ID
		}
	}
	tb.Fatalf("no pending revision of item %d", item)
	return 0
}

func accountOf(tb testing.TB, s *sqlstore.Store, token string) int64 {
	tb.Helper()
	a, err := s.FindAccountByToken(context.Background(), token)
	if err != nil {
		tb.Fatal(err)
	}
	return a.ID
}

// menuState is what refused menu requests must leave alone: items with
// their pending edits, requests, deliveries, supports and providers.
func menuState(t *testing.T, s *sqlstore.Store, m *menuFixture) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	for _, p := range []int64{m.Provider, m.Rival, m.OtherProvider} {
		pr, err := s.FindProviderByID(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("provider %d %s %s %s", pr.ID, pr.Name, pr.Level, pr.ContactPhone))
		found, _, err := s.FindMenuItems(ctx, culture.MenuFilter{ProviderID: &p, AnyStatus: true, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range found {
			out = append(out, fmt.Sprintf("item %d %s %s cost %d pending %v supports %d", it.ID, it.Title, it.Status,
				it.Cost, it.Pending != nil, it.Supports))
		}
	}
	return append(out, orderState(t, s, m)...)
}

func orderState(t *testing.T, s *sqlstore.Store, m *menuFixture) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	reqs, err := s.FindRequests(ctx, m.Hub, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		out = append(out, fmt.Sprintf("request %d %s at %d", r.ID, r.Status, r.UnitID))
	}
	ds, _, err := s.FindDeliveries(ctx, culture.DeliveryFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		out = append(out, fmt.Sprintf("delivery %d %s %s cost %s activity %s", d.ID, d.Status, d.Mode, show(d.Cost), show(d.ActivityID)))
	}
	for _, acct := range []int64{m.Alice, m.Bob} {
		sups, err := s.FindSupports(ctx, acct, culture.SeasonOf(now))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range sups {
			out = append(out, fmt.Sprintf("support %d of %d for %d", x.ItemID, acct, x.UnitID))
		}
	}
	return out
}

// unchanged runs the scenarios and checks that the menu's state is as
// before.
func unchanged(t *testing.T, h http.Handler, s *sqlstore.Store, m *menuFixture, scenarios []scenario) {
	t.Helper()
	before := menuState(t, s, m)
	run(t, h, scenarios)
	if diff := cmp.Diff(before, menuState(t, s, m)); diff != "" {
		t.Errorf("refused requests changed the menu (-before +after):\n%s", diff)
	}
}

// show prints the value a pointer points to, or nil.
func show[T any](p *T) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprint(*p)
}
