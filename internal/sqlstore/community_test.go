package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// cst is Asia/Shanghai's fixed offset.
var cst = time.FixedZone("CST", 8*3600)

// communityFix adds a point under the activity fixture's branch.
type communityFix struct {
	*activityFix
	point int64
}

func communityFixtures(t *testing.T, s *sqlstore.Store) *communityFix {
	t.Helper()
	fx := &communityFix{activityFix: activityFixtures(t, s)}
	fx.point = fixUnit(t, s, fx.branch, culture.UnitPoint, "建南文化点", "建南社区")
	return fx
}

// joinAt joins the account to the community with the clock at at, then
// puts the clock back to activityTestNow.
func (fx *communityFix) joinAt(t *testing.T, account, unit int64, at time.Time) {
	t.Helper()
	fx.setNow(at)
	defer fx.setNow(activityTestNow)
	if err := fx.s.JoinCommunity(t.Context(), account, unit); err != nil {
		t.Fatal(err)
	}
}

func TestJoinLeaveCommunity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		ctx, acc := t.Context(), fx.residents[0]
		fx.joinAt(t, acc, fx.branch, activityTestNow.Add(-time.Hour))
		// Joining again is no error and keeps the first time.
		if err := s.JoinCommunity(ctx, acc, fx.branch); err != nil {
			t.Fatalf("join twice: %v", err)
		}
		c, err := s.FindCommunity(ctx, fx.branch, acc)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Member || c.Members != 1 || c.UnitName != "解放分馆" || !c.JoinedAt.Equal(activityTestNow.Add(-time.Hour)) {
			t.Errorf("community = %+v (joined %v)", c, c.JoinedAt)
		}
		if c, _ := s.FindCommunity(ctx, fx.branch, fx.residents[1]); c.Member || c.JoinedAt != nil {
			t.Errorf("a non-member's view = %+v", c)
		}
		if err := s.LeaveCommunity(ctx, acc, fx.branch); err != nil {
			t.Fatal(err)
		}
		checkRefusal(t, s.LeaveCommunity(ctx, acc, fx.branch), culture.ENOTFOUND, "您还不是该社群的成员。")
		if c, _ := s.FindCommunity(ctx, fx.branch, acc); c.Member || c.Members != 0 {
			t.Errorf("after leaving: %+v", c)
		}
	})
}

func TestJoinCommunityRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		ctx, acc := t.Context(), fx.residents[0]
		checkRefusal(t, s.JoinCommunity(ctx, acc, fx.hub), culture.EINVALID, "只能加入分馆或基层文化点的社群。")
		checkRefusal(t, s.JoinCommunity(ctx, acc, 999999), culture.ENOTFOUND, "")
		checkRefusal(t, s.JoinCommunity(ctx, acc, -1), culture.ENOTFOUND, "")
		if n := dfxCount(t, s, "community_members"); n != 0 {
			t.Errorf("%d memberships stored", n)
		}
		_, err := s.FindCommunity(ctx, fx.hub, acc)
		checkRefusal(t, err, culture.ENOTFOUND, "该单位没有社群。")
		_, _, err = s.FindMembers(ctx, 999999, 10, 0)
		checkRefusal(t, err, culture.ENOTFOUND, "")
	})
}

// Growth counts joins per week, weeks starting Monday 00:00 in Shanghai,
// over the 12 weeks up to the current one (activityTestNow is Monday 2
// March 2026, 09:00).
func TestCommunityGrowth(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		acc := append(fx.residents, fixAccounts(t, s, 2)...)
		firstWeek := time.Date(2025, 12, 15, 0, 0, 0, 0, cst)
		fx.joinAt(t, acc[0], fx.branch, firstWeek.Add(-time.Second))               // before the 12 weeks
		fx.joinAt(t, acc[1], fx.branch, firstWeek)                                 // the first week
		fx.joinAt(t, acc[2], fx.branch, time.Date(2026, 3, 1, 23, 59, 59, 0, cst)) // Sunday: last week
		fx.joinAt(t, acc[3], fx.branch, time.Date(2026, 3, 2, 0, 0, 0, 0, cst))    // Monday: this week
		fx.joinAt(t, acc[4], fx.other, time.Date(2026, 3, 2, 0, 0, 0, 0, cst))     // another community
		c, err := s.FindCommunity(t.Context(), fx.branch, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Growth) != 12 || c.Members != 4 {
			t.Fatalf("members %d, %d weeks", c.Members, len(c.Growth))
		}
		type week struct {
			Week            string
			Joined, Members int
		}
		var got []week
		for _, g := range c.Growth {
			got = append(got, week{g.Week.In(cst).Format("2006-01-02 15:04 Mon"), g.Joined, g.Members})
		}
		var want []week
		for i := range 12 {
			w := week{firstWeek.AddDate(0, 0, 7*i).Format("2006-01-02 15:04 Mon"), 0, 2}
			switch i {
			case 0:
				w.Joined = 1
			case 10:
				w.Joined, w.Members = 1, 3
			case 11:
				w.Joined, w.Members = 1, 4
			}
			want = append(want, w)
		}
		if want[11].Week != "2026-03-02 00:00 Mon" {
			t.Fatalf("the test's weeks end %s", want[11].Week)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("growth (-want +got):\n%s", diff)
		}
	})
}

func TestFindCommunities(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		ctx, acc := t.Context(), fx.residents
		for _, j := range [][2]int64{{acc[0], fx.branch}, {acc[1], fx.branch}, {acc[0], fx.point}, {acc[1], fx.other}} {
			fx.joinAt(t, j[0], j[1], activityTestNow)
		}
		type row struct {
			Unit    int64
			Members int
			Member  bool
		}
		rows := func(cs []*culture.Community, err error) []row {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			out := []row{}
			for _, c := range cs {
				out = append(out, row{c.UnitID, c.Members, c.Member})
			}
			return out
		}
		for _, tc := range []struct {
			name           string
			within, member int64
			want           []row
		}{
			{"All", 0, 0, []row{{fx.branch, 2, false}, {fx.other, 1, false}, {fx.point, 1, false}}},
			{"WithinBranch", fx.branch, 0, []row{{fx.branch, 2, false}, {fx.point, 1, false}}},
			{"Member", 0, acc[0], []row{{fx.branch, 2, true}, {fx.point, 1, true}}},
			{"MemberWithin", fx.other, acc[0], []row{}},
			{"Nobody", 0, acc[2], []row{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if diff := cmp.Diff(tc.want, rows(s.FindCommunities(ctx, tc.within, tc.member))); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

// Staff see members' names and masked phones, newest first, a page at a
// time with the total.
func TestFindMembers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		acc := fx.residents
		for i, a := range acc {
			fx.joinAt(t, a, fx.branch, activityTestNow.Add(time.Duration(i)*time.Minute))
		}
		var phone string
		if err := s.DB().QueryRow(fixSQL(s, `SELECT phone FROM accounts WHERE id = ?`), acc[0]).Scan(&phone); err != nil {
			t.Fatal(err)
		}
		ms, total, err := s.FindMembers(t.Context(), fx.branch, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if total != 3 || len(ms) != 2 || ms[0].AccountID != acc[1] || ms[1].AccountID != acc[0] {
			t.Fatalf("members = %d of %d: %+v", len(ms), total, ms)
		}
		want := &culture.CommunityMember{AccountID: acc[0], Name: "张三", Phone: phone[:3] + "****" + phone[7:],
			JoinedAt: activityTestNow.UTC()}
		if diff := cmp.Diff(want, ms[1]); diff != "" {
			t.Errorf("member (-want +got):\n%s", diff)
		}
		if ms, total, err := s.FindMembers(t.Context(), fx.branch, 10, 50); err != nil || total != 3 || len(ms) != 0 {
			t.Errorf("past the end: %d of %d, %v", len(ms), total, err)
		}
	})
}

// An announcement reaches every member's inbox once — with a pending send
// on each channel the member chose — and no one else's.
func TestPostAnnouncement(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		ctx, acc := t.Context(), fx.residents
		fx.joinAt(t, acc[0], fx.branch, activityTestNow)
		fx.joinAt(t, acc[1], fx.branch, activityTestNow)
		fx.joinAt(t, acc[2], fx.other, activityTestNow)
		fixExec(t, s, `UPDATE accounts SET notify_channels = 'sms' WHERE id = ?`, acc[0])
		var hooked []int64
		s.SetSendHook(func(_ context.Context, _ *sql.Tx, ids []int64) error { hooked = append(hooked, ids...); return nil })
		a := &culture.Announcement{UnitID: fx.branch, Title: "国画班报名", Body: "周六上午九点\n二楼书画室", AuthorID: fx.staff}
		if err := s.PostAnnouncement(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || a.UnitName != "解放分馆" || a.AuthorName != "检票员" || !a.CreatedAt.Equal(activityTestNow) {
			t.Errorf("announcement = %+v", a)
		}
		got := communityInbox(t, s)
		link := fmt.Sprintf("/communities/%d#a%d", fx.branch, a.ID)
		want := []string{
			fmt.Sprintf("%d announcement 解放分馆：国画班报名 %s announcement:%d", acc[0], link, a.ID),
			fmt.Sprintf("%d announcement 解放分馆：国画班报名 %s announcement:%d", acc[1], link, a.ID),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("notifications (-want +got):\n%s", diff)
		}
		if n := dfxCount(t, s, "notification_sends"); n != 1 || len(hooked) != 1 {
			t.Errorf("%d sends, %d hooked; want the one SMS", n, len(hooked))
		}
		list, err := s.FindAnnouncements(ctx, fx.branch, 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("announcements = %v, %v", list, err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		if diff := cmp.Diff(a, list[0]); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
	})
}

// A key the author already used at the unit posts nothing and notifies
// no one again: the first announcement comes back with created false.
// Another unit, another author or no key posts anew.
func TestPostAnnouncementOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		ctx, acc := t.Context(), fx.residents
		fx.joinAt(t, acc[0], fx.branch, activityTestNow)
		fx.joinAt(t, acc[1], fx.branch, activityTestNow)
		fixExec(t, s, `UPDATE accounts SET notify_channels = 'sms' WHERE id = ?`, acc[0])
		hooked := 0
		s.SetSendHook(func(_ context.Context, _ *sql.Tx, ids []int64) error { hooked += len(ids); return nil })
		post := func(unit, author int64, title, key string) (*culture.Announcement, bool) {
			t.Helper()
			a := &culture.Announcement{UnitID: unit, Title: title, Body: "内容", AuthorID: author}
			created, err := s.PostAnnouncementOnce(ctx, a, key)
			if err != nil {
				t.Fatal(err)
			}
			return a, created
		}
		first, created := post(fx.branch, fx.staff, "国画班报名", "form-1")
		if !created || first.ID == 0 {
			t.Fatalf("first post: created %t, %+v", created, first)
		}
		fx.setNow(activityTestNow.Add(time.Minute))
		again, created := post(fx.branch, fx.staff, "国画班报名（重复）", "form-1")
		fx.setNow(activityTestNow)
		first.CreatedAt = first.CreatedAt.UTC()
		if diff := cmp.Diff(first, again); created || diff != "" {
			t.Errorf("repeat: created %t, (-first +repeat):\n%s", created, diff)
		}
		if n, m := dfxCount(t, s, "announcements"), dfxCount(t, s, "notifications"); n != 1 || m != 2 {
			t.Errorf("%d announcements, %d notifications; want 1 and one per member", n, m)
		}
		if n := dfxCount(t, s, "notification_sends"); n != 1 || hooked != 1 {
			t.Errorf("%d sends, %d hooked; want the one SMS", n, hooked)
		}
		other := fixInsert(t, s, `INSERT INTO accounts (username, name, created_at) VALUES ('admin2', '馆员', 0) RETURNING id`)
		for _, p := range []struct {
			unit, author int64
			key          string
		}{{fx.point, fx.staff, "form-1"}, {fx.branch, other, "form-1"}, {fx.branch, fx.staff, ""}, {fx.branch, fx.staff, ""}} {
			if a, created := post(p.unit, p.author, "另一条", p.key); !created || a.ID == first.ID {
				t.Errorf("%+v: created %t, id %d", p, created, a.ID)
			}
		}
		if n := dfxCount(t, s, "announcements"); n != 5 {
			t.Errorf("%d announcements, want 5", n)
		}
	})
}

// Bad keys are refused before anything is stored.
func TestPostAnnouncementOnceBadKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		for _, key := range []string{"有空格 key", strings.Repeat("k", culture.MaxIdempotencyKey+1)} {
			a := &culture.Announcement{UnitID: fx.branch, Title: "通知", Body: "内容", AuthorID: fx.staff}
			_, err := s.PostAnnouncementOnce(t.Context(), a, key)
			checkRefusal(t, err, culture.EINVALID, "")
		}
		if n := dfxCount(t, s, "announcements"); n != 0 {
			t.Errorf("%d announcements stored", n)
		}
	})
}

// Concurrent submits with one key post once and notify each member once.
func TestPostAnnouncementOnceConcurrent(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		for _, a := range fx.residents {
			fx.joinAt(t, a, fx.branch, activityTestNow)
		}
		var wg sync.WaitGroup
		var created atomic.Int32
		ids := make([]int64, 8)
		for i := range ids {
			wg.Go(func() {
				a := &culture.Announcement{UnitID: fx.branch, Title: "停水通知", Body: "内容", AuthorID: fx.staff}
				ok, err := s.PostAnnouncementOnce(context.Background(), a, "retry-7")
				if err != nil {
					t.Error(err)
				} else if ok {
					created.Add(1)
				}
				ids[i] = a.ID
			})
		}
		wg.Wait()
		if created.Load() != 1 || ids[0] == 0 || len(slices.Compact(slices.Clone(ids))) != 1 {
			t.Errorf("created %d, ids %v; want one announcement for all", created.Load(), ids)
		}
		if n, m := dfxCount(t, s, "announcements"), dfxCount(t, s, "notifications"); n != 1 || m != len(fx.residents) {
			t.Errorf("%d announcements, %d notifications", n, m)
		}
	})
}

// Announcements list newest first and stay with their unit.
func TestFindAnnouncements(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		for i, unit := range []int64{fx.branch, fx.branch, fx.point} {
			fx.setNow(activityTestNow.Add(time.Duration(i) * time.Hour))
			a := &culture.Announcement{UnitID: unit, Title: fmt.Sprintf("公告%d", i), Body: "内容", AuthorID: fx.staff}
			if err := s.PostAnnouncement(t.Context(), a); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.FindAnnouncements(t.Context(), fx.branch, 0)
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range list {
			titles = append(titles, a.Title+"@"+a.UnitName)
		}
		if diff := cmp.Diff([]string{"公告1@解放分馆", "公告0@解放分馆"}, titles); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if list, err := s.FindAnnouncements(t.Context(), fx.hub, 5); err != nil || len(list) != 0 {
			t.Errorf("hub announcements = %v, %v", list, err)
		}
	})
}

// Bad announcements are refused and change nothing: no announcement, no
// notification.
func TestPostAnnouncementRefused(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		fx.joinAt(t, fx.residents[0], fx.branch, activityTestNow)
		ok := culture.Announcement{UnitID: fx.branch, Title: "通知", Body: "内容", AuthorID: fx.staff}
		for _, tc := range []struct {
			name string
			mod  func(*culture.Announcement)
			code string
		}{
			{"NoTitle", func(a *culture.Announcement) { a.Title = "" }, culture.EINVALID},
			{"LongTitle", func(a *culture.Announcement) { a.Title = strings.Repeat("长", 61) }, culture.EINVALID},
			{"NoBody", func(a *culture.Announcement) { a.Body = "" }, culture.EINVALID},
			{"LongBody", func(a *culture.Announcement) { a.Body = strings.Repeat("长", 2001) }, culture.EINVALID},
			{"ControlCharacter", func(a *culture.Announcement) { a.Body = "内容\x00" }, culture.EINVALID},
			{"Hub", func(a *culture.Announcement) { a.UnitID = fx.hub }, culture.EINVALID},
			{"NoUnit", func(a *culture.Announcement) { a.UnitID = 999999 }, culture.ENOTFOUND},
			{"NoAuthor", func(a *culture.Announcement) { a.AuthorID = 0 }, culture.EINVALID},
			{"UnknownAuthor", func(a *culture.Announcement) { a.AuthorID = 999999 }, culture.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := ok
				tc.mod(&a)
				checkRefusal(t, s.PostAnnouncement(t.Context(), &a), tc.code, "")
			})
		}
		if n, m := dfxCount(t, s, "announcements"), dfxCount(t, s, "notifications"); n+m != 0 {
			t.Errorf("%d announcements and %d notifications stored", n, m)
		}
	})
}

// The community reserve follows membership: the community of the
// activity's unit or of a unit above it (a branch's covers its points),
// not the home unit and not a sibling's community.
func TestCommunityReserveByMembership(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		acc := fixAccounts(t, s, 5)
		// Before the fixture activities open (activityTestNow - 1h).
		joined := activityTestNow.Add(-2 * time.Hour)
		fx.joinAt(t, acc[0], fx.branch, joined)
		fx.joinAt(t, acc[1], fx.point, joined)
		fx.joinAt(t, acc[2], fx.other, joined)
		fixExec(t, s, `UPDATE accounts SET home_unit_id = ? WHERE id = ?`, fx.point, acc[3])
		atPoint := func(a *culture.Activity) { a.UnitID, a.RoomID, a.ReservedCommunity = fx.point, nil, 5 }
		atBranch := func(a *culture.Activity) { a.ReservedCommunity = 5 }
		for _, tc := range []struct {
			name    string
			mod     func(*culture.Activity)
			account int64
			pool    string
		}{
			{"BranchMemberAtPoint", atPoint, acc[0], culture.PoolCommunity},
			{"PointMemberAtPoint", atPoint, acc[1], culture.PoolCommunity},
			{"OtherBranchMemberAtPoint", atPoint, acc[2], culture.PoolOnline},
			{"HomeUnitOnlyAtPoint", atPoint, acc[3], culture.PoolOnline},
			{"BranchMemberAtBranch", atBranch, acc[0], culture.PoolCommunity},
			{"PointMemberAtBranch", atBranch, acc[1], culture.PoolOnline},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := fx.create(t, tc.mod)
				if b := fx.mustTry(t, a.ID, tc.account, 1, false); b.Pool != tc.pool {
					t.Errorf("pool = %s, want %s", b.Pool, tc.pool)
				}
			})
		}
		// Asking for the reserve outright without membership is refused.
		a := fx.create(t, atPoint)
		_, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
			ActivityID: a.ID, AccountID: acc[3], Self: true, Pool: culture.PoolCommunity})
		checkRefusal(t, err, culture.EFORBIDDEN, "")
	})
}

// A membership counts for the community reserve only if it was made
// before the activity's booking opened: joining moments before (or after)
// a popular grab does not take the seats kept for the community.
func TestCommunityReserveJoinedBeforeOpening(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := communityFixtures(t, s)
		acc := fixAccounts(t, s, 4)
		opens := activityTestNow.Add(-time.Hour) // the fixture activities' opens_at
		fx.joinAt(t, acc[0], fx.branch, opens.Add(-time.Second))
		fx.joinAt(t, acc[1], fx.branch, opens)
		fx.joinAt(t, acc[2], fx.branch, opens.Add(30*time.Minute))
		reserve := func(a *culture.Activity) { a.ReservedCommunity = 2 }
		for _, tc := range []struct {
			name    string
			account int64
			pool    string
		}{
			{"JoinedBefore", acc[0], culture.PoolCommunity},
			{"JoinedAtOpening", acc[1], culture.PoolOnline},
			{"JoinedAfter", acc[2], culture.PoolOnline},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := fx.create(t, reserve)
				if b := fx.mustTry(t, a.ID, tc.account, 1, false); b.Pool != tc.pool {
					t.Errorf("pool = %s, want %s", b.Pool, tc.pool)
				}
			})
		}
		// With the public pool gone, a late joiner finds the activity sold
		// out while the reserve still holds a seat for an earlier member,
		// and asking for the reserve outright is refused.
		a := fx.create(t, reserve, func(a *culture.Activity) { a.Capacity = 3 })
		fx.mustTry(t, a.ID, acc[3], 1, false) // the one public seat
		_, err := fx.try(t, a.ID, acc[2], 1, false)
		wantReason(t, err, culture.ReasonSoldOut)
		_, err = s.CreateBooking(t.Context(), &culture.BookingRequest{
			ActivityID: a.ID, AccountID: acc[2], Self: true, Pool: culture.PoolCommunity})
		checkRefusal(t, err, culture.EFORBIDDEN, "社群预留名额仅限预约开放前已加入本馆社群的居民。")
		if b := fx.mustTry(t, a.ID, acc[0], 2, false); b.Pool != culture.PoolCommunity {
			t.Errorf("early member's pool = %s, want community", b.Pool)
		}
	})
}

// communityInbox lists every notification as "account kind title link key".
func communityInbox(t *testing.T, s *sqlstore.Store) []string {
	t.Helper()
	rows, err := s.DB().Query(`SELECT account_id, kind, title, link, key FROM notifications ORDER BY account_id, id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var acc int64
		var kind, title, link, key string
		if err := rows.Scan(&acc, &kind, &title, &link, &key); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %s %s %s", acc, kind, title, link, key))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
