package api

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// deliveryJSON is a delivery (配送) of a menu item to a branch.
type deliveryJSON struct {
	ID           int64      `json:"id"`
	ItemID       int64      `json:"item_id"`
	ItemTitle    string     `json:"item_title"`
	ProviderID   int64      `json:"provider_id"`
	ProviderName string     `json:"provider_name"`
	UnitID       int64      `json:"unit_id"`
	UnitName     string     `json:"unit_name"`
	RoomID       *int64     `json:"room_id"`
	RoomName     string     `json:"room_name"`
	RequestID    *int64     `json:"request_id"`
	StartsAt     *time.Time `json:"starts_at"`
	EndsAt       *time.Time `json:"ends_at"`
	Capacity     int        `json:"capacity"`
	Mode         string     `json:"mode"`
	ModeLabel    string     `json:"mode_label"`
	Status       string     `json:"status"`
	StatusLabel  string     `json:"status_label"`
	Reason       string     `json:"reason"`
	ActivityID   *int64     `json:"activity_id"`
	Cost         *int       `json:"cost"`
	Attendance   int        `json:"attendance"`
	Note         string     `json:"note"`
	CreatedBy    int64      `json:"created_by"`
	CreatedAt    *time.Time `json:"created_at"`
	ConfirmedAt  *time.Time `json:"confirmed_at"`
	HeldAt       *time.Time `json:"held_at"`
	SettledAt    *time.Time `json:"settled_at"`
	RatingAvg    float64    `json:"rating_avg"`
	RatingCount  int        `json:"rating_count"`
}

func newDeliveryJSON(d *culture.Delivery) deliveryJSON {
	return deliveryJSON{
		ID: d.ID, ItemID: d.ItemID, ItemTitle: d.ItemTitle, ProviderID: d.ProviderID, ProviderName: d.ProviderName,
		UnitID: d.UnitID, UnitName: d.UnitName, RoomID: d.RoomID, RoomName: d.RoomName, RequestID: d.RequestID,
		StartsAt: utc(d.StartsAt), EndsAt: utc(d.EndsAt), Capacity: d.Capacity, Mode: d.Mode,
		ModeLabel: culture.ModeLabels[d.Mode], Status: d.Status, StatusLabel: d.StatusLabel(), Reason: d.Reason,
		ActivityID: d.ActivityID, Cost: d.Cost, Attendance: d.Attendance, Note: d.Note, CreatedBy: d.CreatedBy,
		CreatedAt: utc(d.CreatedAt), ConfirmedAt: utcPtr(d.ConfirmedAt), HeldAt: utcPtr(d.HeldAt),
		SettledAt: utcPtr(d.SettledAt), RatingAvg: d.RatingAvg, RatingCount: d.RatingCount,
	}
}

// utcPtr returns *t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return utc(*t)
}

// deliveryList is a page of deliveries, by limit and offset.
type deliveryList struct {
	Items []deliveryJSON `json:"items"`
	Total int            `json:"total"`
}

// deliveryRequest plans a delivery.
type deliveryRequest struct {
	ItemID    int64  `json:"item_id"`
	UnitID    int64  `json:"unit_id"`
	RoomID    *int64 `json:"room_id"`
	RequestID *int64 `json:"request_id"`
	StartsAt  string `json:"starts_at"`
	EndsAt    string `json:"ends_at"`
	Capacity  int    `json:"capacity"`
	Mode      string `json:"mode"`
	Note      string `json:"note"`
}

// handleDeliveryCreate plans a delivery of a published item to a unit
// where the caller plans deliveries.
func (a *API) handleDeliveryCreate(w http.ResponseWriter, r *http.Request) {
	if !account(r.Context()).CanAnywhere(culture.ActPlanDeliveries) {
		a.writeError(w, r, culture.ErrForbidden)
		return
	}
	var body deliveryRequest
	err := decodeJSON(w, r, &body)
	var d *culture.Delivery
	if err == nil {
		d, err = a.buildDelivery(r.Context(), &body)
	}
	if err == nil {
		err = a.menu.PlanDelivery(r.Context(), d)
	}
	if err == nil {
		d, err = a.menu.FindDeliveryByID(r.Context(), d.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusCreated, newDeliveryJSON(d))
}

// buildDelivery turns a request into a delivery, valid and at a unit the
// caller plans for. The store checks the item (on the menu, of the unit's
// hub), the room and the request.
func (a *API) buildDelivery(ctx context.Context, body *deliveryRequest) (*culture.Delivery, error) {
	d := &culture.Delivery{
		ItemID: body.ItemID, UnitID: body.UnitID, RoomID: body.RoomID, RequestID: body.RequestID,
		Capacity: body.Capacity, Mode: body.Mode, Note: body.Note, Status: culture.DeliveryPlanned,
		CreatedBy: account(ctx).ID,
	}
	err := bodyTime("starts_at", body.StartsAt, true, &d.StartsAt)
	if err == nil {
		err = bodyTime("ends_at", body.EndsAt, true, &d.EndsAt)
	}
	if err == nil {
		err = d.Validate(a.now())
	}
	if err == nil {
		err = a.checkAt(ctx, culture.ActPlanDeliveries, "unit_id", d.UnitID)
	}
	return d, err
}

// checkAt checks that the caller may do act at the unit a request field
// names.
func (a *API) checkAt(ctx context.Context, act, field string, unitID int64) error {
	u, err := a.bodyUnit(ctx, field, unitID)
	if err != nil {
		return err
	}
	return account(ctx).Check(act, u)
}

// canSeeDeliveries reports whether the account may see deliveries to u:
// the hub that plans them and the branch that requests them.
func canSeeDeliveries(me *culture.Account, u *culture.Unit) bool {
	return me.Can(culture.ActPlanDeliveries, u) || me.Can(culture.ActRequestMenu, u)
}

// handleDeliveryIndex lists deliveries within a unit the caller sees
// deliveries of.
func (a *API) handleDeliveryIndex(w http.ResponseWriter, r *http.Request) {
	f, err := deliveryFilter(r.URL.Query())
	if err == nil {
		err = a.checkWithin(r.Context(), *f.Within)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeDeliveries(w, r, f)
}

// checkWithin checks that the caller sees deliveries at the unit.
func (a *API) checkWithin(ctx context.Context, unitID int64) error {
	u, err := a.units.FindUnitByID(ctx, unitID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("within", "参数 within 指定的单位不存在。")
	} else if err != nil {
		return err
	}
	if !canSeeDeliveries(account(ctx), u) {
		return culture.ErrForbidden
	}
	return nil
}

// deliveryFilter reads within (required), provider_id, status, season,
// limit and offset.
func deliveryFilter(q url.Values) (culture.DeliveryFilter, error) {
	f, err := deliveryPage(q)
	if err == nil {
		f.Within, err = queryID(q, "within")
	}
	if err == nil && f.Within == nil {
		err = culture.Invalid("within", "请用参数 within 指定单位。")
	}
	if err == nil {
		f.ProviderID, err = queryID(q, "provider_id")
	}
	return f, err
}

// deliveryPage reads status, season, limit and offset.
func deliveryPage(q url.Values) (culture.DeliveryFilter, error) {
	var f culture.DeliveryFilter
	var err error
	f.Limit, f.Offset, err = limitOffset(q)
	if s := q.Get("status"); err == nil && s != "" {
		if _, ok := culture.DeliveryStatusLabels[s]; !ok {
			return f, culture.Invalid("status", "参数 status 不是有效的配送状态。")
		}
		f.Status = &s
	}
	if s := q.Get("season"); err == nil && s != "" {
		var season culture.Season
		season, err = parseSeason(s)
		f.Season = &season
	}
	return f, err
}

// writeDeliveries finds deliveries and writes them as a list.
func (a *API) writeDeliveries(w http.ResponseWriter, r *http.Request, f culture.DeliveryFilter) {
	found, total, err := a.menu.FindDeliveries(r.Context(), f)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	out := deliveryList{Items: make([]deliveryJSON, 0, len(found)), Total: total}
	for _, d := range found {
		out.Items = append(out.Items, newDeliveryJSON(d))
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// handleProviderDeliveries lists a provider's deliveries, for its staff
// and the hub's reviewers.
func (a *API) handleProviderDeliveries(w http.ResponseWriter, r *http.Request) {
	p, err := a.ownProvider(r)
	var f culture.DeliveryFilter
	if err == nil {
		f, err = deliveryPage(r.URL.Query())
		f.ProviderID = &p.ID
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeDeliveries(w, r, f)
}

// handleDeliveryView shows a delivery to its provider's staff and to staff
// who plan or request deliveries at its unit.
func (a *API) handleDeliveryView(w http.ResponseWriter, r *http.Request) {
	d, err := a.pathDelivery(r)
	if err == nil && !account(r.Context()).IsProviderStaff(d.ProviderID) {
		err = a.checkDeliveryUnit(r.Context(), d, canSeeDeliveries)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newDeliveryJSON(d))
}

// pathDelivery finds the delivery named by the path.
func (a *API) pathDelivery(r *http.Request) (*culture.Delivery, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return a.menu.FindDeliveryByID(r.Context(), id)
}

// checkDeliveryUnit returns ErrForbidden unless may holds for the caller
// at the delivery's unit.
func (a *API) checkDeliveryUnit(ctx context.Context, d *culture.Delivery, may func(*culture.Account, *culture.Unit) bool) error {
	u, err := a.units.FindUnitByID(ctx, d.UnitID)
	if err != nil {
		return err
	} else if !may(account(ctx), u) {
		return culture.ErrForbidden
	}
	return nil
}

// can returns a check of one action, for checkDeliveryUnit.
func can(act string) func(*culture.Account, *culture.Unit) bool {
	return func(me *culture.Account, u *culture.Unit) bool { return me.Can(act, u) }
}

// handleDeliveryConfirm is the provider's yes: the activity is created at
// the branch.
func (a *API) handleDeliveryConfirm(w http.ResponseWriter, r *http.Request) {
	a.answerDelivery(w, r, true)
}

// handleDeliveryDecline is the provider's no, with a reason.
func (a *API) handleDeliveryDecline(w http.ResponseWriter, r *http.Request) {
	a.answerDelivery(w, r, false)
}

// answerDelivery confirms or declines a delivery for its provider's staff;
// anyone else is forbidden.
func (a *API) answerDelivery(w http.ResponseWriter, r *http.Request, confirm bool) {
	d, err := a.pathDelivery(r)
	if err == nil && !account(r.Context()).IsProviderStaff(d.ProviderID) {
		err = culture.ErrForbidden
	}
	reason := ""
	if err == nil && !confirm {
		reason, err = readReason(w, r)
	}
	if err == nil {
		d, err = a.menu.ConfirmDelivery(r.Context(), d.ID, d.ProviderID, confirm, reason)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newDeliveryJSON(d))
}

// handleDeliveryCancel cancels a delivery (and its activity), for staff
// who plan deliveries at its unit.
func (a *API) handleDeliveryCancel(w http.ResponseWriter, r *http.Request) {
	d, err := a.pathDelivery(r)
	if err == nil {
		err = a.checkDeliveryUnit(r.Context(), d, can(culture.ActPlanDeliveries))
	}
	reason := ""
	if err == nil {
		reason, err = readReason(w, r)
	}
	if err == nil {
		err = a.menu.CancelDelivery(r.Context(), d.ID, reason)
	}
	if err == nil {
		d, err = a.menu.FindDeliveryByID(r.Context(), d.ID)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newDeliveryJSON(d))
}

// settleRequest records a delivery's cost.
type settleRequest struct {
	Cost *int `json:"cost"`
}

// handleDeliverySettle records the cost of a held delivery, for staff who
// plan deliveries at its unit.
func (a *API) handleDeliverySettle(w http.ResponseWriter, r *http.Request) {
	d, err := a.pathDelivery(r)
	if err == nil {
		err = a.checkDeliveryUnit(r.Context(), d, can(culture.ActPlanDeliveries))
	}
	var body settleRequest
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if err == nil && (body.Cost == nil || *body.Cost < 0 || *body.Cost > culture.MaxItemCost) {
		err = culture.Invalid("cost", "费用应在 0 到 1000000 元之间。")
	}
	if err == nil {
		d, err = a.menu.UpdateDelivery(r.Context(), d.ID, culture.DeliveryUpdate{Cost: body.Cost})
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newDeliveryJSON(d))
}

// modeRequest changes a planned delivery's allocation mode.
type modeRequest struct {
	Mode string `json:"mode"`
}

// handleDeliveryPatch changes the allocation mode of a planned delivery,
// for staff who request the menu at its unit (the branch chooses).
func (a *API) handleDeliveryPatch(w http.ResponseWriter, r *http.Request) {
	d, err := a.pathDelivery(r)
	if err == nil {
		err = a.checkDeliveryUnit(r.Context(), d, can(culture.ActRequestMenu))
	}
	var body modeRequest
	if err == nil {
		err = decodeJSON(w, r, &body)
	}
	if _, ok := culture.ModeLabels[body.Mode]; err == nil && !ok {
		err = culture.Invalid("mode", "请选择预约方式。")
	}
	if err == nil {
		d, err = a.menu.UpdateDelivery(r.Context(), d.ID, culture.DeliveryUpdate{Mode: &body.Mode})
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newDeliveryJSON(d))
}
