package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleUnitRow is a unit in a tree listing, with what the viewer may do
// there.
type consoleUnitRow struct {
	*culture.Unit
	// Depth is the level below the top of the listing (0 for the top).
	Depth         int
	CanActivities bool
	CanRooms      bool
}

// consoleRoots returns the ids of the grant units where acc may do any of
// acts, leaving out units that lie inside another of them.
func consoleRoots(acc *culture.Account, acts ...string) []int64 {
	var paths []string
	ids := map[string]int64{}
	for _, g := range acc.Grants {
		u := &culture.Unit{ID: g.UnitID, Path: g.UnitPath}
		if g.UnitPath != "" && slices.ContainsFunc(acts, func(act string) bool { return acc.Can(act, u) }) {
			paths, ids[g.UnitPath] = append(paths, g.UnitPath), g.UnitID
		}
	}
	var roots []int64
	for _, p := range paths {
		inside := slices.ContainsFunc(paths, func(q string) bool { return q != p && strings.HasPrefix(p, q) })
		if !inside && !slices.Contains(roots, ids[p]) {
			roots = append(roots, ids[p])
		}
	}
	return roots
}

// consoleScope returns every unit in the subtrees where acc may do any of
// acts, in tree order.
func (s *Server) consoleScope(ctx context.Context, acc *culture.Account, acts ...string) ([]consoleUnitRow, error) {
	var units []*culture.Unit
	for _, root := range consoleRoots(acc, acts...) {
		sub, _, err := s.Units.FindUnits(ctx, culture.UnitFilter{Within: &root})
		if err != nil {
			return nil, err
		}
		units = append(units, sub...)
	}
	return consoleTree(acc, units), nil
}

// consoleTree sorts units depth first by their paths and marks each row.
func consoleTree(acc *culture.Account, units []*culture.Unit) []consoleUnitRow {
	slices.SortFunc(units, func(a, b *culture.Unit) int { return slices.Compare(pathIDs(a.Path), pathIDs(b.Path)) })
	units = slices.CompactFunc(units, func(a, b *culture.Unit) bool { return a.ID == b.ID })
	top := 0
	for i, u := range units {
		if d := len(pathIDs(u.Path)); i == 0 || d < top {
			top = d
		}
	}
	rows := make([]consoleUnitRow, len(units))
	for i, u := range units {
		rows[i] = consoleUnitRow{Unit: u, Depth: min(len(pathIDs(u.Path))-top, 5),
			CanActivities: acc.Can(culture.ActManageActivities, u), CanRooms: acc.Can(culture.ActManageRooms, u)}
	}
	return rows
}

// pathIDs splits a unit path "/1/4/17/" into its ids.
func pathIDs(path string) []int64 {
	var ids []int64
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		if id, err := strconv.ParseInt(part, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// consoleActivitiesIn finds the activities matching f in the subtrees of
// roots, merged in f's order and cut to f.Limit.
func (s *Server) consoleActivitiesIn(ctx context.Context, roots []int64, f culture.ActivityFilter) ([]*culture.Activity, error) {
	var out []*culture.Activity
	seen := map[int64]bool{}
	for _, root := range roots {
		f.Within = &root
		as, _, err := s.Activities.FindActivities(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *culture.Activity) int {
		if f.Desc {
			return b.StartsAt.Compare(a.StartsAt)
		}
		return a.StartsAt.Compare(b.StartsAt)
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// consoleGate answers 404 unless present (an optional service is wired),
// and refusal to staff who may do act nowhere; the handler then checks
// the unit concerned.
func (s *Server) consoleGate(present func() bool, act string, refusal error, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case !present():
			s.notFound(w, r)
		case !consoleAccount(r).CanAnywhere(act):
			s.error(w, r, refusal)
		default:
			h(w, r)
		}
	}
}
