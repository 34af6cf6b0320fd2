package web

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// unitActivities bounds the activities listed on a unit's page.
const unitActivities = 20

// unitPage is the data of a hub, branch or point page.
type unitPage struct {
	Page
	Unit *culture.Unit
	// Children are the units under this one (a branch's points).
	Children []*culture.Unit
	Items    []activityCard
	// Total counts every upcoming activity, Items shows the first few.
	Total int
}

// handleUnitView shows a unit with its upcoming activities (its subtree's).
func (s *Server) handleUnitView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	u, err := s.Units.FindUnitByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	units, _, err := s.Units.FindUnits(r.Context(), culture.UnitFilter{Within: &id})
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := upcomingFilter(s.Now(), unitActivities)
	f.Within = &id
	as, total, err := s.Activities.FindActivities(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "unit", "", &unitPage{
		Page: s.page(r, u.Name), Unit: u, Children: childrenOf(units, id),
		Items: activityCards(as, s.Now()), Total: total,
	})
}

// childrenOf returns the direct children of unit id among units.
func childrenOf(units []*culture.Unit, id int64) []*culture.Unit {
	var out []*culture.Unit
	for _, u := range units {
		if u.ParentID != nil && *u.ParentID == id {
			out = append(out, u)
		}
	}
	return out
}
