package sqlstore_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// unitFixture is a small tree: a hub with two branches and a point under
// the first branch.
type unitFixture struct {
	hub, b1, b2, p1 *culture.Unit
}

// unitFixtureTree creates the fixture tree in s.
func unitFixtureTree(tb testing.TB, s *sqlstore.Store) unitFixture {
	tb.Helper()
	hub := unitFixtureCreate(tb, s, culture.UnitHub, "解放区文化馆", nil)
	b1 := unitFixtureCreate(tb, s, culture.UnitBranch, "焦作路分馆", hub)
	b2 := unitFixtureCreate(tb, s, culture.UnitBranch, "民主路分馆", hub)
	p1 := unitFixtureCreate(tb, s, culture.UnitPoint, "新华社区文化点", b1)
	return unitFixture{hub: hub, b1: b1, b2: b2, p1: p1}
}

// unitFixtureCreate creates one unit under parent (nil for a root).
func unitFixtureCreate(tb testing.TB, s *sqlstore.Store, kind, name string, parent *culture.Unit) *culture.Unit {
	tb.Helper()
	u := &culture.Unit{Kind: kind, Name: name}
	if parent != nil {
		u.ParentID = &parent.ID
	}
	if err := s.CreateUnit(tb.Context(), u); err != nil {
		tb.Fatalf("CreateUnit(%s): %v", name, err)
	}
	return u
}

// unitIDs lists the ids of units, in order.
func unitIDs(units []*culture.Unit) []int64 {
	ids := []int64{}
	for _, u := range units {
		ids = append(ids, u.ID)
	}
	return ids
}

func TestCreateUnit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		clock := accountFakeClock(s)
		t.Run("OK", func(t *testing.T) {
			f := unitFixtureTree(t, s)
			for _, tc := range []struct {
				u    *culture.Unit
				want string
			}{
				{f.hub, fmt.Sprintf("/%d/", f.hub.ID)},
				{f.b1, fmt.Sprintf("/%d/%d/", f.hub.ID, f.b1.ID)},
				{f.p1, fmt.Sprintf("/%d/%d/%d/", f.hub.ID, f.b1.ID, f.p1.ID)},
			} {
				if tc.u.Path != tc.want {
					t.Errorf("%s: path = %q, want %q", tc.u.Name, tc.u.Path, tc.want)
				}
			}
			if !f.hub.CreatedAt.Equal(*clock) {
				t.Errorf("CreatedAt = %v, want %v", f.hub.CreatedAt, *clock)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := s.CreateUnit(t.Context(), &culture.Unit{Kind: culture.UnitBranch, Name: "无上级"})
			accountWantErr(t, err, culture.EINVALID, "分馆和基层文化点必须有上级单位。")
			err = s.CreateUnit(t.Context(), &culture.Unit{Kind: "museum", Name: "博物馆"})
			accountWantErr(t, err, culture.EINVALID, "单位类型无效。")
		})
		t.Run("ErrParentNotFound", func(t *testing.T) {
			missing := int64(9999)
			err := s.CreateUnit(t.Context(), &culture.Unit{Kind: culture.UnitBranch, Name: "孤儿", ParentID: &missing})
			accountWantErr(t, err, culture.EINVALID, "上级单位不存在。")
		})
	})
}

func TestFindUnitByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		accountFakeClock(s)
		f := unitFixtureTree(t, s)
		t.Run("OK", func(t *testing.T) {
			got, err := s.FindUnitByID(t.Context(), f.p1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(f.p1, got); diff != "" {
				t.Errorf("unit mismatch (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			u, err := s.FindUnitByID(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "单位不存在。")
			if u != nil {
				t.Errorf("unit = %+v, want nil", u)
			}
		})
	})
}

func TestFindUnits(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		p2 := unitFixtureCreate(t, s, culture.UnitPoint, "二号文化点", f.b2)
		find := func(t *testing.T, filter culture.UnitFilter) ([]int64, int) {
			t.Helper()
			units, n, err := s.FindUnits(t.Context(), filter)
			if err != nil {
				t.Fatal(err)
			}
			return unitIDs(units), n
		}
		t.Run("All", func(t *testing.T) {
			ids, n := find(t, culture.UnitFilter{})
			want := []int64{f.hub.ID, f.b1.ID, f.b2.ID, f.p1.ID, p2.ID}
			if diff := cmp.Diff(want, ids); diff != "" || n != 5 {
				t.Errorf("n = %d, ids (-want +got):\n%s", n, diff)
			}
		})
		t.Run("Kind", func(t *testing.T) {
			kind := culture.UnitPoint
			ids, n := find(t, culture.UnitFilter{Kind: &kind})
			if diff := cmp.Diff([]int64{f.p1.ID, p2.ID}, ids); diff != "" || n != 2 {
				t.Errorf("n = %d, ids (-want +got):\n%s", n, diff)
			}
		})
		t.Run("ID", func(t *testing.T) {
			ids, _ := find(t, culture.UnitFilter{ID: &f.b2.ID})
			if diff := cmp.Diff([]int64{f.b2.ID}, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
		t.Run("Page", func(t *testing.T) {
			ids, n := find(t, culture.UnitFilter{Limit: 2, Offset: 1})
			if diff := cmp.Diff([]int64{f.b1.ID, f.b2.ID}, ids); diff != "" || n != 5 {
				t.Errorf("n = %d, ids (-want +got):\n%s", n, diff)
			}
		})
		t.Run("None", func(t *testing.T) {
			missing := int64(9999)
			ids, n := find(t, culture.UnitFilter{ID: &missing})
			if len(ids) != 0 || n != 0 {
				t.Errorf("got %v (n=%d), want none", ids, n)
			}
		})
	})
}

// TestFindUnitsWithin checks the subtree filter, including that branch 2
// ("/1/2/") does not take in branch 20 ("/1/20/").
func TestFindUnitsWithin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		hub := unitFixtureCreate(t, s, culture.UnitHub, "总馆", nil)
		var branches []*culture.Unit
		for i := range 20 {
			branches = append(branches, unitFixtureCreate(t, s, culture.UnitBranch, fmt.Sprintf("分馆%d", i+1), hub))
		}
		b2, b20 := branches[0], branches[18] // ids 2 and 20
		if b2.ID != 2 || b20.ID != 20 {
			t.Fatalf("fixture ids %d and %d, want 2 and 20", b2.ID, b20.ID)
		}
		p := unitFixtureCreate(t, s, culture.UnitPoint, "文化点", b2)
		p20 := unitFixtureCreate(t, s, culture.UnitPoint, "文化点20", b20)
		for _, tc := range []struct {
			name   string
			within int64
			want   []int64
		}{
			{"Branch", b2.ID, []int64{b2.ID, p.ID}},
			{"Branch20", b20.ID, []int64{b20.ID, p20.ID}},
			{"Point", p.ID, []int64{p.ID}},
			{"Missing", 9999, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				units, n, err := s.FindUnits(t.Context(), culture.UnitFilter{Within: &tc.within})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tc.want, unitIDs(units)); diff != "" || n != len(tc.want) {
					t.Errorf("n = %d, ids (-want +got):\n%s", n, diff)
				}
			})
		}
		t.Run("Hub", func(t *testing.T) {
			_, n, err := s.FindUnits(t.Context(), culture.UnitFilter{Within: &hub.ID})
			if err != nil || n != 23 {
				t.Errorf("n = %d, err = %v; want 23 units", n, err)
			}
		})
	})
}

func TestUpdateUnit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		t.Run("OK", func(t *testing.T) {
			name, phone := "焦作路分馆（新馆）", "0371-12345678"
			if _, err := s.UpdateUnit(t.Context(), f.b1.ID, culture.UnitUpdate{Address: new("焦作路 1 号")}); err != nil {
				t.Fatal(err)
			}
			got, err := s.UpdateUnit(t.Context(), f.b1.ID, culture.UnitUpdate{Name: &name, Phone: &phone})
			if err != nil {
				t.Fatal(err)
			}
			stored, err := s.FindUnitByID(t.Context(), f.b1.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *f.b1
			want.Name, want.Phone, want.Address = name, phone, "焦作路 1 号"
			if diff := cmp.Diff(&want, stored); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(stored, got); diff != "" {
				t.Errorf("returned (-stored +returned):\n%s", diff)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := s.UpdateUnit(t.Context(), f.b1.ID, culture.UnitUpdate{Name: new("")})
			accountWantErr(t, err, culture.EINVALID, "请填写名称。")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UpdateUnit(t.Context(), 9999, culture.UnitUpdate{Name: new("新名")})
			accountWantErr(t, err, culture.ENOTFOUND, "单位不存在。")
		})
	})
}

// unitFixtureRoom creates a room in unit.
func unitFixtureRoom(tb testing.TB, s *sqlstore.Store, unit *culture.Unit, name string) *culture.Room {
	tb.Helper()
	r := &culture.Room{UnitID: unit.ID, Name: name, Capacity: 30}
	if err := s.CreateRoom(tb.Context(), r); err != nil {
		tb.Fatalf("CreateRoom(%s): %v", name, err)
	}
	return r
}

func TestCreateRoom(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		t.Run("OK", func(t *testing.T) {
			r := &culture.Room{UnitID: f.b1.ID, Name: "多功能厅", Address: "二楼", Capacity: 80, Facilities: "投影"}
			if err := s.CreateRoom(t.Context(), r); err != nil {
				t.Fatal(err)
			}
			if r.ID == 0 || r.UnitName != f.b1.Name {
				t.Errorf("room = %+v, want an id and unit name %q", r, f.b1.Name)
			}
			got, err := s.FindRoomByID(t.Context(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r, got); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := s.CreateRoom(t.Context(), &culture.Room{UnitID: f.b1.ID, Name: "无容量"})
			accountWantErr(t, err, culture.EINVALID, "场地容量应在 1 到 100000 之间。")
		})
		t.Run("ErrUnitNotFound", func(t *testing.T) {
			err := s.CreateRoom(t.Context(), &culture.Room{UnitID: 9999, Name: "无主", Capacity: 10})
			accountWantErr(t, err, culture.EINVALID, "所属单位不存在。")
		})
	})
}

func TestFindRooms(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		r1 := unitFixtureRoom(t, s, f.b1, "一号厅")
		unitFixtureRoom(t, s, f.b2, "别馆厅")
		r2 := unitFixtureRoom(t, s, f.b1, "二号厅")
		t.Run("OK", func(t *testing.T) {
			rooms, err := s.FindRooms(t.Context(), f.b1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]*culture.Room{r1, r2}, rooms); diff != "" {
				t.Errorf("rooms (-want +got):\n%s", diff)
			}
		})
		t.Run("None", func(t *testing.T) {
			rooms, err := s.FindRooms(t.Context(), f.p1.ID)
			if err != nil || len(rooms) != 0 {
				t.Errorf("rooms = %v, err = %v; want none", rooms, err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.FindRoomByID(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "场地不存在。")
		})
	})
}

func TestUpdateRoom(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		r := unitFixtureRoom(t, s, f.b1, "一号厅")
		t.Run("OK", func(t *testing.T) {
			upd := &culture.Room{ID: r.ID, UnitID: f.b2.ID, Name: "一号厅（改）", Capacity: 120, Facilities: "钢琴"}
			if err := s.UpdateRoom(t.Context(), upd); err != nil {
				t.Fatal(err)
			}
			want := &culture.Room{ID: r.ID, UnitID: f.b1.ID, UnitName: f.b1.Name, Name: "一号厅（改）", Capacity: 120, Facilities: "钢琴"}
			if diff := cmp.Diff(want, upd); diff != "" {
				t.Errorf("room stays with its unit (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := s.UpdateRoom(t.Context(), &culture.Room{ID: r.ID, Name: "", Capacity: 10})
			accountWantErr(t, err, culture.EINVALID, "请填写场地名称。")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			err := s.UpdateRoom(t.Context(), &culture.Room{ID: 9999, Name: "无", Capacity: 10})
			accountWantErr(t, err, culture.ENOTFOUND, "场地不存在。")
		})
	})
}
