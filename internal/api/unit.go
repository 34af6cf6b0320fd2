package api

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// maxUnits bounds the unit list; a district has tens, a province thousands.
const maxUnits = 5000

// unitJSON is a unit of the organisation tree.
type unitJSON struct {
	ID        int64  `json:"id"`
	ParentID  *int64 `json:"parent_id"`
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	Name      string `json:"name"`
	Address   string `json:"address"`
	Phone     string `json:"phone"`
}

func newUnitJSON(u *culture.Unit) unitJSON {
	return unitJSON{
		ID: u.ID, ParentID: u.ParentID, Kind: u.Kind, KindLabel: u.KindLabel(),
		Name: u.Name, Address: u.Address, Phone: u.Phone,
	}
}

// handleUnitIndex lists every unit of the tree.
func (a *API) handleUnitIndex(w http.ResponseWriter, r *http.Request) {
	units, _, err := a.units.FindUnits(r.Context(), culture.UnitFilter{Limit: maxUnits})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[unitJSON]{Items: make([]unitJSON, 0, len(units))}
	for _, u := range units {
		out.Items = append(out.Items, newUnitJSON(u))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}
