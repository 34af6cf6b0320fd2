package api

import (
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// accountJSON is an account as the API shows it to its owner.
type accountJSON struct {
	ID          int64       `json:"id"`
	Phone       string      `json:"phone"`
	Username    string      `json:"username"`
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	HomeUnitID  *int64      `json:"home_unit_id"`
	CreatedAt   *time.Time  `json:"created_at"`
	Grants      []grantJSON `json:"grants"`
}

// grantJSON is a role the account holds at a unit and its subtree.
type grantJSON struct {
	Role      string `json:"role"`
	RoleLabel string `json:"role_label"`
	UnitID    int64  `json:"unit_id"`
	UnitName  string `json:"unit_name"`
}

func newAccountJSON(a *culture.Account) accountJSON {
	v := accountJSON{
		ID: a.ID, Phone: a.Phone, Username: a.Username, Name: a.Name, DisplayName: a.DisplayName(),
		HomeUnitID: a.HomeUnitID, CreatedAt: utc(a.CreatedAt), Grants: []grantJSON{},
	}
	for _, g := range a.Grants {
		v.Grants = append(v.Grants, grantJSON{
			Role: g.Role, RoleLabel: culture.RoleLabels[g.Role], UnitID: g.UnitID, UnitName: g.UnitName,
		})
	}
	return v
}

// familyJSON is a family member of the caller.
type familyJSON struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	BirthYear *int   `json:"birth_year"`
}

func newFamilyJSON(m *culture.FamilyMember) familyJSON {
	v := familyJSON{ID: m.ID, Name: m.Name, Relation: m.Relation}
	if m.BirthYear != 0 {
		year := m.BirthYear
		v.BirthYear = &year
	}
	return v
}

// familyRequest adds a family member.
type familyRequest struct {
	Name      string `json:"name"`
	Relation  string `json:"relation"`
	BirthYear int    `json:"birth_year"`
}

// handleMe shows the caller's account.
func (a *API) handleMe(w http.ResponseWriter, r *http.Request) {
	a.writeJSON(w, r, http.StatusOK, newAccountJSON(account(r.Context())))
}

// handleFamilyIndex lists the caller's family members.
func (a *API) handleFamilyIndex(w http.ResponseWriter, r *http.Request) {
	members, err := a.accounts.FindFamily(r.Context(), account(r.Context()).ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := items[familyJSON]{Items: make([]familyJSON, 0, len(members))}
	for _, m := range members {
		out.Items = append(out.Items, newFamilyJSON(m))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleFamilyCreate adds a family member to the caller's account.
func (a *API) handleFamilyCreate(w http.ResponseWriter, r *http.Request) {
	var req familyRequest
	if err := decodeJSON(w, r, &req); err != nil {
		a.writeError(w, r, err)
		return
	}
	m := &culture.FamilyMember{
		AccountID: account(r.Context()).ID, Name: req.Name, Relation: req.Relation, BirthYear: req.BirthYear,
	}
	if err := m.Validate(); err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.accounts.CreateFamilyMember(r.Context(), m); err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newFamilyJSON(m))
}

// handleFamilyDelete removes one of the caller's family members.
func (a *API) handleFamilyDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = a.accounts.DeleteFamilyMember(r.Context(), account(r.Context()).ID, id)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
