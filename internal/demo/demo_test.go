package demo_test

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/demo"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// now is a Wednesday morning in Jiaozuo.
var now = time.Date(2025, 11, 5, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))

// mustLoad opens a SQLite store in a temporary directory and loads the demo
// world into it.
func mustLoad(tb testing.TB) (*sqlstore.Store, *demo.Summary) {
	tb.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(tb.TempDir(), "demo.db"), sqlstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	clock := now
	s.Now = func() time.Time { return clock }
	if empty, err := demo.Empty(ctx, s); err != nil || !empty {
		tb.Fatalf("Empty before load = %t, %v; want true", empty, err)
	}
	start := time.Now()
	sum, err := demo.Load(ctx, s, func(t time.Time) { clock = t }, demo.Options{Now: now, Seed: 2019})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("loaded in %v: %+v", time.Since(start).Round(time.Millisecond), *sum)
	if !clock.Equal(now) {
		tb.Errorf("clock after load = %v, want %v", clock, now)
	}
	if empty, err := demo.Empty(ctx, s); err != nil || empty {
		tb.Errorf("Empty after load = %t, %v; want false", empty, err)
	}
	return s, sum
}

func TestLoad(t *testing.T) {
	s, sum := mustLoad(t)
	t.Run("Units", func(t *testing.T) { testUnits(t, s, sum) })
	t.Run("Activities", func(t *testing.T) { testActivities(t, s, sum) })
	t.Run("Series", func(t *testing.T) { testSeries(t, s) })
	t.Run("Residents", func(t *testing.T) { testResidents(t, s, sum) })
	t.Run("DemoResident", func(t *testing.T) { testDemoResident(t, s) })
	t.Run("Bookings", func(t *testing.T) { testBookings(t, s, sum) })
	t.Run("Staff", func(t *testing.T) { testStaff(t, s, sum) })
	t.Run("Lotteries", func(t *testing.T) { testLotteries(t, s) })
	t.Run("Providers", func(t *testing.T) { testProviders(t, s, sum) })
	t.Run("Menu", func(t *testing.T) { testMenu(t, s, sum) })
	t.Run("MenuSeries", func(t *testing.T) { testMenuSeries(t, s) })
	t.Run("Supports", func(t *testing.T) { testSupports(t, s, sum) })
	t.Run("Requests", func(t *testing.T) { testRequests(t, s) })
	t.Run("Deliveries", func(t *testing.T) { testDeliveries(t, s, sum) })
	t.Run("Communities", func(t *testing.T) { testCommunities(t, s, sum) })
	t.Run("Announcements", func(t *testing.T) { testAnnouncements(t, s, sum) })
	t.Run("News", func(t *testing.T) { testNews(t, s, sum) })
	t.Run("DemoInbox", func(t *testing.T) { testDemoInbox(t, s) })
}

// testLotteries: one demo lottery has been drawn and its draw verifies
// against the published commitment; another still takes applications.
func testLotteries(t *testing.T, s *sqlstore.Store) {
	mode := culture.ModeLottery
	var drawn, open int
	for _, a := range allActivities(t, s, culture.ActivityFilter{}) {
		if a.Mode != mode {
			continue
		}
		lot, err := s.FindLottery(context.Background(), a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !lot.Drawn() {
			open++
			continue
		}
		drawn++
		if err := lot.Verify(); err != nil {
			t.Errorf("lottery %d does not verify: %v", a.ID, err)
		}
		if lot.Winners() == 0 {
			t.Errorf("lottery %d drew no winners", a.ID)
		}
	}
	if drawn != 1 || open != 1 {
		t.Errorf("%d drawn and %d open lotteries, want 1 and 1", drawn, open)
	}
}

func units(t *testing.T, s *sqlstore.Store, kind string) []*culture.Unit {
	t.Helper()
	us, n, err := s.FindUnits(context.Background(), culture.UnitFilter{Kind: &kind, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	} else if n != len(us) {
		t.Fatalf("FindUnits(%s): total %d, got %d", kind, n, len(us))
	}
	return us
}

func testUnits(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	hubs := units(t, s, culture.UnitHub)
	if len(hubs) != 1 || hubs[0].Name != "解放区文化馆" {
		t.Fatalf("hubs = %v, want 解放区文化馆 alone", hubs)
	}
	var names []string
	for _, b := range units(t, s, culture.UnitBranch) {
		names = append(names, b.Name)
	}
	want := []string{"焦西街道分馆", "焦南街道分馆", "焦北街道分馆", "七百间街道分馆", "新华街道分馆",
		"民生街道分馆", "民主街道分馆", "王褚街道分馆", "上白作街道分馆", "健康产业园区分馆"}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("branches = %v, want %v", names, want)
	}
	points := units(t, s, culture.UnitPoint)
	if len(points) < 30 {
		t.Errorf("%d points, want ≥ 30", len(points))
	}
	if n := 1 + len(names) + len(points); sum.Units != n {
		t.Errorf("Summary.Units = %d, store has %d", sum.Units, n)
	}
	rooms, err := s.FindRooms(context.Background(), hubs[0].ID)
	if err != nil || len(rooms) == 0 || rooms[0].Name != "剧场" || rooms[0].Capacity != 300 {
		t.Errorf("hub rooms = %v, %v; want the 剧场 (300) first", rooms, err)
	}
}

// allActivities pages through every activity.
func allActivities(t *testing.T, s *sqlstore.Store, f culture.ActivityFilter) []*culture.Activity {
	t.Helper()
	var out []*culture.Activity
	for {
		f.Limit, f.Offset = 100, len(out)
		as, n, err := s.FindActivities(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, as...)
		if len(out) >= n || len(as) == 0 {
			return out
		}
	}
}

func testActivities(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	from, to := now.AddDate(0, 0, -28), now.AddDate(0, 0, 28)
	within := allActivities(t, s, culture.ActivityFilter{From: &from, To: &to})
	if len(within) < 200 {
		t.Errorf("%d activities within ±4 weeks, want ≥ 200", len(within))
	}
	all := allActivities(t, s, culture.ActivityFilter{})
	bookable, sites := 0, map[int64]bool{}
	for _, a := range all {
		if a.Bookable() {
			bookable++
		}
		sites[a.UnitID] = true
	}
	if bookable*100 <= len(all)*40 {
		t.Errorf("%d of %d activities bookable, want > 40%%", bookable, len(all))
	}
	if sum.Activities != len(all) || sum.Bookable != bookable {
		t.Errorf("Summary says %d activities, %d bookable; store has %d, %d",
			sum.Activities, sum.Bookable, len(all), bookable)
	}
	if len(sites) < 25 {
		t.Errorf("activities at %d units, want them spread over ≥ 25", len(sites))
	}
}

func testSeries(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	series, err := s.FindSeries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, sr := range series {
		found[sr.Slug] = true
		_, n, err := s.FindActivities(ctx, culture.ActivityFilter{SeriesID: &sr.ID, Limit: 1})
		if err != nil || n < 8 {
			t.Errorf("series %s has %d sessions (%v), want ≥ 8", sr.Name, n, err)
		}
	}
	if !found["jiefang-yike"] || !found["jiefang-juchang"] {
		t.Errorf("series = %v, want jiefang-yike and jiefang-juchang", found)
	}
}

func testResidents(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	ctx := context.Background()
	_, all, err := s.FindAccounts(ctx, culture.AccountFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, staff, err := s.FindAccounts(ctx, culture.AccountFilter{StaffOnly: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if all-staff < 1000 || all-staff != sum.Residents {
		t.Errorf("%d residents (Summary %d), want ≥ 1000", all-staff, sum.Residents)
	}
	if staff != len(sum.Staff) {
		t.Errorf("%d staff accounts, Summary lists %d", staff, len(sum.Staff))
	}
}

func testDemoResident(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	phone := demo.DemoPhone
	accs, _, err := s.FindAccounts(ctx, culture.AccountFilter{Phone: &phone})
	if err != nil || len(accs) != 1 || accs[0].Name != "张晓明" {
		t.Fatalf("demo resident = %v, %v; want 张晓明", accs, err)
	}
	family, err := s.FindFamily(ctx, accs[0].ID)
	if err != nil || len(family) != 1 || family[0].Name != "张小乐" ||
		family[0].Relation != "子女" || family[0].BirthYear != 2017 {
		t.Errorf("family = %v, %v; want 张小乐 (子女, 2017)", family, err)
	}
	confirmed := culture.BookingConfirmed
	bs, _, err := s.FindBookings(ctx, culture.BookingFilter{AccountID: &accs[0].ID, Status: &confirmed, Upcoming: true})
	if err != nil || len(bs) == 0 {
		t.Fatalf("upcoming confirmed bookings = %v, %v; want one", bs, err)
	}
	if len(bs[0].Attendees) != 2 || bs[0].Attendees[1].Name != "张小乐" {
		t.Errorf("attendees = %v, want 张晓明 and 张小乐", bs[0].Attendees)
	}
}

func testBookings(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	ctx := context.Background()
	_, total, err := s.FindBookings(ctx, culture.BookingFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	in := culture.BookingCheckedIn
	_, checkedIn, err := s.FindBookings(ctx, culture.BookingFilter{Status: &in, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if total != sum.Bookings || checkedIn != sum.CheckIns {
		t.Errorf("store has %d bookings, %d checked in; Summary %d, %d", total, checkedIn, sum.Bookings, sum.CheckIns)
	}
	if total < 1000 || checkedIn < total/3 {
		t.Errorf("%d bookings, %d checked in: want past bookings, most of them checked in", total, checkedIn)
	}
	soldOut := 0
	for _, a := range allActivities(t, s, culture.ActivityFilter{}) {
		// Seats are in the public pool, the reserved pools, or taken.
		free := a.SeatsLeft + a.WalkinLeft + a.CommunityLeft
		if taken := seatsTaken(t, s, a.ID); free != a.Capacity-taken {
			t.Errorf("activity %d %s: %d seats free, capacity %d, taken %d", a.ID, a.Title, free, a.Capacity, taken)
		}
		if a.Bookable() && a.SeatsLeft == 0 && a.StartsAt.After(now) {
			soldOut++
		}
	}
	if soldOut == 0 {
		t.Error("no upcoming activity is sold out")
	}
}

// seatsTaken sums the seats of confirmed and checked-in bookings.
func seatsTaken(t *testing.T, s *sqlstore.Store, activityID int64) int {
	t.Helper()
	bs, n, err := s.FindBookings(context.Background(), culture.BookingFilter{ActivityID: &activityID, Limit: 1000})
	if err != nil || n > len(bs) {
		t.Fatalf("bookings of %d: %d of %d, %v", activityID, len(bs), n, err)
	}
	taken := 0
	for _, b := range bs {
		if b.Status == culture.BookingConfirmed || b.Status == culture.BookingCheckedIn {
			taken += b.Seats
		}
	}
	return taken
}

// testStaff signs every staff member in, except the providers' staff past
// the first (each sign-in takes tens of milliseconds; testProviders checks
// their grants).
func testStaff(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	users := map[string]string{}
	for _, st := range sum.Staff {
		users[st.Username] = st.Role
		if st.Role == culture.RoleProviderStaff && st.Username != demo.ProviderUser {
			continue
		}
		a, err := s.Authenticate(context.Background(), st.Username, st.Password)
		if err != nil {
			t.Errorf("Authenticate(%s): %v", st.Username, err)
			continue
		}
		if len(a.Grants) != 1 || a.Grants[0].Role != st.Role || a.Grants[0].UnitName != st.Unit {
			t.Errorf("%s grants = %v, want %s at %s", st.Username, a.Grants, st.Role, st.Unit)
		}
	}
	want := map[string]string{"operator": culture.RoleOperator, "hub": culture.RoleHubAdmin, "checker": culture.RoleChecker,
		"official": culture.RoleOfficial, demo.ProviderUser: culture.RoleProviderStaff}
	for _, u := range []string{"jiaoxi", "jiaonan", "jiaobei", "qibaijian", "xinhua", "minsheng", "minzhu", "wangchu", "shangbaizuo", "jiankang"} {
		want[u] = culture.RoleBranchAdmin
	}
	for u, role := range want {
		if users[u] != role {
			t.Errorf("staff %s has role %q, want %q", u, users[u], role)
		}
	}
}

// page fetches every page of a listing that returns at most 100 a call.
func page[T any](t *testing.T, fetch func(limit, offset int) ([]T, int, error)) []T {
	t.Helper()
	var out []T
	for {
		xs, n, err := fetch(100, len(out))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, xs...)
		if len(out) >= n || len(xs) == 0 {
			return out
		}
	}
}

func hubID(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	return units(t, s, culture.UnitHub)[0].ID
}

// testProviders: over 30 city and district providers of every kind, each
// with exactly one staff account; ProviderUser is 焦作市豫剧团's.
func testProviders(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	ctx := context.Background()
	hub := hubID(t, s)
	ps, err := s.FindProviders(ctx, &hub)
	if err != nil {
		t.Fatal(err)
	}
	levels, kinds, byName := map[string]int{}, map[string]int{}, map[string]int64{}
	for _, p := range ps {
		levels[p.Level]++
		kinds[p.Kind]++
		byName[p.Name] = p.ID
	}
	if len(ps) < 30 || len(ps) != sum.Providers || levels[culture.LevelCity] == 0 || levels[culture.LevelDistrict] == 0 {
		t.Errorf("%d providers (Summary %d), levels %v: want ≥ 30 of both levels", len(ps), sum.Providers, levels)
	}
	for _, k := range culture.ProviderKinds {
		if kinds[k.Value] == 0 {
			t.Errorf("no provider of kind %s", k.Value)
		}
	}
	staff := page(t, func(limit, offset int) ([]*culture.Account, int, error) {
		return s.FindAccounts(ctx, culture.AccountFilter{StaffOnly: true, Limit: limit, Offset: offset})
	})
	accounts := map[int64]int{}
	for _, a := range staff {
		for _, id := range a.ProviderIDs() {
			accounts[id]++
		}
	}
	for _, p := range ps {
		if accounts[p.ID] != 1 {
			t.Errorf("provider %s has %d staff accounts, want 1", p.Name, accounts[p.ID])
		}
	}
	a, err := s.Authenticate(ctx, demo.ProviderUser, demo.Password)
	if err != nil || !slices.Equal(a.ProviderIDs(), []int64{byName["焦作市豫剧团"]}) {
		t.Errorf("%s signs in as %v (%v), want staff of 焦作市豫剧团", demo.ProviderUser, a, err)
	}
}

func menuItems(t *testing.T, s *sqlstore.Store, f culture.MenuFilter) []*culture.MenuItem {
	t.Helper()
	return page(t, func(limit, offset int) ([]*culture.MenuItem, int, error) {
		f.Limit, f.Offset = limit, offset
		return s.FindMenuItems(context.Background(), f)
	})
}

// testMenu: over 300 published items in 8 or more categories and every
// format, and a review queue holding both new items and edits.
func testMenu(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	hub := hubID(t, s)
	items := menuItems(t, s, culture.MenuFilter{HubID: &hub})
	categories, formats := map[string]bool{}, map[string]bool{}
	for _, it := range items {
		categories[it.Category], formats[it.Format] = true, true
		if it.Status != culture.ItemPublished || it.Cost < 0 || it.Cost > 8000 || (it.Format == culture.FormatClass) != (it.Sessions > 1) {
			t.Errorf("item %d %s: status %s, cost %d, format %s with %d sessions", it.ID, it.Title, it.Status, it.Cost, it.Format, it.Sessions)
		}
	}
	if len(items) < 300 || len(items) != sum.MenuItems || len(categories) < 8 || len(formats) != len(culture.Formats) {
		t.Errorf("%d published items (Summary %d) in %d categories and %d formats; want ≥ 300, ≥ 8, all %d",
			len(items), sum.MenuItems, len(categories), len(formats), len(culture.Formats))
	}
	revs, err := s.FindPendingRevisions(context.Background(), hub)
	if err != nil {
		t.Fatal(err)
	}
	edits := 0
	for _, r := range revs {
		if r.ItemTitle != "" {
			edits++
		}
	}
	if edits == 0 || edits == len(revs) {
		t.Errorf("review queue: %d revisions, %d of them edits; want new items and edits", len(revs), edits)
	}
	returned := culture.ItemReturned
	for _, it := range menuItems(t, s, culture.MenuFilter{HubID: &hub, Status: &returned}) {
		if it.ReturnReason == "" {
			t.Errorf("returned item %d %s has no reason", it.ID, it.Title)
		}
	}
}

// testMenuSeries: each brand series has menu items, and both past and
// upcoming activities.
func testMenuSeries(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	series, err := s.FindSeries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range series {
		if items := menuItems(t, s, culture.MenuFilter{SeriesID: &sr.ID}); len(items) == 0 {
			t.Errorf("series %s has no menu items", sr.Name)
		}
		past := allActivities(t, s, culture.ActivityFilter{SeriesID: &sr.ID, To: &now})
		next := allActivities(t, s, culture.ActivityFilter{SeriesID: &sr.ID, From: &now})
		if len(past) == 0 || len(next) == 0 {
			t.Errorf("series %s: %d past and %d upcoming activities, want both", sr.Name, len(past), len(next))
		}
	}
}

// testSupports: residents support items for their home branch, within the
// quota.
func testSupports(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	ctx := context.Background()
	quota, err := s.SupportQuota(ctx)
	if err != nil {
		t.Fatal(err)
	}
	accounts := page(t, func(limit, offset int) ([]*culture.Account, int, error) {
		return s.FindAccounts(ctx, culture.AccountFilter{Limit: limit, Offset: offset})
	})
	total := 0
	for _, a := range accounts {
		ss, err := s.FindSupports(ctx, a.ID, culture.SeasonOf(now))
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) > quota {
			t.Errorf("resident %d supports %d items, quota %d", a.ID, len(ss), quota)
		}
		for _, sp := range ss {
			if a.HomeUnitID == nil || sp.UnitID != *a.HomeUnitID {
				t.Errorf("support %d is for unit %d, not the home branch %v of %d", sp.ID, sp.UnitID, a.HomeUnitID, a.ID)
			}
		}
		total += len(ss)
	}
	if total == 0 || total != sum.Supports {
		t.Errorf("%d supports this season, Summary %d; want some, all this season", total, sum.Supports)
	}
}

// testRequests: branches have open requests and withdrew some.
func testRequests(t *testing.T, s *sqlstore.Store) {
	hub := hubID(t, s)
	for _, status := range []string{culture.RequestOpen, culture.RequestWithdrawn, culture.RequestDelivered} {
		rs, err := s.FindRequests(context.Background(), hub, &status)
		if err != nil || len(rs) == 0 {
			t.Errorf("%s requests: %d, %v; want some", status, len(rs), err)
		}
	}
}

// testDeliveries: over 90 deliveries held with attendance, some settled,
// some upcoming and bookable, some waiting for their provider (ProviderUser's
// among them), and deliveries of both brand series.
func testDeliveries(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	ctx := context.Background()
	hub := hubID(t, s)
	ds := page(t, func(limit, offset int) ([]*culture.Delivery, int, error) {
		return s.FindDeliveries(ctx, culture.DeliveryFilter{Within: &hub, Limit: limit, Offset: offset})
	})
	status, attended, rated := map[string]int{}, 0, 0
	for _, d := range ds {
		status[d.Status]++
		switch d.Status {
		case culture.DeliveryHeld, culture.DeliveryRated, culture.DeliverySettled:
			if d.Attendance > 0 {
				attended++
			}
			rated += d.RatingCount
		case culture.DeliveryPublished:
			if !d.StartsAt.After(now) || d.ActivityID == nil {
				t.Errorf("delivery %d is published, starts %v, activity %v", d.ID, d.StartsAt, d.ActivityID)
			}
		}
		if (d.Status == culture.DeliverySettled) != (d.Cost != nil) {
			t.Errorf("delivery %d is %s with cost %v", d.ID, d.Status, d.Cost)
		}
	}
	held := status[culture.DeliveryHeld] + status[culture.DeliveryRated] + status[culture.DeliverySettled]
	if attended < 90 || held != sum.Held || len(ds) != sum.Deliveries || rated == 0 {
		t.Errorf("%d deliveries (Summary %d), %d held (Summary %d), %d with attendance, %d ratings; want ≥ 90 attended, some rated",
			len(ds), sum.Deliveries, held, sum.Held, attended, rated)
	}
	if status[culture.DeliverySettled] == 0 || status[culture.DeliveryPublished] == 0 || status[culture.DeliveryPlanned] == 0 {
		t.Errorf("deliveries by status %v: want settled, published and planned ones", status)
	}
	a, err := s.Authenticate(ctx, demo.ProviderUser, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	planned := culture.DeliveryPlanned
	if _, n, err := s.FindDeliveries(ctx, culture.DeliveryFilter{ProviderID: &a.ProviderIDs()[0], Status: &planned}); err != nil || n == 0 {
		t.Errorf("%s has %d deliveries to confirm (%v), want some", demo.ProviderUser, n, err)
	}
	testSeriesDelivered(t, s, ds)
}

// testSeriesDelivered: items of both brand series have been delivered.
func testSeriesDelivered(t *testing.T, s *sqlstore.Store, ds []*culture.Delivery) {
	delivered := map[int64]bool{}
	for _, d := range ds {
		if d.ActivityID != nil {
			delivered[d.ItemID] = true
		}
	}
	series, err := s.FindSeries(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range series {
		n := 0
		for _, it := range menuItems(t, s, culture.MenuFilter{SeriesID: &sr.ID}) {
			if delivered[it.ID] {
				n++
			}
		}
		if n == 0 {
			t.Errorf("no item of series %s was delivered", sr.Name)
		}
	}
}

// testCommunities: every branch community has members who joined over the
// twelve weeks, so its growth chart rises; a few residents belong to two.
func testCommunities(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	ctx := context.Background()
	total := 0
	for _, b := range units(t, s, culture.UnitBranch) {
		c, err := s.FindCommunity(ctx, b.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		total += c.Members
		if c.Members < 40 || len(c.Growth) != 12 {
			t.Errorf("%s: %d members, %d weeks of growth; want ≥ 40 and 12", b.Name, c.Members, len(c.Growth))
			continue
		}
		checkGrowth(t, b.Name, c)
	}
	if total != sum.Members || total < 900 {
		t.Errorf("%d branch memberships, Summary %d; want ≥ 900", total, sum.Members)
	}
	var twice int
	err := s.DB().QueryRow(`SELECT COUNT(*) FROM (SELECT account_id FROM community_members
		GROUP BY account_id HAVING COUNT(*) > 1) x`).Scan(&twice)
	if err != nil || twice < 20 || twice > 200 {
		t.Errorf("%d residents in two communities (%v), want a few (20–200)", twice, err)
	}
}

// checkGrowth: the member count never falls, ends at today's count, and
// most weeks brought joins.
func checkGrowth(t *testing.T, name string, c *culture.Community) {
	t.Helper()
	weeks, prev := 0, 0
	for _, g := range c.Growth {
		if g.Members < prev {
			t.Errorf("%s: members fall to %d in the week of %v", name, g.Members, g.Week)
		}
		if g.Joined > 0 {
			weeks++
		}
		prev = g.Members
	}
	first, last := c.Growth[0], c.Growth[len(c.Growth)-1]
	if weeks < 8 || last.Members != c.Members || first.Members*2 > last.Members {
		t.Errorf("%s: joins in %d of 12 weeks, members %d → %d (now %d); want a rising chart",
			name, weeks, first.Members, last.Members, c.Members)
	}
}

// testAnnouncements: each branch has posted one to three announcements,
// the demo resident's 焦西 three.
func testAnnouncements(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	total := 0
	for _, b := range units(t, s, culture.UnitBranch) {
		as, err := s.FindAnnouncements(context.Background(), b.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) < 1 || len(as) > 3 || b.Name == "焦西街道分馆" && len(as) != 3 {
			t.Errorf("%s posted %d announcements, want 1–3 (焦西 3)", b.Name, len(as))
		}
		for _, a := range as {
			if a.AuthorName == "" || !a.CreatedAt.Before(now) || a.CreatedAt.Before(now.AddDate(0, 0, -28)) {
				t.Errorf("announcement %q by %q at %v: want a named author in the last four weeks", a.Title, a.AuthorName, a.CreatedAt)
			}
		}
		total += len(as)
	}
	if total != sum.Announcements {
		t.Errorf("%d announcements, Summary %d", total, sum.Announcements)
	}
}

// testNews: 6–10 published Markdown articles by the hub and branches.
func testNews(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	as, n, err := s.FindArticles(context.Background(), culture.ArticleFilter{PublishedOnly: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n < 6 || n > 10 || n != sum.Articles {
		t.Errorf("%d articles (Summary %d), want 6–10", n, sum.Articles)
	}
	hub, byUnit := hubID(t, s), map[int64]bool{}
	for _, a := range as {
		byUnit[a.UnitID] = true
		if !strings.Contains(a.Body, "## ") && !strings.Contains(a.Body, "\n- ") && !strings.Contains(a.Body, "\n1. ") {
			t.Errorf("article %q has no Markdown headings or lists", a.Title)
		}
		if a.AuthorName == "" || a.Summary == "" || !a.CreatedAt.Before(now) {
			t.Errorf("article %q: author %q, summary %q, created %v", a.Title, a.AuthorName, a.Summary, a.CreatedAt)
		}
	}
	if !byUnit[hub] || len(byUnit) < 4 {
		t.Errorf("articles from %d units, want the hub's and several branches'", len(byUnit))
	}
}

// testDemoInbox: the demo resident has unread announcements in the inbox
// and chose no external channel.
func testDemoInbox(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	phone := demo.DemoPhone
	accs, _, err := s.FindAccounts(ctx, culture.AccountFilter{Phone: &phone})
	if err != nil || len(accs) != 1 {
		t.Fatalf("demo resident: %v, %v", accs, err)
	}
	id := accs[0].ID
	unread, err := s.UnreadCount(ctx, id)
	if err != nil || unread < 3 {
		t.Errorf("demo resident has %d unread notifications (%v), want ≥ 3", unread, err)
	}
	ns, _, err := s.FindNotifications(ctx, id, true, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	announced := 0
	for _, n := range ns {
		if n.Kind == culture.KindAnnouncement {
			announced++
		}
	}
	if announced < 3 {
		t.Errorf("%d unread announcements in the demo inbox, want 焦西's 3", announced)
	}
	prefs, err := s.FindPrefs(ctx, id)
	if err != nil || len(prefs.Channels) != 0 {
		t.Errorf("demo resident's channels = %v (%v), want none (inbox only)", prefs, err)
	}
}

// loadScaled loads the demo world with few residents at a scale into a
// fresh store in dir (safe to call from several goroutines).
func loadScaled(dir string, residents, scale int) (*sqlstore.Store, *demo.Summary, error) {
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(dir, "demo.db"), sqlstore.Options{})
	if err != nil {
		return nil, nil, err
	}
	clock := now
	s.Now = func() time.Time { return clock }
	sum, err := demo.Load(ctx, s, func(t time.Time) { clock = t }, demo.Options{Now: now, Seed: 7, Residents: residents, Scale: scale})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	sum.Staff = nil
	return s, sum, nil
}

// worldPrint lists every activity with its seats taken, to compare worlds.
func worldPrint(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	var out []string
	for _, a := range allActivities(t, s, culture.ActivityFilter{}) {
		out = append(out, fmt.Sprintf("%d %s %s %s %d/%d", a.ID, a.Title, a.StartsAt.UTC(), a.Mode, a.SeatsLeft, a.Capacity))
	}
	return out
}

// TestDemoScale: scale 1 is the world without a scale; scale 2 has twice
// the residents and twice the weeks before Now, so about twice the
// activities held and bookings made, and the same weeks ahead.
func TestDemoScale(t *testing.T) {
	const residents = 10
	type world struct {
		s   *sqlstore.Store
		sum *demo.Summary
		err error
	}
	worlds := make([]world, 3) // scale 0 (unset), 1, 2
	var wg sync.WaitGroup
	for scale := range worlds {
		dir := t.TempDir()
		wg.Go(func() {
			w := &worlds[scale]
			w.s, w.sum, w.err = loadScaled(dir, residents, scale)
		})
	}
	wg.Wait()
	for scale, w := range worlds {
		if w.err != nil {
			t.Fatalf("scale %d: %v", scale, w.err)
		}
		t.Cleanup(func() { w.s.Close() })
	}
	if diff := cmp.Diff(*worlds[0].sum, *worlds[1].sum); diff != "" {
		t.Errorf("scale 1 differs from no scale (-0 +1):\n%s", diff)
	}
	if diff := cmp.Diff(worldPrint(t, worlds[0].s), worldPrint(t, worlds[1].s)); diff != "" {
		t.Errorf("scale 1 activities differ from no scale (-0 +1):\n%s", diff)
	}
	one, two := worlds[1], worlds[2]
	if one.sum.Residents != residents+1 || two.sum.Residents != 2*residents+1 {
		t.Errorf("residents %d at scale 1, %d at scale 2; want %d and %d", one.sum.Residents, two.sum.Residents, residents+1, 2*residents+1)
	}
	// back counts each world's activities by how many days before Now
	// they start (0: today or later).
	back := func(w world) map[int]int {
		n := map[int]int{}
		for _, a := range allActivities(t, w.s, culture.ActivityFilter{}) {
			n[max(int(culture.DayOf(now)-culture.DayOf(a.StartsAt)), 0)]++
		}
		return n
	}
	sum := func(n map[int]int, from, to int) (total int) {
		for d := from; d < to; d++ {
			total += n[d]
		}
		return total
	}
	b1, b2 := back(one), back(two)
	if slices.Max(slices.Collect(maps.Keys(b1))) != 28 || slices.Max(slices.Collect(maps.Keys(b2))) != 56 {
		t.Errorf("history starts %d days back at scale 1, %d at scale 2; want 28 and 56",
			slices.Max(slices.Collect(maps.Keys(b1))), slices.Max(slices.Collect(maps.Keys(b2))))
	}
	// The added weeks hold about what the last four weeks hold at scale 1
	// less the activities of deliveries, which do not scale.
	added, last := sum(b2, 29, 57), sum(b1, 1, 29)-one.sum.Held
	t.Logf("scale 1: %+v\nscale 2: %+v\nadded weeks %d, last four weeks scheduled %d", *one.sum, *two.sum, added, last)
	if r := float64(added) / float64(last); r < 0.7 || r > 1.3 {
		t.Errorf("%d activities in the added weeks, %d scheduled in the last four at scale 1 (×%.2f); want about as many", added, last, r)
	}
	if r := float64(two.sum.Bookings) / float64(one.sum.Bookings); r < 1.5 {
		t.Errorf("bookings %d at scale 1, %d at scale 2 (×%.2f); want about twice", one.sum.Bookings, two.sum.Bookings, r)
	}
}
