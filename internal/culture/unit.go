package culture

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// Unit kinds. The tree has no fixed depth: a city may later sit above hubs.
const (
	UnitCity   = "city"
	UnitHub    = "hub"
	UnitBranch = "branch"
	UnitPoint  = "point"
)

// Unit is a node of the organisation tree (总馆 / 分馆 / 基层文化点).
type Unit struct {
	ID       int64  `json:"id"`
	ParentID *int64 `json:"parent_id,omitempty"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
	// Path lists the ids from the root down to this unit, as "/1/4/17/".
	// A unit's subtree is every unit whose path starts with its path.
	Path      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Contains reports whether other lies in u's subtree (u included).
func (u *Unit) Contains(other *Unit) bool {
	return strings.HasPrefix(other.Path, u.Path)
}

// UnitPath returns the path of a child of the unit with the given path.
func UnitPath(parentPath string, id int64) string {
	if parentPath == "" {
		parentPath = "/"
	}
	return parentPath + strconv.FormatInt(id, 10) + "/"
}

// KindLabel returns the Chinese name of the unit kind.
func (u *Unit) KindLabel() string { return UnitKindLabels[u.Kind] }

// UnitKindLabels names unit kinds in Chinese.
var UnitKindLabels = map[string]string{
	UnitCity: "市级馆", UnitHub: "总馆", UnitBranch: "分馆", UnitPoint: "基层文化点",
}

// Validate checks a unit before it is stored.
func (u *Unit) Validate() error {
	if _, ok := UnitKindLabels[u.Kind]; !ok {
		return Invalid("kind", "单位类型无效。")
	}
	if err := checkText("name", "名称", u.Name, 1, 60); err != nil {
		return err
	}
	if err := checkText("address", "地址", u.Address, 0, 200); err != nil {
		return err
	}
	if err := checkText("phone", "电话", u.Phone, 0, 40); err != nil {
		return err
	}
	if u.Kind != UnitCity && u.Kind != UnitHub && u.ParentID == nil {
		return Invalid("parent_id", "分馆和基层文化点必须有上级单位。")
	}
	return nil
}

// UnitFilter selects units.
type UnitFilter struct {
	ID     *int64
	Kind   *string
	Within *int64 // the subtree of this unit
	Limit  int
	Offset int
}

// UnitUpdate changes a unit; nil fields stay as they are.
type UnitUpdate struct {
	Name    *string
	Address *string
	Phone   *string
}

// Room is a venue or room of a unit (活动室、剧场).
type Room struct {
	ID         int64  `json:"id"`
	UnitID     int64  `json:"unit_id"`
	Name       string `json:"name"`
	Address    string `json:"address,omitempty"`
	Capacity   int    `json:"capacity"`
	Facilities string `json:"facilities,omitempty"`
	UnitName   string `json:"unit_name,omitempty"`
}

// Validate checks a room before it is stored.
func (r *Room) Validate() error {
	if err := checkText("name", "场地名称", r.Name, 1, 60); err != nil {
		return err
	}
	if r.Capacity < 1 || r.Capacity > 100000 {
		return Invalid("capacity", "场地容量应在 1 到 100000 之间。")
	}
	if err := checkText("address", "地址", r.Address, 0, 200); err != nil {
		return err
	}
	return checkText("facilities", "设施", r.Facilities, 0, 500)
}

// UnitService stores units and rooms.
type UnitService interface {
	FindUnitByID(ctx context.Context, id int64) (*Unit, error)
	FindUnits(ctx context.Context, f UnitFilter) ([]*Unit, int, error)
	CreateUnit(ctx context.Context, u *Unit) error
	UpdateUnit(ctx context.Context, id int64, upd UnitUpdate) (*Unit, error)

	FindRoomByID(ctx context.Context, id int64) (*Room, error)
	FindRooms(ctx context.Context, unitID int64) ([]*Room, error)
	CreateRoom(ctx context.Context, r *Room) error
	UpdateRoom(ctx context.Context, r *Room) error
}
