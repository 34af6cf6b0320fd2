package web

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// supportBox is the support (点单) form of an item's page: the resident's
// quota this season, their support of the item, and where it goes.
type supportBox struct {
	Season      culture.Season
	Quota, Left int
	// Mine is the resident's support of the item this season, if any.
	Mine *culture.Support
	// Home is the resident's home unit; without one, Branches are offered.
	Home     *culture.Unit
	Branches []*culture.Unit
	// UnitID is the branch chosen in a refused form.
	UnitID int64
}

// supportedItems returns the items a resident supports this season (nil
// for a visitor).
func (s *Server) supportedItems(r *http.Request, a *culture.Account) (map[int64]bool, error) {
	if a == nil {
		return nil, nil
	}
	sups, err := s.Menu.FindSupports(r.Context(), a.ID, culture.SeasonOf(s.Now()))
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(sups))
	for _, sup := range sups {
		out[sup.ItemID] = true
	}
	return out, nil
}

// quotaLeft returns the season's supports and how many more are allowed.
func (s *Server) quotaLeft(r *http.Request, a *culture.Account) (sups []*culture.Support, quota, left int, err error) {
	if sups, err = s.Menu.FindSupports(r.Context(), a.ID, culture.SeasonOf(s.Now())); err != nil {
		return nil, 0, 0, err
	}
	if quota, err = s.Menu.SupportQuota(r.Context()); err != nil {
		return nil, 0, 0, err
	}
	return sups, quota, max(quota-len(sups), 0), nil
}

// supportBox builds the support form of item for a signed-in resident.
func (s *Server) supportBox(r *http.Request, a *culture.Account, item *culture.MenuItem, unitID int64) (supportBox, error) {
	box := supportBox{Season: culture.SeasonOf(s.Now()), UnitID: unitID}
	sups, quota, left, err := s.quotaLeft(r, a)
	if err != nil {
		return box, err
	}
	box.Quota, box.Left = quota, left
	for _, sup := range sups {
		if sup.ItemID == item.ID {
			box.Mine = sup
		}
	}
	if a.HomeUnitID != nil {
		box.Home, err = s.Units.FindUnitByID(r.Context(), *a.HomeUnitID)
		return box, err
	}
	box.Branches, err = s.itemBranches(r, item)
	return box, err
}

// itemBranches lists the branches of the hub the item's provider serves.
func (s *Server) itemBranches(r *http.Request, item *culture.MenuItem) ([]*culture.Unit, error) {
	p, err := s.Menu.FindProviderByID(r.Context(), item.ProviderID)
	if err != nil {
		return nil, err
	}
	kind := culture.UnitBranch
	units, _, err := s.Units.FindUnits(r.Context(), culture.UnitFilter{Kind: &kind, Within: &p.HubID})
	return units, err
}

// handleSupportCreate records the resident's support of an item for their
// home branch, or for the branch in the form's unit_id. A refusal (over
// quota, not published, already supported) shows the item again with the
// reason and the mapped status.
func (s *Server) handleSupportCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return
	}
	acct := s.signedInFor(w, r, itemPath(id))
	if acct == nil || !s.readForm(w, r) {
		return
	}
	unitID, err := formUnitID(r.PostForm.Get("unit_id"))
	if err == nil {
		_, err = s.Menu.Support(r.Context(), acct.ID, id, unitID)
	}
	if err != nil {
		s.refuseSupport(w, r, unitID, err)
		return
	}
	s.flash(r, "点单成功，感谢您的支持！点单多的项目会优先配送到分馆。")
	redirect(w, r, backTo(r.PostForm, itemPath(id)))
}

// handleSupportWithdraw withdraws the resident's support of an item this
// season, which gives the quota back.
func (s *Server) handleSupportWithdraw(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Menu == nil {
		s.notFound(w, r)
		return
	}
	acct := s.signedInFor(w, r, itemPath(id))
	if acct == nil || !s.readForm(w, r) {
		return
	}
	if err := s.Menu.WithdrawSupport(r.Context(), acct.ID, id); err != nil {
		s.refuseSupport(w, r, 0, err)
		return
	}
	s.flash(r, "已撤回点单，本季度的点单次数已退还。")
	redirect(w, r, backTo(r.PostForm, itemPath(id)))
}

// formUnitID reads the optional unit_id of the support form: "" is 0
// (the home branch).
func formUnitID(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, culture.Invalid("unit_id", "请选择正确的分馆。")
	}
	return id, nil
}

// backTo returns the form's local "back" path, or fallback.
func backTo(form url.Values, fallback string) string {
	if back := form.Get("back"); localPath(back) {
		return back
	}
	return fallback
}

// refuseSupport shows the item's page again with why the support or its
// withdrawal failed.
func (s *Server) refuseSupport(w http.ResponseWriter, r *http.Request, unitID int64, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL {
		s.error(w, r, err)
		return
	}
	item, ok := s.visibleItem(w, r)
	if !ok {
		return
	}
	data, ferr := s.menuItemPage(r, item, unitID)
	if ferr != nil {
		s.error(w, r, ferr)
		return
	}
	data.Error = culture.ErrorMessage(err)
	s.render(w, r, cmp.Or(statusOf[code], http.StatusBadRequest), "menu_item", "", &data)
}

// supportsPage is the data of "my supports".
type supportsPage struct {
	Page
	Season      culture.Season
	Supports    []*culture.Support
	Quota, Left int
}

// handleSupportIndex lists the resident's supports this season, with the
// quota left and a withdraw button each.
func (s *Server) handleSupportIndex(w http.ResponseWriter, r *http.Request) {
	acct := s.currentAccount(w, r)
	if acct == nil {
		return
	} else if s.Menu == nil {
		s.notFound(w, r)
		return
	}
	sups, quota, left, err := s.quotaLeft(r, acct)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "supports", "", &supportsPage{
		Page: s.page(r, "我的点单"), Season: culture.SeasonOf(s.Now()), Supports: sups, Quota: quota, Left: left,
	})
}
