package api

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// parseSeason reads a season written "2026Q4".
func parseSeason(s string) (culture.Season, error) {
	season := culture.Season(s) // Bounds accepts only the exact form
	if _, _, err := season.Bounds(); err != nil {
		return "", err
	}
	return season, nil
}

// querySeason reads the season parameter; the current one by default.
func (a *API) querySeason(q url.Values) (culture.Season, error) {
	if s := q.Get("season"); s != "" {
		return parseSeason(s)
	}
	return culture.SeasonOf(a.now()), nil
}

// queryUnitParam reads a required unit parameter that must name a unit.
func (a *API) queryUnitParam(ctx context.Context, q url.Values, name string) (*culture.Unit, error) {
	id, err := queryID(q, name)
	if err != nil {
		return nil, err
	} else if id == nil {
		return nil, culture.Invalid(name, "请用参数 "+name+" 指定单位。")
	}
	u, err := a.units.FindUnitByID(ctx, *id)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, culture.Invalid(name, "参数 "+name+" 指定的单位不存在。")
	}
	return u, err
}

// supportJSON is a resident's support (点单) of a menu item for a branch.
type supportJSON struct {
	ID        int64      `json:"id"`
	ItemID    int64      `json:"item_id"`
	ItemTitle string     `json:"item_title"`
	UnitID    int64      `json:"unit_id"`
	UnitName  string     `json:"unit_name"`
	Season    string     `json:"season"`
	CreatedAt *time.Time `json:"created_at"`
}

func newSupportJSON(s *culture.Support) supportJSON {
	return supportJSON{ID: s.ID, ItemID: s.ItemID, ItemTitle: s.ItemTitle, UnitID: s.UnitID,
		UnitName: s.UnitName, Season: string(s.Season), CreatedAt: utc(s.CreatedAt)}
}

// supportRequest names the branch a support is for; without it, the
// resident's home branch.
type supportRequest struct {
	UnitID *int64 `json:"unit_id"`
}

// handleSupportCreate records the caller's support of a published item
// this season.
func (a *API) handleSupportCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var body supportRequest
	if err == nil && hasBody(r) {
		err = decodeJSON(w, r, &body)
	}
	var unitID int64
	if err == nil && body.UnitID != nil {
		unitID = *body.UnitID
		_, err = a.bodyUnit(r.Context(), "unit_id", unitID)
	}
	var s *culture.Support
	if err == nil {
		s, err = a.menu.Support(r.Context(), account(r.Context()).ID, id, unitID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newSupportJSON(s))
}

// handleSupportDelete withdraws the caller's support of the item.
func (a *API) handleSupportDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = a.menu.WithdrawSupport(r.Context(), account(r.Context()).ID, id)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// supportsReply is the caller's supports in a season and the quota.
type supportsReply struct {
	Season      string        `json:"season"`
	SeasonLabel string        `json:"season_label"`
	Quota       int           `json:"quota"`
	Remaining   int           `json:"remaining"`
	Items       []supportJSON `json:"items"`
}

// handleMySupports lists the caller's supports of a season (the current
// one by default) with what is left of the quota.
func (a *API) handleMySupports(w http.ResponseWriter, r *http.Request) {
	season, err := a.querySeason(r.URL.Query())
	var found []*culture.Support
	if err == nil {
		found, err = a.menu.FindSupports(r.Context(), account(r.Context()).ID, season)
	}
	quota := 0
	if err == nil {
		quota, err = a.menu.SupportQuota(r.Context())
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := supportsReply{Season: string(season), SeasonLabel: season.Label(), Quota: quota,
		Remaining: max(0, quota-len(found)), Items: make([]supportJSON, 0, len(found))}
	for _, s := range found {
		out.Items = append(out.Items, newSupportJSON(s))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// requestJSON is a branch's request for a menu item.
type requestJSON struct {
	ID             int64      `json:"id"`
	ItemID         int64      `json:"item_id"`
	ItemTitle      string     `json:"item_title"`
	ProviderName   string     `json:"provider_name"`
	UnitID         int64      `json:"unit_id"`
	UnitName       string     `json:"unit_name"`
	Status         string     `json:"status"`
	StatusLabel    string     `json:"status_label"`
	PreferredDates string     `json:"preferred_dates"`
	Audience       int        `json:"expected_audience"`
	Mode           string     `json:"mode"`
	ModeLabel      string     `json:"mode_label"`
	Note           string     `json:"note"`
	Reason         string     `json:"reason"`
	DeliveryID     *int64     `json:"delivery_id"`
	CreatedBy      int64      `json:"created_by"`
	CreatedAt      *time.Time `json:"created_at"`
}

func newRequestJSON(m *culture.MenuRequest) requestJSON {
	return requestJSON{
		ID: m.ID, ItemID: m.ItemID, ItemTitle: m.ItemTitle, ProviderName: m.ProviderName, UnitID: m.UnitID,
		UnitName: m.UnitName, Status: m.Status, StatusLabel: culture.RequestStatusLabels[m.Status],
		PreferredDates: m.PreferredDates, Audience: m.Audience, Mode: m.Mode, ModeLabel: culture.ModeLabels[m.Mode],
		Note: m.Note, Reason: m.Reason, DeliveryID: m.DeliveryID, CreatedBy: m.CreatedBy, CreatedAt: utc(m.CreatedAt),
	}
}

func newRequestList(found []*culture.MenuRequest) []requestJSON {
	out := make([]requestJSON, 0, len(found))
	for _, m := range found {
		out = append(out, newRequestJSON(m))
	}
	return out
}

// requestBody files a branch's request.
type requestBody struct {
	ItemID         int64  `json:"item_id"`
	UnitID         int64  `json:"unit_id"`
	PreferredDates string `json:"preferred_dates"`
	Audience       int    `json:"expected_audience"`
	Mode           string `json:"mode"`
	Note           string `json:"note"`
}

// handleRequestCreate files a request for a unit where the caller
// requests the menu.
func (a *API) handleRequestCreate(w http.ResponseWriter, r *http.Request) {
	me := account(r.Context())
	if !me.CanAnywhere(culture.ActRequestMenu) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	var body requestBody
	err := decodeJSON(w, r, &body)
	req := &culture.MenuRequest{ItemID: body.ItemID, UnitID: body.UnitID, Status: culture.RequestOpen,
		PreferredDates: body.PreferredDates, Audience: body.Audience, Mode: body.Mode, Note: body.Note, CreatedBy: me.ID}
	if err == nil {
		err = req.Validate()
	}
	if err == nil {
		err = a.checkAt(r.Context(), culture.ActRequestMenu, "unit_id", req.UnitID)
	}
	if err == nil {
		err = a.checkRequestItem(r.Context(), req.ItemID)
	}
	if err == nil {
		err = a.menu.CreateRequest(r.Context(), req)
	}
	a.writeRequest(w, r, http.StatusCreated, req.ID, err)
}

// checkRequestItem checks that a request names an existing item; the
// store refuses one not on the menu (not_published).
func (a *API) checkRequestItem(ctx context.Context, itemID int64) error {
	if itemID <= 0 {
		return culture.Invalid("item_id", "请选择菜单项目。")
	}
	_, err := a.menu.FindMenuItemByID(ctx, itemID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("item_id", "菜单项目不存在。")
	}
	return err
}

// writeRequest writes err, or the request as it now is.
func (a *API) writeRequest(w http.ResponseWriter, r *http.Request, status int, id int64, err error) {
	var req *culture.MenuRequest
	if err == nil {
		req, err = a.menu.FindRequestByID(r.Context(), id)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, status, newRequestJSON(req))
}

// handleRequestIndex lists the requests within a unit where the caller
// requests the menu, optionally of one status.
func (a *API) handleRequestIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	u, err := a.queryUnitParam(r.Context(), q, "within")
	var status *string
	if s := q.Get("status"); err == nil && s != "" {
		if _, ok := culture.RequestStatusLabels[s]; !ok {
			err = culture.Invalid("status", "参数 status 不是有效的点单状态。")
		}
		status = &s
	}
	if err == nil {
		err = account(r.Context()).Check(culture.ActRequestMenu, u)
	}
	var found []*culture.MenuRequest
	if err == nil {
		found, err = a.menu.FindRequests(r.Context(), u.ID, status)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, items[requestJSON]{Items: newRequestList(found)})
}

// handleRequestWithdraw withdraws an open request, for staff who request
// the menu at its unit.
func (a *API) handleRequestWithdraw(w http.ResponseWriter, r *http.Request) {
	req, err := a.pathRequest(r, culture.ActRequestMenu)
	if err == nil {
		err = a.menu.SetRequestStatus(r.Context(), req.ID, culture.RequestWithdrawn, "")
	}
	a.writeRequest(w, r, http.StatusOK, req.ID, err)
}

// handleRequestDecline turns an open request down with a reason, for
// staff who plan deliveries at its unit (the hub).
func (a *API) handleRequestDecline(w http.ResponseWriter, r *http.Request) {
	req, err := a.pathRequest(r, culture.ActPlanDeliveries)
	reason := ""
	if err == nil {
		reason, err = readReason(w, r)
	}
	if err == nil {
		err = a.menu.SetRequestStatus(r.Context(), req.ID, culture.RequestDeclined, reason)
	}
	a.writeRequest(w, r, http.StatusOK, req.ID, err)
}

// pathRequest finds the request of the path and checks that the caller
// may do act at its unit. It never returns nil, so callers may read the
// id after an error.
func (a *API) pathRequest(r *http.Request, act string) (*culture.MenuRequest, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return &culture.MenuRequest{}, err
	}
	req, err := a.menu.FindRequestByID(r.Context(), id)
	if err != nil {
		return &culture.MenuRequest{}, err
	}
	u, err := a.units.FindUnitByID(r.Context(), req.UnitID)
	if err == nil {
		err = account(r.Context()).Check(act, u)
	}
	return req, err
}

// staffUnitSeason reads unit_id and season for the demand and figures
// views: the caller must file menu requests at the unit (branch admins
// there, hub staff above it). Other staff covering the unit, such as
// checkers or a provider's staff at the hub, may not see its demand and
// budgets.
func (a *API) staffUnitSeason(r *http.Request) (*culture.Unit, culture.Season, error) {
	q := r.URL.Query()
	if !account(r.Context()).IsStaff() {
		return nil, "", culture.ErrForbidden
	}
	u, err := a.queryUnitParam(r.Context(), q, "unit_id")
	if err != nil {
		return nil, "", err
	}
	season, err := a.querySeason(q)
	if err == nil {
		err = account(r.Context()).Check(culture.ActRequestMenu, u)
	}
	return u, season, err
}

// demandJSON is what residents and branches asked for within a unit in a
// season.
type demandJSON struct {
	UnitID      int64            `json:"unit_id"`
	Season      string           `json:"season"`
	SeasonLabel string           `json:"season_label"`
	Supports    int              `json:"supports"`
	Items       []demandRowJSON  `json:"items"`
	Requests    []requestJSON    `json:"requests"`
	Trend       []demandWeekJSON `json:"trend"`
}

// demandRowJSON is one item's demand.
type demandRowJSON struct {
	ItemID       int64  `json:"item_id"`
	ItemTitle    string `json:"item_title"`
	ProviderName string `json:"provider_name"`
	Category     string `json:"category"`
	Supports     int    `json:"supports"`
	Requests     int    `json:"requests"`
}

// demandWeekJSON is one week's new supports and requests.
type demandWeekJSON struct {
	Week     *time.Time `json:"week"`
	Supports int        `json:"supports"`
	Requests int        `json:"requests"`
}

func newDemandJSON(b *culture.DemandBoard) demandJSON {
	v := demandJSON{UnitID: b.UnitID, Season: string(b.Season), SeasonLabel: b.Season.Label(), Supports: b.Supports,
		Items: []demandRowJSON{}, Requests: newRequestList(b.Requests), Trend: []demandWeekJSON{}}
	for _, x := range b.Items {
		v.Items = append(v.Items, demandRowJSON{ItemID: x.ItemID, ItemTitle: x.ItemTitle,
			ProviderName: x.ProviderName, Category: x.Category, Supports: x.Supports, Requests: x.Requests})
	}
	for _, x := range b.Trend {
		v.Trend = append(v.Trend, demandWeekJSON{Week: utc(x.Week), Supports: x.Supports, Requests: x.Requests})
	}
	return v
}

// handleDemand shows the demand board of a unit's subtree in a season.
func (a *API) handleDemand(w http.ResponseWriter, r *http.Request) {
	u, season, err := a.staffUnitSeason(r)
	var b *culture.DemandBoard
	if err == nil {
		b, err = a.menu.DemandBoard(r.Context(), u.ID, season)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newDemandJSON(b))
}

// figuresJSON is a branch's delivery figures in a season.
type figuresJSON struct {
	UnitID     int64   `json:"unit_id"`
	UnitName   string  `json:"unit_name"`
	Requests   int     `json:"requests"`
	Delivered  int     `json:"delivered"`
	Rate       float64 `json:"fulfilment_rate"`
	BudgetUsed int     `json:"budget_used"`
}

// figuresReply lists the figures of each branch in a unit's subtree.
type figuresReply struct {
	Season      string        `json:"season"`
	SeasonLabel string        `json:"season_label"`
	Items       []figuresJSON `json:"items"`
}

// handleFigures shows fulfilment and budget per branch within a unit.
func (a *API) handleFigures(w http.ResponseWriter, r *http.Request) {
	u, season, err := a.staffUnitSeason(r)
	var found []*culture.BranchFigures
	if err == nil {
		found, err = a.menu.BranchFigures(r.Context(), u.ID, season)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := figuresReply{Season: string(season), SeasonLabel: season.Label(), Items: make([]figuresJSON, 0, len(found))}
	for _, x := range found {
		out.Items = append(out.Items, figuresJSON{UnitID: x.UnitID, UnitName: x.UnitName, Requests: x.Requests,
			Delivered: x.Delivered, Rate: x.Rate, BudgetUsed: x.Budget})
	}
	a.writeJSON(w, r, http.StatusOK, out)
}
