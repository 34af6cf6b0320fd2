package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// errNoDeliveries refuses accounts that neither plan nor request
// deliveries.
var errNoDeliveries = culture.Errorf(culture.EFORBIDDEN, "您没有查看配送的权限。")

// consoleDeliveryFields are the inputs of the planning form. Times are
// Asia/Shanghai wall times: date "2006-01-02", start and end "15:04".
var consoleDeliveryFields = []string{"item_id", "unit_id", "room_id", "date", "start", "end",
	"capacity", "mode", "note", "request_id"}

// consoleDeliveriesPage lists deliveries to the account's units.
type consoleDeliveriesPage struct {
	Page
	Deliveries []*culture.Delivery
	Status     string
	CanPlan    bool
}

// Statuses lists the statuses to filter by, in lifecycle order.
func (consoleDeliveriesPage) Statuses() []culture.Label {
	var out []culture.Label
	for _, st := range append(culture.DeliveryLifecycle[1:], culture.DeliveryDeclined, culture.DeliveryCancelled) {
		out = append(out, culture.Label{Value: st, Name: culture.DeliveryStatusLabels[st]})
	}
	return out
}

func (s *Server) handleConsoleDeliveries(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	roots := consoleRoots(acc, culture.ActPlanDeliveries, culture.ActRequestMenu)
	if len(roots) == 0 {
		s.error(w, r, errNoDeliveries)
		return
	}
	f := culture.DeliveryFilter{Limit: 300}
	status := r.URL.Query().Get("status")
	if status != "" {
		if _, ok := culture.DeliveryStatusLabels[status]; !ok {
			s.error(w, r, culture.Invalid("status", "配送状态无效。"))
			return
		}
		f.Status = &status
	}
	list, err := s.consoleDeliveriesIn(r.Context(), roots, f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_delivery_list", "", consoleDeliveriesPage{Page: s.page(r, "配送"),
		Deliveries: list, Status: status, CanPlan: acc.CanAnywhere(culture.ActPlanDeliveries)})
}

// consoleDeliveriesIn finds the deliveries matching f in the subtrees of
// roots, latest first.
func (s *Server) consoleDeliveriesIn(ctx context.Context, roots []int64, f culture.DeliveryFilter) ([]*culture.Delivery, error) {
	var out []*culture.Delivery
	for _, root := range roots {
		f.Within = &root
		ds, _, err := s.Menu.FindDeliveries(ctx, f)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	slices.SortStableFunc(out, func(a, b *culture.Delivery) int { return b.StartsAt.Compare(a.StartsAt) })
	return slices.CompactFunc(out, func(a, b *culture.Delivery) bool { return a.ID == b.ID }), nil
}

// consoleDeliveryFormPage is the planning form.
type consoleDeliveryFormPage struct {
	Page
	Form    *consoleForm
	Items   []*culture.MenuItem
	Units   []consoleUnitRow
	Rooms   []*culture.Room
	Request *culture.MenuRequest
}

func (s *Server) handleConsoleDeliveryNew(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActPlanDeliveries) {
		s.error(w, r, culture.ErrForbidden)
		return
	}
	f := newConsoleForm("")
	f.Values["mode"] = culture.ModeFirstCome
	f.Values["item_id"] = r.URL.Query().Get("item")
	req, err := s.consolePrefillRequest(r.Context(), acc, f, r.URL.Query().Get("request"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.renderDeliveryForm(w, r, http.StatusOK, f, req)
}

// consolePrefillRequest fills the form from the request named (if any),
// which must lie where the account plans deliveries.
func (s *Server) consolePrefillRequest(ctx context.Context, acc *culture.Account, f *consoleForm, v string) (*culture.MenuRequest, error) {
	if v == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return nil, culture.Errorf(culture.ENOTFOUND, "点单不存在。")
	}
	req, err := s.Menu.FindRequestByID(ctx, id)
	if err == nil {
		_, err = s.consoleUnitFor(ctx, acc, culture.ActPlanDeliveries, req.UnitID)
	}
	if err != nil {
		return nil, err
	}
	v2 := f.Values
	v2["request_id"], v2["item_id"], v2["unit_id"] = v, strconv.FormatInt(req.ItemID, 10), strconv.FormatInt(req.UnitID, 10)
	v2["mode"], v2["capacity"], v2["note"] = req.Mode, strconv.Itoa(req.Audience), req.Note
	return req, nil
}

func (s *Server) handleConsoleDeliveryCreate(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActPlanDeliveries) {
		s.error(w, r, culture.ErrForbidden)
		return
	}
	if !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleDeliveryFields...)
	d := consoleDeliveryOf(f)
	d.CreatedBy = acc.ID
	if err := s.consoleCheckDelivery(r.Context(), acc, f, d); err != nil {
		s.error(w, r, err)
		return
	}
	if err := d.Validate(s.Now()); err != nil {
		consoleAbsorbDelivery(f, err)
	}
	if f.Valid() {
		err := s.Menu.PlanDelivery(r.Context(), d)
		if err == nil {
			s.flash(r, "已计划配送，等待文化主体确认。")
			redirect(w, r, consoleDeliveryURL(d.ID))
			return
		} else if !consoleAbsorbDelivery(f, err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderDeliveryForm(w, r, http.StatusUnprocessableEntity, f, nil)
}

// consoleAbsorbDelivery absorbs a refusal, naming the form's time fields
// for the delivery's.
func consoleAbsorbDelivery(f *consoleForm, err error) bool {
	var e *culture.Error
	if errors.As(err, &e) {
		renamed := *e
		renamed.Field = map[string]string{"starts_at": "start", "ends_at": "end"}[e.Field]
		if renamed.Field == "" {
			renamed.Field = e.Field
		}
		err = &renamed
	}
	return f.absorb(err)
}

// consoleDeliveryOf reads the planning form, noting problems on f.
func consoleDeliveryOf(f *consoleForm) *culture.Delivery {
	d := &culture.Delivery{RoomID: f.id("room_id"), RequestID: f.id("request_id"),
		Capacity: f.intIn("capacity", 0, 1, 10000, "名额应在 1 到 10000 之间。"),
		Mode:     f.text("mode", "请选择预约方式。"), Note: f.Get("note"), Status: culture.DeliveryPlanned}
	if id := f.id("item_id"); id != nil {
		d.ItemID = *id
	} else {
		f.fail("item_id", "请选择菜单项目。")
	}
	if id := f.id("unit_id"); id != nil {
		d.UnitID = *id
	} else {
		f.fail("unit_id", "请选择配送到的分馆。")
	}
	d.StartsAt, d.EndsAt = consoleDeliveryTimes(f)
	return d
}

// consoleDeliveryTimes reads the date and the start and end clock times,
// in Asia/Shanghai, and returns them in UTC.
func consoleDeliveryTimes(f *consoleForm) (start, end time.Time) {
	date := f.text("date", "请填写日期。")
	if _, err := time.Parse("2006-01-02", date); date != "" && err != nil {
		f.fail("date", "日期格式无效，请按“年-月-日”填写。")
		return
	}
	at := func(name, msg string) time.Time {
		v := f.text(name, msg)
		t, err := time.ParseInLocation("2006-01-02 15:04", date+" "+v, culture.Shanghai)
		if v != "" && err != nil {
			f.fail(name, "时间格式无效，请按“时:分”填写。")
		}
		return t.UTC()
	}
	start, end = at("start", "请填写开始时间。"), at("end", "请填写结束时间。")
	if date == "" {
		return time.Time{}, time.Time{}
	}
	return start, end
}

// consoleCheckDelivery checks the chosen unit (forbidden outside the
// account's planning scope) and item (whose provider the delivery goes
// to); unknown ones are field messages.
func (s *Server) consoleCheckDelivery(ctx context.Context, acc *culture.Account, f *consoleForm, d *culture.Delivery) error {
	if d.UnitID != 0 {
		_, err := s.consoleUnitFor(ctx, acc, culture.ActPlanDeliveries, d.UnitID)
		if culture.ErrorCode(err) == culture.ENOTFOUND {
			f.fail("unit_id", "所选分馆不存在。")
		} else if err != nil {
			return err
		}
	}
	if d.ItemID == 0 {
		return nil
	}
	item, err := s.Menu.FindMenuItemByID(ctx, d.ItemID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		f.fail("item_id", "所选菜单项目不存在。")
		return nil
	} else if err != nil {
		return err
	}
	d.ProviderID = item.ProviderID
	return nil
}

// renderDeliveryForm shows the planning form with the published items of
// the account's hubs (with their ratings), its units and their rooms.
func (s *Server) renderDeliveryForm(w http.ResponseWriter, r *http.Request, status int, f *consoleForm, req *culture.MenuRequest) {
	ctx, acc := r.Context(), consoleAccount(r)
	data := consoleDeliveryFormPage{Page: s.page(r, "计划配送"), Form: f, Request: req}
	items, err := s.consolePublishedItems(ctx, acc, culture.ActPlanDeliveries)
	if err == nil {
		data.Items = items
		data.Units, data.Rooms, err = s.consoleUnitsAndRooms(ctx, acc, culture.ActPlanDeliveries)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "console_delivery_form", "", data)
}

// consolePublishedItems lists the published items of the hubs above the
// units where acc may do act.
func (s *Server) consolePublishedItems(ctx context.Context, acc *culture.Account, act string) ([]*culture.MenuItem, error) {
	var out []*culture.MenuItem
	seen := map[int64]bool{}
	for _, root := range consoleRoots(acc, act) {
		u, err := s.Units.FindUnitByID(ctx, root)
		if err != nil {
			return nil, err
		}
		hubs, err := s.consoleHubsAt(ctx, u)
		if err != nil {
			return nil, err
		}
		for _, hub := range hubs {
			if seen[hub] {
				continue
			}
			seen[hub] = true
			items, _, err := s.Menu.FindMenuItems(ctx, culture.MenuFilter{HubID: &hub, Sort: "supports", Limit: 500})
			if err != nil {
				return nil, err
			}
			out = append(out, items...)
		}
	}
	return out, nil
}

// consoleHubsAt returns the hub above u, or for a unit above hubs (a
// city) every hub below it.
func (s *Server) consoleHubsAt(ctx context.Context, u *culture.Unit) ([]int64, error) {
	if hub, err := s.consoleHubOf(ctx, u); err == nil {
		return []int64{hub.ID}, nil
	} else if culture.ErrorCode(err) != culture.ENOTFOUND {
		return nil, err
	}
	kind := culture.UnitHub
	hubs, _, err := s.Units.FindUnits(ctx, culture.UnitFilter{Kind: &kind, Within: &u.ID})
	ids := make([]int64, len(hubs))
	for i, h := range hubs {
		ids[i] = h.ID
	}
	return ids, err
}

// consoleUnitsAndRooms returns the units where acc may do act and their
// rooms.
func (s *Server) consoleUnitsAndRooms(ctx context.Context, acc *culture.Account, act string) ([]consoleUnitRow, []*culture.Room, error) {
	units, err := s.consoleScope(ctx, acc, act)
	if err != nil {
		return nil, nil, err
	}
	var rooms []*culture.Room
	for _, u := range units {
		rs, err := s.Units.FindRooms(ctx, u.ID)
		if err != nil {
			return nil, nil, err
		}
		rooms = append(rooms, rs...)
	}
	return units, rooms, nil
}

func consoleDeliveryURL(id int64) string { return fmt.Sprintf("/console/deliveries/%d", id) }

// consoleDeliveryPage shows one delivery: its lifecycle and what the
// viewer may do next.
type consoleDeliveryPage struct {
	Page
	Delivery *culture.Delivery
	Request  *culture.MenuRequest
	Steps    []consoleStep
	// ActivityURL links the activity: the console page for its managers,
	// else the public page.
	ActivityURL string
	// What the viewer may do now.
	CanConfirm, CanMode, CanCancel, CanSettle bool
	// Forms holds a failed action's form by action name.
	Forms map[string]*consoleForm
}

// Form returns the form of an action: the failed one, else a blank one.
func (p consoleDeliveryPage) Form(action string) *consoleForm {
	if f := p.Forms[action]; f != nil {
		return f
	}
	f := newConsoleForm(action)
	if action == "mode" {
		f.Values["mode"] = p.Delivery.Mode
	}
	return f
}

// consoleStep is one step of the lifecycle timeline.
type consoleStep struct {
	Name string
	At   *time.Time
	Done bool
}

// consoleStepNames names the lifecycle steps (culture.DeliveryLifecycle).
var consoleStepNames = map[string]string{"ordered": "分馆点单", culture.DeliveryPlanned: "总馆计划",
	culture.DeliveryConfirmed: "主体确认", culture.DeliveryPublished: "活动发布", culture.DeliveryHeld: "活动举办",
	culture.DeliveryRated: "观众评价", culture.DeliverySettled: "费用结算"}

// consoleDeliveryFor loads a delivery for its provider's staff and the
// staff who plan or request deliveries at its unit.
func (s *Server) consoleDeliveryFor(ctx context.Context, acc *culture.Account, id int64) (*culture.Delivery, *culture.Unit, error) {
	d, err := s.Menu.FindDeliveryByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	u, err := s.Units.FindUnitByID(ctx, d.UnitID)
	if err != nil {
		return nil, nil, err
	}
	if !acc.IsProviderStaff(d.ProviderID) && !acc.Can(culture.ActPlanDeliveries, u) && !acc.Can(culture.ActRequestMenu, u) {
		return nil, nil, culture.ErrForbidden
	}
	return d, u, nil
}

// consoleDeliveryPath loads the delivery named by the path (see
// consoleDeliveryFor). On failure it answers.
func (s *Server) consoleDeliveryPath(w http.ResponseWriter, r *http.Request) (*culture.Delivery, *culture.Unit, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, nil, false
	}
	d, u, err := s.consoleDeliveryFor(r.Context(), consoleAccount(r), id)
	if err != nil {
		s.error(w, r, err)
		return nil, nil, false
	}
	return d, u, true
}

func (s *Server) handleConsoleDeliveryView(w http.ResponseWriter, r *http.Request) {
	if d, u, ok := s.consoleDeliveryPath(w, r); ok {
		s.renderDelivery(w, r, http.StatusOK, d, u, nil)
	}
}

func (s *Server) renderDelivery(w http.ResponseWriter, r *http.Request, status int, d *culture.Delivery, u *culture.Unit, forms map[string]*consoleForm) {
	acc := consoleAccount(r)
	var req *culture.MenuRequest
	if d.RequestID != nil {
		var err error
		if req, err = s.Menu.FindRequestByID(r.Context(), *d.RequestID); err != nil {
			s.error(w, r, err)
			return
		}
	}
	plan := acc.Can(culture.ActPlanDeliveries, u)
	data := consoleDeliveryPage{Page: s.page(r, "配送 · "+d.ItemTitle), Delivery: d, Request: req,
		Steps: consoleSteps(d, req), Forms: forms,
		CanConfirm: d.Status == culture.DeliveryPlanned && acc.IsProviderStaff(d.ProviderID),
		CanMode:    d.Status == culture.DeliveryPlanned && acc.Can(culture.ActRequestMenu, u),
		CanCancel:  plan && slices.Contains([]string{culture.DeliveryPlanned, culture.DeliveryConfirmed, culture.DeliveryPublished}, d.Status),
		CanSettle:  plan && (d.Status == culture.DeliveryHeld || d.Status == culture.DeliveryRated)}
	if d.ActivityID != nil {
		data.ActivityURL = fmt.Sprintf("/activities/%d", *d.ActivityID)
		if acc.Can(culture.ActManageActivities, u) {
			data.ActivityURL = consoleActivityURL(*d.ActivityID)
		}
	}
	s.render(w, r, status, "console_delivery", "", data)
}

// consoleSteps lays out the lifecycle: each step reached, with its time
// where one is recorded. A declined or cancelled delivery reached the
// steps its times show.
func consoleSteps(d *culture.Delivery, req *culture.MenuRequest) []consoleStep {
	at := map[string]*time.Time{culture.DeliveryPlanned: &d.CreatedAt, culture.DeliveryConfirmed: d.ConfirmedAt,
		culture.DeliveryPublished: d.ConfirmedAt, culture.DeliveryHeld: d.HeldAt, culture.DeliverySettled: d.SettledAt}
	if req != nil {
		at["ordered"] = &req.CreatedAt
	}
	reached := slices.Index(culture.DeliveryLifecycle, d.Status)
	steps := make([]consoleStep, len(culture.DeliveryLifecycle))
	for i, name := range culture.DeliveryLifecycle {
		done := i <= reached
		if reached < 0 { // declined or cancelled
			done = name == culture.DeliveryPlanned || at[name] != nil && name != "ordered"
		}
		if name == "ordered" {
			done = req != nil
		}
		steps[i] = consoleStep{Name: consoleStepNames[name], At: at[name], Done: done}
	}
	return steps
}

// consoleDeliveryAction loads the delivery named by the path for an
// action that needs act at its unit, and parses the form. On failure it
// answers.
func (s *Server) consoleDeliveryAction(w http.ResponseWriter, r *http.Request, act string) (*culture.Delivery, *culture.Unit, bool) {
	d, u, ok := s.consoleDeliveryPath(w, r)
	if !ok {
		return nil, nil, false
	}
	if err := consoleAccount(r).Check(act, u); err != nil {
		s.error(w, r, err)
		return nil, nil, false
	}
	return d, u, s.consoleParseForm(w, r)
}

// consoleDeliveryDone answers a finished action, or absorbs its refusal
// into f and shows the page again (422).
func (s *Server) consoleDeliveryDone(w http.ResponseWriter, r *http.Request, d *culture.Delivery, u *culture.Unit, f *consoleForm, err error, msg string) {
	if err == nil && f.Valid() {
		s.flash(r, msg)
		redirect(w, r, consoleDeliveryURL(d.ID))
		return
	}
	if err != nil && !f.absorb(err) {
		s.error(w, r, err)
		return
	}
	s.renderDelivery(w, r, http.StatusUnprocessableEntity, d, u, map[string]*consoleForm{f.ID: f})
}

// handleConsoleDeliveryMode lets the branch choose the allocation mode
// while the delivery is planned.
func (s *Server) handleConsoleDeliveryMode(w http.ResponseWriter, r *http.Request) {
	d, u, ok := s.consoleDeliveryAction(w, r, culture.ActRequestMenu)
	if !ok {
		return
	}
	f := consoleFormFrom(r, "mode", "mode")
	mode := f.Get("mode")
	var err error
	if _, known := culture.ModeLabels[mode]; !known {
		f.fail("mode", "请选择预约方式。")
	} else {
		_, err = s.Menu.UpdateDelivery(r.Context(), d.ID, culture.DeliveryUpdate{Mode: &mode})
	}
	s.consoleDeliveryDone(w, r, d, u, f, err, "预约方式已改为："+culture.ModeLabels[mode]+"。")
}

func (s *Server) handleConsoleDeliveryCancel(w http.ResponseWriter, r *http.Request) {
	d, u, ok := s.consoleDeliveryAction(w, r, culture.ActPlanDeliveries)
	if !ok {
		return
	}
	f := consoleFormFrom(r, "cancel", "reason")
	var err error
	if reason := f.text("reason", "请填写取消原因。"); f.Valid() {
		err = s.Menu.CancelDelivery(r.Context(), d.ID, reason)
	}
	s.consoleDeliveryDone(w, r, d, u, f, err, "配送已取消。")
}

func (s *Server) handleConsoleDeliverySettle(w http.ResponseWriter, r *http.Request) {
	d, u, ok := s.consoleDeliveryAction(w, r, culture.ActPlanDeliveries)
	if !ok {
		return
	}
	f := consoleFormFrom(r, "settle", "cost")
	f.text("cost", "请填写费用。")
	cost := f.intIn("cost", 0, 0, culture.MaxItemCost, "费用应在 0 到 1000000 元之间。")
	var err error
	if f.Valid() {
		_, err = s.Menu.UpdateDelivery(r.Context(), d.ID, culture.DeliveryUpdate{Cost: &cost})
	}
	s.consoleDeliveryDone(w, r, d, u, f, err, fmt.Sprintf("已结算：%d 元。", cost))
}
