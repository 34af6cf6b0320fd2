package web

import (
	"cmp"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// familyPage is the data of the family members page.
type familyPage struct {
	Page
	Members []*culture.FamilyMember
	Form    familyForm
	// Back is the page to return to after adding (an activity's booking form).
	Back  string
	Error string
	// Field names the input the error is about.
	Field string
}

// familyForm is the add-member form as submitted.
type familyForm struct {
	Name, Relation, BirthYear string
}

// handleFamilyIndex lists the resident's family members with a form to add one.
func (s *Server) handleFamilyIndex(w http.ResponseWriter, r *http.Request) {
	acct := s.currentAccount(w, r)
	if acct == nil {
		return
	}
	back := r.URL.Query().Get("back")
	if !localPath(back) {
		back = ""
	}
	s.renderFamily(w, r, http.StatusOK, acct, familyPage{Back: back})
}

func (s *Server) renderFamily(w http.ResponseWriter, r *http.Request, status int, acct *culture.Account, data familyPage) {
	members, err := s.Accounts.FindFamily(r.Context(), acct.ID)
	if err != nil {
		s.error(w, r, err)
		return
	}
	data.Page, data.Members = s.page(r, "家庭成员"), members
	s.render(w, r, status, "family", "", &data)
}

// handleFamilyCreate adds a family member.
func (s *Server) handleFamilyCreate(w http.ResponseWriter, r *http.Request) {
	acct := s.signedInFor(w, r, "/me/family")
	if acct == nil || !s.readForm(w, r) {
		return
	}
	form := familyForm{
		Name:      strings.TrimSpace(r.PostForm.Get("name")),
		Relation:  r.PostForm.Get("relation"),
		BirthYear: strings.TrimSpace(r.PostForm.Get("birth_year")),
	}
	back := r.PostForm.Get("back")
	if !localPath(back) {
		back = ""
	}
	m, err := form.member(acct.ID)
	if err == nil {
		err = s.Accounts.CreateFamilyMember(r.Context(), m)
	}
	if err != nil {
		s.refuseFamily(w, r, acct, familyPage{Form: form, Back: back}, err)
		return
	}
	s.flash(r, "已添加家庭成员："+m.Name)
	redirect(w, r, cmp.Or(back, "/me/family"))
}

// member validates the form into a family member of the account.
func (f familyForm) member(accountID int64) (*culture.FamilyMember, error) {
	m := &culture.FamilyMember{AccountID: accountID, Name: f.Name, Relation: f.Relation}
	if f.BirthYear != "" {
		y, err := strconv.Atoi(f.BirthYear)
		if err != nil {
			return nil, culture.Invalid("birth_year", "出生年份请填写 4 位数字，如 2016。")
		}
		m.BirthYear = y
	}
	return m, m.Validate()
}

// refuseFamily shows the family page again with the validation message.
func (s *Server) refuseFamily(w http.ResponseWriter, r *http.Request, acct *culture.Account, data familyPage, err error) {
	code := culture.ErrorCode(err)
	if code == culture.EINTERNAL {
		s.error(w, r, err)
		return
	}
	data.Error = culture.ErrorMessage(err)
	data.Field = errorField(err)
	s.renderFamily(w, r, statusOf[code], acct, data)
}

// handleFamilyDelete removes a family member of the resident.
func (s *Server) handleFamilyDelete(w http.ResponseWriter, r *http.Request) {
	acct := s.signedInFor(w, r, "/me/family")
	if acct == nil {
		return
	}
	id, ok := pathID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if err := s.Accounts.DeleteFamilyMember(r.Context(), acct.ID, id); err != nil {
		s.error(w, r, err)
		return
	}
	s.flash(r, "已删除家庭成员。")
	redirect(w, r, "/me/family")
}

// errorField returns the form field a domain error is about, or "".
func errorField(err error) string {
	var e *culture.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
