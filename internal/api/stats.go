package api

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/figures"
)

// Statistics: the dashboard of a unit's subtree over a day range, the
// model the console's /console/stats page shows (figures.Dashboard).
// Staff who may view statistics at the unit (culture.ActViewStats) read
// it; the figures come from the rollups.

// Refusals of the statistics routes.
var (
	errNoStats      = notFound("统计功能未启用。")
	errStatsUnit    = notFound("单位不存在。")
	errStatsNone    = culture.Errorf(culture.EFORBIDDEN, "您没有查看统计数据的权限。")
	errStatsOutside = culture.Errorf(culture.EFORBIDDEN, "只能查看您所在单位及其下级单位的统计数据。")
)

// statsRoutes lists the issue-6 routes of this file; each answers 404 without
// its service.
func (a *API) statsRoutes(r router) {
	s := a.with(a.stats != nil, errNoStats)
	r.Handle("GET /api/v1/stats", a.requireAccount(s(a.handleStats)))
}

// handleStats returns the dashboard of ?unit_id= (by default the widest
// unit the caller may view) from ?from= to ?to= (default the 90 days to
// today).
func (a *API) handleStats(w http.ResponseWriter, r *http.Request) {
	u, err := a.statsUnit(r)
	var from, to culture.Day
	if err == nil {
		q := r.URL.Query()
		from, to, err = figures.ParseRange(q.Get("from"), q.Get("to"), culture.DayOf(a.now()))
	}
	var d *figures.Dashboard
	if err == nil {
		d, err = figures.Sources{Stats: a.stats, Units: a.units, Menu: a.menu}.Load(r.Context(), u, from, to)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, d)
}

// statsUnit reads unit_id: malformed is EINVALID, unknown ENOTFOUND, a
// unit the caller may not view EFORBIDDEN.
func (a *API) statsUnit(r *http.Request) (*culture.Unit, error) {
	acc := account(r.Context())
	if !acc.CanAnywhere(culture.ActViewStats) {
		return nil, errStatsNone
	}
	id, err := queryID(r.URL.Query(), "unit_id")
	if err != nil {
		return nil, err
	}
	if id == nil {
		top, _ := figures.TopUnit(acc)
		id = &top
	}
	u, err := a.units.FindUnitByID(r.Context(), *id)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND:
		return nil, errStatsUnit
	case err != nil:
		return nil, err
	case !acc.Can(culture.ActViewStats, u):
		return nil, errStatsOutside
	}
	return u, nil
}
