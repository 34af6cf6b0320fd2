package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.UnitService = (*Store)(nil)

// FindUnitByID returns the unit, or ENOTFOUND.
func (s *Store) FindUnitByID(ctx context.Context, id int64) (u *culture.Unit, err error) {
	defer wrapStoreCall(&err, "FindUnitByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		u, e = findUnit(ctx, tx, id)
		return e
	})
	return u, err
}

// FindUnits returns the units matching f and their total count, the city
// and hubs first, then branches, then points, each by id. Offset applies
// only with a Limit; an offset past the end gives no units and a count of 0.
func (s *Store) FindUnits(ctx context.Context, f culture.UnitFilter) (units []*culture.Unit, n int, err error) {
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		units, n, e = findUnits(ctx, tx, f)
		return e
	})
	return units, n, err
}

// CreateUnit validates and stores u, setting its ID, Path and CreatedAt.
// A missing parent is EINVALID.
func (s *Store) CreateUnit(ctx context.Context, u *culture.Unit) (err error) {
	defer wrapStoreCall(&err, "CreateUnit(%q)", u.Name)
	if err := u.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return createUnit(ctx, tx, u) })
}

// UpdateUnit applies upd to the unit and returns the result.
func (s *Store) UpdateUnit(ctx context.Context, id int64, upd culture.UnitUpdate) (u *culture.Unit, err error) {
	defer wrapStoreCall(&err, "UpdateUnit(%d)", id)
	err = s.update(ctx, func(tx *Tx) error {
		var e error
		u, e = updateUnit(ctx, tx, id, upd)
		return e
	})
	return u, err
}

const unitColumns = `u.id, u.parent_id, u.kind, u.name, u.address, u.phone, u.path, u.created_at`

// unitOrder lists wider units first: city, hubs, branches, points.
const unitOrder = `CASE u.kind WHEN 'city' THEN 0 WHEN 'hub' THEN 1 WHEN 'branch' THEN 2 ELSE 3 END, u.id`

// scanUnit scans unitColumns, then any extra columns into extra.
func scanUnit(row rowScanner, extra ...any) (*culture.Unit, error) {
	var u culture.Unit
	var parent sql.NullInt64
	var created int64
	dest := append([]any{&u.ID, &parent, &u.Kind, &u.Name, &u.Address, &u.Phone, &u.Path, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if parent.Valid {
		u.ParentID = &parent.Int64
	}
	u.CreatedAt = fromUnix(created)
	return &u, nil
}

// findUnit returns the unit with id, or ENOTFOUND.
func findUnit(ctx context.Context, tx *Tx, id int64) (*culture.Unit, error) {
	u, err := scanUnit(tx.queryRow(ctx, `SELECT `+unitColumns+` FROM units u WHERE u.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, "单位不存在。")
	}
	return u, err
}

func findUnits(ctx context.Context, tx *Tx, f culture.UnitFilter) ([]*culture.Unit, int, error) {
	where, args := "1 = 1", []any{}
	if f.ID != nil {
		where, args = where+" AND u.id = ?", append(args, *f.ID)
	}
	if f.Kind != nil {
		where, args = where+" AND u.kind = ?", append(args, *f.Kind)
	}
	if f.Within != nil { // the subtree: paths under the unit's own path
		where, args = where+" AND u.path LIKE ((SELECT w.path FROM units w WHERE w.id = ?) || '%')", append(args, *f.Within)
	}
	q := `SELECT ` + unitColumns + `, COUNT(*) OVER() FROM units u WHERE ` + where + ` ORDER BY ` + unitOrder
	if f.Limit > 0 {
		q, args = q+" LIMIT ? OFFSET ?", append(args, f.Limit, max(f.Offset, 0))
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	units, err := scanAll(rows, func(r rowScanner) (*culture.Unit, error) { return scanUnit(r, &n) })
	return units, n, err
}

func createUnit(ctx context.Context, tx *Tx, u *culture.Unit) error {
	parentPath := "/"
	if u.ParentID != nil {
		p, err := findUnit(ctx, tx, *u.ParentID)
		if culture.ErrorCode(err) == culture.ENOTFOUND {
			return culture.Invalid("parent_id", "上级单位不存在。")
		} else if err != nil {
			return err
		}
		parentPath = p.Path
	}
	var id int64
	err := tx.queryRow(ctx, `INSERT INTO units (parent_id, kind, name, address, phone, path, created_at)
		VALUES (?, ?, ?, ?, ?, '', ?) RETURNING id`,
		u.ParentID, u.Kind, u.Name, u.Address, u.Phone, tx.nowUnix()).Scan(&id)
	if err != nil {
		return err
	}
	path := culture.UnitPath(parentPath, id)
	if _, err := tx.exec(ctx, `UPDATE units SET path = ? WHERE id = ?`, path, id); err != nil {
		return err
	}
	u.ID, u.Path, u.CreatedAt = id, path, tx.now
	return nil
}

func updateUnit(ctx context.Context, tx *Tx, id int64, upd culture.UnitUpdate) (*culture.Unit, error) {
	u, err := findUnit(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		u.Name = *upd.Name
	}
	if upd.Address != nil {
		u.Address = *upd.Address
	}
	if upd.Phone != nil {
		u.Phone = *upd.Phone
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	_, err = tx.exec(ctx, `UPDATE units SET name = ?, address = ?, phone = ? WHERE id = ?`, u.Name, u.Address, u.Phone, id)
	return u, err
}

// FindRoomByID returns the room with its unit's name, or ENOTFOUND.
func (s *Store) FindRoomByID(ctx context.Context, id int64) (r *culture.Room, err error) {
	defer wrapStoreCall(&err, "FindRoomByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		r, e = findRoom(ctx, tx, id)
		return e
	})
	return r, err
}

// FindRooms returns the rooms of one unit, by id.
func (s *Store) FindRooms(ctx context.Context, unitID int64) (rooms []*culture.Room, err error) {
	defer wrapStoreCall(&err, "FindRooms(%d)", unitID)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		rooms, e = findRooms(ctx, tx, unitID)
		return e
	})
	return rooms, err
}

// CreateRoom validates and stores r, setting its ID and UnitName. A missing
// unit is EINVALID.
func (s *Store) CreateRoom(ctx context.Context, r *culture.Room) (err error) {
	defer wrapStoreCall(&err, "CreateRoom(unit %d, %q)", r.UnitID, r.Name)
	if err := r.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return createRoom(ctx, tx, r) })
}

// UpdateRoom validates r and stores its name, address, capacity and
// facilities; a room stays with its unit. It refreshes r from the database.
func (s *Store) UpdateRoom(ctx context.Context, r *culture.Room) (err error) {
	defer wrapStoreCall(&err, "UpdateRoom(%d)", r.ID)
	if err := r.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return updateRoom(ctx, tx, r) })
}

const roomColumns = `r.id, r.unit_id, r.name, r.address, r.capacity, r.facilities, u.name`

func scanRoom(row rowScanner) (*culture.Room, error) {
	var r culture.Room
	err := row.Scan(&r.ID, &r.UnitID, &r.Name, &r.Address, &r.Capacity, &r.Facilities, &r.UnitName)
	if err != nil {
		return nil, err
	}
	return &r, nil
}

func findRoom(ctx context.Context, tx *Tx, id int64) (*culture.Room, error) {
	r, err := scanRoom(tx.queryRow(ctx, `SELECT `+roomColumns+`
		FROM rooms r JOIN units u ON u.id = r.unit_id WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, "场地不存在。")
	}
	return r, err
}

func findRooms(ctx context.Context, tx *Tx, unitID int64) ([]*culture.Room, error) {
	rows, err := tx.query(ctx, `SELECT `+roomColumns+`
		FROM rooms r JOIN units u ON u.id = r.unit_id WHERE r.unit_id = ? ORDER BY r.id`, unitID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRoom)
}

func createRoom(ctx context.Context, tx *Tx, r *culture.Room) error {
	u, err := findUnit(ctx, tx, r.UnitID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("unit_id", "所属单位不存在。")
	} else if err != nil {
		return err
	}
	err = tx.queryRow(ctx, `INSERT INTO rooms (unit_id, name, address, capacity, facilities)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, r.UnitID, r.Name, r.Address, r.Capacity, r.Facilities).Scan(&r.ID)
	r.UnitName = u.Name
	return err
}

func updateRoom(ctx context.Context, tx *Tx, r *culture.Room) error {
	res, err := tx.exec(ctx, `UPDATE rooms SET name = ?, address = ?, capacity = ?, facilities = ? WHERE id = ?`,
		r.Name, r.Address, r.Capacity, r.Facilities, r.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return culture.Errorf(culture.ENOTFOUND, "场地不存在。")
	}
	stored, err := findRoom(ctx, tx, r.ID)
	if err == nil {
		*r = *stored
	}
	return err
}

// wrapStoreCall annotates a failed store call with its name and arguments
// (pkgsite's derrors.Wrap). The cause stays reachable through errors.As, so
// a *culture.Error keeps its code and message. Arguments must not carry
// secrets or unmasked phone numbers: wrapped errors end up in logs.
func wrapStoreCall(errp *error, format string, args ...any) {
	if *errp != nil {
		*errp = fmt.Errorf("sqlstore.%s: %w", fmt.Sprintf(format, args...), *errp)
	}
}
