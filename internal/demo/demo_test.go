package demo_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

func testStaff(t *testing.T, s *sqlstore.Store, sum *demo.Summary) {
	users := map[string]string{}
	for _, st := range sum.Staff {
		users[st.Username] = st.Role
		a, err := s.Authenticate(context.Background(), st.Username, st.Password)
		if err != nil {
			t.Errorf("Authenticate(%s): %v", st.Username, err)
			continue
		}
		if len(a.Grants) != 1 || a.Grants[0].Role != st.Role || a.Grants[0].UnitName != st.Unit {
			t.Errorf("%s grants = %v, want %s at %s", st.Username, a.Grants, st.Role, st.Unit)
		}
	}
	want := map[string]string{"operator": culture.RoleOperator, "hub": culture.RoleHubAdmin, "checker": culture.RoleChecker}
	for _, u := range []string{"jiaoxi", "jiaonan", "jiaobei", "qibaijian", "xinhua", "minsheng", "minzhu", "wangchu", "shangbaizuo", "jiankang"} {
		want[u] = culture.RoleBranchAdmin
	}
	for u, role := range want {
		if users[u] != role {
			t.Errorf("staff %s has role %q, want %q", u, users[u], role)
		}
	}
}
