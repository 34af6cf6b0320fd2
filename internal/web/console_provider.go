package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleProviderFields are the text inputs of the provider form; the
// logo is the file field "logo".
var consoleProviderFields = []string{"hub_id", "name", "level", "kind", "contact_name", "contact_phone", "intro"}

// errNoProvider refuses accounts that are staff of no provider.
var errNoProvider = culture.Errorf(culture.EFORBIDDEN, "您不是文化主体的工作人员。")

// consoleProvidersPage lists the providers of the hubs the account
// reviews, with their figures.
type consoleProvidersPage struct {
	Page
	Providers []*culture.Provider
	Hubs      []*culture.Unit
}

// HubName returns the name of a listed hub.
func (p consoleProvidersPage) HubName(id int64) string {
	for _, h := range p.Hubs {
		if h.ID == id {
			return h.Name
		}
	}
	return ""
}

// consoleProviderFormPage is the new-provider form, or a provider's
// profile with its staff and a form to add one.
type consoleProviderFormPage struct {
	Page
	Provider  *culture.Provider // nil for a new provider
	Form      *consoleForm
	Hubs      []*culture.Unit
	Staff     []*culture.Account
	StaffForm *consoleForm
}

// HubOptions lists the hubs a new provider may serve.
func (p consoleProviderFormPage) HubOptions() []culture.Label {
	out := make([]culture.Label, len(p.Hubs))
	for i, h := range p.Hubs {
		out[i] = culture.Label{Value: strconv.FormatInt(h.ID, 10), Name: h.Name}
	}
	return out
}

// consoleProviderPickPage lets staff of several providers choose one.
type consoleProviderPickPage struct {
	Page
	Providers []*culture.Provider
}

// handleConsoleProviderHome sends provider staff to their provider's
// items, and reviewers to the provider list.
func (s *Server) handleConsoleProviderHome(w http.ResponseWriter, r *http.Request) {
	acc := consoleAccount(r)
	ids := acc.ProviderIDs()
	switch {
	case len(ids) == 1:
		redirect(w, r, fmt.Sprintf("/console/providers/%d/items", ids[0]))
	case len(ids) == 0 && acc.CanAnywhere(culture.ActReviewMenu):
		redirect(w, r, "/console/providers")
	case len(ids) == 0:
		s.error(w, r, errNoProvider)
	default:
		var ps []*culture.Provider
		for _, id := range ids {
			p, err := s.Menu.FindProviderByID(r.Context(), id)
			if err != nil {
				s.error(w, r, err)
				return
			}
			ps = append(ps, p)
		}
		s.render(w, r, http.StatusOK, "console_provider_pick", "", consoleProviderPickPage{Page: s.page(r, "我的文化主体"), Providers: ps})
	}
}

func (s *Server) handleConsoleProviders(w http.ResponseWriter, r *http.Request) {
	hubs, ok := s.consoleReviewHubs(w, r)
	if !ok {
		return
	}
	var ps []*culture.Provider
	for _, h := range hubs {
		got, err := s.Menu.FindProviders(r.Context(), &h.ID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		ps = append(ps, got...)
	}
	s.render(w, r, http.StatusOK, "console_providers", "", consoleProvidersPage{Page: s.page(r, "文化主体"), Providers: ps, Hubs: hubs})
}

// consoleReviewHubs returns the hubs the account reviews the menu of; an
// account reviewing none gets 403.
func (s *Server) consoleReviewHubs(w http.ResponseWriter, r *http.Request) ([]*culture.Unit, bool) {
	acc := consoleAccount(r)
	if !acc.CanAnywhere(culture.ActReviewMenu) {
		s.error(w, r, errNoReview)
		return nil, false
	}
	hubs, err := s.consoleHubs(r.Context(), acc, culture.ActReviewMenu)
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return hubs, true
}

func (s *Server) handleConsoleProviderNew(w http.ResponseWriter, r *http.Request) {
	hubs, ok := s.consoleReviewHubs(w, r)
	if !ok {
		return
	}
	f := newConsoleForm("")
	f.Values["level"] = culture.LevelDistrict
	if len(hubs) == 1 {
		f.Values["hub_id"] = strconv.FormatInt(hubs[0].ID, 10)
	}
	s.render(w, r, http.StatusOK, "console_provider_form", "", consoleProviderFormPage{
		Page: s.page(r, "新建文化主体"), Form: f, Hubs: hubs})
}

func (s *Server) handleConsoleProviderCreate(w http.ResponseWriter, r *http.Request) {
	hubs, ok := s.consoleReviewHubs(w, r)
	if !ok || !s.consoleParseUpload(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleProviderFields...)
	p := consoleProviderOf(f)
	if err := s.consoleCheckHub(r.Context(), f, hubs, p); err != nil {
		s.error(w, r, err)
		return
	}
	if s.consoleSaveProvider(w, r, f, p, s.Menu.CreateProvider) {
		return
	}
	s.render(w, r, http.StatusUnprocessableEntity, "console_provider_form", "", consoleProviderFormPage{
		Page: s.page(r, "新建文化主体"), Form: f, Hubs: hubs})
}

// consoleCheckHub sets p's hub from the form: an unknown unit or one that
// is no hub is a field message, a hub the account does not review is
// forbidden.
func (s *Server) consoleCheckHub(ctx context.Context, f *consoleForm, hubs []*culture.Unit, p *culture.Provider) error {
	id := f.id("hub_id")
	if id == nil {
		f.fail("hub_id", "请选择所属总馆。")
		return nil
	}
	if slices.ContainsFunc(hubs, func(h *culture.Unit) bool { return h.ID == *id }) {
		p.HubID = *id
		return nil
	}
	u, err := s.Units.FindUnitByID(ctx, *id)
	switch {
	case culture.ErrorCode(err) == culture.ENOTFOUND || err == nil && u.Kind != culture.UnitHub:
		f.fail("hub_id", "所选总馆不存在。")
		return nil
	case err != nil:
		return err
	}
	return culture.ErrForbidden
}

// consoleSaveProvider checks the logo, stores it and saves p with save.
// On success it answers (flash and redirect) and returns true; otherwise
// the problems are on f, unless it has answered with an error page.
func (s *Server) consoleSaveProvider(w http.ResponseWriter, r *http.Request, f *consoleForm,
	p *culture.Provider, save func(context.Context, *culture.Provider) error) bool {
	logo := consoleUploads(r, f, "logo")
	if len(logo) > 1 {
		f.fail("logo", "只能上传一个标志。")
	}
	if !f.Valid() {
		return false
	}
	ids, err := s.consoleStoreImages(r.Context(), logo, consoleAccount(r).ID)
	if err == nil {
		if len(ids) == 1 {
			p.LogoID = &ids[0]
		}
		if err = save(r.Context(), p); err != nil {
			s.consoleDropImages(r.Context(), ids)
		}
	}
	if err == nil {
		s.flash(r, "已保存文化主体：“"+p.Name+"”。")
		redirect(w, r, fmt.Sprintf("/console/providers/%d/edit", p.ID))
		return true
	}
	if !f.absorb(err) {
		s.error(w, r, err)
		return true
	}
	return false
}

// consoleProviderOf reads the provider form and runs the domain checks.
func consoleProviderOf(f *consoleForm) *culture.Provider {
	p := &culture.Provider{Name: f.text("name", "请填写名称。"), Level: f.Get("level"), Kind: f.Get("kind"),
		ContactName: f.Get("contact_name"), ContactPhone: f.Get("contact_phone"), Intro: f.Get("intro")}
	if err := p.Validate(); err != nil {
		f.absorb(err)
	}
	return p
}

// consoleProviderAdmin loads the provider named by the path for a
// reviewer at its hub (its own staff may not edit its profile). On
// failure it answers.
func (s *Server) consoleProviderAdmin(w http.ResponseWriter, r *http.Request) (*culture.Provider, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	p, err := s.Menu.FindProviderByID(r.Context(), id)
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActReviewMenu, p.HubID)
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return p, true
}

func (s *Server) handleConsoleProviderEdit(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.consoleProviderAdmin(w, r); ok {
		s.renderProviderEdit(w, r, http.StatusOK, p, consoleProviderFormOf(p), newConsoleForm("staff"))
	}
}

func (s *Server) handleConsoleProviderUpdate(w http.ResponseWriter, r *http.Request) {
	stored, ok := s.consoleProviderAdmin(w, r)
	if !ok || !s.consoleParseUpload(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleProviderFields...)
	p := consoleProviderOf(f)
	p.ID, p.HubID, p.LogoID, p.CreatedAt = stored.ID, stored.HubID, stored.LogoID, stored.CreatedAt
	if s.consoleSaveProvider(w, r, f, p, s.Menu.UpdateProvider) {
		return
	}
	p.LogoID = stored.LogoID
	s.renderProviderEdit(w, r, http.StatusUnprocessableEntity, p, f, newConsoleForm("staff"))
}

// renderProviderEdit shows a provider's profile form, its staff and the
// form to add staff.
func (s *Server) renderProviderEdit(w http.ResponseWriter, r *http.Request, status int, p *culture.Provider, f, staffForm *consoleForm) {
	staff, err := s.consoleProviderStaff(r.Context(), p.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f.Values["hub_id"] = strconv.FormatInt(p.HubID, 10)
	s.render(w, r, status, "console_provider_form", "", consoleProviderFormPage{
		Page: s.page(r, p.Name), Provider: p, Form: f, Staff: staff, StaffForm: staffForm})
}

// consoleProviderStaff returns the accounts holding a grant for the
// provider.
func (s *Server) consoleProviderStaff(ctx context.Context, providerID int64) ([]*culture.Account, error) {
	all, _, err := s.Accounts.FindAccounts(ctx, culture.AccountFilter{StaffOnly: true, Limit: 1000})
	return slices.DeleteFunc(all, func(a *culture.Account) bool { return !a.IsProviderStaff(providerID) }), err
}

func consoleProviderFormOf(p *culture.Provider) *consoleForm {
	f := newConsoleForm("")
	v := f.Values
	v["name"], v["level"], v["kind"], v["intro"] = p.Name, p.Level, p.Kind, p.Intro
	v["contact_name"], v["contact_phone"] = p.ContactName, p.ContactPhone
	return f
}

// handleConsoleProviderStaffCreate creates a staff account for the
// provider: a provider_staff grant at its hub naming it.
func (s *Server) handleConsoleProviderStaffCreate(w http.ResponseWriter, r *http.Request) {
	p, ok := s.consoleProviderAdmin(w, r)
	if !ok || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "staff", consoleStaffFields...)
	f.Values["password"] = r.PostForm.Get("password") // spaces count
	acc := consoleStaffOf(f)
	if f.Valid() {
		err := s.consoleCreateProviderStaff(r.Context(), p, acc, f.Get("password"))
		if err == nil {
			s.flash(r, "已为“"+p.Name+"”创建账号："+acc.Username+"。")
			redirect(w, r, fmt.Sprintf("/console/providers/%d/edit", p.ID))
			return
		} else if !consoleAbsorbStaff(f, err) {
			s.error(w, r, err)
			return
		}
	}
	f.Values["password"] = "" // never echo a password
	s.renderProviderEdit(w, r, http.StatusUnprocessableEntity, p, consoleProviderFormOf(p), f)
}

// consoleAbsorbStaff puts a refusal of the staff form on it: a taken
// username on its field, any other refusal of the input (of the grant,
// say) above the form, which has no field for it.
func consoleAbsorbStaff(f *consoleForm, err error) bool {
	var e *culture.Error
	switch {
	case !errors.As(err, &e) || e.Code != culture.EINVALID && e.Code != culture.ECONFLICT:
		return false
	case e.Code == culture.ECONFLICT && e.Field == "username":
		f.fail("username", "该用户名已被使用。")
	case slices.Contains(consoleStaffFields, e.Field):
		f.fail(e.Field, e.Message)
	default:
		f.fail("", e.Message)
	}
	return true
}

// staffGrantCreator is the part of the store
// (sqlstore.Store.CreateStaffWithGrants) that creates an account and its
// grants in one transaction; culture.AccountService does not have it.
type staffGrantCreator interface {
	CreateStaffWithGrants(ctx context.Context, a *culture.Account, password string, grants []*culture.Grant) error
}

// consoleCreateProviderStaff creates the account with its provider_staff
// grant at once, so a refused grant leaves no account holding the
// username. An AccountService without the combined call is refused.
func (s *Server) consoleCreateProviderStaff(ctx context.Context, p *culture.Provider, acc *culture.Account, password string) error {
	creator, ok := s.Accounts.(staffGrantCreator)
	if !ok {
		return errors.New("web: account service cannot create staff with grants")
	}
	id := p.ID
	return creator.CreateStaffWithGrants(ctx, acc, password, []*culture.Grant{{
		Role: culture.RoleProviderStaff, UnitID: p.HubID, ProviderID: &id}})
}

// consoleProviderDeliveriesPage lists a provider's deliveries; its staff
// answer the planned ones.
type consoleProviderDeliveriesPage struct {
	Page
	Provider   *culture.Provider
	Deliveries []*culture.Delivery
	Staff      bool
	// FailedID is the delivery whose decline form failed, with Failed.
	FailedID int64
	Failed   *consoleForm
}

// DeclineForm returns the decline form of a delivery.
func (p consoleProviderDeliveriesPage) DeclineForm(id int64) *consoleForm {
	if id == p.FailedID && p.Failed != nil {
		return p.Failed
	}
	return newConsoleForm("d" + strconv.FormatInt(id, 10))
}

func (s *Server) handleConsoleProviderDeliveries(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.consoleProviderPath(w, r); ok {
		s.renderProviderDeliveries(w, r, http.StatusOK, p, 0, nil)
	}
}

func (s *Server) renderProviderDeliveries(w http.ResponseWriter, r *http.Request, status int, p *culture.Provider, failedID int64, failed *consoleForm) {
	ds, _, err := s.Menu.FindDeliveries(r.Context(), culture.DeliveryFilter{ProviderID: &p.ID, Limit: 300})
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, status, "console_provider_deliveries", "", consoleProviderDeliveriesPage{
		Page: s.page(r, p.Name+" · 配送"), Provider: p, Deliveries: ds,
		Staff: consoleAccount(r).IsProviderStaff(p.ID), FailedID: failedID, Failed: failed})
}

// consoleProviderDelivery loads the delivery named by the path for its
// provider's staff only: staff of another provider, and everyone else,
// get 403. On failure it answers.
func (s *Server) consoleProviderDelivery(w http.ResponseWriter, r *http.Request) (*culture.Delivery, bool) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return nil, false
	}
	acc := consoleAccount(r)
	if len(acc.ProviderIDs()) == 0 {
		s.error(w, r, errNoProvider)
		return nil, false
	}
	d, err := s.Menu.FindDeliveryByID(r.Context(), id)
	if err == nil && !acc.IsProviderStaff(d.ProviderID) {
		err = culture.ErrForbidden
	}
	if err != nil {
		s.error(w, r, err)
		return nil, false
	}
	return d, s.consoleParseForm(w, r)
}

func (s *Server) handleConsoleDeliveryConfirm(w http.ResponseWriter, r *http.Request) {
	d, ok := s.consoleProviderDelivery(w, r)
	if !ok {
		return
	}
	if _, err := s.Menu.ConfirmDelivery(r.Context(), d.ID, d.ProviderID, true, ""); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已确认配送，活动已发布到"+d.UnitName+"。")
	redirect(w, r, consoleDeliveryURL(d.ID))
}

func (s *Server) handleConsoleDeliveryDecline(w http.ResponseWriter, r *http.Request) {
	d, ok := s.consoleProviderDelivery(w, r)
	if !ok {
		return
	}
	f := consoleFormFrom(r, "d"+strconv.FormatInt(d.ID, 10), "reason")
	if reason := f.text("reason", "请填写婉拒原因。"); f.Valid() {
		_, err := s.Menu.ConfirmDelivery(r.Context(), d.ID, d.ProviderID, false, reason)
		if err == nil {
			s.flash(r, "已婉拒该配送。")
			redirect(w, r, fmt.Sprintf("/console/providers/%d/deliveries", d.ProviderID))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	p, err := s.Menu.FindProviderByID(r.Context(), d.ProviderID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.renderProviderDeliveries(w, r, http.StatusUnprocessableEntity, p, d.ID, f)
}
