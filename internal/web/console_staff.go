package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// consoleUsernameRE is the store's rule for usernames (stored lower-cased).
var consoleUsernameRE = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)

var consoleStaffFields = []string{"username", "name", "password"}

// consoleStaffPage lists staff accounts (those holding a grant) and the
// account found by username, which may hold none yet.
type consoleStaffPage struct {
	Page
	Staff []*culture.Account
	Total int
	// Username was looked up; Found is its account, if any.
	Username string
	Found    *culture.Account
	// Units are where the operator may grant roles.
	Units []consoleUnitRow
	Form  *consoleForm // a new staff account
	// GrantFor is the account whose grant form failed, with GrantForm.
	GrantFor  int64
	GrantForm *consoleForm
}

// consoleStaffRow is what the "console_staff_row" template shows.
type consoleStaffRow struct {
	*culture.Account
	Grant *consoleForm
	Units []consoleUnitRow
}

// consoleRoles lists the roles a grant may bind, for the select.
var consoleRoles = []string{culture.RoleChecker, culture.RoleOfficial, culture.RoleBranchAdmin, culture.RoleHubAdmin,
	culture.RoleProviderStaff, culture.RoleOperator}

// Roles lists the roles a grant may bind.
func (r consoleStaffRow) Roles() []string { return consoleRoles }

// Row returns an account with its grant form (blank unless it failed).
func (p consoleStaffPage) Row(a *culture.Account) consoleStaffRow {
	f := newConsoleForm("g" + strconv.FormatInt(a.ID, 10))
	if p.GrantFor == a.ID && p.GrantForm != nil {
		f = p.GrantForm
	}
	return consoleStaffRow{Account: a, Grant: f, Units: p.Units}
}

// consoleOperator lets through operators (ActManageUnits somewhere) and
// answers 403 to anyone else.
func (s *Server) consoleOperator(w http.ResponseWriter, r *http.Request) bool {
	if !consoleAccount(r).CanAnywhere(culture.ActManageUnits) {
		s.error(w, r, culture.ErrForbidden)
		return false
	}
	return true
}

func (s *Server) handleConsoleStaff(w http.ResponseWriter, r *http.Request) {
	if s.consoleOperator(w, r) {
		username := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("username")))
		s.renderStaff(w, r, http.StatusOK, consoleStaffPage{Form: newConsoleForm(""), Username: username})
	}
}

func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, status int, data consoleStaffPage) {
	staff, total, err := s.Accounts.FindAccounts(r.Context(), culture.AccountFilter{StaffOnly: true, Limit: 500})
	if err == nil && data.Username != "" && data.Found == nil {
		data.Found, err = s.consoleFindUsername(r.Context(), data.Username)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	units, err := s.consoleScope(r.Context(), consoleAccount(r), culture.ActManageUnits)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if data.Found != nil { // shown on its own, above the list
		staff = slices.DeleteFunc(staff, func(a *culture.Account) bool { return a.ID == data.Found.ID })
	}
	data.Page, data.Staff, data.Total, data.Units = s.page(r, "工作人员"), staff, total, units
	s.render(w, r, status, "console_staff", "", data)
}

// consoleFindUsername returns the staff account with the username, or nil.
func (s *Server) consoleFindUsername(ctx context.Context, username string) (*culture.Account, error) {
	if !consoleUsernameRE.MatchString(username) {
		return nil, nil // no account has such a name; do not ask the database
	}
	found, _, err := s.Accounts.FindAccounts(ctx, culture.AccountFilter{Username: &username, Limit: 1})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return found[0], nil
}

func (s *Server) handleConsoleStaffCreate(w http.ResponseWriter, r *http.Request) {
	if !s.consoleOperator(w, r) || !s.consoleParseForm(w, r) {
		return
	}
	f := consoleFormFrom(r, "", consoleStaffFields...)
	f.Values["password"] = r.PostForm.Get("password") // spaces count
	acc := consoleStaffOf(f)
	if f.Valid() {
		err := s.Accounts.CreateStaff(r.Context(), acc, f.Get("password"))
		if culture.ErrorCode(err) == culture.ECONFLICT {
			f.fail("username", "该用户名已被使用。")
		} else if err == nil {
			s.flash(r, "已创建工作人员账号："+acc.Username+"。请为其授权。")
			redirect(w, r, "/console/staff?username="+url.QueryEscape(acc.Username))
			return
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	f.Values["password"] = "" // never echo a password
	s.renderStaff(w, r, http.StatusUnprocessableEntity, consoleStaffPage{Form: f})
}

// consoleStaffOf reads the new staff form, noting problems on f.
func consoleStaffOf(f *consoleForm) *culture.Account {
	a := &culture.Account{Username: strings.ToLower(f.Get("username")), Name: f.text("name", "请填写姓名。")}
	if !consoleUsernameRE.MatchString(a.Username) {
		f.fail("username", "用户名应为 3 到 32 位字母、数字、点、下划线或连字符。")
	}
	if n := utf8.RuneCountInString(a.Name); n > 20 || !utf8.ValidString(a.Name) {
		f.fail("name", "姓名最多 20 个字。")
	}
	if n := utf8.RuneCountInString(f.Get("password")); n < 8 || n > 128 {
		f.fail("password", "初始密码应为 8 到 128 个字符。")
	}
	return a
}

func (s *Server) handleConsoleGrantCreate(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.consoleOperator(w, r) || !s.consoleParseForm(w, r) {
		return
	}
	target, err := s.Accounts.FindAccountByID(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f := consoleFormFrom(r, "g"+strconv.FormatInt(id, 10), "role", "unit_id")
	g, err := s.consoleGrantOf(r.Context(), consoleAccount(r), target, f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if f.Valid() {
		err := s.Accounts.CreateGrant(r.Context(), g)
		if err == nil {
			s.flash(r, "已授权："+target.DisplayName()+" 为 "+culture.RoleLabels[g.Role]+"。")
			redirect(w, r, "/console/staff")
			return
		} else if culture.ErrorCode(err) == culture.ECONFLICT {
			f.fail("role", "该账号在此单位已有这一角色。")
		} else if !f.absorb(err) {
			s.error(w, r, err)
			return
		}
	}
	s.renderStaff(w, r, http.StatusUnprocessableEntity, consoleStaffPage{Form: newConsoleForm(""),
		GrantFor: id, GrantForm: f, Username: target.Username, Found: target})
}

// consoleGrantOf reads a grant form for target, noting problems on f. A unit
// outside acc's scope is an error (forbidden).
func (s *Server) consoleGrantOf(ctx context.Context, acc, target *culture.Account, f *consoleForm) (*culture.Grant, error) {
	g := &culture.Grant{AccountID: target.ID, Role: f.text("role", "请选择角色。")}
	if target.Username == "" {
		f.fail("role", "只能为工作人员账号（用户名登录）授权。")
	}
	if id := f.id("unit_id"); id == nil {
		f.fail("unit_id", "请选择单位。")
	} else if _, err := s.consoleUnitFor(ctx, acc, culture.ActManageUnits, *id); culture.ErrorCode(err) == culture.ENOTFOUND {
		f.fail("unit_id", "所选单位不存在。")
	} else if err != nil {
		return nil, err
	} else {
		g.UnitID = *id
	}
	if err := g.Validate(); err != nil && f.Valid() {
		f.absorb(err)
	}
	return g, nil
}

func (s *Server) handleConsoleGrantDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if !s.consoleOperator(w, r) || !s.consoleParseForm(w, r) {
		return
	}
	g, err := s.consoleGrant(r.Context(), id, r.PostForm.Get("account_id"))
	if err == nil {
		_, err = s.consoleUnitFor(r.Context(), consoleAccount(r), culture.ActManageUnits, g.UnitID)
	}
	if err == nil && g.AccountID == consoleAccount(r).ID {
		err = culture.Invalid("grant", "不能删除自己的授权，请让其他运营人员操作。")
	}
	if err == nil {
		err = s.Accounts.DeleteGrant(r.Context(), id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已删除授权。")
	redirect(w, r, "/console/staff")
}

// consoleGrant finds a grant among the grants of the account the form
// names; there is no other way to look a grant up.
func (s *Server) consoleGrant(ctx context.Context, id int64, account string) (*culture.Grant, error) {
	notFound := culture.Errorf(culture.ENOTFOUND, "授权不存在。")
	accountID, err := strconv.ParseInt(account, 10, 64)
	if err != nil || accountID <= 0 {
		return nil, notFound
	}
	target, err := s.Accounts.FindAccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	for _, g := range target.Grants {
		if g.ID == id {
			return g, nil
		}
	}
	return nil, notFound
}
