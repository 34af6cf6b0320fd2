package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoRequests refuses accounts that request the menu nowhere.
var errNoRequests = culture.Errorf(culture.EFORBIDDEN, "您没有为分馆点单的权限。")

// consoleRequestFields are the inputs of a branch's request form.
var consoleRequestFields = []string{"item_id", "unit_id", "preferred_dates", "expected_audience", "mode", "note"}

// consoleDemandPage is the demand board of a unit's subtree in a season,
// with each branch's fulfilment and budget.
type consoleDemandPage struct {
	Page
	Board   *culture.DemandBoard
	Figures []*culture.BranchFigures
	// Units are the units the account may switch to.
	Units  []consoleUnitRow
	UnitID int64
	Season culture.Season
}

// TrendMax is the largest weekly count, the scale of the trend bars.
func (p consoleDemandPage) TrendMax() int {
	most := 1
	for _, w := range p.Board.Trend {
		most = max(most, w.Supports, w.Requests)
	}
	return most
}

func (s *Server) handleConsoleDemand(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	unitID, ok := s.consoleDemandUnit(w, r, acc)
	if !ok {
		return
	}
	season := culture.Season(r.URL.Query().Get("season"))
	if season == "" {
		season = culture.SeasonOf(s.Now())
	}
	if _, _, err := season.Bounds(); err != nil {
		s.error(w, r, err)
		return
	}
	data := consoleDemandPage{Page: s.page(r, "点单需求"), UnitID: unitID, Season: season}
	var err error
	if data.Board, err = s.Menu.DemandBoard(r.Context(), unitID, season); err == nil {
		data.Figures, err = s.Menu.BranchFigures(r.Context(), unitID, season)
	}
	if err == nil {
		data.Units, err = s.consoleScope(r.Context(), acc, culture.ActRequestMenu)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_demand", "", data)
}

// consoleDemandUnit reads ?unit=: a unit where the account requests the
// menu, by default the first of its own. On failure it answers.
func (s *Server) consoleDemandUnit(w http.ResponseWriter, r *http.Request, acc *culture.Account) (int64, bool) {
	roots := consoleRoots(acc, culture.ActRequestMenu)
	if len(roots) == 0 {
		s.error(w, r, errNoRequests)
		return 0, false
	}
	v := r.URL.Query().Get("unit")
	if v == "" {
		return roots[0], true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return 0, false
	}
	if _, err := s.consoleUnitFor(r.Context(), acc, culture.ActRequestMenu, id); err != nil {
		s.error(w, r, err)
		return 0, false
	}
	return id, true
}

// consoleRequestsPage lists the requests of the account's units.
type consoleRequestsPage struct {
	Page
	Rows   []consoleRequestRow
	Status string
}

// Statuses lists the request statuses to filter by.
func (consoleRequestsPage) Statuses() []culture.Label {
	var out []culture.Label
	for _, st := range []string{culture.RequestOpen, culture.RequestPlanned, culture.RequestDelivered,
		culture.RequestWithdrawn, culture.RequestDeclined} {
		out = append(out, culture.Label{Value: st, Name: culture.RequestStatusLabels[st]})
	}
	return out
}

// consoleRequestRow is a request with what the viewer may do with it.
type consoleRequestRow struct {
	*culture.MenuRequest
	// CanWithdraw (the branch) and CanDecline and CanPlan (the hub) apply
	// to open requests.
	CanWithdraw, CanDecline, CanPlan bool
	Decline                          *consoleForm
}

func (s *Server) handleConsoleRequests(w http.ResponseWriter, r *http.Request) {
	s.renderRequests(w, r, http.StatusOK, 0, nil)
}

// renderRequests shows the list; failed, when set, is the decline form of
// request failedID.
func (s *Server) renderRequests(w http.ResponseWriter, r *http.Request, status int, failedID int64, failed *consoleForm) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActRequestMenu) {
		s.error(w, r, errNoRequests)
		return
	}
	filter := r.URL.Query().Get("status")
	if _, ok := culture.RequestStatusLabels[filter]; filter != "" && !ok {
		s.error(w, r, culture.Invalid("status", "点单状态无效。"))
		return
	}
	rows, err := s.consoleRequestRows(r.Context(), acc, filter)
	if err != nil {
		s.error(w, r, err)
		return
	}
	for i := range rows {
		if rows[i].ID == failedID && failed != nil {
			rows[i].Decline = failed
		}
	}
	s.render(w, r, status, "console_menu_requests", "", consoleRequestsPage{Page: s.page(r, "分馆点单"), Rows: rows, Status: filter})
}

// consoleRequestRows finds the requests in the account's subtrees.
func (s *Server) consoleRequestRows(ctx context.Context, acc *culture.Account, status string) ([]consoleRequestRow, error) {
	var st *string
	if status != "" {
		st = &status
	}
	units, err := s.consoleScope(ctx, acc, culture.ActRequestMenu)
	if err != nil {
		return nil, err
	}
	byID := map[int64]*culture.Unit{}
	for _, u := range units {
		byID[u.ID] = u.Unit
	}
	var rows []consoleRequestRow
	for _, root := range consoleRoots(acc, culture.ActRequestMenu) {
		reqs, err := s.Menu.FindRequests(ctx, root, st)
		if err != nil {
			return nil, err
		}
		for _, req := range reqs {
			u, open := byID[req.UnitID], req.Status == culture.RequestOpen
			plan := open && acc.Can(culture.ActPlanDeliveries, u)
			rows = append(rows, consoleRequestRow{MenuRequest: req, CanWithdraw: open && acc.Can(culture.ActRequestMenu, u),
				CanDecline: plan, CanPlan: plan, Decline: newConsoleForm("q" + strconv.FormatInt(req.ID, 10))})
		}
	}
	return rows, nil
}

// consoleRequestFormPage is a branch's request form.
type consoleRequestFormPage struct {
	Page
	Form  *consoleForm
	Items []*culture.MenuItem
	Units []consoleUnitRow
}

func (s *Server) handleConsoleRequestNew(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActRequestMenu) {
		s.error(w, r, errNoRequests)
		return
	}
	f := newConsoleForm("")
	f.Values["item_id"], f.Values["mode"] = r.URL.Query().Get("item"), culture.ModeFirstCome
	if roots := consoleRoots(acc, culture.ActRequestMenu); len(roots) == 1 {
		f.Values["unit_id"] = strconv.FormatInt(roots[0], 10)
	}
	s.renderRequestForm(w, r, http.StatusOK, f)
}

func (s *Server) handleConsoleRequestCreate(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActRequestMenu) {
		s.error(w, r, errNoRequests)
		return
	}
	if !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleRequestFields...)
	req := consoleRequestOf(f)
	req.CreatedBy = acc.ID
	if err := s.consoleCheckRequest(r.Context(), acc, f, req); err != nil {
		s.error(w, r, err)
		return
	}
	if f.Valid() {
		err := s.Menu.CreateRequest(r.Context(), req)
		if err == nil {
			s.flash(r, "已提交点单，等待总馆安排配送。")
			redirect(w, r, "/console/requests")
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderRequestForm(w, r, http.StatusUnprocessableEntity, f)
}

// consoleRequestOf reads the request form and runs the domain checks.
func consoleRequestOf(f *consoleForm) *culture.MenuRequest {
	req := &culture.MenuRequest{Status: culture.RequestOpen, PreferredDates: f.text("preferred_dates", "请填写期望时间。"),
		Audience: f.int("expected_audience", 0), Mode: f.Get("mode"), Note: f.Get("note")}
	if id := f.id("item_id"); id != nil {
		req.ItemID = *id
	} else {
		f.fail("item_id", "请选择菜单项目。")
	}
	if id := f.id("unit_id"); id != nil {
		req.UnitID = *id
	} else {
		f.fail("unit_id", "请选择分馆。")
	}
	if err := req.Validate(); err != nil {
		f.absorb(err)
	}
	return req
}

// consoleCheckRequest checks the unit (forbidden outside the account's
// scope) and that the item is on the menu; unknown ones are field
// messages.
func (s *Server) consoleCheckRequest(ctx context.Context, acc *culture.Account, f *consoleForm, req *culture.MenuRequest) error {
	if req.UnitID != 0 {
		_, err := s.consoleUnitFor(ctx, acc, culture.ActRequestMenu, req.UnitID)
		if culture.ErrorCode(err) == culture.ENOTFOUND {
			f.fail("unit_id", "所选分馆不存在。")
		} else if err != nil {
			return err
		}
	}
	if req.ItemID == 0 {
		return nil
	}
	item, err := s.Menu.FindMenuItemByID(ctx, req.ItemID)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND:
		f.fail("item_id", "所选菜单项目不存在。")
	case err != nil:
		return err
	case item.Status != culture.ItemPublished:
		f.fail("item_id", "该项目未上架，不能点单。")
	}
	return nil
}

func (s *Server) renderRequestForm(w http.ResponseWriter, r *http.Request, status int, f *consoleForm) {
	acc := consoleAccount(r)
	items, err := s.consolePublishedItems(r.Context(), acc, culture.ActRequestMenu)
	var units []consoleUnitRow
	if err == nil {
		units, err = s.consoleScope(r.Context(), acc, culture.ActRequestMenu)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "console_menu_request_form", "", consoleRequestFormPage{
		Page: s.page(r, "分馆点单"), Form: f, Items: items, Units: units})
}

// consoleRequestAction loads the request named by the path for an action
// that needs act at its unit, and parses the form. On failure it answers.
func (s *Server) consoleRequestAction(w http.ResponseWriter, r *http.Request, act string) (*culture.MenuRequest, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	req, err := s.Menu.FindRequestByID(r.Context(), id)
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), consoleAccount(r), act, req.UnitID)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return req, s.consoleParseForm(w, r)
}

func (s *Server) handleConsoleRequestWithdraw(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleRequestAction(w, r, culture.ActRequestMenu)
	if !ok {
		return
	}
	if err := s.Menu.SetRequestStatus(r.Context(), req.ID, culture.RequestWithdrawn, ""); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已撤回点单：“"+req.ItemTitle+"”。")
	redirect(w, r, "/console/requests")
}

func (s *Server) handleConsoleRequestDecline(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleRequestAction(w, r, culture.ActPlanDeliveries)
	if !ok {
		return
	}
	f := consoleFormFrom(r, "q"+strconv.FormatInt(req.ID, 10), "reason")
	if reason := f.text("reason", "请填写未采纳的原因。"); f.Valid() {
		err := s.Menu.SetRequestStatus(r.Context(), req.ID, culture.RequestDeclined, reason)
		if err == nil {
			s.flash(r, "已回复分馆：未采纳“"+req.ItemTitle+"”。")
			redirect(w, r, "/console/requests")
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderRequests(w, r, http.StatusUnprocessableEntity, req.ID, f)
}
