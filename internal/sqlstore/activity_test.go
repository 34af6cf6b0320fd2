package sqlstore_test

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// activityTestNow is the fake "now" of activity, booking and check-in
// tests: Monday 2 March 2026, 09:00 in Shanghai.
var activityTestNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// activityFix holds the ids of the rows that activity, booking and check-in
// tests build on. They are inserted with raw SQL so that these tests do not
// depend on the unit and account code.
type activityFix struct {
	s *sqlstore.Store
	// hub 总馆 holds two branches: branch (解放分馆) and other (城南分馆).
	hub, branch, other int64
	// room belongs to branch and has an address; otherRoom to other, without.
	room, otherRoom int64
	series          int64
	staff           int64
	// residents[0] is 张三 with family member family (and deletedFamily);
	// residents[1] has no name and a family member strangerFamily.
	residents                             []int64
	family, deletedFamily, strangerFamily int64
}

// activityFixtures inserts the fixture units, rooms, series and accounts
// and sets the store's clock to activityTestNow.
func activityFixtures(t *testing.T, s *sqlstore.Store) *activityFix {
	t.Helper()
	fx := &activityFix{s: s}
	fx.setNow(activityTestNow)
	fx.hub = fixUnit(t, s, 0, culture.UnitHub, "区文化馆", "人民路 1 号")
	fx.branch = fixUnit(t, s, fx.hub, culture.UnitBranch, "解放分馆", "解放路 8 号")
	fx.other = fixUnit(t, s, fx.hub, culture.UnitBranch, "城南分馆", "城南大道 99 号")
	fx.room = fixInsert(t, s, `INSERT INTO rooms (unit_id, name, address, capacity)
		VALUES (?, '一号教室', '解放路 8 号 201 室', 40) RETURNING id`, fx.branch)
	fx.otherRoom = fixInsert(t, s, `INSERT INTO rooms (unit_id, name, capacity)
		VALUES (?, '小剧场', 200) RETURNING id`, fx.other)
	se := &culture.Series{Slug: "jiefang-yike", Name: "解放益课"}
	if err := s.CreateSeries(t.Context(), se); err != nil {
		t.Fatal(err)
	}
	fx.series = se.ID
	fx.staff = fixInsert(t, s, `INSERT INTO accounts (username, name, created_at)
		VALUES ('checker1', '检票员', 0) RETURNING id`)
	fx.residents = fixAccounts(t, s, 3)
	fixExec(t, s, `UPDATE accounts SET name = '张三' WHERE id = ?`, fx.residents[0])
	fx.family = fixFamily(t, s, fx.residents[0], "小明", 0)
	fx.deletedFamily = fixFamily(t, s, fx.residents[0], "小红", 1)
	fx.strangerFamily = fixFamily(t, s, fx.residents[1], "小刚", 0)
	return fx
}

// setNow fixes the store's clock. Call it only while no request runs.
func (fx *activityFix) setNow(now time.Time) {
	fx.s.Now = func() time.Time { return now }
}

// activity returns a valid first-come activity at the branch's room,
// starting two days after activityTestNow, changed by mods.
func (fx *activityFix) activity(mods ...func(*culture.Activity)) *culture.Activity {
	room := fx.room
	starts := activityTestNow.Add(48 * time.Hour)
	a := &culture.Activity{
		UnitID: fx.branch, RoomID: &room,
		Title: "少儿书法体验课", Description: "毛笔字入门", Category: "书法美术", Audience: "6-12 岁",
		StartsAt: starts, EndsAt: starts.Add(2 * time.Hour),
		Capacity: 10, Mode: culture.ModeFirstCome, MaxPerBooking: 3,
		OpensAt: activityTestNow.Add(-time.Hour), ClosesAt: starts,
	}
	for _, m := range mods {
		m(a)
	}
	return a
}

// create stores the activity built by fx.activity(mods...).
func (fx *activityFix) create(t *testing.T, mods ...func(*culture.Activity)) *culture.Activity {
	t.Helper()
	out, err := fx.s.CreateActivity(t.Context(), fx.activity(mods...), 1)
	if err != nil {
		t.Fatal(err)
	}
	return out[0]
}

// seatsLeft reads an activity's seats_left.
func (fx *activityFix) seatsLeft(t *testing.T, id int64) int {
	t.Helper()
	a, err := fx.s.FindActivityByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.SeatsLeft
}

// fixSQL rebinds ? placeholders for PostgreSQL.
func fixSQL(s *sqlstore.Store, q string) string {
	if s.Engine() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func fixInsert(t *testing.T, s *sqlstore.Store, q string, args ...any) int64 {
	t.Helper()
	var id int64
	if err := s.DB().QueryRow(fixSQL(s, q), args...).Scan(&id); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return id
}

func fixExec(t *testing.T, s *sqlstore.Store, q string, args ...any) {
	t.Helper()
	if _, err := s.DB().Exec(fixSQL(s, q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func fixUnit(t *testing.T, s *sqlstore.Store, parent int64, kind, name, address string) int64 {
	t.Helper()
	path, parentArg := "/", any(nil)
	if parent > 0 {
		parentArg = parent
		if err := s.DB().QueryRow(fixSQL(s, `SELECT path FROM units WHERE id = ?`), parent).Scan(&path); err != nil {
			t.Fatal(err)
		}
	}
	id := fixInsert(t, s, `INSERT INTO units (parent_id, kind, name, address, created_at)
		VALUES (?, ?, ?, ?, 0) RETURNING id`, parentArg, kind, name, address)
	fixExec(t, s, `UPDATE units SET path = ? WHERE id = ?`, fmt.Sprintf("%s%d/", path, id), id)
	return id
}

var fixPhones int

// fixAccounts inserts n residents with fresh phone numbers in one
// transaction and returns their ids.
func fixAccounts(t *testing.T, s *sqlstore.Store, n int) []int64 {
	t.Helper()
	tx, err := s.DB().Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ids := make([]int64, n)
	q := fixSQL(s, `INSERT INTO accounts (phone, created_at) VALUES (?, 0) RETURNING id`)
	for i := range ids {
		fixPhones++
		if err := tx.QueryRow(q, fmt.Sprintf("139%08d", fixPhones)).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return ids
}

func fixFamily(t *testing.T, s *sqlstore.Store, account int64, name string, deleted int) int64 {
	t.Helper()
	return fixInsert(t, s, `INSERT INTO family_members (account_id, name, relation, deleted)
		VALUES (?, ?, '子女', ?) RETURNING id`, account, name, deleted)
}

// checkRefusal fails t unless err is a domain error with the code and, when
// msg is not empty, the message.
func checkRefusal(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s %q", code, msg)
	}
	if got := culture.ErrorCode(err); got != code {
		t.Fatalf("code = %s, want %s (err: %v)", got, code, err)
	}
	if got := culture.ErrorMessage(err); msg != "" && got != msg {
		t.Fatalf("message = %q, want %q", got, msg)
	}
}

func activityIDs(as []*culture.Activity) []int64 {
	ids := []int64{}
	for _, a := range as {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestCreateActivity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			in := fx.activity(func(a *culture.Activity) {
				a.SeriesID = &fx.series
				a.OpensAt, a.ClosesAt = time.Time{}, time.Time{}
			})
			got, err := s.CreateActivity(t.Context(), in, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := *fx.activity()
			want.ID, want.SeriesID = got[0].ID, &fx.series
			want.SeatsLeft, want.Status = 10, culture.ActivityPublished
			want.OpensAt, want.ClosesAt, want.CreatedAt, want.UpdatedAt = activityTestNow, want.StartsAt, activityTestNow, activityTestNow
			want.UnitName, want.RoomName, want.SeriesName = "解放分馆", "一号教室", "解放益课"
			want.Address = "解放路 8 号 201 室"
			if diff := cmp.Diff([]*culture.Activity{&want}, got); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
			if in.ID != got[0].ID {
				t.Errorf("in.ID = %d, want %d", in.ID, got[0].ID)
			}
			found, err := s.FindActivityByID(t.Context(), got[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&want, found); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
		t.Run("NoRoomUsesUnitAddress", func(t *testing.T) {
			a := fx.create(t, func(a *culture.Activity) { a.RoomID = nil; a.Mode = culture.ModeOpen })
			if a.RoomName != "" || a.Address != "解放路 8 号" {
				t.Errorf("room %q address %q, want none and the unit's", a.RoomName, a.Address)
			}
		})
		t.Run("WeeklyRepeat", func(t *testing.T) {
			in := fx.activity(func(a *culture.Activity) { a.Title = "每周太极" })
			got, err := s.CreateActivity(t.Context(), in, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 4 {
				t.Fatalf("created %d, want 4", len(got))
			}
			base := fx.activity()
			for i, a := range got {
				d := time.Duration(i) * 7 * 24 * time.Hour
				times := []time.Time{a.StartsAt, a.EndsAt, a.OpensAt, a.ClosesAt}
				want := []time.Time{base.StartsAt.Add(d), base.EndsAt.Add(d), base.OpensAt.Add(d), base.ClosesAt.Add(d)}
				if diff := cmp.Diff(want, times); diff != "" {
					t.Errorf("week %d times (-want +got):\n%s", i, diff)
				}
				if a.Title != "每周太极" || a.SeatsLeft != 10 {
					t.Errorf("week %d: %q with %d seats", i, a.Title, a.SeatsLeft)
				}
			}
			found, n, err := s.FindActivities(t.Context(), culture.ActivityFilter{Query: "太极"})
			if err != nil || n != 4 {
				t.Fatalf("search finds %d (%v), want 4", n, err)
			}
			if diff := cmp.Diff(activityIDs(got), activityIDs(found)); diff != "" {
				t.Errorf("found (-want +got):\n%s", diff)
			}
		})
		missing := int64(987654)
		for _, tc := range []struct {
			name  string
			weeks int
			mod   func(*culture.Activity)
			code  string
			msg   string
		}{
			{"ErrWeeksZero", 0, nil, culture.EINVALID, "重复周数应在 1 到 26 之间。"},
			{"ErrWeeks27", 27, nil, culture.EINVALID, "重复周数应在 1 到 26 之间。"},
			{"ErrNoTitle", 1, func(a *culture.Activity) { a.Title = "" }, culture.EINVALID, "请填写标题。"},
			{"ErrEndsBeforeStart", 1, func(a *culture.Activity) { a.EndsAt = a.StartsAt }, culture.EINVALID, "结束时间应晚于开始时间。"},
			{"ErrNoUnit", 1, func(a *culture.Activity) { a.UnitID = missing; a.RoomID = nil }, culture.EINVALID, "单位不存在。"},
			{"ErrRoomOfOtherUnit", 1, func(a *culture.Activity) { a.RoomID = &fx.otherRoom }, culture.EINVALID, "场地不属于该单位。"},
			{"ErrNoSeries", 1, func(a *culture.Activity) { a.SeriesID = &missing }, culture.EINVALID, "系列不存在。"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := fx.activity(func(a *culture.Activity) { a.Title = "不应创建" })
				if tc.mod != nil {
					tc.mod(in)
				}
				_, err := s.CreateActivity(t.Context(), in, tc.weeks)
				checkRefusal(t, err, tc.code, tc.msg)
				if _, n, _ := s.FindActivities(t.Context(), culture.ActivityFilter{Query: "不应创建"}); n != 0 {
					t.Errorf("%d activities created", n)
				}
			})
		}
	})
}

func TestFindActivityByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			a := fx.create(t)
			got, err := s.FindActivityByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("ENOTFOUND", func(t *testing.T) {
			_, err := s.FindActivityByID(t.Context(), 424242)
			checkRefusal(t, err, culture.ENOTFOUND, "活动不存在。")
		})
	})
}

func TestFindActivities(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		at := func(h int) func(*culture.Activity) {
			return func(a *culture.Activity) {
				a.StartsAt = activityTestNow.Add(time.Duration(h) * time.Hour)
				a.EndsAt, a.ClosesAt = a.StartsAt.Add(2*time.Hour), a.StartsAt
			}
		}
		calligraphy := fx.create(t, at(48), func(a *culture.Activity) { a.SeriesID = &fx.series })
		opera := fx.create(t, at(72), func(a *culture.Activity) {
			a.UnitID, a.RoomID, a.Title, a.Category = fx.other, &fx.otherRoom, "京剧名段欣赏", "戏曲"
			a.Mode = culture.ModeApproval
		})
		dance := fx.create(t, at(24), func(a *culture.Activity) {
			a.RoomID, a.Title, a.Category, a.Mode, a.Capacity = nil, "广场舞培训", "舞蹈", culture.ModeOpen, 0
		})
		reading := fx.create(t, at(96), func(a *culture.Activity) {
			a.UnitID, a.RoomID, a.Title, a.Category = fx.hub, nil, "English Reading Club", "阅读"
		})
		if err := s.CancelActivity(t.Context(), reading.ID); err != nil {
			t.Fatal(err)
		}
		papercut := fx.create(t, at(5), func(a *culture.Activity) {
			a.Title, a.Category = "剪纸", "非遗"
			a.OpensAt, a.ClosesAt = activityTestNow.Add(-48*time.Hour), activityTestNow.Add(-time.Hour)
		})
		taichi := fx.create(t, at(120), func(a *culture.Activity) {
			a.Title, a.Category, a.Capacity, a.MaxPerBooking = "太极健身", "健康养生", 1, 1
		})
		fx.book(t, taichi.ID, fx.residents[0], true)

		ptr := func(v int64) *int64 { return &v }
		str := func(v string) *string { return &v }
		from, to := activityTestNow.Add(24*time.Hour), activityTestNow.Add(72*time.Hour)
		all := []int64{papercut.ID, dance.ID, calligraphy.ID, opera.ID, reading.ID, taichi.ID}
		for _, tc := range []struct {
			name  string
			f     culture.ActivityFilter
			want  []int64
			total int
		}{
			{"All", culture.ActivityFilter{}, all, 6},
			{"Desc", culture.ActivityFilter{Desc: true}, []int64{taichi.ID, reading.ID, opera.ID, calligraphy.ID, dance.ID, papercut.ID}, 6},
			{"ID", culture.ActivityFilter{ID: &opera.ID}, []int64{opera.ID}, 1},
			{"WithinHub", culture.ActivityFilter{Within: &fx.hub}, all, 6},
			{"WithinBranch", culture.ActivityFilter{Within: &fx.branch}, []int64{papercut.ID, dance.ID, calligraphy.ID, taichi.ID}, 4},
			{"WithinOther", culture.ActivityFilter{Within: &fx.other}, []int64{opera.ID}, 1},
			{"WithinMissingUnit", culture.ActivityFilter{Within: ptr(999)}, []int64{}, 0},
			{"Series", culture.ActivityFilter{SeriesID: &fx.series}, []int64{calligraphy.ID}, 1},
			{"Category", culture.ActivityFilter{Category: str("戏曲")}, []int64{opera.ID}, 1},
			{"FromTo", culture.ActivityFilter{From: &from, To: &to}, []int64{dance.ID, calligraphy.ID}, 2},
			{"BookableOnly", culture.ActivityFilter{BookableOnly: true}, []int64{calligraphy.ID, opera.ID}, 2},
			{"StatusCancelled", culture.ActivityFilter{Status: str(culture.ActivityCancelled)}, []int64{reading.ID}, 1},
			{"Page", culture.ActivityFilter{Limit: 2, Offset: 1}, []int64{dance.ID, calligraphy.ID}, 6},
			{"PastTheEnd", culture.ActivityFilter{Offset: 10}, []int64{}, 6},
			{"QueryAndWithin", culture.ActivityFilter{Query: "京剧", Within: &fx.branch}, []int64{}, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, n, err := s.FindActivities(t.Context(), tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, activityIDs(got)); diff != "" {
					t.Errorf("ids (-want +got):\n%s", diff)
				}
				if n != tc.total {
					t.Errorf("total = %d, want %d", n, tc.total)
				}
			})
		}
	})
}

func TestUpdateActivity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		str := func(v string) *string { return &v }
		num := func(v int) *int { return &v }
		t.Run("OK", func(t *testing.T) {
			a := fx.create(t)
			got, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{
				Title: str("京剧脸谱绘画"), RoomID: new(int64(0)),
			})
			if err != nil {
				t.Fatal(err)
			}
			want := *a
			want.Title, want.RoomID, want.RoomName, want.Address = "京剧脸谱绘画", nil, "", "解放路 8 号"
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			found, _, err := s.FindActivities(t.Context(), culture.ActivityFilter{Query: "脸谱"})
			if err != nil || len(found) != 1 || found[0].ID != a.ID {
				t.Errorf("search for the new title: %v, %v", activityIDs(found), err)
			}
			if _, n, _ := s.FindActivities(t.Context(), culture.ActivityFilter{ID: &a.ID, Query: "书法体验"}); n != 0 {
				t.Errorf("old title still found")
			}
		})
		t.Run("CapacityKeepsSeatsTaken", func(t *testing.T) {
			a := fx.create(t)
			fx.book(t, a.ID, fx.residents[0], true, fx.family) // 2 of 10 taken
			for _, tc := range []struct{ capacity, left int }{{15, 13}, {2, 0}, {4, 2}} {
				got, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{Capacity: num(tc.capacity)})
				if err != nil {
					t.Fatal(err)
				}
				if got.Capacity != tc.capacity || got.SeatsLeft != tc.left {
					t.Errorf("capacity %d: got %d with %d left, want %d left", tc.capacity, got.Capacity, got.SeatsLeft, tc.left)
				}
			}
		})
		t.Run("ErrCapacityBelowTaken", func(t *testing.T) {
			a := fx.create(t)
			fx.book(t, a.ID, fx.residents[0], true, fx.family)
			_, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{Capacity: num(1), Title: str("改了")})
			checkRefusal(t, err, culture.EINVALID, "名额不能少于已预约人数（2）。")
			got, _ := s.FindActivityByID(t.Context(), a.ID)
			if got.Capacity != 10 || got.SeatsLeft != 8 || got.Title != a.Title {
				t.Errorf("changed by a refused edit: %+v", got)
			}
		})
		t.Run("ErrInvalidMerge", func(t *testing.T) {
			a := fx.create(t)
			ends := a.StartsAt.Add(-time.Hour)
			_, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{EndsAt: &ends})
			checkRefusal(t, err, culture.EINVALID, "结束时间应晚于开始时间。")
		})
		t.Run("ErrRoomOfOtherUnit", func(t *testing.T) {
			a := fx.create(t)
			_, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{RoomID: &fx.otherRoom})
			checkRefusal(t, err, culture.EINVALID, "场地不属于该单位。")
		})
		t.Run("ErrCancelled", func(t *testing.T) {
			a := fx.create(t)
			if err := s.CancelActivity(t.Context(), a.ID); err != nil {
				t.Fatal(err)
			}
			_, err := s.UpdateActivity(t.Context(), a.ID, culture.ActivityUpdate{Title: str("复活")})
			checkRefusal(t, err, culture.ECONFLICT, culture.ErrCancelled.Message)
		})
		t.Run("ENOTFOUND", func(t *testing.T) {
			_, err := s.UpdateActivity(t.Context(), 424242, culture.ActivityUpdate{Title: str("无")})
			checkRefusal(t, err, culture.ENOTFOUND, "活动不存在。")
		})
	})
}

func TestCancelActivity(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			a := fx.create(t)
			b := fx.book(t, a.ID, fx.residents[0], true)
			if err := s.CancelActivity(t.Context(), a.ID); err != nil {
				t.Fatal(err)
			}
			got, _ := s.FindActivityByID(t.Context(), a.ID)
			if got.Status != culture.ActivityCancelled {
				t.Errorf("status = %s", got.Status)
			}
			gotB, _ := s.FindBookingByID(t.Context(), b.ID)
			if gotB.Status != culture.BookingCancelled {
				t.Errorf("booking status = %s", gotB.Status)
			}
			if err := s.CancelActivity(t.Context(), a.ID); err != nil {
				t.Errorf("second cancel: %v", err)
			}
		})
		t.Run("ENOTFOUND", func(t *testing.T) {
			checkRefusal(t, s.CancelActivity(t.Context(), 424242), culture.ENOTFOUND, "活动不存在。")
		})
	})
}

func TestSeries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		t.Run("OK", func(t *testing.T) {
			se := &culture.Series{Slug: "jiefang-juchang-2", Name: "解放剧场", Description: "周末演出"}
			if err := s.CreateSeries(t.Context(), se); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindSeriesByID(t.Context(), se.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(se, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			all, err := s.FindSeries(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			want := []*culture.Series{{ID: fx.series, Slug: "jiefang-yike", Name: "解放益课"}, se}
			if diff := cmp.Diff(want, all); diff != "" {
				t.Errorf("all (-want +got):\n%s", diff)
			}
		})
		for _, tc := range []struct {
			name string
			se   culture.Series
			code string
		}{
			{"ErrDuplicateSlug", culture.Series{Slug: "jiefang-yike", Name: "重复"}, culture.ECONFLICT},
			{"ErrSlugUpperCase", culture.Series{Slug: "Yike", Name: "益课"}, culture.EINVALID},
			{"ErrSlugEmpty", culture.Series{Slug: "", Name: "益课"}, culture.EINVALID},
			{"ErrSlugTooLong", culture.Series{Slug: strings.Repeat("a", 41), Name: "益课"}, culture.EINVALID},
			{"ErrNameEmpty", culture.Series{Slug: "x"}, culture.EINVALID},
			{"ErrNameTooLong", culture.Series{Slug: "y", Name: strings.Repeat("课", 41)}, culture.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				checkRefusal(t, s.CreateSeries(t.Context(), &tc.se), tc.code, "")
			})
		}
		t.Run("ENOTFOUND", func(t *testing.T) {
			_, err := s.FindSeriesByID(t.Context(), 424242)
			checkRefusal(t, err, culture.ENOTFOUND, "系列不存在。")
		})
	})
}

// bookingStatus reads a booking's status with raw SQL.
func bookingStatus(t *testing.T, s *sqlstore.Store, id int64) string {
	t.Helper()
	var st string
	if err := s.DB().QueryRow(fixSQL(s, `SELECT status FROM bookings WHERE id = ?`), id).Scan(&st); err != nil && err != sql.ErrNoRows {
		t.Fatal(err)
	}
	return st
}

// A request that read the activity as published before a concurrent
// CancelActivity committed must not take a seat, join the waiting list or
// apply after it: every seat-taking or joining statement checks the status
// under the row lock, and the request fails with ErrCancelled (reviewer's
// TestReviewBookingAfterActivityCancel, on every path). Needs PostgreSQL:
// SQLite runs one writer at a time.
func TestBookingRacesActivityCancel(t *testing.T) {
	s := MustOpenDB(t, "postgres")
	fx := activityFixtures(t, s)
	for _, tc := range []struct {
		name  string
		mod   func(*culture.Activity)
		setUp func(t *testing.T, a *culture.Activity)
		// do runs in the racing "process"; its error must be ErrCancelled.
		do func(t *testing.T, a *culture.Activity, acc int64) error
	}{
		{name: "FirstCome"},
		{name: "Community", mod: func(a *culture.Activity) { a.ReservedCommunity = 2 }},
		{name: "CommunityPool", mod: func(a *culture.Activity) { a.ReservedCommunity = 2 },
			do: func(t *testing.T, a *culture.Activity, acc int64) error {
				_, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
					ActivityID: a.ID, AccountID: acc, Self: true, Pool: culture.PoolCommunity})
				return err
			}},
		{name: "Counter", mod: func(a *culture.Activity) { a.ReservedWalkin = 2 },
			do: func(t *testing.T, a *culture.Activity, acc int64) error {
				_, err := s.CounterBooking(t.Context(), culture.CounterRequest{
					ActivityID: a.ID, Phone: "13700000009", Seats: 1, StaffID: fx.staff})
				return err
			}},
		{name: "Waitlist", mod: func(a *culture.Activity) { a.Capacity = 1 },
			setUp: func(t *testing.T, a *culture.Activity) {
				fx.mustTry(t, a.ID, fixAccounts(t, s, 1)[0], 1, false)
			},
			do: func(t *testing.T, a *culture.Activity, acc int64) error {
				_, err := fx.try(t, a.ID, acc, 1, true)
				return err
			}},
		{name: "Approval", mod: func(a *culture.Activity) { a.Mode = culture.ModeApproval }},
		{name: "LotteryApply", mod: lotteryMode},
		{name: "LotteryDraw", mod: lotteryMode,
			setUp: func(t *testing.T, a *culture.Activity) {
				fx.apply(t, a.ID, fixAccounts(t, s, 1)[0])
				fx.setNow(a.ClosesAt)
				t.Cleanup(func() { fx.setNow(activityTestNow) })
			},
			do: func(t *testing.T, a *culture.Activity, acc int64) error {
				_, err := s.DrawLottery(t.Context(), a.ID)
				return err
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*culture.Activity)
			if tc.mod != nil {
				mods = append(mods, tc.mod)
			}
			a := fx.create(t, mods...)
			acc := fixAccounts(t, s, 1)[0]
			// Joined before booking opened, so that the membership counts
			// for the community pool.
			fx.setNow(activityTestNow.Add(-2 * time.Hour))
			err := s.JoinCommunity(t.Context(), acc, fx.branch)
			fx.setNow(activityTestNow)
			if err != nil {
				t.Fatal(err)
			}
			if tc.setUp != nil {
				tc.setUp(t, a)
			}
			do := tc.do
			if do == nil {
				do = func(t *testing.T, a *culture.Activity, acc int64) error {
					_, err := fx.try(t, a.ID, acc, 1, false)
					return err
				}
			}
			// CancelActivity's statements, in another process.
			other, err := s.DB().Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer other.Rollback()
			if _, err := other.Exec(`UPDATE activities SET status = 'cancelled' WHERE id = $1`, a.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := other.Exec(`UPDATE bookings SET status = 'cancelled' WHERE activity_id = $1
				AND status IN ('pending', 'confirmed', 'waitlisted', 'offered', 'applied')`, a.ID); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- do(t, a, acc) }()
			waitBlockedBy(t, s, other, done)
			if err := other.Commit(); err != nil {
				t.Fatal(err)
			}
			err = <-done
			if culture.ErrorReason(err) != culture.ReasonCancelled {
				t.Errorf("err = %v, want the activity's cancellation", err)
			}
			var active int
			if err := s.DB().QueryRow(`SELECT COUNT(*) FROM bookings WHERE activity_id = $1
				AND status NOT IN ('cancelled', 'declined')`, a.ID).Scan(&active); err != nil {
				t.Fatal(err)
			} else if active > 0 {
				t.Errorf("%d active bookings on the cancelled activity", active)
			}
		})
	}
}

// CancelActivity cancels lottery applications too, and frees the real-name
// IDs of the bookings it cancels.
func TestCancelActivityApplicationsAndClaims(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		acc := fixAccounts(t, s, 1)
		a := fx.create(t, lotteryMode, func(a *culture.Activity) { a.RealName = true })
		b, err := s.CreateBooking(t.Context(), &culture.BookingRequest{
			ActivityID: a.ID, AccountID: acc[0], Self: true,
			RealNames: []culture.RealName{{Name: "王芳", IDNumber: validID("11010519491231002")}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CancelActivity(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		if got := bookingStatus(t, s, b.ID); got != culture.BookingCancelled {
			t.Errorf("application status = %s, want cancelled", got)
		}
		var claims int
		if err := s.DB().QueryRow(fixSQL(s, `SELECT COUNT(*) FROM realname_claims WHERE booking_id = ?`), b.ID).
			Scan(&claims); err != nil {
			t.Fatal(err)
		} else if claims != 0 {
			t.Errorf("%d real-name claims left", claims)
		}
	})
}
