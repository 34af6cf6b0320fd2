package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoUnits refuses accounts that manage neither units nor rooms.
var errNoUnits = culture.Errorf(culture.EFORBIDDEN, "您没有管理单位或场地的权限。")

var (
	consoleUnitFields = []string{"kind", "parent_id", "name", "address", "phone"}
	consoleRoomFields = []string{"name", "address", "capacity", "facilities"}
)

// consoleUnitsPage lists the unit tree and offers to add a unit.
type consoleUnitsPage struct {
	Page
	Units []consoleUnitRow
	// Parents are the units new units may go under (ActManageUnits).
	Parents []consoleUnitRow
	Form    *consoleForm
}

// consoleUnitPage shows one unit's rooms with a form for each.
type consoleUnitPage struct {
	Page
	Unit  *culture.Unit
	Rooms []consoleRoomRow
	Form  *consoleForm // a new room
}

// consoleRoomRow is a room with its edit form.
type consoleRoomRow struct {
	*culture.Room
	Form *consoleForm
}

func (s *Server) handleConsoleUnits(w http.ResponseWriter, r *http.Request) {
	f := newConsoleForm("")
	f.Values["kind"] = culture.UnitBranch
	s.renderUnits(w, r, http.StatusOK, f)
}

func (s *Server) renderUnits(w http.ResponseWriter, r *http.Request, status int, f *consoleForm) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActManageRooms) && !acc.CanAnywhere(culture.ActManageUnits) {
		s.error(w, r, errNoUnits)
		return
	}
	units, err := s.consoleScope(r.Context(), acc, culture.ActManageRooms, culture.ActManageUnits)
	if err != nil {
		s.error(w, r, err)
		return
	}
	parents, err := s.consoleScope(r.Context(), acc, culture.ActManageUnits)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "console_units", "", consoleUnitsPage{
		Page: s.page(r, "单位与场地"), Units: units, Parents: parents, Form: f,
	})
}

func (s *Server) handleConsoleUnitCreate(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActManageUnits) {
		s.error(w, r, culture.ErrForbidden)
		return
	}
	if !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleUnitFields...)
	u, err := s.consoleUnitOf(r.Context(), acc, f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if f.Valid() {
		err := s.Units.CreateUnit(r.Context(), u)
		if err == nil {
			s.flash(r, "已创建单位："+u.Name)
			redirect(w, r, fmt.Sprintf("/console/units/%d", u.ID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderUnits(w, r, http.StatusUnprocessableEntity, f)
}

// consoleUnitOf reads the new-unit form, noting problems on f. A parent
// outside the account's scope is an error (forbidden).
func (s *Server) consoleUnitOf(ctx context.Context, acc *culture.Account, f *consoleForm) (*culture.Unit, error) {
	u := &culture.Unit{Kind: f.Get("kind"), Name: f.text("name", "请填写名称。"),
		Address: f.Get("address"), Phone: f.Get("phone"), ParentID: f.id("parent_id")}
	if u.Kind != culture.UnitBranch && u.Kind != culture.UnitPoint {
		f.fail("kind", "请选择分馆或基层文化点。")
	}
	if utf8.RuneCountInString(u.Phone) > 30 {
		f.fail("phone", "联系电话最多 30 个字符。")
	}
	if u.ParentID == nil {
		f.fail("parent_id", "请选择上级单位。")
		return u, nil
	}
	_, err := s.consoleUnitFor(ctx, acc, culture.ActManageUnits, *u.ParentID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		f.fail("parent_id", "上级单位不存在。")
		return u, nil
	}
	if err == nil {
		if verr := u.Validate(); verr != nil {
			f.absorb(verr)
		}
	}
	return u, err
}

// consoleRoomUnit loads the unit named by the path and checks that the
// account manages its rooms. On failure it answers.
func (s *Server) consoleRoomUnit(w http.ResponseWriter, r *http.Request, id int64) (*culture.Unit, bool) {
	u, err := s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageRooms, id)
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return u, true
}

func (s *Server) handleConsoleUnit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if u, ok := s.consoleRoomUnit(w, r, id); ok {
		s.renderUnit(w, r, http.StatusOK, u, newConsoleForm("new"), nil)
	}
}

// renderUnit shows the unit page; failed, when set, replaces the edit form
// of its room.
func (s *Server) renderUnit(w http.ResponseWriter, r *http.Request, status int, u *culture.Unit, f *consoleForm, failed *consoleRoomRow) {
	rooms, err := s.Units.FindRooms(r.Context(), u.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	rows := make([]consoleRoomRow, len(rooms))
	for i, room := range rooms {
		rows[i] = consoleRoomRow{Room: room, Form: consoleRoomFormOf(room)}
		if failed != nil && failed.ID == room.ID {
			rows[i].Form = failed.Form
		}
	}
	s.render(w, r, status, "console_unit", "", consoleUnitPage{Page: s.page(r, u.Name), Unit: u, Rooms: rows, Form: f})
}

func (s *Server) handleConsoleRoomCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	u, ok := s.consoleRoomUnit(w, r, id)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "new", consoleRoomFields...)
	room := consoleRoomOf(f)
	room.UnitID = u.ID
	if f.Valid() {
		err := s.Units.CreateRoom(r.Context(), room)
		if err == nil {
			s.flash(r, "已添加场地："+room.Name)
			redirect(w, r, fmt.Sprintf("/console/units/%d", u.ID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderUnit(w, r, http.StatusUnprocessableEntity, u, f, nil)
}

func (s *Server) handleConsoleRoomUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	stored, err := s.Units.FindRoomByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	u, ok := s.consoleRoomUnit(w, r, stored.UnitID)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, strconv.FormatInt(id, 10), consoleRoomFields...)
	room := consoleRoomOf(f)
	room.ID, room.UnitID = stored.ID, stored.UnitID
	if f.Valid() {
		err := s.Units.UpdateRoom(r.Context(), room)
		if err == nil {
			s.flash(r, "场地已保存："+room.Name)
			redirect(w, r, fmt.Sprintf("/console/units/%d", u.ID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderUnit(w, r, http.StatusUnprocessableEntity, u, newConsoleForm("new"), &consoleRoomRow{Room: room, Form: f})
}

// consoleRoomOf reads a room form and runs the domain checks on it.
func consoleRoomOf(f *consoleForm) *culture.Room {
	room := &culture.Room{Name: f.text("name", "请填写场地名称。"), Address: f.Get("address"),
		Capacity: f.int("capacity", 0), Facilities: f.Get("facilities")}
	if err := room.Validate(); err != nil {
		f.absorb(err)
	}
	return room
}

func consoleRoomFormOf(room *culture.Room) *consoleForm {
	f := newConsoleForm(strconv.FormatInt(room.ID, 10))
	f.Values["name"], f.Values["address"] = room.Name, room.Address
	f.Values["capacity"], f.Values["facilities"] = strconv.Itoa(room.Capacity), room.Facilities
	return f
}
